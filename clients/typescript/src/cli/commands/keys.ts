/** Key pairs (keygen, for everyone) and the Secretariat's key management (keys ...). */
import { existsSync, writeFileSync } from 'node:fs';
import type { JWK } from 'jose';
import { ok, type Schemas } from '../../client.ts';
import { generateSigningKey, type KeyAlgorithm } from '../../keys.ts';
import type { Command } from '../command.ts';
import { IDEMPOTENCY_OPTION } from '../command.ts';
import { LocalError, UsageError } from '../errors.ts';
import { arg, attested, idempotencyHeader, integer, list, noMoreArgs, str, table } from '../util.ts';
import type { Context } from '../context.ts';

const SCOPES = ['read', 'contacts:write', 'principals:write', 'checks:write', 'incidents:write', 'documents:write'];

function publicJwkOf(ctx: Context, file: string): Schemas['PublicJwk'] {
  const jwk = ctx.readJsonFile<JWK>(file);
  if (jwk.d) throw new LocalError(`${file} holds a private key: hand over the public key only (cbm keygen printed it)`);
  const { kty, crv, x, y } = jwk;
  if (!kty || !crv || !x) throw new LocalError(`${file} is not a public JWK (kty, crv, x)`);
  return { kty, crv, x, ...(y ? { y } : {}) } as Schemas['PublicJwk'];
}

function scopes(ctx: Context): Schemas['Scope'][] | undefined {
  const given = list(ctx, 'scopes');
  if (!given) return undefined;
  const unknown = given.filter((scope) => !SCOPES.includes(scope));
  if (unknown.length) throw new UsageError(`unknown scope ${unknown.join(', ')}: use ${SCOPES.join(', ')}`);
  return given as Schemas['Scope'][];
}

const keyLine = (key: Schemas['PrincipalKey']) => `key ${key.kid} of ${key.principal}: ${key.status}, ${key.alg}, scopes ${key.scopes.join(' ')}${key.expires_at ? `, expires ${key.expires_at}` : ''}`;

