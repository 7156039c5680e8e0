import { Hono, type Context } from 'hono';
import { sql } from 'kysely';
import { attest, commitAndAnswer } from '../attestations/attest.ts';
import type { AppEnv } from '../http/app-env.ts';
import { decodeCursor, toPage } from '../http/cursor.ts';
import { operation } from '../http/operation.ts';
import { problems } from '../http/problem.ts';
import { isAssignedCountryCode } from './iso3166.ts';
import type { PrincipalKeysTable } from '../db/schema.ts';
import { acceptPublicKey, type AcceptedKey } from './key-material.ts';
import {
  findKey,
  keyRegistrationSubject,
  keyRevocationSubject,
  keyStatus,
  listKeys,
  toPrincipalKey,
} from './keys-repo.ts';
import { findPrincipal, listPrincipals, toPrincipal } from './repo.ts';

function requireSecretariat<E extends AppEnv>(c: Context<E>) {
  if (c.var.caller.principalKind !== 'secretariat') {
    throw problems.forbidden('secretariat-only', 'Only the Secretariat registers principals and manages keys.');
  }
}

async function existingPrincipal<E extends AppEnv>(c: Context<E>, id: string) {
  const principal = await findPrincipal(c.var.deps.db, id);
  if (!principal) throw problems.notFound(`No principal ${id}.`);
  return principal;
}

async function existingKey<E extends AppEnv>(c: Context<E>, principalId: string, kid: string) {
  await existingPrincipal(c, principalId);
  const key = await findKey(c.var.deps.db, principalId, kid);
  if (!key) throw problems.notFound(`No key ${kid} for ${principalId}.`);
  return key;
}

/** A key as registered: valid from now on, until rotated away or revoked. */
function newKeyRow(
  principalId: string,
  key: AcceptedKey,
  scopes: readonly string[],
  label: string | null,
  now: Date,
  replaces: string | null,
): PrincipalKeysTable {
  return {
    kid: key.kid,
    principal_id: principalId,
    alg: key.alg,
    public_jwk: JSON.stringify(key.jwk),
    scopes: JSON.stringify(scopes),
    label,
    created_at: now.toISOString(),
    expires_at: null,
    revoked_at: null,
    revocation_reason: null,
    replaces,
  };
}

const keyExists = () => problems.conflict('key-exists', 'This key is already registered.');

