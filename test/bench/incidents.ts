/**
 * Incident benchmark (part of `npm run bench`), over the real server (src/node.ts as a
 * child process, loopback HTTP):
 *
 *  - the feed at scale: GET /feed?limit=100, one page at a time, at the start of the feed
 *    and at its end, over a table of BENCH_INCIDENTS (100,000) incidents. The two must be
 *    within 2x of each other: the cursor is a sequence number, so a page costs O(page),
 *    never O(offset). Read as a state that sees about half the entries, and as the
 *    Secretariat, which sees a quarter (TLP:CLEAR only, for these incidents).
 *  - incident creation with an Idempotency-Key: POST /incidents, every request a new key
 *    and a fresh single-use token (pre-signed, not measured), BENCH_CONNECTIONS (16) in
 *    flight for BENCH_SECONDS (8); beside it, in the same run, the same without the key.
 *  - storage: bytes per write with and without the key (the database's growth over each
 *    run per write stored), what one key takes (dbstat), and what the same keys took in
 *    the layout before migration 0009 (whole answer, WITHOUT ROWID), rebuilt in memory.
 *
 * The table is filled in process, on the server's own SQLite file while it idles, through
 * the server's code: the same row builders as POST /incidents (src/incidents/repo.ts,
 * src/visibility/recipients.ts), attestations signed with the server's portal key by
 * signAttestation over request tokens signed with each state's key, one log leaf each
 * (appendLeafQuery), committed by the server's commit in batches, and integrated into the
 * Merkle log (src/log/store.ts) before the measurements. The rows are the API's rows.
 *
 * Environment: BENCH_INCIDENTS (100000), BENCH_SECONDS (8), BENCH_WARMUP_SECONDS (2),
 * BENCH_CONNECTIONS (16), BENCH_FEED_SAMPLES (300). Results: test/bench/results/incidents.json.
 * Exit code 1 when a measured request failed (a MISS is reported, not an error).
 */
import { createHash, createPrivateKey, randomUUID, sign as edSign, type KeyObject } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import BetterSqlite3 from 'better-sqlite3';
import type { JWK } from 'jose';
import { createRequestSigner, generateSigningKey, type RequestSigner } from '../../clients/typescript/src/index.ts';
import { signAttestation } from '../../src/crypto/attestation-token.ts';
import { loadPortalKeys, type PortalKeys } from '../../src/crypto/portal-keys.ts';
import type { Tlp } from '../../src/db/schema.ts';
import { openSqlite, sqlitePortalDb } from '../../src/db/sqlite.ts';
import type { PortalDb } from '../../src/db/portal-db.ts';
import { encodeCursor } from '../../src/http/cursor.ts';
import { uuidv7Generator } from '../../src/ids.ts';
import {
  insertIncidentQueries,
  NOTIFICATION_AFTER_MS,
  reportFields,
  type IncidentInput,
} from '../../src/incidents/repo.ts';
import { appendLeafQuery } from '../../src/log/leaves.ts';
import { integrate } from '../../src/log/store.ts';
import { recipientQueries } from '../../src/visibility/recipients.ts';
import { createSyncSigner, TOKEN_LIFETIME_SECONDS } from './load.ts';
import { mapBounded, signedJson } from './seed.ts';
import { REPO_ROOT, startPortal, type RunningPortal } from './server.ts';
import { intFromEnv } from './settings.ts';

const settings = {
  incidents: intFromEnv('BENCH_INCIDENTS', 100_000, 1000, 10_000_000),
  seconds: intFromEnv('BENCH_SECONDS', 8, 1, 3600),
  warmupSeconds: intFromEnv('BENCH_WARMUP_SECONDS', 2, 0, 60),
  connections: intFromEnv('BENCH_CONNECTIONS', 16, 1, 256),
  feedSamples: intFromEnv('BENCH_FEED_SAMPLES', 300, 20, 100_000),
};

