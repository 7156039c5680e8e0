/**
 * Load scenarios over loopback with autocannon's programmatic API. Latency percentiles are
 * computed here from every 2xx response time (autocannon's own histogram rounds to whole
 * milliseconds, too coarse for a sub-millisecond p50).
 */
import { createHash, createPrivateKey, randomUUID, sign as edSign, type KeyObject } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import autocannon, { type Client, type Options } from 'autocannon';
import type { JWK } from 'jose';
import type { RequestSigner } from '../../clients/typescript/src/index.ts';
import { contactInput, mapBounded, signedJson } from './seed.ts';

/** Longest stretch one signed GET token (or one pool of write tokens) has to cover. */
export const MAX_SEGMENT_SECONDS = 100;
/** Writes per second the token pools are sized for at least (pre-signing 10k tokens takes about 1 s). */
const MIN_PLANNED_WRITE_RATE = 1500;
/** Request tokens are signed for the longest lifetime the portal accepts. */
export const TOKEN_LIFETIME_SECONDS = 300;

export interface Measurement {
  name: string;
  method: string;
  path: string;
  connections: number;
  /** Measured time, warm-up excluded. */
  seconds: number;
  /** 2xx responses. */
  ok: number;
  non2xx: number;
  /** Connection errors and timeouts (autocannon). */
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  /** 2xx responses per second. */
  rps: number;
  latencyMs: { mean: number; p50: number; p90: number; p99: number; max: number };
  /**
   * Where the machine's CPU went while measuring (Linux /proc), in % of all cores: the
   * server, this process (the load generator), and everything else. Other processes on the
   * machine disturb the figures; the summary flags a run where they took a visible share.
   * `serverMicrosPerRequest` is the server's CPU time (all its threads) per answer: the
   * figure least disturbed by sharing the cores.
   */
  cpu: CpuShares | null;
  /** First bodies of non-2xx answers, for diagnosis. */
  sampleErrors: string[];
  notes: string[];
}

export interface CpuShares {
  serverPercent: number;
  benchPercent: number;
  foreignPercent: number;
  serverMicrosPerRequest: number | null;
}

/** Percent of all cores above which other processes make a measurement suspect. */
export const FOREIGN_CPU_LIMIT_PERCENT = 10;

/** Clock ticks per second of /proc (USER_HZ; 100 on Linux). */
const TICKS_PER_SECOND = 100;

export interface CpuSnapshot {
  /** Ticks of all cores: busy and idle. */
  total: number;
  busy: number;
  /** Ticks of this process. */
  bench: number;
  /** Ticks of the server's process group. */
  server: number;
}

const emptyUsage = (): CpuSnapshot => ({ total: 0, busy: 0, bench: 0, server: 0 });

function addDelta(into: CpuSnapshot, before: CpuSnapshot, after: CpuSnapshot) {
  into.total += after.total - before.total;
  into.busy += after.busy - before.busy;
  into.bench += after.bench - before.bench;
  into.server += after.server - before.server;
}

/** The shares of all cores in an accumulated usage; null when /proc was not readable. */
export function cpuShares(usage: CpuSnapshot | null, requests = 0): CpuShares | null {
  if (!usage || usage.total <= 0) return null;
  const percent = (ticks: number) => Math.round((ticks / usage.total) * 1000) / 10;
  return {
    serverPercent: percent(usage.server),
    benchPercent: percent(usage.bench),
    foreignPercent: percent(Math.max(0, usage.busy - usage.bench - usage.server)),
    serverMicrosPerRequest:
      requests > 0 && usage.server > 0 ? Math.round((usage.server / TICKS_PER_SECOND / requests) * 1e6) : null,
  };
}

/** CPU usage between two snapshots, for a stretch measured outside `drive`. */
export function cpuBetween(before: CpuSnapshot | null, after: CpuSnapshot | null): CpuSnapshot | null {
  if (!before || !after) return null;
  const usage = emptyUsage();
  addDelta(usage, before, after);
  return usage;
}

/** CPU ticks of the machine, of this process and of the server's process group. */
export function cpuSnapshot(serverGroup: number | undefined): CpuSnapshot | null {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
    const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = fields;
    const busy = user + nice + system + irq + softirq + steal;
    let bench = 0;
    let server = 0;
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      let stat: string;
      try {
        stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      } catch {
        continue; // exited meanwhile
      }
      // Fields after "(comm)": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ticks = Number(rest[11]) + Number(rest[12]);
      if (Number(entry) === process.pid) bench += ticks;
      else if (serverGroup !== undefined && Number(rest[2]) === serverGroup) server += ticks;
    }
    return { total: busy + idle + iowait, busy, bench, server };
  } catch {
    return null;
  }
}