export const principals = new Hono<AppEnv>()
  .get('/', operation('listPrincipals'), async (c) => {
    const { cursor, limit = 100, kind } = c.var.input.query;
    const rows = await listPrincipals(c.var.deps.db, { afterSeq: decodeCursor(cursor), limit, kind });
    return c.json(toPage(rows, limit, (row) => row.seq, toPrincipal));
  })

  .post('/', operation('createPrincipal'), async (c) => {
    requireSecretariat(c);
    const { deps } = c.var;
    const { id, name } = c.var.input.body;
    if (!isAssignedCountryCode(id)) {
      throw problems.unprocessable('The state cannot be registered.', [
        { pointer: '/id', detail: 'not an assigned ISO 3166-1 alpha-2 code' },
      ]);
    }
    const row = { id, kind: 'state' as const, name, created_at: deps.clock.now().toISOString() };
    const attestation = await attest(c, `urn:cbm:principal:${id}`);
    const exists = () => problems.conflict('principal-exists', `${id} is already registered.`);
    return commitAndAnswer(
      c,
      attestation,
      [deps.db.kysely.insertInto('principals').values(row).compile()],
      { status: 201, data: toPrincipal(row), headers: { Location: `/principals/${id}` } },
      { principals: exists, attestations: exists },
    );
  })

  .get('/:principalId', operation('getPrincipal'), async (c) => {
    return c.json(toPrincipal(await existingPrincipal(c, c.var.input.path.principalId)));
  })

  .get('/:principalId/keys', operation('listPrincipalKeys'), async (c) => {
    const { principalId } = c.var.input.path;
    await existingPrincipal(c, principalId);
    const now = c.var.deps.clock.now();
    const keys = (await listKeys(c.var.deps.db, principalId)).map((row) => toPrincipalKey(row, now));
    return c.json({ items: c.var.input.query.status === 'all' ? keys : keys.filter((key) => key.status === 'active') });
  })

  .post('/:principalId/keys', operation('registerPrincipalKey'), async (c) => {
    requireSecretariat(c);
    const { deps } = c.var;
    const principal = await existingPrincipal(c, c.var.input.path.principalId);
    const { jwk, scopes, label } = c.var.input.body;
    const key = await acceptPublicKey(jwk, principal.kind, scopes);
    const row = newKeyRow(principal.id, key, scopes, label ?? null, deps.clock.now(), null);
    const attestation = await attest(c, keyRegistrationSubject(key.kid));
    return commitAndAnswer(
      c,
      attestation,
      [deps.db.kysely.insertInto('principal_keys').values(row).compile()],
      {
        status: 201,
        data: toPrincipalKey(
          { ...row, registration_attestation_id: attestation.id, revocation_attestation_id: null },
          deps.clock.now(),
        ),
        headers: { Location: `/principals/${principal.id}/keys/${key.kid}` },
      },
      { principal_keys: keyExists, attestations: keyExists },
    );
  })

  .get('/:principalId/keys/:kid', operation('getPrincipalKey'), async (c) => {
    const { principalId, kid } = c.var.input.path;
    return c.json(toPrincipalKey(await existingKey(c, principalId, kid), c.var.deps.clock.now()));
  })

  .post('/:principalId/keys/:kid/rotate', operation('rotatePrincipalKey'), async (c) => {
    requireSecretariat(c);
    const { deps } = c.var;
    const { principalId, kid } = c.var.input.path;
    const principal = await existingPrincipal(c, principalId);
    const old = await existingKey(c, principalId, kid);
    const now = deps.clock.now();
    if (keyStatus(old, now) !== 'active')
      throw problems.conflict('key-not-active', `Key ${kid} is ${keyStatus(old, now)}; register a new key instead.`);
    const { jwk, scopes = JSON.parse(old.scopes) as string[], label, overlap_seconds = 604_800 } = c.var.input.body;
    const key = await acceptPublicKey(jwk, principal.kind, scopes);
    const oldExpiry = new Date(now.getTime() + overlap_seconds * 1000).toISOString();
    const row = newKeyRow(principal.id, key, scopes, label ?? old.label, now, old.kid);
    const attestation = await attest(c, keyRegistrationSubject(key.kid));
    return commitAndAnswer(
      c,
      attestation,
      [
        deps.db.kysely.insertInto('principal_keys').values(row).compile(),
        // Shorten, never extend, an expiry that is already set.
        deps.db.kysely
          .updateTable('principal_keys')
          .set({ expires_at: sql<string>`coalesce(min(expires_at, ${oldExpiry}), ${oldExpiry})` })
          .where('kid', '=', old.kid)
          .compile(),
      ],
      {
        status: 201,
        data: toPrincipalKey(
          { ...row, registration_attestation_id: attestation.id, revocation_attestation_id: null },
          now,
        ),
        headers: { Location: `/principals/${principal.id}/keys/${key.kid}` },
      },
      { principal_keys: keyExists, attestations: keyExists },
    );
  })

  .post('/:principalId/keys/:kid/revoke', operation('revokePrincipalKey'), async (c) => {
    requireSecretariat(c);
    const { deps } = c.var;
    const { principalId, kid } = c.var.input.path;
    const key = await existingKey(c, principalId, kid);
    const alreadyRevoked = () => problems.conflict('key-revoked', `Key ${kid} is already revoked.`);
    if (key.revoked_at) throw alreadyRevoked();
    const now = deps.clock.now();
    if (principalId === 'secretariat') {
      const others = (await listKeys(deps.db, principalId)).filter(
        (other) => other.kid !== kid && keyStatus(other, now) === 'active',
      );
      if (!others.length)
        throw problems.conflict(
          'last-secretariat-key',
          'Register another Secretariat key before revoking the last one.',
        );
    }
    const { reason, note } = c.var.input.body;
    const revoked = { ...key, revoked_at: now.toISOString(), revocation_reason: note ? `${reason}: ${note}` : reason };
    const attestation = await attest(c, keyRevocationSubject(kid));
    return commitAndAnswer(
      c,
      attestation,
      [
        deps.db.kysely
          .updateTable('principal_keys')
          .set({ revoked_at: revoked.revoked_at, revocation_reason: revoked.revocation_reason })
          .where('kid', '=', kid)
          .compile(),
      ],
      { status: 200, data: toPrincipalKey({ ...revoked, revocation_attestation_id: attestation.id }, now) },
      {
        attestations: alreadyRevoked,
        // The migration's trigger: a concurrent revocation took the other Secretariat key.
        principal_keys: () =>
          problems.conflict('last-secretariat-key', 'Register another Secretariat key before revoking the last one.'),
      },
    );
  });
