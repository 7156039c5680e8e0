import type { JWK } from 'jose';
import type { Clock } from './clock.ts';
import { canonicalPublicJwk, jwkThumbprint } from './crypto/jwk.ts';
import { generatePrivateJwk, publicPart } from './crypto/portal-keys.ts';
import { ConstraintViolation, type PortalDb } from './db/portal-db.ts';

export const SECRETARIAT_ID = 'secretariat';
export const SECRETARIAT_SCOPES = ['read', 'principals:write', 'checks:write'];

/**
 * Creates the Secretariat principal and its first key on an empty database, generating
 * the key pair. Returns the private JWK for the runtime to hand to the operator (the
 * portal keeps only the public half), or null when the Secretariat exists already.
 */
export async function ensureSecretariat(db: PortalDb, clock: Clock, name = 'Secretariat'): Promise<JWK | null> {
  if (await secretariatExists(db)) return null;
  const privateJwk = await generatePrivateJwk();
  await registerSecretariat(db, clock, publicPart(privateJwk), name);
  return privateJwk;
}

/**
 * The same with a public key the operator made elsewhere (`cbm keygen`): used where the
 * runtime cannot hand over a private key, as on Workers. Idempotent.
 */
export async function ensureSecretariatWithKey(
  db: PortalDb,
  clock: Clock,
  publicJwk: JWK,
  name = 'Secretariat',
): Promise<boolean> {
  if (await secretariatExists(db)) return false;
  try {
    await registerSecretariat(db, clock, publicJwk, name);
    return true;
  } catch (error) {
    // Another instance bootstrapped first: that is the outcome we wanted.
    if (error instanceof ConstraintViolation) return false;
    throw error;
  }
}

export async function secretariatExists(db: PortalDb): Promise<boolean> {
  return (
    (await db.kysely.selectFrom('principals').select('id').where('id', '=', SECRETARIAT_ID).executeTakeFirst()) !==
    undefined
  );
}

async function registerSecretariat(db: PortalDb, clock: Clock, publicJwk: JWK, name: string) {
  if (publicJwk.d) throw new Error('the Secretariat key given to the portal must be public (no "d")');
  if (publicJwk.kty !== 'OKP' || publicJwk.crv !== 'Ed25519')
    throw new Error('the Secretariat key must be an Ed25519 public JWK');
  const kid = await jwkThumbprint(publicJwk);
  const now = clock.now().toISOString();
  await db.commit([
    db.kysely
      .insertInto('principals')
      .values({ id: SECRETARIAT_ID, kind: 'secretariat', name, created_at: now })
      .compile(),
    db.kysely
      .insertInto('principal_keys')
      .values({
        kid,
        principal_id: SECRETARIAT_ID,
        alg: 'EdDSA',
        public_jwk: JSON.stringify({ ...canonicalPublicJwk(publicJwk), kid, alg: 'EdDSA', use: 'sig' }),
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
}
