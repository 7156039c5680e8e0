import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { noSpaceError } from '../db/storage-full.ts';
import { makeDirectoryDurably, removePartialFiles, writeFileDurably } from '../fs/durable.ts';
import { checkDigestName, type BlobStore } from './blob-store.ts';

export interface FileBlobStoreOptions {
  /**
   * Most bytes the store may hold (CBM_MAX_BLOB_BYTES); a put beyond fails as a full disk
   * does (ENOSPC), so the portal answers 507. Unlimited when absent.
   */
  maxBytes?: number | null;
}

/**
 * Blobs as files under `<dataDir>/blobs/ab/<digest>` (two-character fan-out), each written
 * durably (fsynced under a temporary name, renamed, directory fsynced) before put()
 * returns, so the row naming a blob never commits before the blob is on disk, and a crash
 * never leaves a partial blob under its digest.
 */
export function fileBlobStore(root: string, options: FileBlobStoreOptions = {}): BlobStore {
  const pathOf = (sha256: string) => join(root, checkDigestName(sha256).slice(0, 2), sha256);
  // Bytes held, counted once from the disk and kept up to date by put(); only with a quota.
  let used: Promise<number> | null = null;
  const has = async (sha256: string) => {
    try {
      await stat(pathOf(sha256));
      return true;
    } catch {
      return false;
    }
  };
  /** Stores bytes, or a stream of `size` bytes, under their digest. */
  async function store(
    sha256: string,
    bytes: Uint8Array | ReadableStream<Uint8Array>,
    size: number,
    contentType: string,
  ) {
    const path = pathOf(sha256);
    if (options.maxBytes != null) {
      if (await has(sha256)) return;
      used ??= storedBytes(root);
      const total = await used;
      if (total + size > options.maxBytes) throw noSpaceError(`blob store quota of ${options.maxBytes} bytes reached`);
      used = Promise.resolve(total + size);
    }
    await makeDirectoryDurably(join(root, sha256.slice(0, 2)));
    // The media type first: has() and get() go by the blob itself, which comes last.
    await writeFileDurably(`${path}.type`, contentType);
    // A stream that errors (not the signed bytes) leaves no file under the digest.
    await writeFileDurably(path, bytes as Uint8Array | AsyncIterable<Uint8Array>);
  }
  return {
    put: (sha256, bytes, contentType) => store(sha256, bytes, bytes.byteLength, contentType),
    putStream: (sha256, body, size, contentType) => store(sha256, body, size, contentType),
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
    has,
  };
}

/** Bytes of the stored blobs (their media-type files aside). */
async function storedBytes(root: string): Promise<number> {
  let total = 0;
  for (const fanOut of await readdir(root).catch(() => [] as string[])) {
    for (const name of await readdir(join(root, fanOut)).catch(() => [] as string[])) {
      if (/^[A-Za-z0-9_-]{43}$/.test(name)) total += (await stat(join(root, fanOut, name))).size;
    }
  }
  return total;
}

/**
 * Removes the partial files a crash or a full disk left in the blob store (`*.tmp`, never a
 * blob). Run at start, while the data dir's lock is held, so no put() is in flight.
 */
export async function removePartialBlobs(root: string): Promise<string[]> {
  const removed: string[] = [];
  for (const fanOut of await readdir(root).catch(() => [] as string[])) {
    if (/^[A-Za-z0-9_-]{2}$/.test(fanOut)) removed.push(...(await removePartialFiles(join(root, fanOut))));
  }
  return removed;
}
