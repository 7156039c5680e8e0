import { createReadTokenMemory } from './crypto/request-token.ts';
import type { SignatureSuite } from './crypto/signatures.ts';
import { createVerifyKeyCache } from './crypto/verify-keys.ts';
import type { AppMemory, BoundedSet } from './deps.ts';

export function boundedSet(max: number): BoundedSet {
  const values = new Set<string>();
  return {
    has: (value) => values.has(value),
    add(value) {
      if (values.size >= max) values.clear();
      values.add(value);
    },
  };
}

/** A fresh memory for one app: each composition root (and each test's app) makes its own. */
export function createAppMemory(signatures: SignatureSuite): AppMemory {
  return {
    verifyKeys: createVerifyKeyCache(signatures, 10_000),
    readTokens: createReadTokenMemory(10_000),
    timeZones: boundedSet(1000),
  };
}
