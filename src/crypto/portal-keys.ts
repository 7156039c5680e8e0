import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { jwkThumbprint } from './jwk.ts';
import { webSignatures, type SignatureSuite } from './signatures.ts';

/** The portal's own signing key(s). Only the newest signs; all stay published for checking. */
export interface PortalKeys {
  signing: {
    kid: string;
    alg: 'EdDSA';
    /** Ed25519 over these bytes with the signing key, by the suite the keys were loaded with. */
    sign(data: Uint8Array): Promise<Uint8Array>;
  };
  /** Public JWKs for /.well-known/jwks.json, signing key first. */
  jwks: JWK[];
}

/** A new Ed25519 key pair as a private JWK (with `kid`), to be stored by the runtime. */
export async function generatePrivateJwk(): Promise<JWK> {
  const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const jwk = await exportJWK(privateKey);
  return { ...jwk, kid: await jwkThumbprint(jwk), alg: 'EdDSA', use: 'sig' };
}

export function publicPart(jwk: JWK): JWK {
  const { d: _private, ...rest } = jwk;
  return rest;
}

/**
 * Loads the portal keys from private JWKs (newest first): from the data dir on Node, from
 * a secret on Workers. Older keys only keep their public half. The suite signs (node:crypto
 * on Node, WebCrypto elsewhere); the bytes are the same (Ed25519 is deterministic).
 */
export async function loadPortalKeys(
  privateJwks: readonly JWK[],
  suite: SignatureSuite = webSignatures,
): Promise<PortalKeys> {
  const [current] = privateJwks;
  if (!current?.d || current.crv !== 'Ed25519' || current.kty !== 'OKP' || !current.x)
    throw new Error('the portal signing key must be a private Ed25519 JWK');
  const kid = await jwkThumbprint(current);
  const key = await suite.importSigningKey({ kty: 'OKP', crv: 'Ed25519', x: current.x, d: current.d });
  const jwks = await Promise.all(
    privateJwks.map(async (jwk) => ({ ...publicPart(jwk), kid: await jwkThumbprint(jwk), alg: 'EdDSA', use: 'sig' })),
  );
  return { signing: { kid, alg: 'EdDSA', sign: (data) => suite.sign(key, data) }, jwks };
}
