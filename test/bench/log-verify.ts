/**
 * Log integrity benchmark (part of `npm run bench`): what the log clock's checks cost at
 * BENCH_VERIFY_SIZE (1,000,000) entries. In process, on a SQLite file in a temp dir, through
 * the server's code (src/log):
 *
 *  - the full check (verifyLog): every leaf re-derived from its attestation token, every
 *    stored subtree hash and every signed checkpoint's root re-derived from the leaves. It
 *    runs at start and every CBM_LOG_VERIFY_INTERVAL_MS. Seconds, and memory (peak RSS and
 *    heap above the level before it ran): it streams, so memory must not grow with the log.
 *  - a tick of the log clock after one write at that size (integrate the new leaf, checked
 *    against its attestation; re-derive the last checkpoint's root from stored hashes; sign):
 *    the cost paid once per CBM_CHECKPOINT_INTERVAL_MS while the log grows.
 *
 * The log is filled synthetically: attestation rows whose tokens have the length of real
 * attestation tokens, leaves hashed from them, integrated and signed by the server's code.
 * Environment: BENCH_VERIFY_SIZE (1000000), BENCH_VERIFY_CHECKPOINTS (1000: checkpoints
 * signed along the way, as a log clock would have).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixedClock } from '../../src/clock.ts';
import { generatePrivateJwk, loadPortalKeys } from '../../src/crypto/portal-keys.ts';
import { applyMigrations } from '../../src/db/migrate.ts';
import { readMigrations } from '../../src/db/migrations-dir.ts';
import { openSqlite, sqlitePortalDb } from '../../src/db/sqlite.ts';
import { createHealth } from '../../src/health.ts';
import { publishCheckpoint, treeRoot } from '../../src/log/checkpoint.ts';
import { createLogClock } from '../../src/log/clock.ts';
import { verifyLog } from '../../src/log/integrity.ts';
import { integrate } from '../../src/log/store.ts';
import { intFromEnv } from './settings.ts';

const SIZE = intFromEnv('BENCH_VERIFY_SIZE', 1_000_000, 1000, 100_000_000);
const CHECKPOINTS = intFromEnv('BENCH_VERIFY_CHECKPOINTS', 1000, 1, 1_000_000);
/** A real attestation token (ES256/EdDSA JWS with the portal's claims) is about this long. */
const TOKEN_LENGTH = 720;
const MB = 1024 * 1024;

const dir = mkdtempSync(join(tmpdir(), 'cbm-log-verify-bench-'));
try {
  console.log(`\n== Log integrity (in process, SQLite file, server code path), ${SIZE.toLocaleString('en')} entries`);
  const sqlite = openSqlite(join(dir, 'portal.sqlite'));
  applyMigrations(sqlite, readMigrations());
  sqlite.pragma('foreign_keys = OFF'); // no principals in this bench database
  const db = sqlitePortalDb(sqlite);
  const keys = await loadPortalKeys([await generatePrivateJwk()]);
  const clock = fixedClock('2026-11-27T09:00:00.000Z');

  const insertAttestation = sqlite.prepare(
    `INSERT INTO attestations (id, subject, principal_id, kid, operation, issued_at, token, method, path,
      content_type, request_token, body, body_sha256)
     VALUES (?, ?, 'AT', 'k', 'createIncident', '2026-11-27T09:00:00.000Z', ?, 'POST', '/incidents', 'application/json', 't', x'', 'd')`,
  );
  const insertLeaf = sqlite.prepare('INSERT INTO log_leaves (idx, attestation_id, leaf_hash) VALUES (?, ?, ?)');
  const fill = sqlite.transaction((from: number, to: number) => {
    for (let i = from; i < to; i += 1) {
      const token = `${randomBytes((TOKEN_LENGTH * 3) / 4).toString('base64url')}`;
      insertAttestation.run(`bench-${i}`, `urn:cbm:bench:${i}`, token);
      insertLeaf.run(
        i,
        `bench-${i}`,
        createHash('sha256')
          .update(Buffer.from([0]))
          .update(token)
          .digest(),
      );
    }
  });
  const origin = 'bench.example/log';
  const started = performance.now();
  const every = Math.max(1, Math.floor(SIZE / CHECKPOINTS));
  for (let from = 0; from < SIZE; from += every) {
    const to = Math.min(SIZE, from + every);
    fill(from, to);
    // As the log clock would have: integrate, then sign a checkpoint of the new size.
    const size = await integrate(db);
    await publishCheckpoint(db, keys, origin, size, await treeRoot(db, size), clock.now(), 0);
  }
  sqlite.pragma('wal_checkpoint(TRUNCATE)');
  const fileMb = statSync(join(dir, 'portal.sqlite')).size / MB;
  console.log(
    `filled, integrated and signed ${CHECKPOINTS.toLocaleString('en')} checkpoints along the way in ` +
      `${((performance.now() - started) / 1000).toFixed(1)} s (database ${fileMb.toFixed(0)} MB)`,
  );

  // The full check, with memory sampled while it runs (it yields between pages).
  global.gc?.();
  const base = process.memoryUsage();
  let peakRss = base.rss;
  let peakHeap = base.heapUsed;
  const sampler = setInterval(() => {
    const now = process.memoryUsage();
    peakRss = Math.max(peakRss, now.rss);
    peakHeap = Math.max(peakHeap, now.heapUsed);
  }, 20);
  const verifyStarted = performance.now();
  const cpuBefore = process.cpuUsage();
  const result = await verifyLog(db);
  const seconds = (performance.now() - verifyStarted) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  clearInterval(sampler);
  console.log(
    `full check: ${result.leaves.toLocaleString('en')} leaves, ${result.nodes.toLocaleString('en')} subtree ` +
      `hashes, ${result.checkpoints.toLocaleString('en')} checkpoints re-derived in ${seconds.toFixed(2)} s ` +
      `(${(result.leaves / seconds / 1000).toFixed(0)}k leaves/s; CPU ` +
      `${((cpu.user + cpu.system) / 1e6).toFixed(2)} s, less sensitive than wall time to other load on the machine); ` +
      `memory above the level before: peak RSS +${((peakRss - base.rss) / MB).toFixed(1)} MB, peak heap ` +
      `+${((peakHeap - base.heapUsed) / MB).toFixed(1)} MB`,
  );

  // One write's worth of growth, then the log clock's tick at this size.
  const logClock = createLogClock({
    db,
    keys,
    clock,
    health: createHealth(),
    log: console.error,
    config: { publicOrigin: 'https://bench.example', checkpointIntervalMs: 1000, logVerifyIntervalMs: 900_000 },
  });
  const ticks: number[] = [];
  for (let i = 0; i < 20; i += 1) {
    fill(SIZE + i, SIZE + i + 1);
    clock.advance(1000);
    const tickStarted = performance.now();
    const tick = await logClock.tick();
    ticks.push(performance.now() - tickStarted);
    if (tick?.signed?.size !== SIZE + i + 1) throw new Error(`tick ${i} signed ${JSON.stringify(tick?.signed?.size)}`);
  }
  ticks.sort((a, b) => a - b);
  console.log(
    `log clock tick after one write at this size (integrate + check the leaf, re-derive the last root from ` +
      `stored hashes, sign): p50 ${ticks[10]!.toFixed(2)} ms, max ${ticks[19]!.toFixed(2)} ms`,
  );
  sqlite.close();
} finally {
  if (process.env.BENCH_KEEP) console.log(`kept ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}
