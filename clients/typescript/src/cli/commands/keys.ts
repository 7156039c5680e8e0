/** Key pairs (keygen, for everyone) and the Secretariat's key management (keys ...). */
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { JWK } from 'jose';
import { ok, type Schemas } from '../../client.ts';
import { keyRevocationInputReasonValues, scopeValues } from '../../generated/openapi.ts';
import { generateSigningKey, type KeyAlgorithm } from '../../keys.ts';
import type { Command } from '../command.ts';
import { IDEMPOTENCY_OPTION } from '../command.ts';
import { LocalError, UsageError } from '../errors.ts';
import { arg, attested, idempotencyHeader, integer, list, noMoreArgs, str, table } from '../util.ts';
import { principalId as principalOf, type Context } from '../context.ts';
import { keyStates } from '../keyring.ts';
import { configDir, keysDir, privateDir, profileKeys, withKeys, writeProfile } from '../profile.ts';

// The contract's scopes, as generated: a scope the portal adds is accepted here at once.
const SCOPES: readonly string[] = scopeValues;
const REVOCATION_REASONS: readonly string[] = keyRevocationInputReasonValues;

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

const keyLine = (key: Schemas['PrincipalKey']) =>
  `key ${key.kid} of ${key.principal}: ${key.status}, ${key.alg}, scopes ` +
  `${key.scopes.join(' ')}${key.expires_at ? `, expires ${key.expires_at}` : ''}`;