/** The states that notify: the first one is the feed's reader. */
const STATES = [
  'AT',
  'BE',
  'CZ',
  'DE',
  'DK',
  'EE',
  'ES',
  'FI',
  'FR',
  'GR',
  'HR',
  'HU',
  'IE',
  'IT',
  'LT',
  'LU',
] as const;
/** TLP of incident i: a quarter each; AMBER and RED go to the next state in STATES. */
const TLP_CYCLE: readonly Tlp[] = ['TLP:CLEAR', 'TLP:GREEN', 'TLP:AMBER', 'TLP:RED'];
const FILL_BATCH = 1000;
const FEED_PAGE = 100;

const log = (line = '') => console.log(line);
const fmt = (value: number, digits = 2) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');
const b64u = (bytes: Buffer | string) => Buffer.from(bytes).toString('base64url');
const sha256 = (bytes: Buffer | Uint8Array | string) => createHash('sha256').update(bytes).digest('base64url');

interface BenchState {
  id: string;
  kid: string;
  privateJwk: JWK;
  key: KeyObject;
  signer: RequestSigner;
}

function incidentInput(author: string, index: number, tlp: Tlp, awareAt: string): IncidentInput {
  const next = STATES[(STATES.indexOf(author as (typeof STATES)[number]) + 1) % STATES.length]!;
  return {
    stage: 'early-warning',
    title: `Bench incident ${index} of ${author}`,
    summary: 'Volumetric DDoS (UDP reflection) against a government portal; service degraded, mitigation upstream.',
    aware_at: awareAt,
    rsit_class: 'availability',
    rsit_type: 'ddos',
    severity: { scale: 'national CSIRT scale 1-4', value: '3' },
    suspected_malicious: true,
    cross_border_impact: 'unknown',
    sectors: ['public-administration'],
    indicators: [{ type: 'ipv4', value: '198.51.100.23' }],
    tlp,
    ...(tlp === 'TLP:AMBER' || tlp === 'TLP:RED' ? { recipients: [next] } : {}),
  };
}

/** A state's request token issued at a given time (the claims the client library puts in). */
function signRequestAt(
  state: BenchState,
  audience: string,
  iat: number,
  method: string,
  path: string,
  body: Buffer,
): string {
  const header = b64u(JSON.stringify({ alg: 'EdDSA', typ: 'cbm-request+jwt', kid: state.kid }));
  const claims = {
    iss: state.id,
    aud: audience,
    iat,
    exp: iat + TOKEN_LIFETIME_SECONDS,
    jti: randomUUID(),
    htm: method,
    htu: path,
    body_sha256: sha256(body),
  };
  const input = `${header}.${b64u(JSON.stringify(claims))}`;
  return `${input}.${edSign(null, Buffer.from(input), state.key).toString('base64url')}`;
}

async function registerStates(portal: RunningPortal): Promise<BenchState[]> {
  const secretariat = await createRequestSigner({
    principal: 'secretariat',
    privateJwk: portal.secretariatJwk,
    audience: portal.origin,
  });
  return mapBounded(STATES, 4, async (id) => {
    const expect201 = async (res: Response, what: string) => {
      if (res.status !== 201) throw new Error(`${what}: HTTP ${res.status} ${await res.text()}`);
    };
    await expect201(
      await signedJson(portal.origin, secretariat, 'POST', '/principals', { id, name: `State ${id}` }),
      `registering ${id}`,
    );
    const pair = await generateSigningKey('EdDSA');
    await expect201(
      await signedJson(portal.origin, secretariat, 'POST', `/principals/${id}/keys`, {
        jwk: pair.publicJwk,
        scopes: ['read', 'incidents:write'],
        label: 'bench incident desk',
      }),
      `registering a key for ${id}`,
    );
    const signer = await createRequestSigner({
      principal: id,
      privateJwk: pair.privateJwk,
      audience: portal.origin,
      lifetimeSeconds: TOKEN_LIFETIME_SECONDS,
    });
    return {
      id,
      kid: signer.kid,
      privateJwk: pair.privateJwk,
      key: createPrivateKey({ key: pair.privateJwk as import('node:crypto').JsonWebKey, format: 'jwk' }),
      signer,
    };
  });
}

