import type { JWK } from 'jose';
import { CompiledQuery, sql } from 'kysely';
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

/** The attestations that registered and revoked a key (null when none). */
export interface KeyEvents {
  registration_attestation_id: string | null;
  revocation_attestation_id: string | null;
}

/**
 * The subjects of a key's registration and revocation attestations: the link from a key
 * to the attested, logged writes that prove it (a verifier never takes the key row's word).
 */
export const keyRegistrationSubject = (kid: string) => `urn:cbm:key:${kid}`;
export const keyRevocationSubject = (kid: string) => `urn:cbm:key:${kid}:revocation`;

export function toPrincipalKey(row: KeyRow & KeyEvents, now: Date): PrincipalKey {
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
    registration_attestation_id: row.registration_attestation_id,
    revocation_attestation_id: row.revocation_attestation_id,
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
export async function findActiveKey(
  db: PortalDb,
  issuer: string,
  kid: string,
  now: Date,
): Promise<RegisteredKey | null> {
  const [row] = await db.read<
    Pick<PrincipalKeysTable, 'kid' | 'principal_id' | 'alg' | 'public_jwk' | 'scopes'> & {
      kind: 'state' | 'secretariat';
    }
  >(CompiledQuery.raw(activeKeyQuery, [kid, issuer, now.toISOString()]));
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

/** A key of the issuer that is no longer valid: when it stopped, and the key that replaced it. */
export interface InactiveKey {
  kid: string;
  alg: RegisteredKey['alg'];
  jwk: JWK;
  status: 'expired' | 'revoked';
  /** When it expired or was revoked (RFC 3339). */
  at: string;
  /** The key registered by rotating this one, if any. */
  replacedBy: string | null;
}

const inactiveKeyQuery = `SELECT k.kid, k.alg, k.public_jwk, k.expires_at, k.revoked_at,
    (SELECT n.kid FROM principal_keys AS n WHERE n.replaces = k.kid AND n.principal_id = k.principal_id
     ORDER BY n.created_at DESC LIMIT 1) AS replaced_by
  FROM principal_keys AS k WHERE k.kid = ? AND k.principal_id = ?`;

/**
 * Why a key the issuer names is not active (null: the issuer has no such key). Only read
 * after findActiveKey found nothing, so the path of every accepted request is unchanged.
 */
export async function findInactiveKey(
  db: PortalDb,
  issuer: string,
  kid: string,
  now: Date,
): Promise<InactiveKey | null> {
  const { rows } = await db.kysely.executeQuery<
    Pick<PrincipalKeysTable, 'kid' | 'alg' | 'public_jwk' | 'expires_at' | 'revoked_at'> & {
      replaced_by: string | null;
    }
  >(CompiledQuery.raw(inactiveKeyQuery, [kid, issuer]));
  const row = rows[0];
  if (!row) return null;
  const status = keyStatus(row, now);
  if (status === 'active') return null;
  return {
    kid: row.kid,
    alg: row.alg,
    jwk: JSON.parse(row.public_jwk) as JWK,
    status,
    at: (status === 'revoked' ? row.revoked_at : row.expires_at)!,
    replacedBy: row.replaced_by,
  };
}

/**
 * Key rows with the ids of their registration and revocation attestations, found by
 * subject (UNIQUE, so indexed). The revocation is looked up by its attestation, not by
 * `revoked_at`: a row edited behind the portal's back still shows the logged revocation.
 */
function keysWithEvents(db: PortalDb) {
  return db.kysely
    .selectFrom('principal_keys as k')
    .leftJoin('attestations as registration', (join) =>
      join.on('registration.subject', '=', sql<string>`'urn:cbm:key:' || k.kid`),
    )
    .leftJoin('attestations as revocation', (join) =>
      join.on('revocation.subject', '=', sql<string>`'urn:cbm:key:' || k.kid || ':revocation'`),
    )
    .selectAll('k')
    .select(['registration.id as registration_attestation_id', 'revocation.id as revocation_attestation_id']);
}

export function findKey(db: PortalDb, principalId: string, kid: string) {
  return keysWithEvents(db).where('k.principal_id', '=', principalId).where('k.kid', '=', kid).executeTakeFirst();
}

export function listKeys(db: PortalDb, principalId: string) {
  return keysWithEvents(db)
    .where('k.principal_id', '=', principalId)
    .orderBy('k.created_at')
    .orderBy('k.kid')
    .execute();
}

/**
 * The Secretariat's keys that no attestation registered: the one created at the portal's
 * first start (on Workers, the operator's public key). Served with the portal's JWKS as the
 * anchor of every key registration, since nothing in the log can prove them.
 */
export async function secretariatAnchorKeys(db: PortalDb): Promise<JWK[]> {
  const rows = await keysWithEvents(db)
    .where('k.principal_id', '=', 'secretariat')
    .orderBy('k.created_at')
    .orderBy('k.kid')
    .execute();
  return rows.filter((row) => row.registration_attestation_id === null).map((row) => JSON.parse(row.public_jwk) as JWK);
}

export function insertKeyQuery(db: PortalDb, row: PrincipalKeysTable) {
  return db.kysely.insertInto('principal_keys').values(row).compile();
}

/** A rotated key's expiry: shortened to `expiresAt`, never extended when already set. */
export function expireKeyByQuery(db: PortalDb, kid: string, expiresAt: string) {
  return db.kysely
    .updateTable('principal_keys')
    .set({ expires_at: sql<string>`coalesce(min(expires_at, ${expiresAt}), ${expiresAt})` })
    .where('kid', '=', kid)
    .compile();
}

export function revokeKeyQuery(db: PortalDb, kid: string, revokedAt: string, reason: string) {
  return db.kysely
    .updateTable('principal_keys')
    .set({ revoked_at: revokedAt, revocation_reason: reason })
    .where('kid', '=', kid)
    .compile();
}
