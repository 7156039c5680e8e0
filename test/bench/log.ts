/**
 * Log benchmark (part of `npm run bench`): the cost of appending to the Merkle log and of
 * proofs as it grows. In process, on a SQLite file in a temp dir, through the server's own
 * code (src/log): appends go through the same leaf statement and commit as every write.
 *
 *  - append rate: commits of one attestation row + its leaf, then integration of the new
 *    leaves (the subtree hashes), per second; baseline in the same run: the same commits
 *    without the leaf statement.
 *  - proof time: inclusion and consistency proofs (built from stored subtree hashes) at
 *    1,000 and at 1,000,000 entries. The big log is filled synthetically (bulk insert with
 *    foreign keys off, integrated by the server's integrate()), so the run stays short.
 *    The two sizes must be within 2x: O(log n), never a rehash.
 *
 * Environment: BENCH_LOG_SIZE (1000000), BENCH_LOG_APPENDS (5000), BENCH_LOG_PROOFS (300).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { applyMigrations } from '../../src/db/migrate.ts';
import { readMigrations } from '../../src/db/migrations-dir.ts';
import { openSqlite, sqlitePortalDb } from '../../src/db/sqlite.ts';
import type { PortalDb } from '../../src/db/portal-db.ts';
import { appendLeafQuery } from '../../src/log/leaves.ts';
import { consistencyRanges, inclusionRanges } from '../../src/log/merkle.ts';
import { integrate, rangeHashes } from '../../src/log/store.ts';
import { intFromEnv } from './settings.ts';

const BIG = intFromEnv('BENCH_LOG_SIZE', 1_000_000, 2000, 100_000_000);
const APPENDS = intFromEnv('BENCH_LOG_APPENDS', 5000, 100, 10_000_000);
const PROOFS = intFromEnv('BENCH_LOG_PROOFS', 300, 20, 1_000_000);

function freshDb(dir: string, name: string) {
  const sqlite = openSqlite(join(dir, name));
  applyMigrations(sqlite, readMigrations());
  return { sqlite, db: sqlitePortalDb(sqlite) };
}

const attestationRow = (db: PortalDb, i: number) =>
  db.kysely
    .insertInto('attestations')
    .values({
      id: `bench-${i}`,
      subject: `urn:cbm:bench:${i}`,
      principal_id: 'secretariat',
      kid: 'bench',
      operation: 'bench',
      issued_at: '2026-11-27T09:00:00.000Z',
      token: `token-${i}`,
      method: 'POST',
      path: '/bench',
      content_type: null,
      request_token: 'bench',
      body: new Uint8Array(),
      body_sha256: 'bench',
    })
    .compile();

async function appendRate(dir: string, withLeaf: boolean): Promise<number> {
  const { sqlite, db } = freshDb(dir, `append-${withLeaf}.sqlite`);
  sqlite.pragma('foreign_keys = OFF'); // no principals in this bench database
  const started = performance.now();
  for (let i = 0; i < APPENDS; i += 1) {
    const queries = [attestationRow(db, i)];
    if (withLeaf) queries.push(await appendLeafQuery(`bench-${i}`, `token-${i}`));
    await db.commit(queries);
    if (withLeaf && i % 100 === 99) await integrate(db);
  }
  if (withLeaf) await integrate(db);
  const seconds = (performance.now() - started) / 1000;
  sqlite.close();
  return APPENDS / seconds;
}

/** Fills a log of `size` leaves quickly: bulk rows, then the server's own integration. */
async function filledLog(dir: string, size: number) {
  const { sqlite, db } = freshDb(dir, `log-${size}.sqlite`);
  sqlite.pragma('foreign_keys = OFF');
  const insertAttestation = sqlite.prepare(
    `INSERT INTO attestations (id, subject, principal_id, kid, operation, issued_at, token, method, path,
      content_type, request_token, body, body_sha256)
     VALUES (?, ?, 'secretariat', 'k', 'bench', '2026-11-27T09:00:00.000Z', ?, 'POST', '/', NULL, 't', x'', 'd')`,
  );
  const insertLeaf = sqlite.prepare('INSERT INTO log_leaves (idx, attestation_id, leaf_hash) VALUES (?, ?, ?)');
  const fill = sqlite.transaction((from: number, to: number) => {
    for (let i = from; i < to; i += 1) {
      insertAttestation.run(`bench-${i}`, `urn:cbm:bench:${i}`, `token-${i}`);
      insertLeaf.run(
        i,
        `bench-${i}`,
        createHash('sha256')
          .update(Buffer.from([0]))
          .update(`token-${i}`)
          .digest(),
      );
    }
  });
  const started = performance.now();
  for (let from = 0; from < size; from += 50_000) fill(from, Math.min(size, from + 50_000));
  const filledAt = performance.now();
  const integrated = await integrate(db);
  if (integrated !== size) throw new Error(`integrated ${integrated} of ${size}`);
  return {
    sqlite,
    db,
    fillSeconds: (filledAt - started) / 1000,
    integrateSeconds: (performance.now() - filledAt) / 1000,
  };
}