/**
 * What POST /incidents commits for one incident, built by the server's code: the
 * attestation row (as attest() builds it) and its log leaf, the head row and report 1, the
 * recipients.
 */
async function incidentWrite(
  db: PortalDb,
  keys: PortalKeys,
  origin: string,
  state: BenchState,
  index: number,
  issuedAt: Date,
  id: string,
  attestationId: string,
) {
  const tlp = TLP_CYCLE[index % TLP_CYCLE.length]!;
  const input = incidentInput(state.id, index, tlp, new Date(issuedAt.getTime() - 2 * 3600 * 1000).toISOString());
  const body = Buffer.from(JSON.stringify(input));
  const requestToken = signRequestAt(state, origin, Math.floor(issuedAt.getTime() / 1000), 'POST', '/incidents', body);
  const subject = `urn:cbm:incident:${id}:report:1`;
  const bodySha256 = sha256(body);
  const token = await signAttestation(keys, origin, issuedAt, {
    jti: attestationId,
    sub: subject,
    principal: state.id,
    principal_kid: state.kid,
    operation: 'createIncident',
    body_sha256: bodySha256,
    request_sha256: sha256(requestToken),
  });
  const attestation = db.kysely
    .insertInto('attestations')
    .values({
      id: attestationId,
      subject,
      principal_id: state.id,
      kid: state.kid,
      operation: 'createIncident',
      issued_at: issuedAt.toISOString(),
      token,
      method: 'POST',
      path: '/incidents',
      content_type: 'application/json',
      request_token: requestToken,
      body: new Uint8Array(body),
      body_sha256: bodySha256,
      record_id: id,
      tlp,
    })
    .compile();
  const at = issuedAt.toISOString();
  const head = {
    id,
    state_id: state.id,
    tlp,
    aware_at: input.aware_at,
    opened_at: at,
    updated_at: at,
    report_count: 1,
    notification_due_at: new Date(Date.parse(input.aware_at) + NOTIFICATION_AFTER_MS).toISOString(),
    notified_at: null,
    final_due_at: null,
    final_met_at: null,
    closed_at: null,
  };
  const report = {
    incident_id: id,
    report_no: 1,
    stage: 'early-warning' as const,
    summary: input.summary,
    ...reportFields(input),
    reported_at: at,
    attestation_id: attestationId,
  };
  return [
    attestation,
    await appendLeafQuery(attestationId, token),
    ...insertIncidentQueries(db, head, report),
    ...recipientQueries(db, id, [...(input.recipients ?? [])].sort(), { author: state.id }),
  ];
}

async function fill(portal: RunningPortal, states: BenchState[]) {
  const sqlite = openSqlite(join(portal.dataDir, 'portal.sqlite'));
  const db = sqlitePortalDb(sqlite);
  const keys = await loadPortalKeys([
    JSON.parse(readFileSync(join(portal.dataDir, 'portal-signing-key.jwk'), 'utf8')) as JWK,
  ]);
  // Issued over the last hours, 20 ms apart, ids from the same UUIDv7 generator as the server's.
  let nowMs = Date.now() - settings.incidents * 20 - 60_000;
  const ids = uuidv7Generator({ now: () => new Date(nowMs) });
  const started = performance.now();
  for (let from = 0; from < settings.incidents; from += FILL_BATCH) {
    const batch = Array.from({ length: Math.min(FILL_BATCH, settings.incidents - from) }, (_, k) => from + k);
    const planned = batch.map((index) => {
      nowMs += 20;
      return { index, issuedAt: new Date(nowMs), id: ids(), attestationId: ids() };
    });
    const writes = await Promise.all(
      planned.map((p) =>
        incidentWrite(
          db,
          keys,
          portal.origin,
          states[p.index % states.length]!,
          p.index,
          p.issuedAt,
          p.id,
          p.attestationId,
        ),
      ),
    );
    await db.commit(writes.flat());
    if ((from + batch.length) % 25_000 === 0) log(`  ${(from + batch.length).toLocaleString('en')} incidents ...`);
  }
  const filledAt = performance.now();
  const logSize = await integrate(db);
  const integratedAt = performance.now();
  sqlite.pragma('wal_checkpoint(TRUNCATE)');
  const counts = sqlite
    .prepare(
      'SELECT (SELECT count(*) FROM incidents) AS incidents, (SELECT count(*) FROM attestations) AS ' +
        'attestations, (SELECT max(seq) FROM attestations) AS max_seq',
    )
    .get() as {
    incidents: number;
    attestations: number;
    max_seq: number;
  };
  sqlite.close();
  return {
    ...counts,
    logSize,
    fillSeconds: (filledAt - started) / 1000,
    integrateSeconds: (integratedAt - filledAt) / 1000,
  };
}

