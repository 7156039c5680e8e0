import type { JWK } from 'jose';
import type { Clock } from './clock.ts';
import { generatePrivateJwk, publicPart } from './crypto/portal-keys.ts';
import type { PortalDb } from './db/portal-db.ts';

export const SECRETARIAT_ID = 'secretariat';
export const SECRETARIAT_SCOPES = ['read', 'principals:write'];

/**
 * Creates the Secretariat principal and its first key on an empty database. Returns the
 * private JWK for the runtime to hand to the operator (it is not stored by the portal),
 * or null when the Secretariat exists already.
 */
export async function ensureSecretariat(db: PortalDb, clock: Clock, name = 'Secretariat'): Promise<JWK | null> {
  const existing = await db.kysely.selectFrom('principals').select('id').where('id', '=', SECRETARIAT_ID).executeTakeFirst();
  if (existing) return null;
  const privateJwk = await generatePrivateJwk();
  const now = clock.now().toISOString();
  await db.commit([
    db.kysely.insertInto('principals').values({ id: SECRETARIAT_ID, kind: 'secretariat', name, created_at: now }).compile(),
    db.kysely
      .insertInto('principal_keys')
      .values({
        kid: privateJwk.kid!,
        principal_id: SECRETARIAT_ID,
        alg: 'EdDSA',
        public_jwk: JSON.stringify(publicPart(privateJwk)),
        scopes: JSON.stringify(SECRETARIAT_SCOPES),
        label: 'created at first start',
        created_at: now,
        expires_at: null,
        revoked_at: null,
        revocation_reason: null,
        replaces: null,
      })
      .compile(),
  ]);
  return privateJwk;
}
