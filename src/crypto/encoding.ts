import { fromBase64url, toBase64url } from '../../clients/typescript/src/base64.ts';

const encoder = new TextEncoder();

export const utf8 = (text: string): Uint8Array => encoder.encode(text);

interface SyncHash {
  createHash(algorithm: 'sha256'): {
    update(data: Uint8Array): { digest(encoding: 'base64url'): string; digest(): Uint8Array };
  };
}

/**
 * node:crypto where the runtime offers it without an import (Node >= 20.16; Workers with
 * nodejs_compat): it hashes synchronously, while WebCrypto's digest takes a round trip
 * through libuv's thread pool that costs more than hashing a request token itself.
 */
const syncHash = (
  globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }
).process?.getBuiltinModule?.('node:crypto') as SyncHash | undefined;

/** base64url (no padding) SHA-256, the digest format of every `*_sha256` claim. */
export async function sha256b64u(data: Uint8Array | string): Promise<string> {
  const bytes = typeof data === 'string' ? utf8(data) : data;
  if (syncHash) return syncHash.createHash('sha256').update(bytes).digest('base64url');
  return toBase64url(new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>)));
}

/** Raw SHA-256 of the concatenated parts (the Merkle log's leaf and node hashes). */
export async function sha256Bytes(...parts: Uint8Array[]): Promise<Uint8Array> {
  if (syncHash) {
    const hash = syncHash.createHash('sha256');
    for (const part of parts) hash.update(part);
    return new Uint8Array((hash as unknown as { digest(): Uint8Array }).digest());
  }
  const input = new Uint8Array(parts.reduce((length, part) => length + part.byteLength, 0));
  let offset = 0;
  for (const part of parts) {
    input.set(part, offset);
    offset += part.byteLength;
  }
  return new Uint8Array(await crypto.subtle.digest('SHA-256', input));
}

/** SHA-256 fed in pieces (a streamed upload), digested once at the end as base64url. */
export interface IncrementalSha256 {
  update(chunk: Uint8Array): void;
  digest(): Promise<string>;
}

/**
 * Hashes as the bytes arrive where the runtime can (node:crypto, on Node and on Workers
 * with nodejs_compat); elsewhere the pieces are kept and hashed at the end.
 */
export function incrementalSha256(): IncrementalSha256 {
  if (syncHash) {
    const hash = syncHash.createHash('sha256');
    return {
      update: (chunk) => void hash.update(chunk),
      digest: async () => (hash as unknown as { digest(encoding: 'base64url'): string }).digest('base64url'),
    };
  }
  const chunks: Uint8Array[] = [];
  return {
    update: (chunk) => void chunks.push(chunk),
    digest: async () => toBase64url(await sha256Bytes(...chunks)),
  };
}

/** base64url without padding (JOSE), strict on decoding: the shared helper (clients/typescript/src/base64.ts). */
export const b64u = {
  encode: (data: Uint8Array | string): string => toBase64url(typeof data === 'string' ? utf8(data) : data),
  decode: fromBase64url,
};
