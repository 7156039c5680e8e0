import type { BlobStore } from './blobs/blob-store.ts';
import type { Clock } from './clock.ts';
import { isStorageFull } from './db/storage-full.ts';
import type { PortalDb } from './db/portal-db.ts';
import type { Health } from './health.ts';

export const INSUFFICIENT_STORAGE = 'insufficient-storage';

/**
 * The database and the blob store as the app uses them, reporting a full disk to /healthz:
 * a write that finds no space raises `insufficient-storage` (and fails; the error handler
 * answers 507), the next write (a commit, or a stored blob) that succeeds clears it. Nothing
 * polls the disk, so /healthz stays a read that never writes.
 */
export function watchStorage<T extends { db: PortalDb; blobs: BlobStore; health: Health; clock: Clock }>(deps: T): T {
  const { db, blobs, health, clock } = deps;
  const failed = (where: string) => (error: unknown) => {
    if (isStorageFull(error)) {
      health.raise(
        INSUFFICIENT_STORAGE,
        `The ${where} has no space left; writes answer 507 until space is freed (reads keep working).`,
        clock.now(),
      );
    }
    throw error;
  };
  const succeeded = <R>(result: R) => {
    health.clear(INSUFFICIENT_STORAGE);
    return result;
  };
  return {
    ...deps,
    db: {
      ...db,
      commit: (queries) => db.commit(queries).then(succeeded, failed('database')),
      // A single statement (a replay entry) may still fit where a write does not: it reports
      // a full disk, but only a whole write clears the condition.
      execute: (query) => db.execute(query).catch(failed('database')),
    },
    blobs: {
      ...blobs,
      put: (sha256, bytes, contentType) => blobs.put(sha256, bytes, contentType).then(succeeded, failed('blob store')),
      ...(blobs.putStream
        ? {
            putStream: (sha256, body, size, contentType) =>
              blobs.putStream!(sha256, body, size, contentType).then(succeeded, failed('blob store')),
          }
        : {}),
    },
  };
}