function percentile(sorted: readonly number[], p: number): number {
  if (!sorted.length) return Number.NaN;
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1]!;
}

const summarise = (samples: number[]) => {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    mean: sorted.reduce((sum, value) => sum + value, 0) / sorted.length,
  };
};

/** One page at a time, start and end interleaved so both see the same conditions. */
async function measureFeed(origin: string, signer: RequestSigner, endCursor: string) {
  const paths = { start: `/feed?limit=${FEED_PAGE}`, end: `/feed?limit=${FEED_PAGE}&cursor=${endCursor}` };
  const samples = { start: [] as number[], end: [] as number[] };
  const items = { start: 0, end: 0 };
  let tokens = { start: '', end: '' };
  let signedAt = Number.NEGATIVE_INFINITY;
  const fetchPage = async (which: 'start' | 'end') => {
    const begun = performance.now();
    const res = await fetch(`${origin}${paths[which]}`, { headers: { authorization: `Bearer ${tokens[which]}` } });
    const body = (await res.json()) as { items?: unknown[] };
    const ms = performance.now() - begun;
    if (res.status !== 200 || !body.items)
      throw new Error(`GET ${paths[which]}: HTTP ${res.status} ${JSON.stringify(body).slice(0, 300)}`);
    items[which] = body.items.length;
    return ms;
  };
  for (let i = 0; i < settings.feedSamples + 20; i++) {
    // A read token may be reused until it expires: sign afresh every minute.
    if (performance.now() - signedAt > 60_000) {
      tokens = {
        start: await signer.sign({ method: 'GET', pathAndQuery: paths.start }),
        end: await signer.sign({ method: 'GET', pathAndQuery: paths.end }),
      };
      signedAt = performance.now();
    }
    const order: ('start' | 'end')[] = i % 2 ? ['start', 'end'] : ['end', 'start'];
    for (const which of order) {
      const ms = await fetchPage(which);
      if (i >= 20) samples[which].push(ms); // the first 20 warm up
    }
  }
  return {
    start: { ...summarise(samples.start), items: items.start },
    end: { ...summarise(samples.end), items: items.end },
  };
}

interface Lane {
  state: BenchState;
  body: Buffer;
  pool: string[];
  next: number;
  keys: number;
  onTheFly: number;
  sign: (method: string, path: string, body: Buffer) => string;
}

