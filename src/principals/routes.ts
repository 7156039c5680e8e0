import { Hono, type Context } from 'hono';
import type { AppEnv } from '../http/app-env.ts';
import { decodeCursor, toPage } from '../http/cursor.ts';
import { operation } from '../http/operation.ts';
import { problems } from '../http/problem.ts';
import { commitWrite } from '../write/pipeline.ts';
import { send, writeInput, writeOperation } from '../write/request.ts';
import { isAssignedCountryCode } from './iso3166.ts';
import type { PrincipalKeysTable } from '../db/schema.ts';
import { acceptPublicKey, type AcceptedKey } from './key-material.ts';
import {
  expireKeyByQuery,
  findKey,
  insertKeyQuery,
  keyRegistrationSubject,
  keyRevocationSubject,
  keyStatus,
  listKeys,
  revokeKeyQuery,
  toPrincipalKey,
} from './keys-repo.ts';
import { findPrincipal, insertPrincipalQuery, listPrincipals, toPrincipal } from './repo.ts';

function requireSecretariat<E extends AppEnv>(c: Context<E>) {
  if (c.get('caller').principalKind !== 'secretariat') {
    throw problems.forbidden('secretariat-only', 'Only the Secretariat registers principals and manages keys.');
  }
}

async function existingPrincipal<E extends AppEnv>(c: Context<E>, id: string) {
  const principal = await findPrincipal(c.get('deps').db, id);
  if (!principal) throw problems.notFound(`No principal ${id}.`);
  return principal;
}

async function existingKey<E extends AppEnv>(c: Context<E>, principalId: string, kid: string) {
  await existingPrincipal(c, principalId);
  const key = await findKey(c.get('deps').db, principalId, kid);
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
const keyConflicts = { principal_keys_kid: keyExists, attestations_subject: keyExists };

export const principals = new Hono<AppEnv>()
  .get('/', operation('listPrincipals'), async (c) => {
    const { cursor, limit = 100, kind } = c.get('input').query;
    const rows = await listPrincipals(c.get('deps').db, { afterSeq: decodeCursor(cursor), limit, kind });
    return c.json(toPage(rows, limit, (row) => row.seq, toPrincipal));
  })

  .post('/', writeOperation('createPrincipal'), async (c) => {
    requireSecretariat(c);
    const { deps } = c.var;
    const { id, name } = c.get('input').body;
    if (!isAssignedCountryCode(id)) {
      throw problems.unprocessable('The state cannot be registered.', [
        { pointer: '/id', detail: 'not an assigned ISO 3166-1 alpha-2 code' },
      ]);
    }
    const row = { id, kind: 'state' as const, name, created_at: deps.clock.now().toISOString() };
    const exists = () => problems.conflict('principal-exists', `${id} is already registered.`);
    const write = {
      subject: `urn:cbm:principal:${id}`,
      conflicts: { principals_id: exists, attestations_subject: exists },
    };
    const written = await commitWrite(writeInput(c), write, () => ({
      records: [insertPrincipalQuery(deps.db, row)],
      answer: { status: 201, data: toPrincipal(row), headers: { Location: `/principals/${id}` } },
    }));
    return send(c, written);
  })

  .get('/:principalId', operation('getPrincipal'), async (c) => {
    return c.json(toPrincipal(await existingPrincipal(c, c.get('input').path.principalId)));
  })

  .get('/:principalId/keys', operation('listPrincipalKeys'), async (c) => {
    const { principalId } = c.get('input').path;
    await existingPrincipal(c, principalId);
    const now = c.get('deps').clock.now();
    const keys = (await listKeys(c.get('deps').db, principalId)).map((row) => toPrincipalKey(row, now));
    return c.json({
      items: c.get('input').query.status === 'all' ? keys : keys.filter((key) => key.status === 'active'),
    });
  })

  .post('/:principalId/keys', writeOperation('registerPrincipalKey'), async (c) => {
    requireSecretariat(c);
    const { deps } = c.var;
    const principal = await existingPrincipal(c, c.get('input').path.principalId);
    const { jwk, scopes, label } = c.get('input').body;
    const key = await acceptPublicKey(jwk, principal.kind, scopes);
    const row = newKeyRow(principal.id, key, scopes, label ?? null, deps.clock.now(), null);
    const write = { subject: keyRegistrationSubject(key.kid), conflicts: keyConflicts };
    const written = await commitWrite(writeInput(c), write, (attestationId) => ({
      records: [insertKeyQuery(deps.db, row)],
      answer: {
        status: 201,
        data: toPrincipalKey(
          { ...row, registration_attestation_id: attestationId, revocation_attestation_id: null },
          deps.clock.now(),
        ),
        headers: { Location: `/principals/${principal.id}/keys/${key.kid}` },
      },
    }));
    return send(c, written);
  })

  .get('/:principalId/keys/:kid', operation('getPrincipalKey'), async (c) => {
    const { principalId, kid } = c.get('input').path;
    return c.json(toPrincipalKey(await existingKey(c, principalId, kid), c.get('deps').clock.now()));
  })

  .post('/:principalId/keys/:kid/rotate', writeOperation('rotatePrincipalKey'), async (c) => {
    requireSecretariat(c);
    const { deps } = c.var;
    const { principalId, kid } = c.get('input').path;
    const principal = await existingPrincipal(c, principalId);
    const old = await existingKey(c, principalId, kid);
    const now = deps.clock.now();
    if (keyStatus(old, now) !== 'active')
      throw problems.conflict('key-not-active', `Key ${kid} is ${keyStatus(old, now)}; register a new key instead.`);
    const { jwk, scopes = JSON.parse(old.scopes) as string[], label, overlap_seconds = 604_800 } = c.get('input').body;
    const key = await acceptPublicKey(jwk, principal.kind, scopes);
    const oldExpiry = new Date(now.getTime() + overlap_seconds * 1000).toISOString();
    const row = newKeyRow(principal.id, key, scopes, label ?? old.label, now, old.kid);
    const write = { subject: keyRegistrationSubject(key.kid), conflicts: keyConflicts };
    const written = await commitWrite(writeInput(c), write, (attestationId) => ({
      records: [insertKeyQuery(deps.db, row), expireKeyByQuery(deps.db, old.kid, oldExpiry)],
      answer: {
        status: 201,
        data: toPrincipalKey(
          { ...row, registration_attestation_id: attestationId, revocation_attestation_id: null },
          now,
        ),
        headers: { Location: `/principals/${principal.id}/keys/${key.kid}` },
      },
    }));
    return send(c, written);
  })

  .post('/:principalId/keys/:kid/revoke', writeOperation('revokePrincipalKey'), async (c) => {
    requireSecretariat(c);
    const { deps } = c.var;
    const { principalId, kid } = c.get('input').path;
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
    const { reason, note } = c.get('input').body;
    const revoked = { ...key, revoked_at: now.toISOString(), revocation_reason: note ? `${reason}: ${note}` : reason };
    const write = {
      subject: keyRevocationSubject(kid),
      conflicts: {
        attestations_subject: alreadyRevoked,
        // The migration's trigger: a concurrent revocation took the other Secretariat key.
        principal_keys_last_secretariat_key: () =>
          problems.conflict('last-secretariat-key', 'Register another Secretariat key before revoking the last one.'),
      },
    };
    const written = await commitWrite(writeInput(c), write, (attestationId) => ({
      records: [revokeKeyQuery(deps.db, kid, revoked.revoked_at, revoked.revocation_reason)],
      answer: { status: 200, data: toPrincipalKey({ ...revoked, revocation_attestation_id: attestationId }, now) },
    }));
    return send(c, written);
  });
