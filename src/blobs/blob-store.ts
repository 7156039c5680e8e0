/**
 * Content-addressed file storage (national documents' uploads): a blob's key is the
 * base64url SHA-256 of its bytes, so storing is idempotent and a download can be checked
 * against its name. The data dir backs it on Node, an R2 bucket on Workers.
 */
export interface BlobStore {
  /** Stores the bytes under their digest (which the caller has computed and checked). */
  put(sha256: string, bytes: Uint8Array, contentType: string): Promise<void>;
  /** The bytes, or null when no blob has this digest. */
  get(sha256: string): Promise<{ bytes: Uint8Array; contentType: string } | null>;
  has(sha256: string): Promise<boolean>;
  /**
   * Stores a body as it streams in (an upload of up to 25 MiB, never held whole in
   * memory), under the digest it must have, `size` bytes long. The stream itself checks
   * the digest and errors when the bytes are not the signed ones: a stream that errors
   * leaves nothing stored under the digest, and putStream rejects with its error.
   * Optional: a store without it is handed the bytes whole (put).
   */
  putStream?(sha256: string, body: ReadableStream<Uint8Array>, size: number, contentType: string): Promise<void>;
}

/** Digests are base64url SHA-256: 43 characters, safe as a file or object name. */
export function checkDigestName(sha256: string): string {
  if (!/^[A-Za-z0-9_-]{43}$/.test(sha256)) throw new Error(`not a base64url SHA-256 digest: ${sha256}`);
  return sha256;
}
