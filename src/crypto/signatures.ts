import type { JWK } from 'jose';

export type SigningAlg = 'EdDSA' | 'ES256';

/** A public key imported for one algorithm; what it holds depends on the suite that made it. */
export interface VerifyKey {
  readonly alg: SigningAlg;
  readonly handle: unknown;
}

/** The portal's private Ed25519 key, imported by a suite. */
export interface SignKey {
  readonly handle: unknown;
}

/**
 * Signature verification and signing behind one interface: WebCrypto on Workers,
 * node:crypto's one-shot functions on Node (no thread-pool round trip per signature).
 * The composition root picks one and hands it over in Deps; both produce and accept the
 * same bytes: Ed25519 (RFC 8032) and ECDSA P-256 with SHA-256, signatures as r || s
 * (IEEE P1363, as JWS wants). Key-safety checks come before any import (verify-keys.ts).
 */
export interface SignatureSuite {
  readonly name: 'webcrypto' | 'node:crypto';
  importPublicKey(jwk: JWK, alg: SigningAlg): Promise<VerifyKey>;
  verify(key: VerifyKey, data: Uint8Array, signature: Uint8Array): Promise<boolean>;
  /** A private Ed25519 JWK (the portal's signing key). */
  importSigningKey(jwk: JWK): Promise<SignKey>;
  sign(key: SignKey, data: Uint8Array): Promise<Uint8Array>;
}

type Bytes = Uint8Array<ArrayBuffer>;
const webAlgorithms = {
  EdDSA: { import: { name: 'Ed25519' }, use: { name: 'Ed25519' } },
  ES256: { import: { name: 'ECDSA', namedCurve: 'P-256' }, use: { name: 'ECDSA', hash: 'SHA-256' } },
} as const;

/** WebCrypto, as every runtime has it (Workers, browsers, Node). */
export const webSignatures: SignatureSuite = {
  name: 'webcrypto',
  async importPublicKey(jwk, alg) {
    const handle = await crypto.subtle.importKey('jwk', jwk as JsonWebKey, webAlgorithms[alg].import, true, ['verify']);
    return { alg, handle };
  },
  async verify(key, data, signature) {
    try {
      return await crypto.subtle.verify(
        webAlgorithms[key.alg].use,
        key.handle as CryptoKey,
        signature as Bytes,
        data as Bytes,
      );
    } catch {
      return false;
    }
  },
  async importSigningKey(jwk) {
    const handle = await crypto.subtle.importKey('jwk', jwk as JsonWebKey, { name: 'Ed25519' }, false, ['sign']);
    return { handle };
  },
  async sign(key, data) {
    return new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, key.handle as CryptoKey, data as Bytes));
  },
};