/** POST /incidents at `connections` in flight; every request a fresh token and, with keys, a fresh Idempotency-Key. */
async function measureCreates(origin: string, states: BenchState[], withKey: boolean) {
  const lanes: Lane[] = Array.from({ length: settings.connections }, (_, i) => {
    const state = states[i % states.length]!;
    return {
      state,
      body: Buffer.from(
        JSON.stringify(incidentInput(state.id, i, 'TLP:AMBER', new Date(Date.now() - 3600 * 1000).toISOString())),
      ),
      pool: [],
      next: 0,
      keys: 0,
      onTheFly: 0,
      sign: createSyncSigner(state.id, state.privateJwk, origin, state.kid),
    };
  });
  // Pre-signed for a rate of 3000/s over the whole run; the rest is signed on the fly (and said so).
  const perLane = Math.ceil((3000 * (settings.seconds + settings.warmupSeconds + 2)) / lanes.length);
  for (const lane of lanes)
    lane.pool = Array.from({ length: perLane }, () => lane.sign('POST', '/incidents', lane.body));
  const run = (seconds: number, record: boolean) => {
    const latencies: number[] = [];
    const statuses: Record<string, number> = {};
    const errors: string[] = [];
    let slot = 0;
    const instance = autocannon({
      url: origin,
      connections: settings.connections,
      pipelining: 1,
      duration: seconds,
      timeout: 10,
      setupClient: (client) => {
        const lane = lanes[slot++ % lanes.length]!;
        client.setRequests([
          {
            method: 'POST',
            path: '/incidents',
            setupRequest: (request) => {
              let token = lane.pool[lane.next];
              if (token) lane.pool[lane.next++] = '';
              else {
                token = lane.sign('POST', '/incidents', lane.body);
                lane.onTheFly++;
              }
              request.headers = {
                authorization: `Bearer ${token}`,
                'content-type': 'application/json',
                ...(withKey ? { 'idempotency-key': `"bench-${lane.state.id}-${process.pid}-${++lane.keys}"` } : {}),
              };
              request.body = lane.body;
              return request;
            },
            onResponse: (status, body) => {
              if (status !== 201 && errors.length < 5) errors.push(`${status} ${body.slice(0, 300)}`);
            },
          },
        ]);
      },
    });
    instance.on('response', (_client, statusCode, _bytes, responseTimeMs) => {
      statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
      if (record && statusCode === 201) latencies.push(responseTimeMs);
    });
    return Promise.resolve(instance).then((result) => ({ result, latencies, statuses, errors }));
  };
  if (settings.warmupSeconds > 0) await run(settings.warmupSeconds, false);
  const { result, latencies, statuses, errors } = await run(settings.seconds, true);
  const ok = statuses['201'] ?? 0;
  const failed =
    Object.entries(statuses).reduce((sum, [status, n]) => sum + (status === '201' ? 0 : n), 0) +
    result.errors +
    result.timeouts;
  return {
    rps: ok / result.duration,
    ...summarise(latencies),
    ok,
    failed,
    statuses,
    errors,
    onTheFly: lanes.reduce((sum, lane) => sum + lane.onTheFly, 0),
  };
}

/**
 * The database's size and what its Idempotency-Keys take, read from a second, read-only
 * connection while the portal idles: pages in use (page_count - freelist_count) and, per
 * table, SQLite's own accounting (dbstat).
 */
