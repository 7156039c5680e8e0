import { calculateJwkThumbprint, importJWK, type JWK } from 'jose';
import { problems } from '../http/problem.ts';
import { publicKeyFlaw } from './key-safety.ts';

export type SigningAlg = 'EdDSA' | 'ES256';

/** The only algorithms the portal accepts, each bound to one key type and curve. */
const algByCurve: Record<string, { kty: string; alg: SigningAlg }> = {
  Ed25519: { kty: 'OKP', alg: 'EdDSA' },
  'P-256': { kty: 'EC', alg: 'ES256' },
};

export const ALLOWED_ALGS: readonly SigningAlg[] = ['EdDSA', 'ES256'];

/** The algorithm a public JWK must be used with, or null when its type/curve is not allowed. */
export function algForJwk(jwk: JWK): SigningAlg | null {
  const entry = jwk.crv ? algByCurve[jwk.crv] : undefined;
  return entry && entry.kty === jwk.kty ? entry.alg : null;
}

/** The members that define a public key (RFC 7638 order), nothing else. */
export function canonicalPublicJwk(jwk: JWK): JWK {
  return jwk.kty === 'EC' ? { kty: 'EC', crv: jwk.crv, x: jwk.x, y: jwk.y } : { kty: 'OKP', crv: jwk.crv, x: jwk.x };
}

export const jwkThumbprint = (jwk: JWK): Promise<string> => calculateJwkThumbprint(canonicalPublicJwk(jwk), 'sha256');

type VerifyKey = Awaited<ReturnType<typeof importJWK>>;
const importedKeys = new Map<string, VerifyKey>();

/**
 * Imports a public key for verification, refusing (401 key-unsafe) a key that fails the
 * curve checks: keys stored before those checks existed may be small-order points that
 * "verify" forged signatures. The cache is keyed by the RFC 7638 thumbprint, which is
 * derived from the key material itself, so an entry can never go stale; only checked keys
 * enter it. Whether the key may still be used is decided from the database on every request.
 */
export async function importVerifyKey(kid: string, jwk: JWK, alg: SigningAlg): Promise<VerifyKey> {
  let key = importedKeys.get(kid);
  if (!key) {
    const flaw = publicKeyFlaw(jwk);
    if (flaw) throw problems.unauthorized('key-unsafe', `The registered key is refused: ${flaw.reason}.`);
    key = await importJWK(canonicalPublicJwk(jwk), alg);
    if (importedKeys.size > 10_000) importedKeys.clear();
    importedKeys.set(kid, key);
  }
  return key;
}

/** True when the runtime's crypto imports the JWK (after publicKeyFlaw found none). */
export async function isImportablePublicJwk(jwk: JWK, alg: SigningAlg): Promise<boolean> {
  try {
    await importJWK(canonicalPublicJwk(jwk), alg);
    return true;
  } catch {
    return false;
  }
}
