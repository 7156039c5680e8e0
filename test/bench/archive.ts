/**
 * Offline archive benchmark (issue 14 item 5): `exportArchive` and `verifyArchive` of
 * BENCH_ARCHIVE_RECORDS (100,000) real records: contacts written through the portal's API
 * by BENCH_ARCHIVE_STATES (10) states, each signed by its state and attested by the portal,
 * under a checkpoint cosigned by 3 witnesses. In process (the app's fetch, a SQLite file in
 * a temp dir), the export through the typed client as `cbm export` does it, the archive
 * streamed to a file and verified from it line by line with a 2-of-3 witness policy.
 * Reports the time of each phase, the file's size (bytes per record) and peak RSS.
 *
 * Run: npx tsx test/bench/archive.ts   (BENCH_ARCHIVE_RECORDS=10000 for a quick look)
 */
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { applyMigrations } from '../../src/db/migrate.ts';
import { readMigrations } from '../../src/db/migrations-dir.ts';
import { openSqlite, sqlitePortalDb } from '../../src/db/sqlite.ts';
import { fileBlobStore } from '../../src/blobs/file-blob-store.ts';
import { createPortalClient, createVerifier, ok, type PinnedJwks } from '../../clients/typescript/src/index.ts';
import { exportArchive, verifyArchive } from '../../clients/typescript/src/archive.ts';
import { witnessOnce, type WitnessState } from '../../clients/typescript/src/witness.ts';
import type { FetchLike } from '../../clients/typescript/src/client.ts';
import { contactBody, createHarness, ORIGIN, type TestClient } from '../support/harness.ts';
import { intFromEnv } from './settings.ts';

const RECORDS = intFromEnv('BENCH_ARCHIVE_RECORDS', 100_000, 10, 10_000_000);
const STATES = intFromEnv('BENCH_ARCHIVE_STATES', 10, 3, 10);
const MB = 1024 * 1024;
const seconds = (since: number) => ((performance.now() - since) / 1000).toFixed(1);
let peak = process.memoryUsage().rss;
const sample = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 200);

const dir = mkdtempSync(join(tmpdir(), 'cbm-archive-bench-'));
try {
  console.log(
    `\n== Offline archive (in process, SQLite file), ${RECORDS.toLocaleString('en')} records by ${STATES} states`,
  );
  const sqlite = openSqlite(join(dir, 'portal.sqlite'));
  applyMigrations(sqlite, readMigrations());
  const portal = await createHarness(sqlitePortalDb(sqlite), fileBlobStore(join(dir, 'blobs')), { logClock: 'manual' });
  const codes = ['AT', 'DE', 'FR', 'BE', 'CZ', 'DK', 'ES', 'FI', 'IT', 'NL'].slice(0, STATES);
  const states: TestClient[] = [];
  for (const code of codes)
    states.push(await portal.registerState(code, { scopes: ['read', 'contacts:write', 'witness'] }));

  let started = performance.now();
  const body = (i: number) => JSON.stringify(contactBody({ name: `Officer ${i}` }));
  for (let i = 0; i < RECORDS - (1 + 2 * STATES); i += 1) {
    const state = states[i % STATES]!;
    const bytes = new TextEncoder().encode(body(i));
    const token = await state.sign('POST', '/contacts', bytes);
    const res = await portal.app.fetch(
      new Request(`${ORIGIN}/contacts`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: bytes,
      }),
    );
    if (res.status !== 201) throw new Error(`write ${i}: ${res.status} ${await res.text()}`);
    if (i % 4096 === 4095) await portal.logClock.tick();
  }
  await portal.logClock.tick();
  console.log(`  records written (API, signed, attested): ${seconds(started)} s`);
  const appFetch: FetchLike = async (request) => portal.app.fetch(request);
  const jwks = (await ok(
    (await createPortalClient({ baseUrl: ORIGIN, fetch: appFetch })).GET('/.well-known/jwks.json'),
  )) as PinnedJwks;
  for (const state of states.slice(0, 3)) {
    let saved: WitnessState | undefined;
    const client = await createPortalClient({ baseUrl: ORIGIN, signer: state.signer, fetch: appFetch });
    await witnessOnce({
      client,
      issuer: ORIGIN,
      portalJwks: jwks,
      principal: state.principal,
      privateJwk: state.privateJwk,
      state: saved,
      saveState: (next) => {
        saved = next;
      },
      now: () => portal.clock.now(),
    });
  }

  const client = await createPortalClient({ baseUrl: ORIGIN, signer: states[0]!.signer, fetch: appFetch });
  const verifier = createVerifier(client, { issuer: ORIGIN, jwks });
  const head = await verifier.checkpoint();
  const file = join(dir, 'archive.jsonl');
  started = performance.now();
  const out = createWriteStream(file);
  for await (const line of exportArchive(client, verifier, head, {}, portal.clock.now())) {
    if (!out.write(`${line}\n`)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  await new Promise<void>((resolve) => out.end(() => resolve()));
  const exportSeconds = seconds(started);
  const bytes = statSync(file).size;
  console.log(`  export: ${exportSeconds} s, archive ${(bytes / MB).toFixed(1)} MB`);

  started = performance.now();
  const witnessKeys = states.slice(0, 3).map((state) => ({ principal: state.principal, jwk: state.publicJwk }));
  const result = await verifyArchive(() => createInterface({ input: createReadStream(file), crlfDelay: Infinity }), {
    jwks,
    witnessKeys,
    threshold: 2,
  });
  const verifySeconds = seconds(started);
  clearInterval(sample);
  console.log(
    `  export (${result.records.toLocaleString('en')} records, ${result.keys} key proofs, checkpoint of ` +
      `${head.size.toLocaleString('en')} cosigned by 3): ${exportSeconds} s`,
  );
  console.log(`  archive: ${(bytes / MB).toFixed(1)} MB, ${Math.round(bytes / result.records)} bytes per record`);
  console.log(
    `  verify offline, 2-of-3 witness policy: ${verifySeconds} s (${Math.round(result.records / Number(verifySeconds))} records/s)`,
  );
  console.log(`  peak RSS of the whole run: ${Math.round(peak / MB)} MB`);
  sqlite.close();
} finally {
  clearInterval(sample);
  rmSync(dir, { recursive: true, force: true });
}