export const keyCommands: Command[] = [
  {
    words: ['keygen'],
    summary:
      'make a key pair: the private JWK goes to ~/.config/cbm/keys (0600) and into the profile; prints the public JWK for the Secretariat',
    audience: 'everyone',
    offline: true,
    options: {
      name: {
        type: 'string',
        value: 'NAME',
        help:
          "another key for the profile's principal, e.g. documents: written to " +
          '~/.config/cbm/keys/PRINCIPAL-NAME.jwk and added to the profile',
      },
      out: {
        type: 'string',
        value: 'FILE',
        help: 'write the private key here instead (not added to the profile unless --name is given too)',
      },
      alg: { type: 'string', value: 'EdDSA|ES256', help: 'Ed25519 (EdDSA, default) or P-256 (ES256)' },
    },
    async run(ctx) {
      noMoreArgs(ctx, 0);
      const name = str(ctx, 'name');
      if (name !== undefined && !/^[A-Za-z0-9_-]{1,40}$/.test(name))
        throw new UsageError(`--name is a short word (letters, digits, - and _), not ${name}`);
      const keys = profileKeys(ctx.profile);
      const principal = ctx.profile?.principal;
      let out = str(ctx, 'out');
      if (!out && name) {
        if (!principal)
          throw new UsageError(
            `--name adds a key to the profile, and there is none at ${ctx.profileFile}: cbm init --portal URL ` +
              `--as PRINCIPAL first, or give --out FILE`,
          );
        out = join(keysDir(ctx.io.env), `${principal}-${name}.jwk`);
      }
      out ??= keys.find((key) => !existsSync(key.file))?.file;
      if (!out) {
        if (!keys.length)
          throw new UsageError(
            `no profile at ${ctx.profileFile} to keep the key in: cbm init --portal URL --as PRINCIPAL first ` +
              `(the key then goes to ${keysDir(ctx.io.env)}), or give --out FILE`,
          );
        throw new LocalError(
          `the profile's ${keys.length > 1 ? 'keys exist' : `key ${keys[0]!.file} exists`} already, and cbm never overwrites a key. ` +
            `For another key of ${principal ?? 'this principal'} (say for documents): cbm keygen --name documents ` +
            '(it joins the profile; cbm picks the key whose scopes fit each command). ' +
            'To replace a lost or compromised key, ask the Secretariat to rotate or revoke it.',
        );
      }
      out = resolve(out);
      if (existsSync(out))
        throw new LocalError(`${out} exists already: cbm never overwrites a key (choose another --name or --out)`);
      const alg = (str(ctx, 'alg') ?? 'EdDSA') as KeyAlgorithm;
      if (alg !== 'EdDSA' && alg !== 'ES256') throw new UsageError('--alg is EdDSA or ES256');
      const pair = await generateSigningKey(alg);
      if (out.startsWith(`${keysDir(ctx.io.env)}/`)) {
        privateDir(configDir(ctx.io.env), true);
        privateDir(keysDir(ctx.io.env), true);
      }
      try {
        writeFileSync(out, `${JSON.stringify(pair.privateJwk, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
      } catch (error) {
        throw new LocalError(
          `cannot write ${out}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
        );
      }
      let added = '';
      if (name && ctx.profile && !keys.some((key) => key.file === out)) {
        writeProfile(ctx.profileFile, withKeys(ctx.profile, [...keys, { file: out }]), ctx.io.env);
        added = `, added to the profile ${ctx.profileFile}`;
      }
      ctx.note(
        `private key written to ${out} (mode 0600${added}); give the Secretariat this public key (kid ${pair.kid}):`,
      );
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
      const principalId = principalOf(arg(ctx, 0, 'PRINCIPAL'));
      noMoreArgs(ctx, 1);
      const client = await ctx.client();
      const keys = await ok(
        client.GET('/principals/{principalId}/keys', {
          params: { path: { principalId }, query: { status: ctx.opts.all ? 'all' : 'active' } },
        }),
      );
      const successor = (kid: string) => keys.items.find((other) => other.replaces === kid)?.kid;
      const when = (key: Schemas['PrincipalKey']) =>
        key.status === 'revoked'
          ? `revoked ${key.revoked_at}`
          : key.status === 'expired'
            ? `expired ${key.expires_at}`
            : key.expires_at
              ? `expires ${key.expires_at}`
              : null;
      ctx.emit(keys, () =>
        keys.items.length
          ? table([
              ['KID', 'STATUS', 'WHEN', 'REPLACED BY', 'ALG', 'SCOPES', 'LABEL'],
              ...keys.items.map((key) => [
                key.kid,
                key.status,
                when(key),
                successor(key.kid),
                key.alg,
                key.scopes.join(','),
                key.label,
              ]),
            ])
          : `${principalId} has no ${ctx.opts.all ? '' : 'active '}keys${ctx.opts.all ? '' : ' (--all shows expired and revoked ones)'}`,
      );
    },
  },
  {
    words: ['keys', 'add'],
    args: 'PRINCIPAL PUBLIC_JWK_FILE',
    summary: 'register a public key for a principal, with its scopes',
    audience: 'secretariat',
    options: {
      scopes: {
        type: 'string',
        value: 'LIST',
        help: `comma-separated: ${SCOPES.join(', ')} (default read,contacts:write)`,
      },
      label: { type: 'string', value: 'TEXT', help: 'what the key is for, e.g. "incident notifier"' },
      ...IDEMPOTENCY_OPTION,
    },
    async run(ctx) {
      const principalId = principalOf(arg(ctx, 0, 'PRINCIPAL'));
      const jwk = publicJwkOf(ctx, arg(ctx, 1, 'PUBLIC_JWK_FILE'));
      noMoreArgs(ctx, 2);
      const client = await ctx.client();
      const body: Schemas['KeyInput'] = {
        jwk,
        scopes: scopes(ctx) ?? ['read', 'contacts:write'],
        ...(str(ctx, 'label') ? { label: str(ctx, 'label') } : {}),
      };
      const result = await ok(
        client.POST('/principals/{principalId}/keys', {
          params: { path: { principalId }, header: idempotencyHeader(ctx) },
          body,
        }),
      );
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
      const principalId = principalOf(arg(ctx, 0, 'PRINCIPAL'));
      const kid = arg(ctx, 1, 'KID');
      const jwk = publicJwkOf(ctx, arg(ctx, 2, 'NEW_PUBLIC_JWK_FILE'));
      noMoreArgs(ctx, 3);
      const client = await ctx.client();
      const overlap = integer(ctx, 'overlap');
      const body = {
        jwk,
        ...(scopes(ctx) ? { scopes: scopes(ctx) } : {}),
        ...(str(ctx, 'label') ? { label: str(ctx, 'label') } : {}),
        ...(overlap !== undefined ? { overlap_seconds: overlap } : {}),
      } as Schemas['KeyRotationInput'];
      const result = await ok(
        client.POST('/principals/{principalId}/keys/{kid}/rotate', {
          params: { path: { principalId, kid }, header: idempotencyHeader(ctx) },
          body,
        }),
      );
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
      const principalId = principalOf(arg(ctx, 0, 'PRINCIPAL'));
      const kid = arg(ctx, 1, 'KID');
      noMoreArgs(ctx, 2);
      const reason = str(ctx, 'reason');
      if (!reason || !REVOCATION_REASONS.includes(reason))
        throw new UsageError(`--reason is ${REVOCATION_REASONS.join(', ')}`);
      const client = await ctx.client();
      const body: Schemas['KeyRevocationInput'] = {
        reason: reason as Schemas['KeyRevocationInput']['reason'],
        ...(str(ctx, 'note') ? { note: str(ctx, 'note') } : {}),
      };
      const result = await ok(
        client.POST('/principals/{principalId}/keys/{kid}/revoke', { params: { path: { principalId, kid } }, body }),
      );
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
      const named = str(ctx, 'key') ?? ctx.io.env.CBM_KEY;
      // Each key asks about itself: an expired or revoked one is told when, and what replaced it.
      const states = await keyStates(ctx, { check: true, ...(named ? { entries: [{ file: named }] } : {}) });
      if (!states.length)
        throw new UsageError('no key: cbm keygen writes one into the profile (or name one with --key FILE)');
      const keys = states.map((state) => {
        const problem = state.problem as (Record<string, unknown> & { code: string; detail?: string }) | undefined;
        return {
          file: state.file,
          kid: state.kid,
          status: state.status,
          scopes: state.scopes,
          ...(problem ? { code: problem.code, detail: problem.detail ?? null } : {}),
          ...(problem?.expired_at ? { expired_at: problem.expired_at } : {}),
          ...(problem?.revoked_at ? { revoked_at: problem.revoked_at } : {}),
          ...(problem && 'replaced_by' in problem ? { replaced_by: problem.replaced_by } : {}),
        };
      });
      const first = keys[0]!;
      const report = {
        portal: ctx.portal(),
        principal,
        profile: ctx.profileFile,
        kid: first.kid,
        key_file: first.file,
        status: first.status,
        scopes: first.scopes,
        keys,
      };
      const lines = [`${principal} at ${ctx.portal()}; profile ${ctx.profileFile}`];
      for (const key of keys) {
        lines.push(
          `key ${key.kid}: ${key.status}${key.scopes ? `, scopes ${key.scopes.join(' ')}` : ''} (${key.file})`,
        );
        if (key.status === 'expired')
          lines.push(
            `  expired at ${key.expired_at}` +
              (key.replaced_by
                ? `; replaced by ${key.replaced_by}: cbm keygen wrote its private half somewhere; ` +
                  'add it with cbm profile add-key FILE'
                : '; ask the Secretariat for a new key (cbm keygen --name NAME prints one to hand over)'),
          );
        if (key.status === 'revoked')
          lines.push(
            `  revoked at ${key.revoked_at}${key.replaced_by ? `; replaced by ${key.replaced_by}` : ''}: ` +
              `remove it (cbm profile remove-key ${key.kid.slice(0, 12)}) and ask the Secretariat for a new one`,
          );
        if (key.status === 'unknown')
          lines.push(
            `  the portal has no such key for ${principal} (${key.code ?? 'key-unknown'}): hand its public ` +
              `key to the Secretariat (cbm keygen printed it), or check --as`,
          );
      }
      ctx.emit(report, lines);
    },
  },
];
