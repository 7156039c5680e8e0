import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import type { SignatureSuite } from './signatures.ts';

/**
 * node:crypto's one-shot sign and verify: synchronous, no thread-pool round trip, about
 * a third of WebCrypto's cost per signature on Node. ECDSA signatures are r || s
 * (dsaEncoding ieee-p1363), as JWS and WebCrypto have them. Node entry only (src/node.ts).
 */
export const nodeSignatures: SignatureSuite = {
  name: 'node:crypto',
  async importPublicKey(jwk, alg) {
    return { alg, handle: createPublicKey({ key: jwk as never, format: 'jwk' }) };
  },
  async verify(key, data, signature) {
    try {
      return key.alg === 'EdDSA'
        ? verify(null, data, key.handle as KeyObject, signature)
        : verify('sha256', data, { key: key.handle as KeyObject, dsaEncoding: 'ieee-p1363' }, signature);
    } catch {
      return false;
    }
  },
  async importSigningKey(jwk) {
    const handle = createPrivateKey({ key: jwk as never, format: 'jwk' });
    if (handle.asymmetricKeyType !== 'ed25519') throw new Error('the portal signing key must be Ed25519');
    return { handle };
  },
  async sign(key, data) {
    return new Uint8Array(sign(null, data, key.handle as KeyObject));
  },
};
