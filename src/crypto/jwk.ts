import { calculateJwkThumbprint, importJWK, type JWK } from 'jose';
import type { SigningAlg } from './signatures.ts';

export type { SigningAlg } from './signatures.ts';

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

/** True when the runtime's crypto imports the JWK (after publicKeyFlaw found none). */
export async function isImportablePublicJwk(jwk: JWK, alg: SigningAlg): Promise<boolean> {
  try {
    await importJWK(canonicalPublicJwk(jwk), alg);
    return true;
  } catch {
    return false;
  }
}
