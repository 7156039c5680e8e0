import type { R2Bucket } from '@cloudflare/workers-types';
import { checkDigestName, type BlobStore } from './blob-store.ts';

/** Blobs as R2 objects named by their digest; R2 writes are atomic per object. */
export function r2BlobStore(bucket: R2Bucket): BlobStore {
  return {
    async put(sha256, bytes, contentType) {
      await bucket.put(checkDigestName(sha256), bytes, { httpMetadata: { contentType } });
    },
    async get(sha256) {
      const object = await bucket.get(checkDigestName(sha256));
      if (!object) return null;
      return {
        bytes: new Uint8Array(await object.arrayBuffer()),
        contentType: object.httpMetadata?.contentType ?? 'application/octet-stream',
      };
    },
    async has(sha256) {
      return (await bucket.head(checkDigestName(sha256))) !== null;
    },
  };
}
