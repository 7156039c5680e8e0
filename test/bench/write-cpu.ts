/**
 * CPU per signed contact update through the whole app (app.fetch, no sockets): the
 * server-side work of `npm run bench`'s write scenario without the HTTP server and load
 * generator, quick enough to iterate on and to profile in-process:
 *
 *   npx tsx test/bench/write-cpu.ts [writes=3000] [inFlight=16]
 *   WRITE_CPU_PROFILE=/tmp/writes.cpuprofile npx tsx test/bench/write-cpu.ts   (the timed writes only)
 *
 * Prints µs of this process's CPU per write next to the raw limit measured in the same run,
 * in a process started with the portal's node flags (it restarts itself with them).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileBlobStore } from '../../src/blobs/file-blob-store.ts';
import { nodeSignatures } from '../../src/crypto/node-signatures.ts';
import { applyMigrations } from '../../src/db/migrate.ts';
import { readMigrations } from '../../src/db/migrations-dir.ts';
import { openSqlite, sqlitePortalDb } from '../../src/db/sqlite.ts';
import { contactBody, createHarness, ORIGIN } from '../support/harness.ts';
import { measureFloor } from './floor.ts';
import { nodeFlagsOf } from './server.ts';

/** A V8 CPU profile of this process from now until stop(). */
async function startProfiler() {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
  await session.post('Profiler.start');
  return { stop: async () => (await session.post('Profiler.stop')).profile };
}

// The portal's own node flags (package.json's start script, e.g. a larger young generation):
// the writes and the raw limit are measured in a process configured as the server is.
const startFlags = nodeFlagsOf('start');
if (startFlags.some((flag) => !process.execArgv.includes(flag))) {
  const child = spawnSync(process.execPath, [...startFlags, ...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
  });
  process.exit(child.status ?? 1);
}

const writes = Number(process.argv[2] ?? 3000);
const inFlight = Number(process.argv[3] ?? 16);
const dir = mkdtempSync(join(tmpdir(), 'cbm-write-cpu-'));
try {
  const sqlite = openSqlite(join(dir, 'portal.sqlite'));
  // WRITE_CPU_SQL=1: time spent inside SQLite statements (run/all/get), by statement kind.
  const sqlTime = new Map<string, { calls: number; ms: number }>();
  if (process.env.WRITE_CPU_SQL === '1') {
    const proto = Object.getPrototypeOf(sqlite.prepare('SELECT 1')) as Record<string, (...args: unknown[]) => unknown>;
    for (const method of ['run', 'all', 'get'] as const) {
      const original = proto[method]!;
      proto[method] = function (this: { source: string }, ...args: unknown[]) {
        const started = performance.now();
        try {
          return original.apply(this, args);
        } finally {
          const key = this.source.replace(/\s+/g, ' ').slice(0, 60);
          const entry = sqlTime.get(key) ?? { calls: 0, ms: 0 };
          entry.calls++;
          entry.ms += performance.now() - started;
          sqlTime.set(key, entry);
        }
      };
    }
  }
  applyMigrations(sqlite, readMigrations());
  const portal = await createHarness(sqlitePortalDb(sqlite), fileBlobStore(join(dir, 'blobs')), {
    signatures: nodeSignatures,
    logClock: 'manual',
  });
  const lanes = await Promise.all(
    Array.from({ length: inFlight }, async (_, i) => {
      const state = ['AT', 'BE', 'DE', 'FR', 'IT', 'NL', 'PL', 'SE', 'FI', 'DK', 'ES', 'PT', 'IE', 'CZ', 'SK', 'HU'][
        i % 16
      ]!;
      const client = await portal.registerState(state);
      void i;
      const created = await client.call('POST', '/contacts', { body: contactBody({ name: `Lane ${i}` }) });
      const { id } = ((await created.json()) as { data: { id: string } }).data;
      return { client, id, version: 1 };
    }),
  );
  // Pre-signed requests, so only the server's work is timed.
  const requests = await Promise.all(
    lanes.map(async (lane) => {
      const list: Request[] = [];
      for (let n = 0; n < Math.ceil(writes / inFlight); n++) {
        const body = new TextEncoder().encode(JSON.stringify(contactBody({ name: `Lane write ${n}` })));
        const path = `/contacts/${lane.id}`;
        const token = await lane.client.signer.sign({ method: 'PUT', pathAndQuery: path, body });
        list.push(
          new Request(`${ORIGIN}${path}`, {
            method: 'PUT',
            headers: {
              authorization: `Bearer ${token}`,
              'content-type': 'application/json',
              'if-match': `"${lane.version + n}"`,
            },
            body,
          }),
        );
      }
      return list;
    }),
  );
  const run = async (from: number, to: number) => {
    let failed = 0;
    await Promise.all(
      requests.map(async (list) => {
        for (let n = from; n < Math.min(to, list.length); n++) {
          const response = await portal.app.fetch(list[n]!);
          if (response.status !== 200) {
            failed++;
            if (failed < 3) console.error(response.status, await response.text());
          } else await response.arrayBuffer();
        }
      }),
    );
    return failed;
  };
  const warm = Math.min(50, Math.floor(requests[0]!.length / 4));
  await run(0, warm);
  const profiler = process.env.WRITE_CPU_PROFILE ? await startProfiler() : null;
  sqlTime.clear();
  const cpu = process.cpuUsage();
  const started = performance.now();
  const failed = await run(warm, requests[0]!.length);
  const used = process.cpuUsage(cpu);
  for (const [sql, { calls, ms }] of [...sqlTime].sort((a, b) => b[1].ms - a[1].ms))
    console.log(`  ${((ms * 1000) / calls).toFixed(0).padStart(6)} µs x ${calls}  ${sql}`);
  if (profiler) writeFileSync(process.env.WRITE_CPU_PROFILE!, JSON.stringify(await profiler.stop()));
  const done = (requests[0]!.length - warm) * requests.length;
  const micros = (used.user + used.system) / done;
  // WRITE_CPU_FLOOR=0 leaves the raw limit out (a profile of the writes alone).
  const floor = process.env.WRITE_CPU_FLOOR === '0' ? null : await measureFloor(1000);
  const raw = floor?.rawLimit.cpuMicrosPerOperation ?? Number.NaN;
  console.log(
    `${done} signed contact updates, ${inFlight} in flight: ${micros.toFixed(0)} µs CPU per write ` +
      `(${((done / (performance.now() - started)) * 1000).toFixed(0)} writes/s), ${failed} failed; ` +
      `raw limit ${raw} µs CPU: ratio ${(micros / raw).toFixed(2)}`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