interface SegmentPlan {
  method: string;
  path: string;
  headers?: Record<string, string>;
  setupClient?: (client: Client) => void;
}

class Recorder {
  latencies: number[] = [];
  statusCodes: Record<string, number> = {};
  ok = 0;
  non2xx = 0;
  errors = 0;
  timeouts = 0;
  seconds = 0;
  sampleErrors: string[] = [];
  cpu: CpuSnapshot | null = emptyUsage();

  noteError(status: number, body: string) {
    if (this.sampleErrors.length < 5) this.sampleErrors.push(`${status} ${body.slice(0, 300)}`);
  }
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

const round = (value: number, digits = 3) => Math.round(value * 10 ** digits) / 10 ** digits;

function summarise(
  name: string,
  plan: { method: string; path: string },
  connections: number,
  recorder: Recorder,
  notes: string[],
): Measurement {
  const sorted = Float64Array.from(recorder.latencies).sort();
  const mean = sorted.length ? sorted.reduce((sum, value) => sum + value, 0) / sorted.length : Number.NaN;
  return {
    name,
    method: plan.method,
    path: plan.path,
    connections,
    seconds: round(recorder.seconds, 2),
    ok: recorder.ok,
    non2xx: recorder.non2xx,
    errors: recorder.errors,
    timeouts: recorder.timeouts,
    statusCodes: recorder.statusCodes,
    rps: round(recorder.ok / recorder.seconds, 1),
    latencyMs: {
      mean: round(mean),
      p50: round(percentile(sorted, 50)),
      p90: round(percentile(sorted, 90)),
      p99: round(percentile(sorted, 99)),
      max: round(sorted.length ? sorted[sorted.length - 1]! : Number.NaN),
    },
    cpu: cpuShares(recorder.cpu, recorder.ok + recorder.non2xx),
    sampleErrors: recorder.sampleErrors,
    notes,
  };
}

/** One autocannon run; adds what it saw to `recorder` (when given). */
async function drive(
  settings: RunSettings,
  seconds: number,
  plan: SegmentPlan,
  recorder: Recorder | null,
): Promise<void> {
  const { origin, connections } = settings;
  const options: Options = {
    url: origin,
    connections,
    pipelining: 1,
    duration: seconds,
    timeout: 10,
    method: plan.method,
    headers: plan.headers ?? {},
    ...(plan.setupClient ? { setupClient: plan.setupClient } : {}),
  };
  if (!plan.setupClient) options.requests = [{ method: plan.method, path: plan.path, headers: plan.headers ?? {} }];
  const instance = autocannon(options);
  const sink = recorder ?? new Recorder();
  instance.on('response', (_client, statusCode, _bytes, responseTimeMs) => {
    sink.statusCodes[statusCode] = (sink.statusCodes[statusCode] ?? 0) + 1;
    if (statusCode >= 200 && statusCode < 300) {
      sink.ok++;
      sink.latencies.push(responseTimeMs);
    } else {
      sink.non2xx++;
    }
  });
  const before = cpuSnapshot(settings.serverGroup);
  const result = await instance;
  const after = cpuSnapshot(settings.serverGroup);
  if (before && after && sink.cpu) addDelta(sink.cpu, before, after);
  else sink.cpu = null;
  sink.errors += result.errors;
  sink.timeouts += result.timeouts;
  sink.seconds += result.duration;
}

function segments(total: number): number[] {
  const out: number[] = [];
  for (let left = total; left > 0; left -= MAX_SEGMENT_SECONDS) out.push(Math.min(left, MAX_SEGMENT_SECONDS));
  return out;
}

export interface RunSettings {
  origin: string;
  /** The server's process group, for CPU accounting. */
  serverGroup?: number;
  connections: number;
  seconds: number;
  warmupSeconds: number;
}

/** An unauthenticated GET, e.g. /healthz. */
export async function measureGet(settings: RunSettings, name: string, path: string): Promise<Measurement> {
  const plan = { method: 'GET', path };
  if (settings.warmupSeconds > 0) await drive(settings, settings.warmupSeconds, plan, null);
  const recorder = new Recorder();
  for (const seconds of segments(settings.seconds)) await drive(settings, seconds, plan, recorder);
  return summarise(name, plan, settings.connections, recorder, []);
}

/**
 * A signed GET. A read token may be reused until it expires (DESIGN.md section 3), so all
 * connections share one token, signed afresh for every segment of at most 100 s.
 */
export async function measureSignedGet(
  settings: RunSettings,
  name: string,
  signer: RequestSigner,
  path: string,
): Promise<Measurement> {
  const planFor = async (): Promise<SegmentPlan> => ({
    method: 'GET',
    path,
    headers: { authorization: `Bearer ${await signer.sign({ method: 'GET', pathAndQuery: path })}` },
  });
  if (settings.warmupSeconds > 0) await drive(settings, settings.warmupSeconds, await planFor(), null);
  const recorder = new Recorder();
  for (const seconds of segments(settings.seconds)) await drive(settings, seconds, await planFor(), recorder);
  const measurement = summarise(name, { method: 'GET', path }, settings.connections, recorder, []);
  if (measurement.non2xx) measurement.notes.push('non-2xx answers: the token or the query was refused');
  return measurement;
}

/**
 * Signs request tokens synchronously with node:crypto (Ed25519), the same claims the client
 * library puts in. Only used when a lane's pre-signed pool runs dry mid-run, since
 * autocannon's setupRequest hook cannot wait for WebCrypto.
 */
export function createSyncSigner(principal: string, privateJwk: JWK, audience: string, kid: string) {
  const key: KeyObject = createPrivateKey({ key: privateJwk as import('node:crypto').JsonWebKey, format: 'jwk' });
  const header = Buffer.from(JSON.stringify({ alg: 'EdDSA', typ: 'cbm-request+jwt', kid })).toString('base64url');
  return (method: string, pathAndQuery: string, body: Buffer): string => {
    const iat = Math.floor(Date.now() / 1000);
    const claims = {
      iss: principal,
      aud: audience,
      iat,
      exp: iat + TOKEN_LIFETIME_SECONDS,
      jti: randomUUID(),
      htm: method,
      htu: pathAndQuery,
      body_sha256: createHash('sha256').update(body).digest('base64url'),
    };
    const input = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
    return `${input}.${edSign(null, Buffer.from(input), key).toString('base64url')}`;
  };
}

export interface WriteLaneSpec {
  contactId: string;
  state: string;
  signer: RequestSigner;
  privateJwk: JWK;
}

interface PooledRequest {
  token: string;
  body: Buffer;
}

/** One connection's own contact: its version counter and its pre-signed requests. */
class WriteLane {
  readonly path: string;
  version = 0;
  pool: PooledRequest[] = [];
  next = 0;
  signedOnTheFly = 0;
  serial = 0;
  readonly syncSign: ReturnType<typeof createSyncSigner>;

