import { CompiledQuery } from 'kysely';
import type { PortalDb } from './portal-db.ts';

// Precompiled: it runs on every read a cache serves.
const newestWrite = CompiledQuery.raw('SELECT max(seq) AS version FROM attestations');

/**
 * A cache whose entries hold until the next accepted write anywhere in the portal. Reads are
 * polled far more often than anything changes, and checking is one indexed read of the newest
 * attestation's sequence number, which every write (and only a write) advances. Entries are
 * kept per database, at most `maxEntries` of them (the oldest goes first); a build in flight
 * is shared by the callers asking for the same key, and a failed one is not remembered.
 *
 * @example
 * const pages = cacheUntilNextWrite<string>(256);
 * const body = await pages(db, key, () => renderPage(db));
 */
export function cacheUntilNextWrite<T>(maxEntries: number) {
  const perDb = new WeakMap<PortalDb, { version: number; entries: Map<string, Promise<T>> }>();
  return async function cached(db: PortalDb, key: string, build: () => Promise<T>): Promise<T> {
    const { rows } = await db.kysely.executeQuery<{ version: number | null }>(newestWrite);
    const version = Number(rows[0]?.version ?? 0);
    let cache = perDb.get(db);
    if (cache?.version !== version) {
      cache = { version, entries: new Map() };
      perDb.set(db, cache);
    }
    const entries = cache.entries;
    let value = entries.get(key);
    if (!value) {
      if (entries.size >= maxEntries) entries.delete(entries.keys().next().value!);
      value = build();
      entries.set(key, value);
      const built = value;
      built.catch(() => {
        if (entries.get(key) === built) entries.delete(key);
      });
    }
    return value;
  };
}
