import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { checkDigestName, type BlobStore } from './blob-store.ts';

/**
 * Blobs as files under `<dataDir>/blobs/ab/<digest>` (two-character fan-out), written to a
 * temporary name and renamed, so a crash never leaves a partial blob under its digest.
 */
export function fileBlobStore(root: string): BlobStore {
  const pathOf = (sha256: string) => join(root, checkDigestName(sha256).slice(0, 2), sha256);
  return {
    async put(sha256, bytes, contentType) {
      const path = pathOf(sha256);
      await mkdir(join(root, sha256.slice(0, 2)), { recursive: true });
      const temporary = `${path}.${randomUUID()}.tmp`;
      await writeFile(temporary, bytes);
      await writeFile(`${temporary}.type`, contentType);
      await rename(`${temporary}.type`, `${path}.type`);
      await rename(temporary, path);
    },
    async get(sha256) {
      const path = pathOf(sha256);
      try {
        const [bytes, contentType] = await Promise.all([readFile(path), readFile(`${path}.type`, 'utf8')]);
        return { bytes: new Uint8Array(bytes), contentType };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw error;
      }
    },
    async has(sha256) {
      try {
        await stat(pathOf(sha256));
        return true;
      } catch {
        return false;
      }
    },
  };
}
