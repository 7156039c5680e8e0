/**
 * GET /overview cost (issue 16): the implementation overview aggregates every record its
 * reader may see, so a signed reader could make the portal read O(all records) per request.
 * This bench fills a portal's tables with BENCH_OVERVIEW_SIZES records (default 1,000,
 * 10,000 and 100,000: incidents, documents, consultation requests and contacts of 10 states,
 * every TLP, recipients on the restricted ones) and times, in the same run and process:
 *   - a directory read (GET /contacts?limit=100, the baseline of a cheap signed read),
 *   - GET /overview as a state and as the Secretariat, the first read after a write (the
 *     full aggregate) and the reads after it (the same log size: served from the cache),
 *   - GET /overview?state=AT.
 * Prints ms per request (median of BENCH_OVERVIEW_ROUNDS, default 20) and the ratio to the
 * directory read.
 *
 * The records are inserted straight into the tables the overview reads (foreign keys off,
 * one placeholder attestation per record): the aggregate's cost depends on the rows and
 * their visibility, not on their signatures. Writing 100,000 signed records through the API
 * takes the archive bench an hour on this machine.
 *
 * Run: npx tsx test/bench/overview.ts   (BENCH_OVERVIEW_SIZES=1000,10000 for a quick look)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileBlobStore } from '../../src/blobs/file-blob-store.ts';
import { applyMigrations } from '../../src/db/migrate.ts';
import { readMigrations } from '../../src/db/migrations-dir.ts';
import { openSqlite, sqlitePortalDb } from '../../src/db/sqlite.ts';
import { contactBody, createHarness, type TestClient } from '../support/harness.ts';
import { intFromEnv } from './settings.ts';

const SIZES = (process.env.BENCH_OVERVIEW_SIZES ?? '1000,10000,100000').split(',').map(Number);
const ROUNDS = intFromEnv('BENCH_OVERVIEW_ROUNDS', 20, 3, 1000);
const STATES = ['AT', 'DE', 'FR', 'BE', 'CZ', 'DK', 'ES', 'FI', 'IT', 'NL'];
const TLPS = ['TLP:CLEAR', 'TLP:GREEN', 'TLP:AMBER', 'TLP:AMBER+STRICT', 'TLP:RED'];
const DOCUMENT_TYPES = ['strategy', 'legislation', 'doctrine', 'best-practice', 'threat-views'];
const REQUEST_TYPES = ['consultation', 'assistance', 'information'];

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const fmt = (ms: number) => (ms < 10 ? ms.toFixed(2) : ms.toFixed(1));

function fill(sqlite: ReturnType<typeof openSqlite>, records: number) {
  sqlite.pragma('foreign_keys = OFF');
  const at = (i: number) => new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString();
  const attestation = sqlite.prepare(
    `INSERT INTO attestations (id, subject, principal_id, kid, operation, issued_at, token, method, path,
      content_type, request_token, body, body_sha256) VALUES (?, ?, ?, 'k', 'bench', ?, 't', 'POST', '/', NULL, 't', x'', 'd')`,
  );
  const incident = sqlite.prepare(
    `INSERT INTO incidents (id, state_id, tlp, aware_at, opened_at, updated_at, report_count, notification_due_at)
      VALUES (?, ?, ?, ?, ?, ?, 1, ?)`,
  );
  const request = sqlite.prepare(
    `INSERT INTO consultation_requests (id, state_id, type, subject, body, urgency, tlp, created_at, attestation_id)
      VALUES (?, ?, ?, 'subject', 'body', 'normal', ?, ?, ?)`,
  );
  const document = sqlite.prepare(
    `INSERT INTO documents (id, state_id, type, status, version, language, created_at, updated_at)
      VALUES (?, ?, ?, 'active', 1, 'en', ?, ?)`,
  );
  const version = sqlite.prepare(
    `INSERT INTO document_versions (document_id, version, state_id, status, type, cbms, title, summary, language, tlp,
      recipients, content_kind, markdown, media_type, content_sha256, content_size, term_count, published_at,
      attestation_id, audience)
      VALUES (?, 1, ?, 'active', ?, ?, 'title', 'summary', 'en', ?, ?, 'markdown', 'text', 'text/markdown', 'd', 4, 0, ?, ?, ?)`,
  );
  const contact = sqlite.prepare(
    `INSERT INTO contacts (id, state_id, role, status, version, created_at, updated_at)
      VALUES (?, ?, ?, 'active', 1, ?, ?)`,
  );
  const recipient = sqlite.prepare('INSERT OR IGNORE INTO record_recipients (record_id, principal_id) VALUES (?, ?)');
  const restricted = (tlp: string) => tlp !== 'TLP:CLEAR' && tlp !== 'TLP:GREEN';
  sqlite.transaction(() => {
    for (let i = 0; i < records; i += 1) {
      const state = STATES[i % STATES.length]!;
      const tlp = TLPS[i % TLPS.length]!;
      const when = at(i);
      const id = `bench-${i}`;
      // Two other states as recipients of each restricted record.
      const recipients = [STATES[(i + 1) % STATES.length]!, STATES[(i + 3) % STATES.length]!];
      attestation.run(`bench-attestation-${i}`, `urn:cbm:bench:${i}`, state, when);
      const kind = i % 10;
      if (kind < 4) {
        incident.run(id, state, tlp, when, when, when, when);
        if (restricted(tlp)) for (const to of recipients) recipient.run(id, to);
      } else if (kind < 7) {
        document.run(id, state, DOCUMENT_TYPES[i % DOCUMENT_TYPES.length], when, when);
        const audience = `${id}:v1`;
        version.run(
          id,
          state,
          DOCUMENT_TYPES[i % DOCUMENT_TYPES.length],
          JSON.stringify([1 + (i % 16), 1 + ((i + 5) % 16)]),
          tlp,
          JSON.stringify(restricted(tlp) ? recipients : []),
          when,
          `bench-attestation-${i}`,
          audience,
        );
        if (restricted(tlp)) for (const to of recipients) recipient.run(audience, to);
      } else if (kind < 9) {
        request.run(id, state, REQUEST_TYPES[i % REQUEST_TYPES.length], tlp, when, `bench-attestation-${i}`);
        if (restricted(tlp)) for (const to of recipients) recipient.run(id, to);
      } else {
        contact.run(id, state, i % 20 === 9 ? 'policy' : 'technical', when, when);
      }
    }
  })();
  sqlite.pragma('foreign_keys = ON');
  sqlite.exec('ANALYZE');
}

async function timed(get: () => Promise<Response>): Promise<number> {
  const started = performance.now();
  const res = await get();
  await res.arrayBuffer();
  const ms = performance.now() - started;
  if (res.status !== 200) throw new Error(`status ${res.status}`);
  return ms;
}

async function measure(records: number) {
  const dir = mkdtempSync(join(tmpdir(), 'cbm-overview-bench-'));
  try {
    const sqlite = openSqlite(join(dir, 'portal.sqlite'));
    applyMigrations(sqlite, readMigrations());
    const portal = await createHarness(sqlitePortalDb(sqlite), fileBlobStore(join(dir, 'blobs')), {
      logClock: 'manual',
    });
    const clients: TestClient[] = [];
    for (const code of STATES) clients.push(await portal.registerState(code));
    const at = clients[0]!;
    fill(sqlite, records);
    // A real write after the fill: every figure below starts from a new log size.
    const write = async () => {
      const res = await at.post('/contacts', contactBody());
      if (res.status !== 201) throw new Error(`write: ${res.status}`);
    };
    await write();
    const grid = (await (await portal.secretariat.get('/overview')).json()) as {
      states: { cbms: { contributions: { count: number }[] }[] }[];
    };
    const counted = grid.states
      .flatMap((state) => state.cbms.flatMap((cbm) => cbm.contributions))
      .reduce((sum, contribution) => sum + contribution.count, 0);
    const directory: number[] = [];
    const stateCold: number[] = [];
    const stateWarm: number[] = [];
    const secretariatCold: number[] = [];
    const secretariatWarm: number[] = [];
    const filtered: number[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      directory.push(await timed(() => at.get('/contacts?limit=100')));
      stateCold.push(await timed(() => at.get('/overview')));
      stateWarm.push(await timed(() => at.get('/overview')));
      secretariatCold.push(await timed(() => portal.secretariat.get('/overview')));
      secretariatWarm.push(await timed(() => portal.secretariat.get('/overview')));
      filtered.push(await timed(() => at.get('/overview?state=AT')));
      await write();
    }
    const base = median(directory);
    const line = (name: string, values: number[]) =>
      console.log(`  ${name.padEnd(52)} ${fmt(median(values)).padStart(7)} ms  ${(median(values) / base).toFixed(1)}x`);
    console.log(
      `\n${records.toLocaleString('en')} records (the Secretariat's overview counts ${counted.toLocaleString('en')} ` +
        `contributions; median of ${ROUNDS} rounds, ratio to the directory read)`,
    );
    line('GET /contacts?limit=100 (directory, baseline)', directory);
    line('GET /overview as AT, first read after a write', stateCold);
    line('GET /overview as AT, again (same log size)', stateWarm);
    line('GET /overview as the Secretariat, first after a write', secretariatCold);
    line('GET /overview as the Secretariat, again', secretariatWarm);
    line('GET /overview?state=AT as AT, first after a write', filtered);
    sqlite.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log('== GET /overview against a directory read, in process (SQLite file)');
for (const size of SIZES) await measure(size);