export const keyCommands: Command[] = [
  {
    words: ['keygen'],
    summary: 'make a key pair; writes the private JWK (0600) and prints the public JWK for the Secretariat',
    audience: 'everyone',
    offline: true,
    options: {
      out: { type: 'string', value: 'FILE', help: "where to write the private key (default: the profile's key, if it does not exist yet)" },
      alg: { type: 'string', value: 'EdDSA|ES256', help: 'Ed25519 (EdDSA, default) or P-256 (ES256)' },
    },
    async run(ctx) {
      noMoreArgs(ctx, 0);
      const out = str(ctx, 'out') ?? (ctx.profile?.key && !existsSync(ctx.profile.key) ? ctx.profile.key : undefined);
      if (!out) throw new UsageError('keygen needs --out FILE for the private key');
      if (existsSync(out)) throw new LocalError(`${out} exists already: cbm never overwrites a key`);
      const alg = (str(ctx, 'alg') ?? 'EdDSA') as KeyAlgorithm;
      if (alg !== 'EdDSA' && alg !== 'ES256') throw new UsageError('--alg is EdDSA or ES256');
      const pair = await generateSigningKey(alg);
      try {
        writeFileSync(out, `${JSON.stringify(pair.privateJwk, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
      } catch (error) {
        throw new LocalError(`cannot write ${out}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
      }
      ctx.note(`private key written to ${out} (mode 0600); give the Secretariat this public key (kid ${pair.kid}):`);
      ctx.io.stdout.write(`${JSON.stringify(pair.publicJwk, null, 2)}\n`);
    },
  },
  {
    words: ['keys', 'list'],
    args: 'PRINCIPAL',
    summary: "a principal's keys (--all adds expired and revoked ones)",
    audience: 'everyone',
    options: { all: { type: 'boolean', help: 'also expired and revoked keys' } },
    async run(ctx) {
      const principalId = arg(ctx, 0, 'PRINCIPAL');
      noMoreArgs(ctx, 1);
      const client = await ctx.client();
      const keys = await ok(client.GET('/principals/{principalId}/keys', { params: { path: { principalId }, query: { status: ctx.opts.all ? 'all' : 'active' } } }));
      ctx.emit(keys, () => (keys.items.length ? table([['KID', 'STATUS', 'ALG', 'SCOPES', 'EXPIRES', 'LABEL'], ...keys.items.map((key) => [key.kid, key.status, key.alg, key.scopes.join(','), key.expires_at, key.label])]) : `${principalId} has no ${ctx.opts.all ? '' : 'active '}keys`));
    },
  },
  {
    words: ['keys', 'add'],
    args: 'PRINCIPAL PUBLIC_JWK_FILE',
    summary: 'register a public key for a principal, with its scopes',
    audience: 'secretariat',
    options: {
      scopes: { type: 'string', value: 'LIST', help: `comma-separated: ${SCOPES.join(', ')} (default read,contacts:write)` },
      label: { type: 'string', value: 'TEXT', help: 'what the key is for, e.g. "incident notifier"' },
      ...IDEMPOTENCY_OPTION,
    },
    async run(ctx) {
      const principalId = arg(ctx, 0, 'PRINCIPAL');
      const jwk = publicJwkOf(ctx, arg(ctx, 1, 'PUBLIC_JWK_FILE'));
      noMoreArgs(ctx, 2);
      const client = await ctx.client();
      const body: Schemas['KeyInput'] = { jwk, scopes: scopes(ctx) ?? ['read', 'contacts:write'], ...(str(ctx, 'label') ? { label: str(ctx, 'label') } : {}) };
      const result = await ok(client.POST('/principals/{principalId}/keys', { params: { path: { principalId }, header: idempotencyHeader(ctx) }, body }));
      ctx.emit(result, [`registered ${keyLine(result.data)}`, attested(result.attestation)]);
    },
  },
  {
    words: ['keys', 'rotate'],
    args: 'PRINCIPAL KID NEW_PUBLIC_JWK_FILE',
    summary: 'replace a key by a new one; both are valid during the overlap',
    audience: 'secretariat',
    options: {
      scopes: { type: 'string', value: 'LIST', help: "the new key's scopes (default: the old key's)" },
      label: { type: 'string', value: 'TEXT', help: 'label of the new key' },
      overlap: { type: 'string', value: 'SECONDS', help: 'how long the old key stays valid (default 604800, a week)' },
      ...IDEMPOTENCY_OPTION,
    },
    async run(ctx) {
      const principalId = arg(ctx, 0, 'PRINCIPAL');
      const kid = arg(ctx, 1, 'KID');
      const jwk = publicJwkOf(ctx, arg(ctx, 2, 'NEW_PUBLIC_JWK_FILE'));
      noMoreArgs(ctx, 3);
      const client = await ctx.client();
      const overlap = integer(ctx, 'overlap');
      const body = { jwk, ...(scopes(ctx) ? { scopes: scopes(ctx) } : {}), ...(str(ctx, 'label') ? { label: str(ctx, 'label') } : {}), ...(overlap !== undefined ? { overlap_seconds: overlap } : {}) } as Schemas['KeyRotationInput'];
      const result = await ok(client.POST('/principals/{principalId}/keys/{kid}/rotate', { params: { path: { principalId, kid }, header: idempotencyHeader(ctx) }, body }));
      ctx.emit(result, [`registered ${keyLine(result.data)}, replacing ${kid}`, attested(result.attestation)]);
    },
  },
  {
    words: ['keys', 'revoke'],
    args: 'PRINCIPAL KID',
    summary: 'revoke a key at once (requests signed with it are refused from now on)',
    audience: 'secretariat',
    options: {
      reason: { type: 'string', value: 'REASON', help: 'compromised, superseded, retired or other (required)' },
      note: { type: 'string', value: 'TEXT', help: 'a note for the record' },
    },
    async run(ctx) {
      const principalId = arg(ctx, 0, 'PRINCIPAL');
      const kid = arg(ctx, 1, 'KID');
      noMoreArgs(ctx, 2);
      const reason = str(ctx, 'reason');
      if (!reason || !['compromised', 'superseded', 'retired', 'other'].includes(reason)) throw new UsageError('--reason is compromised, superseded, retired or other');
      const client = await ctx.client();
      const body: Schemas['KeyRevocationInput'] = { reason: reason as Schemas['KeyRevocationInput']['reason'], ...(str(ctx, 'note') ? { note: str(ctx, 'note') } : {}) };
      const result = await ok(client.POST('/principals/{principalId}/keys/{kid}/revoke', { params: { path: { principalId, kid } }, body }));
      ctx.emit(result, [`revoked ${keyLine(result.data)}`, attested(result.attestation)]);
    },
  },
  {
    words: ['whoami'],
    summary: 'the profile in use, and whether the portal accepts its key',
    audience: 'everyone',
    async run(ctx) {
      noMoreArgs(ctx, 0);
      const principal = ctx.principal();
      const signer = await ctx.signer();
      const client = await ctx.client();
      const key = await ok(client.GET('/principals/{principalId}/keys/{kid}', { params: { path: { principalId: principal, kid: signer.kid } } }));
      const report = { portal: ctx.portal(), principal, kid: signer.kid, key_file: ctx.keyFile(), profile: ctx.profileFile, status: key.status, scopes: key.scopes, expires_at: key.expires_at };
      ctx.emit(report, [`${principal} at ${ctx.portal()}`, keyLine(key), `key file ${ctx.keyFile()}; profile ${ctx.profileFile}`]);
    },
  },
];

