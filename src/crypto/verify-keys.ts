import type { JWK } from 'jose';
import { problems } from '../http/problem.ts';
import { canonicalPublicJwk } from './jwk.ts';
import { publicKeyFlaw } from './key-safety.ts';
import type { SignatureSuite, SigningAlg, VerifyKey } from './signatures.ts';

/** Public keys imported for verification, remembered by kid; one per app, in Deps. */
export interface VerifyKeyCache {
  get(kid: string, jwk: JWK, alg: SigningAlg): Promise<VerifyKey>;
  readonly size: number;
}

/**
 * Imports a public key once and keeps it, refusing (401 key-unsafe) a key that fails the
 * curve checks: keys stored before those checks existed may be small-order points that
 * "verify" forged signatures. Keyed by the RFC 7638 thumbprint, which is derived from the
 * key material itself, so an entry can never go stale; only checked keys enter it. Whether
 * the key may still be used is decided from the database on every request. Bounded: past
 * `max` keys the oldest goes.
 */
export function createVerifyKeyCache(suite: SignatureSuite, max = 10_000): VerifyKeyCache {
  const keys = new Map<string, VerifyKey>();
  return {
    get size() {
      return keys.size;
    },
    async get(kid, jwk, alg) {
      const cached = keys.get(kid);
      if (cached && cached.alg === alg) return cached;
      const flaw = publicKeyFlaw(jwk);
      if (flaw) throw problems.unauthorized('key-unsafe', `The registered key is refused: ${flaw.reason}.`);
      const key = await suite.importPublicKey(canonicalPublicJwk(jwk), alg);
      if (keys.size >= max) keys.delete(keys.keys().next().value!);
      keys.set(kid, key);
      return key;
    },
  };
}