async function proofTimes(db: PortalDb, size: number) {
  let seed = 42;
  const random = (below: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % below;
  };
  const time = async (make: () => Promise<unknown>) => {
    for (let i = 0; i < 20; i += 1) await make(); // warm-up
    const samples: number[] = [];
    for (let i = 0; i < PROOFS; i += 1) {
      const started = performance.now();
      await make();
      samples.push(performance.now() - started);
    }
    samples.sort((a, b) => a - b);
    return { p50: samples[Math.floor(samples.length / 2)]!, p99: samples[Math.floor(samples.length * 0.99)]! };
  };
  const inclusion = await time(() => rangeHashes(db, inclusionRanges(random(size), size)));
  const consistency = await time(() => rangeHashes(db, consistencyRanges(1 + random(size - 1), size)));
  return { inclusion, consistency };
}

const dir = mkdtempSync(join(tmpdir(), 'cbm-log-bench-'));
try {
  console.log('\n== Merkle log (in process, SQLite file, server code path)');
  const baseline = await appendRate(dir, false);
  const withLog = await appendRate(dir, true);
  console.log(
    `append: ${withLog.toFixed(0)} appends/s with leaf + integration; ${baseline.toFixed(0)} commits/s ` +
      `without the log (ratio ${(withLog / baseline).toFixed(2)})`,
  );

  // Both logs are built first and their proofs timed in alternating rounds, so warm-up,
  // JIT state and machine noise weigh on both sizes alike.
  const logs = new Map<number, Awaited<ReturnType<typeof filledLog>>>();
  for (const size of [1000, BIG]) {
    const log = await filledLog(dir, size);
    const count = await sql<{ n: number }>`SELECT count(*) AS n FROM log_nodes`.execute(log.db.kysely);
    console.log(
      `log of ${size.toLocaleString('en')} entries: filled in ${log.fillSeconds.toFixed(1)} s, integrated in ` +
        `${log.integrateSeconds.toFixed(1)} s (${count.rows[0]!.n} subtree hashes stored)`,
    );
    logs.set(size, log);
  }
  const rounds: Record<number, Awaited<ReturnType<typeof proofTimes>>[]> = { 1000: [], [BIG]: [] };
  for (let round = 0; round < 5; round += 1) {
    for (const [size, log] of logs) rounds[size]!.push(await proofTimes(log.db, size));
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const results: Record<number, Awaited<ReturnType<typeof proofTimes>>> = {};
  for (const [size, log] of logs) {
    const all = rounds[size]!;
    results[size] = {
      inclusion: { p50: median(all.map((r) => r.inclusion.p50)), p99: median(all.map((r) => r.inclusion.p99)) },
      consistency: { p50: median(all.map((r) => r.consistency.p50)), p99: median(all.map((r) => r.consistency.p99)) },
    };
    const r = results[size]!;
    console.log(
      `  ${size.toLocaleString('en')} entries: inclusion proof p50 ${r.inclusion.p50.toFixed(3)} ms, p99 ` +
        `${r.inclusion.p99.toFixed(3)} ms; consistency proof p50 ${r.consistency.p50.toFixed(3)} ms, p99 ` +
        `${r.consistency.p99.toFixed(3)} ms (median of 5 alternating rounds)`,
    );
    log.sqlite.close();
  }
  const small = results[1000]!;
  const big = results[BIG]!;
  const ratio = Math.max(big.inclusion.p50 / small.inclusion.p50, big.consistency.p50 / small.consistency.p50);
  console.log(
    `proof time at ${BIG.toLocaleString('en')} vs 1,000 entries: ${ratio.toFixed(2)}x (target within 2x): ${ratio <= 2 ? 'PASS' : 'MISS'}`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
