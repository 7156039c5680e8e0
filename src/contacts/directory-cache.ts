import { CompiledQuery } from 'kysely';
import type { PortalDb } from '../db/portal-db.ts';

/**
 * Rendered directory pages, kept until the next accepted write anywhere in the portal.
 * Partners poll the directory far more often than it changes, and a page of 100 contacts
 * costs far more to build than to check: the check is one indexed read of the newest
 * attestation's sequence number, which every write (and only a write) advances. The
 * directory looks the same to every principal, so pages are shared between callers.
 */
export interface DirectoryCache {
  /** The page's JSON as UTF-8 bytes, encoded once per version rather than per request. */
  page(key: string, build: () => Promise<string>): Promise<Uint8Array>;
}

const MAX_PAGES = 256;
const caches = new WeakMap<PortalDb, DirectoryCache>();

export function directoryCache(db: PortalDb): DirectoryCache {
  let cache = caches.get(db);
  if (!cache) {
    cache = createDirectoryCache(db);
    caches.set(db, cache);
  }
  return cache;
}

function createDirectoryCache(db: PortalDb): DirectoryCache {
  const pages = new Map<string, { version: number; body: Uint8Array }>();
  // Precompiled: this runs on every directory read.
  const versionQuery = CompiledQuery.raw('SELECT max(seq) AS version FROM attestations');
  const currentVersion = async () => {
    const { rows } = await db.kysely.executeQuery<{ version: number | null }>(versionQuery);
    return Number(rows[0]?.version ?? 0);
  };
  return {
    async page(key, build) {
      const version = await currentVersion();
      const cached = pages.get(key);
      if (cached?.version === version) return cached.body;
      const body = new TextEncoder().encode(await build());
      if (pages.size >= MAX_PAGES) pages.delete(pages.keys().next().value!);
      pages.set(key, { version, body });
      return body;
    },
  };
}
