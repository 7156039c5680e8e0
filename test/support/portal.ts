/**
 * A fresh portal per test on Node: in-memory SQLite with the real migrations, plus the
 * runtime-agnostic harness (fixed clock, generated keys, signing clients).
 */
import type BetterSqlite3 from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileBlobStore } from '../../src/blobs/file-blob-store.ts';
import { nodeSignatures } from '../../src/crypto/node-signatures.ts';
import { applyMigrations } from '../../src/db/migrate.ts';
import { readMigrations } from '../../src/db/migrations-dir.ts';
import { openSqlite, sqlitePortalDb } from '../../src/db/sqlite.ts';
import { createHarness, type HarnessOptions } from './harness.ts';

export { contactBody, ORIGIN, START, type CallOptions, type TestClient } from './harness.ts';

// Blob directories are made only when a test stores a blob; all go when the worker exits.
const blobRoot = join(tmpdir(), `cbm-test-blobs-${process.pid}`);
process.once('exit', () => rmSync(blobRoot, { recursive: true, force: true }));

export type TestPortal = Awaited<ReturnType<typeof createTestPortal>>;

/**
 * WebCrypto, as in workerd, unless CBM_TEST_SIGNATURES=node: then node:crypto, as src/node.ts
 * verifies and signs (the real-portal suites run that way always). WebCrypto's thread-pool
 * round trips keep two requests sent together overlapping, which the race tests rely on.
 */
export async function createTestPortal(options: HarnessOptions = {}) {
  const sqlite: BetterSqlite3.Database = openSqlite(':memory:');
  applyMigrations(sqlite, readMigrations());
  const harness = await createHarness(sqlitePortalDb(sqlite), fileBlobStore(join(blobRoot, randomUUID())), {
    ...(process.env.CBM_TEST_SIGNATURES === 'node' ? { signatures: nodeSignatures } : {}),
    ...options,
  });
  return { ...harness, sqlite };
}

export function count(sqlite: BetterSqlite3.Database, table: string): number {
  return (sqlite.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
}
