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
}

/** Digests are base64url SHA-256: 43 characters, safe as a file or object name. */
export function checkDigestName(sha256: string): string {
  if (!/^[A-Za-z0-9_-]{43}$/.test(sha256)) throw new Error(`not a base64url SHA-256 digest: ${sha256}`);
  return sha256;
}