  constructor(
    readonly spec: WriteLaneSpec,
    readonly index: number,
    audience: string,
  ) {
    this.path = `/contacts/${spec.contactId}`;
    this.syncSign = createSyncSigner(spec.state, spec.privateJwk, audience, spec.signer.kid);
  }

  body(): Buffer {
    const notes = `bench update ${this.index}-${++this.serial}`;
    return Buffer.from(JSON.stringify(contactInput(this.spec.state, this.index % 4, notes)));
  }

  take(): PooledRequest {
    const pooled = this.pool[this.next];
    if (pooled) {
      this.pool[this.next++] = undefined as unknown as PooledRequest;
      return pooled;
    }
    this.signedOnTheFly++;
    const body = this.body();
    return { token: this.syncSign('PUT', this.path, body), body };
  }

  /** Learns the current version from the portal (a signed GET), e.g. after a run stopped mid-request. */
  async sync(origin: string) {
    const res = await signedJson(origin, this.spec.signer, 'GET', this.path);
    if (res.status !== 200) throw new Error(`reading ${this.path}: HTTP ${res.status} ${await res.text()}`);
    this.version = ((await res.json()) as { version: number }).version;
  }
}

/** Signs `perLane` PUT requests for every lane with the client library, in parallel. */
async function fillPools(lanes: WriteLane[], perLane: number) {
  const jobs: WriteLane[] = [];
  for (const lane of lanes) {
    lane.pool = [];
    lane.next = 0;
    lane.signedOnTheFly = 0;
    for (let i = 0; i < perLane; i++) jobs.push(lane);
  }
  await mapBounded(jobs, 128, async (lane) => {
    const body = lane.body();
    const token = await lane.spec.signer.sign({ method: 'PUT', pathAndQuery: lane.path, body });
    lane.pool.push({ token, body });
  });
}

const etagVersion = (value: string | string[] | undefined) => {
  const match = /^(?:W\/)?"(\d+)"$/.exec(Array.isArray(value) ? (value[0] ?? '') : (value ?? ''));
  return match ? Number(match[1]) : null;
};

/**
 * Signed contact updates: PUT /contacts/{id} with If-Match. Each connection owns one
 * contact and keeps its version from the ETag of every answer; every request carries a
 * fresh single-use token, pre-signed with the client library before the run (pool sized
 * from the warm-up rate), so signing costs the load generator nothing while it measures.
 */
export async function measureSignedWrites(
  settings: RunSettings,
  name: string,
  specs: WriteLaneSpec[],
): Promise<Measurement> {
  if (specs.length < settings.connections)
    throw new Error(`need ${settings.connections} contacts for ${settings.connections} connections`);
  const lanes = specs.slice(0, settings.connections).map((spec, index) => new WriteLane(spec, index, settings.origin));

  const planFor = (recorder: Recorder | null): SegmentPlan => {
    let slot = 0;
    return {
      method: 'PUT',
      path: '/contacts/{id}',
      setupClient: (client) => {
        const lane = lanes[slot++ % lanes.length]!;
        client.setRequests([
          {
            method: 'PUT',
            path: lane.path,
            setupRequest: (request) => {
              const { token, body } = lane.take();
              request.path = lane.path;
              request.headers = {
                authorization: `Bearer ${token}`,
                'content-type': 'application/json',
                'if-match': `"${lane.version}"`,
              };
              request.body = body;
              return request;
            },
            onResponse: (status, body, _context, headers) => {
              if (status >= 200 && status < 300) {
                const etag = headers.etag ?? headers.ETag ?? headers.Etag;
                lane.version = etagVersion(etag) ?? lane.version + 1;
                return;
              }
              recorder?.noteError(status, body);
              // A stale version (412) names the current one: resynchronise and go on.
              const current = /version (\d+)/.exec(body);
              if (status === 412 && current) lane.version = Number(current[1]);
            },
          },
        ]);
      },
    };
  };

  // When a run stops, requests already sent may still commit on the server: read the
  // versions until they stand still, so the next run starts from the right If-Match.
  const syncAll = async () => {
    let previous = '';
    for (let attempt = 0; attempt < 50; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      await Promise.all(lanes.map((lane) => lane.sync(settings.origin)));
      const current = lanes.map((lane) => lane.version).join(',');
      if (current === previous) return;
      previous = current;
    }
    throw new Error('contact versions kept changing after the load stopped');
  };
  const notes: string[] = [];

  // Warm-up: a modest pool (the sync signer covers any overflow); its rate sizes the real pools.
  let ratePerSecond = 0;
  if (settings.warmupSeconds > 0) {
    await syncAll();
    await fillPools(lanes, 200);
    const warm = new Recorder();
    await drive(settings, settings.warmupSeconds, planFor(null), warm);
    ratePerSecond = (warm.ok + warm.non2xx) / warm.seconds;
  }

  const recorder = new Recorder();
  let onTheFly = 0;
  let presigned = 0;
  let presignSeconds = 0;
  for (const seconds of segments(settings.seconds)) {
    // A cold or disturbed warm-up underestimates the rate: never plan for less than
    // MIN_PLANNED_WRITE_RATE. A lane that still runs dry signs on the fly (and says so).
    const estimate = Math.max(ratePerSecond, MIN_PLANNED_WRITE_RATE);
    const perLane = Math.ceil((estimate * (seconds + 1.5) * 1.6) / lanes.length) + 50;
    await syncAll();
    const started = performance.now();
    await fillPools(lanes, perLane);
    presignSeconds += (performance.now() - started) / 1000;
    presigned += perLane * lanes.length;
    const before = recorder.ok + recorder.non2xx;
    const secondsBefore = recorder.seconds;
    await drive(settings, seconds, planFor(recorder), recorder);
    ratePerSecond = (recorder.ok + recorder.non2xx - before) / (recorder.seconds - secondsBefore);
    onTheFly += lanes.reduce((sum, lane) => sum + lane.signedOnTheFly, 0);
  }
  await syncAll();

  notes.push(
    `${presigned} requests pre-signed with the client library in ${presignSeconds.toFixed(1)} s (not measured)`,
  );
  if (onTheFly)
    notes.push(`${onTheFly} requests signed on the fly in the load generator (pool ran dry): it competed for CPU`);
  const measurement = summarise(name, { method: 'PUT', path: '/contacts/{id}' }, settings.connections, recorder, notes);
  const versionsAdvanced = lanes.reduce((sum, lane) => sum + lane.version, 0);
  measurement.notes.push(`contact versions after the run: ${versionsAdvanced} in total over ${lanes.length} contacts`);
  return measurement;
}
