import type { JWK } from 'jose';
import { CompiledQuery } from 'kysely';
import type { RegisteredKey } from '../crypto/request-token.ts';
import type { PortalDb } from '../db/portal-db.ts';
import type { PrincipalKeysTable } from '../db/schema.ts';
import type { components } from '../generated/openapi.ts';

type KeyRow = PrincipalKeysTable;
export type PrincipalKey = components['schemas']['PrincipalKey'];

export function keyStatus(row: Pick<KeyRow, 'revoked_at' | 'expires_at'>, now: Date): PrincipalKey['status'] {
  if (row.revoked_at) return 'revoked';
  if (row.expires_at && row.expires_at <= now.toISOString()) return 'expired';
  return 'active';
}

export function toPrincipalKey(row: KeyRow, now: Date): PrincipalKey {
  return {
    kid: row.kid,
    principal: row.principal_id,
    alg: row.alg,
    jwk: JSON.parse(row.public_jwk) as PrincipalKey['jwk'],
    scopes: JSON.parse(row.scopes) as PrincipalKey['scopes'],
    status: keyStatus(row, now),
    label: row.label,
    created_at: row.created_at,
    expires_at: row.expires_at,
    revoked_at: row.revoked_at,
    revocation_reason: row.revocation_reason,
    replaces: row.replaces,
    href: `/principals/${row.principal_id}/keys/${row.kid}`,
  };
}

const activeKeyQuery = `SELECT k.kid, k.principal_id, k.alg, k.public_jwk, k.scopes, p.kind
  FROM principal_keys AS k JOIN principals AS p ON p.id = k.principal_id
  WHERE k.kid = ? AND k.principal_id = ? AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > ?)`;

/**
 * The key a request names, if it belongs to the issuer and is valid at `now`. Runs on
 * every request, so its SQL is written once rather than built per call.
 */
export async function findActiveKey(db: PortalDb, issuer: string, kid: string, now: Date): Promise<RegisteredKey | null> {
  const { rows } = await db.kysely.executeQuery<Pick<PrincipalKeysTable, 'kid' | 'principal_id' | 'alg' | 'public_jwk' | 'scopes'> & { kind: 'state' | 'secretariat' }>(
    CompiledQuery.raw(activeKeyQuery, [kid, issuer, now.toISOString()]),
  );
  const row = rows[0];
  if (!row) return null;
  return {
    kid: row.kid,
    principalId: row.principal_id,
    principalKind: row.kind,
    alg: row.alg,
    jwk: JSON.parse(row.public_jwk) as JWK,
    scopes: JSON.parse(row.scopes) as string[],
  };
}

export function findKey(db: PortalDb, principalId: string, kid: string) {
  return db.kysely.selectFrom('principal_keys').selectAll().where('principal_id', '=', principalId).where('kid', '=', kid).executeTakeFirst();
}

export function listKeys(db: PortalDb, principalId: string) {
  return db.kysely.selectFrom('principal_keys').selectAll().where('principal_id', '=', principalId).orderBy('created_at').orderBy('kid').execute();
}
