import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';

export type KeyAlgorithm = 'EdDSA' | 'ES256';

export interface KeyPair {
  /** Keep secret: signs requests. */
  privateJwk: JWK;
  /** Hand to the Secretariat for registration. */
  publicJwk: JWK;
  kid: string;
}

/** The RFC 7638 thumbprint the portal uses as `kid`. */
export function thumbprint(jwk: JWK): Promise<string> {
  const members = jwk.kty === 'EC' ? { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y } : { kty: jwk.kty, crv: jwk.crv, x: jwk.x };
  return calculateJwkThumbprint(members as JWK, 'sha256');
}

/** A new key pair: Ed25519 (`EdDSA`, the default) or P-256 (`ES256`). */
export async function generateSigningKey(alg: KeyAlgorithm = 'EdDSA'): Promise<KeyPair> {
  const { privateKey } = await generateKeyPair(alg, alg === 'EdDSA' ? { crv: 'Ed25519', extractable: true } : { extractable: true });
  const jwk = await exportJWK(privateKey);
  const kid = await thumbprint(jwk);
  const privateJwk = { ...jwk, kid, alg, use: 'sig' };
  const { d: _secret, ...publicJwk } = privateJwk;
  return { privateJwk, publicJwk, kid };
}

export function algorithmOf(jwk: JWK): KeyAlgorithm {
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') return 'EdDSA';
  if (jwk.kty === 'EC' && jwk.crv === 'P-256') return 'ES256';
  throw new Error(`unsupported key: kty ${jwk.kty}, crv ${jwk.crv} (use Ed25519 or P-256)`);
}