function storage(dataDir: string) {
  const sqlite = new BetterSqlite3(join(dataDir, 'portal.sqlite'), { readonly: true });
  try {
    const pragma = (name: string) => sqlite.pragma(name, { simple: true }) as number;
    const bytesOf = (...names: string[]) =>
      names.reduce(
        (sum, name) =>
          sum + Number(sqlite.prepare('SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name = ?').pluck().get(name)),
        0,
      );
    return {
      bytes: (pragma('page_count') - pragma('freelist_count')) * pragma('page_size'),
      attestations: Number(sqlite.prepare('SELECT count(*) FROM attestations').pluck().get()),
      keys: Number(sqlite.prepare('SELECT count(*) FROM idempotency_keys').pluck().get()),
      keyBytes: bytesOf('idempotency_keys', 'sqlite_autoindex_idempotency_keys_1', 'idempotency_keys_by_expiry'),
      attestationBytes: bytesOf('attestations'),
      // The same keys as 0004 stored them (the whole answer, WITHOUT ROWID), for comparison.
      keyBytes0004: (() => {
        const before = new BetterSqlite3(':memory:');
        try {
          before.exec(`CREATE TABLE idempotency_keys (principal_id TEXT NOT NULL, key TEXT NOT NULL,
            fingerprint TEXT NOT NULL, created_at TEXT NOT NULL,
            expires_at TEXT NOT NULL, attestation_id TEXT NOT NULL, response_status INTEGER NOT NULL,
              response_headers TEXT NOT NULL, response_body TEXT NOT NULL,
            PRIMARY KEY (principal_id, key)) WITHOUT ROWID;
            CREATE INDEX idempotency_keys_by_expiry ON idempotency_keys (expires_at);`);
          const insert = before.prepare('INSERT INTO idempotency_keys VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
          const rows = sqlite
            .prepare(
              'SELECT k.principal_id, k.key, k.fingerprint, k.expires_at, k.attestation_id, k.status, ' +
                'k.headers, k.data, a.token FROM idempotency_keys k JOIN attestations a ON a.id = k.attestation_id',
            )
            .all() as {
            principal_id: string;
            key: string;
            fingerprint: string;
            expires_at: string;
            attestation_id: string;
            status: number;
            headers: string;
            data: string;
            token: string;
          }[];
          before.transaction(() => {
            for (const row of rows) {
              const attestation = {
                id: row.attestation_id,
                token: row.token,
                href: `/attestations/${row.attestation_id}`,
              };
              const body = `{"data":${row.data},"attestation":${JSON.stringify(attestation)}}`;
              insert.run(
                row.principal_id,
                row.key,
                row.fingerprint,
                row.expires_at,
                row.expires_at,
                row.attestation_id,
                row.status,
                row.headers,
                body,
              );
            }
          })();
          return ['idempotency_keys', 'idempotency_keys_by_expiry'].reduce(
            (sum, name) =>
              sum +
              Number(before.prepare('SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name = ?').pluck().get(name)),
            0,
          );
        } finally {
          before.close();
        }
      })(),
    };
  } finally {
    sqlite.close();
  }
}

async function main(): Promise<number> {
  log(
    `\n== Incidents (real server over loopback; ${settings.incidents.toLocaleString('en')} incidents filled ` +
      `in process through the server's code)`,
  );
  log(`machine: ${availableParallelism()} cores (${cpus()[0]?.model ?? 'unknown'}), Node ${process.version}`);
  let portal: RunningPortal | null = null;
  process.once('exit', () => portal?.killNow());
  try {
    portal = await startPortal();
    log(`portal ${portal.origin}, pid ${portal.pid}, data ${portal.dataDir}`);
    const states = await registerStates(portal);
    log(`${states.length} states registered over HTTP (scopes read, incidents:write)`);

    const filled = await fill(portal, states);
    log(
      `filled ${filled.incidents.toLocaleString('en')} incidents (${filled.attestations.toLocaleString('en')} ` +
        `attestations, log of ${filled.logSize.toLocaleString('en')} leaves) in ${fmt(filled.fillSeconds, 1)} s, ` +
        `integrated the log in ${fmt(filled.integrateSeconds, 1)} s`,
    );

    // The end of the feed: a cursor 4 pages' worth of entries before the last one.
    const endCursor = encodeCursor(Math.max(0, filled.max_seq - 4 * FEED_PAGE));
    const secretariat = await createRequestSigner({
      principal: 'secretariat',
      privateJwk: portal.secretariatJwk,
      audience: portal.origin,
    });
    const readers: [string, RequestSigner][] = [
      [`${states[0]!.id} (sees about half)`, states[0]!.signer],
      ['secretariat (sees TLP:CLEAR only)', secretariat],
    ];
    const feeds = [];
    for (const [name, signer] of readers) {
      const feed = await measureFeed(portal.origin, signer, endCursor);
      const ratio = Math.max(feed.end.p50 / feed.start.p50, feed.start.p50 / feed.end.p50);
      feeds.push({ reader: name, ...feed, ratio, pass: ratio <= 2 });
      log(
        `feed page (GET /feed?limit=${FEED_PAGE}) as ${name}: start p50 ${fmt(feed.start.p50)} ms, p99 ` +
          `${fmt(feed.start.p99)} ms (${feed.start.items} items); end p50 ${fmt(feed.end.p50)} ms, p99 ` +
          `${fmt(feed.end.p99)} ms (${feed.end.items} items)`,
      );
      log(
        `  ${ratio <= 2 ? 'PASS' : 'MISS'}  end vs start of ${filled.incidents.toLocaleString('en')} ` +
          `incidents: ${fmt(ratio)}x (target within 2x)`,
      );
    }

    log(
      `incident creation: POST /incidents, ${settings.connections} connections, ${settings.seconds} s ` +
        `(+${settings.warmupSeconds} s warm-up) ...`,
    );
    const beforeCreates = storage(portal.dataDir);
    const withKey = await measureCreates(portal.origin, states, true);
    const afterWithKey = storage(portal.dataDir);
    const withoutKey = await measureCreates(portal.origin, states, false);
    const afterWithoutKey = storage(portal.dataDir);
    for (const [name, m] of [
      ['with Idempotency-Key', withKey],
      ['without (same run)', withoutKey],
    ] as const) {
      log(
        `  ${name}: ${fmt(m.rps, 0)} req/s, p50 ${fmt(m.p50)} ms, p99 ${fmt(m.p99)} ms (${m.ok} ` +
          `created${m.failed ? `, !! ${m.failed} failed ${JSON.stringify(m.statuses)}` : ''}` +
          `${m.onTheFly ? `, ${m.onTheFly} signed on the fly` : ''})`,
      );
      for (const error of m.errors) log(`    e.g. ${error}`);
    }
    log(`  info  with key ÷ without: ${fmt(withKey.rps / withoutKey.rps, 3)}x req/s`);

    // Bytes per write: the database's growth over each run (warm-up included) per write it stored.
    const perWrite = (from: ReturnType<typeof storage>, to: ReturnType<typeof storage>) =>
      (to.bytes - from.bytes) / Math.max(1, to.attestations - from.attestations);
    const bytes = {
      withKey: perWrite(beforeCreates, afterWithKey),
      withoutKey: perWrite(afterWithKey, afterWithoutKey),
      perKey: afterWithoutKey.keyBytes / Math.max(1, afterWithoutKey.keys),
      perKey0004: afterWithoutKey.keyBytes0004 / Math.max(1, afterWithoutKey.keys),
      perAttestation: afterWithoutKey.attestationBytes / Math.max(1, afterWithoutKey.attestations),
    };
    log(
      `storage: ${fmt(bytes.withKey, 0)} bytes per write with Idempotency-Key, ${fmt(bytes.withoutKey, 0)} ` +
        `without (database growth per stored write, page_count - freelist_count)`,
    );
    log(
      `  an Idempotency-Key takes ${fmt(bytes.perKey, 0)} bytes (table and indexes, dbstat; ` +
        `${afterWithoutKey.keys.toLocaleString('en')} keys); ` +
        `the same keys as 0004 stored them: ${fmt(bytes.perKey0004, 0)} bytes; an attestation row: ${fmt(bytes.perAttestation, 0)} bytes`,
    );

    const resultsDir = join(REPO_ROOT, 'test/bench/results');
    mkdirSync(resultsDir, { recursive: true });
    const out = join(resultsDir, 'incidents.json');
    writeFileSync(
      out,
      `${JSON.stringify(
        { startedAt: new Date().toISOString(), settings, filled, feeds, creates: { withKey, withoutKey }, bytes },
        null,
        2,
      )}\n`,
    );
    log(`results: ${out}`);
    return withKey.failed + withoutKey.failed > 0 || withKey.ok === 0 ? 1 : 0;
  } catch (error) {
    console.error(`incidents bench failed: ${(error as Error).stack ?? String(error)}`);
    const tail = portal?.output().slice(-20) ?? [];
    if (tail.length) console.error(`server output (last lines):\n  ${tail.join('\n  ')}`);
    return 1;
  } finally {
    await portal?.stop();
  }
}

process.exitCode = await main();
