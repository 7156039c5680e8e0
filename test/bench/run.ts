/**
 * npm run bench: the real portal as a child process, as production runs it (`npm run
 * serve`: the esbuild bundle of src/node.ts on plain node; BENCH_RUNNER=start for `npm
 * start` through tsx), seeded over HTTP with the 193 UN member states, then loaded over
 * loopback with autocannon.
 *
 * The load generator and the server share the machine's cores (2 here), so absolute
 * figures say little; what counts are the ratios against baselines measured in this same
 * run (DESIGN.md section 7): the bare /healthz route and the in-process floor of a signed
 * write (verify + attest + insert, no HTTP; best of 3 rounds). Each scenario also reports
 * the server's CPU time per request (from /proc), which sharing the cores disturbs least,
 * and how much of the cores other processes took meanwhile: above 10 % the run is flagged
 * DISTURBED, since the scenarios were then not measured under the same conditions.
 *
 * Environment: BENCH_SECONDS (8) per scenario, BENCH_WARMUP_SECONDS (2), BENCH_CONNECTIONS
 * (16), BENCH_FLOOR_ITERATIONS (2000), BENCH_SEED_CONCURRENCY (8); BENCH_SERVER_NODE_FLAGS are
 * node flags for the server (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof").
 * Results: test/bench/results/latest.json. Exit code 1 when any measured request failed
 * (a MISS against a target is reported, not an error).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { measureFloor, type FloorResult } from './floor.ts';
import {
  cpuBetween,
  cpuShares,
  cpuSnapshot,
  FOREIGN_CPU_LIMIT_PERCENT,
  measureGet,
  measureSignedGet,
  measureSignedWrites,
  type Measurement,
  type RunSettings,
  type WriteLaneSpec,
} from './load.ts';
import { seedPortal } from './seed.ts';
import { buildForServe, REPO_ROOT, startPortal, type RunningPortal } from './server.ts';
import { UN_MEMBER_STATES } from './un-members.ts';
import { intFromEnv } from './settings.ts';

const CONTACTS_PER_STATE = 4;

const settings = {
  seconds: intFromEnv('BENCH_SECONDS', 8, 1, 3600),
  warmupSeconds: intFromEnv('BENCH_WARMUP_SECONDS', 2, 0, 60),
  connections: intFromEnv('BENCH_CONNECTIONS', 16, 1, 256),
  floorIterations: intFromEnv('BENCH_FLOOR_ITERATIONS', 2000, 100, 1_000_000),
  seedConcurrency: intFromEnv('BENCH_SEED_CONCURRENCY', 8, 1, 64),
};

interface Ratio {
  name: string;
  value: number;
  unit: string;
  target: string | null;
  pass: boolean | null;
}

const log = (line = '') => console.log(line);
const fmt = (value: number, digits = 2) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');

function printTable(rows: Measurement[], floor: FloorResult & { cpu: Measurement['cpu'] }) {
  const header = [
    'scenario',
    'req/s',
    'p50 ms',
    'p90 ms',
    'p99 ms',
    'max ms',
    '2xx',
    'non-2xx',
    'errors',
    'server µs/req',
    'CPU srv/bench/other %',
  ];
  const cpu = (shares: Measurement['cpu']) =>
    shares ? `${fmt(shares.serverPercent, 0)}/${fmt(shares.benchPercent, 0)}/${fmt(shares.foreignPercent, 0)}` : 'n/a';
  const body = rows.map((m) => [
    `${m.name} (${m.method} ${m.path})`,
    fmt(m.rps, 0),
    fmt(m.latencyMs.p50),
    fmt(m.latencyMs.p90),
    fmt(m.latencyMs.p99),
    fmt(m.latencyMs.max),
    String(m.ok),
    String(m.non2xx),
    String(m.errors + m.timeouts),
    m.cpu?.serverMicrosPerRequest != null ? String(m.cpu.serverMicrosPerRequest) : 'n/a',
    cpu(m.cpu),
  ]);
  body.push([
    'in-process floor (verify+sign+insert, 1 at a time, best round)',
    fmt(floor.opsPerSecond, 0),
    '',
    '',
    '',
    '',
    String(floor.iterations),
    '',
    '',
    '',
    cpu(floor.cpu),
  ]);
  body.push([
    'in-process floor, 16 in flight (info)',
    fmt(floor.concurrent16OpsPerSecond, 0),
    '',
    '',
    '',
    '',
    String(floor.iterations),
    '',
    '',
    '',
    '',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  log(line(header));
  log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of body) log(line(row));
}

function gitCommit(): string | null {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    }).trim();
    return dirty ? `${commit}+dirty-src` : commit;
  } catch {
    return null;
  }
}

async function main(): Promise<number> {
  const startedAt = new Date();
  const t0 = performance.now();
  log(
    `CBM portal benchmark: ${settings.connections} connections, ${settings.seconds} s per scenario (+${settings.warmupSeconds} s warm-up)`,
  );
  log(
    `machine: ${availableParallelism()} cores (${cpus()[0]?.model ?? 'unknown'}), Node ${process.version}; load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  log('The load generator and the server share these cores: read the ratios, not the absolute figures.');
  log();

  log(
    `in-process floor: 3 rounds of ${settings.floorIterations} iterations of verifyRequestToken + signAttestation + one SQLite insert ...`,
  );
  const floorCpuBefore = cpuSnapshot(undefined);
  const floor = {
    ...(await measureFloor(settings.floorIterations)),
    cpu: cpuShares(cpuBetween(floorCpuBefore, cpuSnapshot(undefined))),
  };
  log(
    `  ${floor.opsPerSecond} ops/s one at a time (best of rounds: ${floor.roundsOpsPerSecond.join(', ')}), ` +
      `${floor.concurrent16OpsPerSecond} ops/s with 16 in flight`,
  );
  log(
    `  steps alone: verify ${floor.stepMicros.verify} µs, sign ${floor.stepMicros.sign} µs, insert ` +
      `${floor.stepMicros.insert} µs, sha256 of a token (src/crypto/encoding.ts) ${floor.stepMicros.sha256} µs`,
  );
  log(
    `  raw limit (node:crypto Ed25519 verify + sign + one prepared insert, 1 at a time): ` +
      `${floor.rawLimit.cpuMicrosPerOperation} µs CPU, ${floor.rawLimit.microsPerOperation} µs wall = ` +
      `${floor.rawLimit.opsPerSecond} ops/s (rounds: ${floor.rawLimit.roundsMicros.join(', ')} µs wall)`,
  );
  log();

  let portal: RunningPortal | null = null;
  const onSignal = (signal: NodeJS.Signals) => {
    console.error(`\nbench: ${signal}, stopping the portal`);
    void (portal?.stop() ?? Promise.resolve()).finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.once('exit', () => portal?.killNow());

  try {
    // Production as an operator runs it (`npm run build` then `npm run serve`: the esbuild
    // bundle on plain node); BENCH_RUNNER=start measures `npm start` (tsx) instead.
    const runner = process.env.BENCH_RUNNER === 'start' ? 'start' : 'serve';
    if (runner === 'serve') buildForServe();
    log(`starting the portal (npm ${runner === 'serve' ? 'run serve' : 'start'}) on a fresh data dir ...`);
    // BENCH_SERVER_NODE_FLAGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof", profiles the server.
    portal = await startPortal({
      runner,
      nodeFlags: (process.env.BENCH_SERVER_NODE_FLAGS ?? '').split(' ').filter(Boolean),
    });
    log(`  ${portal.origin}, pid ${portal.pid}, data ${portal.dataDir}`);

    log(
      `seeding ${UN_MEMBER_STATES.length} states, one Ed25519 key each, ${CONTACTS_PER_STATE} contacts each ` +
        `(${settings.seedConcurrency} in parallel) ...`,
    );
    const seeded = await seedPortal({
      origin: portal.origin,
      secretariatJwk: portal.secretariatJwk,
      states: UN_MEMBER_STATES,
      contactsPerState: CONTACTS_PER_STATE,
      concurrency: settings.seedConcurrency,
    });
    log(
      `  ${seeded.states.length} states, ${seeded.contacts.length} contacts: ${seeded.requests} signed ` +
        `requests in ${seeded.seconds.toFixed(1)} s`,
    );
    log();

    const run: RunSettings = {
      origin: portal.origin,
      serverGroup: portal.pid,
      connections: settings.connections,
      seconds: settings.seconds,
      warmupSeconds: settings.warmupSeconds,
    };
    const reader = seeded.states.find((state) => state.id === 'AT') ?? seeded.states[0]!;
    const scenarios: Measurement[] = [];
    const report = (m: Measurement) => {
      scenarios.push(m);
      const trouble = m.non2xx + m.errors + m.timeouts;
      const cpu = m.cpu
        ? `; server ${m.cpu.serverMicrosPerRequest ?? 'n/a'} µs CPU/req; cores: server ` +
          `${m.cpu.serverPercent}%, load generator ${m.cpu.benchPercent}%, other processes ${m.cpu.foreignPercent}%`
        : '';
      log(
        `  ${fmt(m.rps, 0)} req/s, p50 ${fmt(m.latencyMs.p50)} ms, p99 ${fmt(m.latencyMs.p99)} ms over ` +
          `${m.seconds} s${cpu}${trouble ? `  !! ${m.non2xx} non-2xx, ${m.errors} errors, ${m.timeouts} timeouts` : ''}`,
      );
      for (const note of m.notes) log(`    note: ${note}`);
    };

    log('a. baseline: GET /healthz (no auth) ...');
    report(await measureGet(run, 'healthz baseline', '/healthz'));
    log('b. directory read: GET /contacts?limit=100, signed (one reusable read token) ...');
    report(await measureSignedGet(run, 'directory read', reader.signer, '/contacts?limit=100'));
    log('b2. directory read by state: GET /contacts?state=AT, signed ...');
    report(await measureSignedGet(run, 'directory by state', reader.signer, '/contacts?state=AT'));

    // One contact per connection, spread over the states.
    const stride = Math.max(1, Math.floor(seeded.states.length / settings.connections));
    const lanes: WriteLaneSpec[] = [];
    for (let i = 0; i < settings.connections; i++) {
      const state = seeded.states[(i * stride) % seeded.states.length]!;
      const owned = seeded.contacts.filter((contact) => contact.state === state.id);
      const contact = owned[Math.floor((i * stride) / seeded.states.length) % owned.length]!;
      lanes.push({ contactId: contact.id, state: state.id, signer: state.signer, privateJwk: state.privateJwk });
    }
    if (new Set(lanes.map((lane) => lane.contactId)).size !== lanes.length)
      throw new Error('write lanes must own distinct contacts');
    log(
      `c. signed contact update: PUT /contacts/{id} with If-Match, ${lanes.length} contacts of ` +
        `${new Set(lanes.map((l) => l.state)).size} states, one per connection ...`,
    );
    report(await measureSignedWrites(run, 'signed contact update', lanes));
    log();

    const [healthz, directory, , writes] = scenarios as [Measurement, Measurement, Measurement, Measurement];
    const writeCpu = writes.cpu?.serverMicrosPerRequest ?? Number.NaN;
    const ratios: Ratio[] = [
      {
        name: `server CPU per signed write ÷ raw limit's CPU (${fmt(writeCpu, 0)} µs ÷ ${floor.rawLimit.cpuMicrosPerOperation} µs)`,
        value: writeCpu / floor.rawLimit.cpuMicrosPerOperation,
        unit: 'x',
        target: '<= 2.5',
        pass: writeCpu / floor.rawLimit.cpuMicrosPerOperation <= 2.5,
      },
      {
        name: 'signed write req/s ÷ in-process floor ops/s',
        value: writes.rps / floor.opsPerSecond,
        unit: 'x',
        target: '>= 0.5',
        pass: writes.rps / floor.opsPerSecond >= 0.5,
      },
      {
        name: 'signed write req/s ÷ healthz req/s',
        value: writes.rps / healthz.rps,
        unit: 'x',
        target: null,
        pass: null,
      },
      {
        name: 'directory read req/s ÷ healthz req/s',
        value: directory.rps / healthz.rps,
        unit: 'x',
        target: null,
        pass: null,
      },
      {
        name: `directory read p99 at ${settings.connections} connections`,
        value: directory.latencyMs.p99,
        unit: 'ms',
        target: '< 10',
        pass: directory.latencyMs.p99 < 10,
      },
    ];

    log('=== summary ===');
    printTable(scenarios, floor);
    log();
    for (const ratio of ratios) {
      const verdict = ratio.pass === null ? 'info' : ratio.pass ? 'PASS' : 'MISS';
      const unit = ratio.unit === 'ms' ? ' ms' : '';
      log(
        `  ${verdict.padEnd(4)}  ${ratio.name}: ${fmt(ratio.value, ratio.unit === 'ms' ? 2 : 3)}${unit}` +
          (ratio.target ? `  (target ${ratio.target}${unit})` : ''),
      );
    }

    const failed = scenarios.filter((m) => m.non2xx + m.errors + m.timeouts > 0 || m.ok === 0);
    if (failed.length) {
      log();
      log('!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!');
      log('!! THIS RUN HAD FAILED REQUESTS: its figures are not a valid measurement.');
      for (const m of failed) {
        log(
          `!!   ${m.name}: ${m.non2xx} non-2xx ${JSON.stringify(m.statusCodes)}, ${m.errors} errors, ${m.timeouts} timeouts`,
        );
        for (const sample of m.sampleErrors) log(`!!     e.g. ${sample}`);
      }
      log('!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!');
      const tail = portal.output().slice(-10);
      if (tail.length) log(`server output (last lines):\n  ${tail.join('\n  ')}`);
    }

    const disturbed = [
      ...scenarios.map((m) => ({ name: m.name, cpu: m.cpu })),
      { name: 'in-process floor', cpu: floor.cpu },
    ].filter((entry) => (entry.cpu?.foreignPercent ?? 0) > FOREIGN_CPU_LIMIT_PERCENT);
    if (disturbed.length) {
      log();
      log(
        `!! DISTURBED: other processes took more than ${FOREIGN_CPU_LIMIT_PERCENT}% of the cores during ` +
          `${disturbed.map((d) => `${d.name} (${d.cpu!.foreignPercent}%)`).join(', ')}.`,
      );
      log(
        '!! Ratios between scenarios measured under different outside load are unreliable; run again on a quiet machine.',
      );
    }

    const resultsDir = join(REPO_ROOT, 'test/bench/results');
    mkdirSync(resultsDir, { recursive: true });
    const results = {
      startedAt: startedAt.toISOString(),
      wallSeconds: Math.round((performance.now() - t0) / 100) / 10,
      commit: gitCommit(),
      machine: {
        cores: availableParallelism(),
        cpu: cpus()[0]?.model ?? null,
        node: process.version,
        platform: process.platform,
      },
      settings,
      seed: {
        states: seeded.states.length,
        contacts: seeded.contacts.length,
        requests: seeded.requests,
        seconds: Math.round(seeded.seconds * 10) / 10,
      },
      floor,
      scenarios,
      ratios,
      valid: failed.length === 0,
      disturbed: disturbed.map((d) => d.name),
    };
    const out = join(resultsDir, 'latest.json');
    writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
    log();
    log(`results: ${out} (${results.wallSeconds} s in all)`);
    return failed.length ? 1 : 0;
  } catch (error) {
    console.error(`bench failed: ${(error as Error).stack ?? String(error)}`);
    const tail = portal?.output().slice(-20) ?? [];
    if (tail.length) console.error(`server output (last lines):\n  ${tail.join('\n  ')}`);
    return 1;
  } finally {
    if (portal) {
      await portal.stop();
      log('portal stopped, data dir removed');
    }
  }
}

process.exitCode = await main();
