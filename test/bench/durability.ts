/**
 * Durability benchmark (part of `npm run bench`): what `synchronous = FULL` costs. A commit
 * then returns only once SQLite's WAL is fsynced, so an acknowledged write survives a power
 * cut; NORMAL fsyncs at WAL checkpoints only (it survives a crash of the process, not of the
 * machine). Two real portals (src/node.ts) on fresh data dirs, one per setting
 * (CBM_SQLITE_SYNCHRONOUS), take the same signed contact updates in alternating rounds
 * (FULL, NORMAL, NORMAL, FULL, ...), so drift in the machine's load falls on both alike.
 * The ratio FULL / NORMAL is the figure; absolute req/s depend on the disk under the
 * data dirs (BENCH_DATA_DIR; default the system temp dir), printed with its file system.
 *
 * Environment: BENCH_SECONDS (5) per round, BENCH_WARMUP_SECONDS (1), BENCH_ROUNDS (2 pairs),
 * BENCH_CONNECTIONS (16). Results: test/bench/results/durability.json.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { measureSignedWrites, type Measurement, type WriteLaneSpec } from './load.ts';
import { seedPortal } from './seed.ts';
import { REPO_ROOT, startPortal, type RunningPortal } from './server.ts';
import { intFromEnv } from './settings.ts';
import { UN_MEMBER_STATES } from './un-members.ts';

const settings = {
  seconds: intFromEnv('BENCH_SECONDS', 5, 1, 3600),
  warmupSeconds: intFromEnv('BENCH_WARMUP_SECONDS', 1, 0, 60),
  rounds: intFromEnv('BENCH_ROUNDS', 2, 1, 50),
  connections: intFromEnv('BENCH_CONNECTIONS', 16, 1, 256),
};
const SETTINGS = ['FULL', 'NORMAL'] as const;
type Synchronous = (typeof SETTINGS)[number];

const log = (line = '') => console.log(line);
const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;

function fileSystemOf(dir: string): string {
  try {
    return execFileSync('df', ['-T', dir], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .pop()!
      .split(/\s+/)
      .slice(0, 2)
      .join(' ');
  } catch {
    return 'unknown';
  }
}

async function lanesFor(portal: RunningPortal): Promise<WriteLaneSpec[]> {
  const seeded = await seedPortal({
    origin: portal.origin,
    secretariatJwk: portal.secretariatJwk,
    states: UN_MEMBER_STATES.slice(0, settings.connections),
    contactsPerState: 1,
    concurrency: 8,
  });
  return seeded.contacts.map((contact) => {
    const state = seeded.states.find((s) => s.id === contact.state)!;
    return { contactId: contact.id, state: state.id, signer: state.signer, privateJwk: state.privateJwk };
  });
}

async function main(): Promise<number> {
  const dataRoot = process.env.BENCH_DATA_DIR ?? tmpdir();
  log(
    `durability: synchronous = FULL vs NORMAL, ${settings.connections} connections, ${settings.rounds} x 2 rounds of ${settings.seconds} s`,
  );
  log(`data dirs under ${dataRoot} (${fileSystemOf(dataRoot)})`);
  const portals = new Map<Synchronous, RunningPortal>();
  process.once('exit', () => {
    for (const portal of portals.values()) portal.killNow();
  });
  try {
    const lanes = new Map<Synchronous, WriteLaneSpec[]>();
    for (const synchronous of SETTINGS) {
      const portal = await startPortal({ extraEnv: { CBM_SQLITE_SYNCHRONOUS: synchronous }, dataRoot });
      portals.set(synchronous, portal);
      lanes.set(synchronous, await lanesFor(portal));
      log(`  ${synchronous}: ${portal.origin}, data ${portal.dataDir}`);
    }
    const rounds: Record<Synchronous, Measurement[]> = { FULL: [], NORMAL: [] };
    for (let round = 0; round < settings.rounds; round++) {
      // ABBA: each setting goes first as often as second.
      const order: Synchronous[] = round % 2 === 0 ? ['FULL', 'NORMAL'] : ['NORMAL', 'FULL'];
      for (const synchronous of order) {
        const portal = portals.get(synchronous)!;
        const measured = await measureSignedWrites(
          {
            origin: portal.origin,
            serverGroup: portal.pid,
            connections: settings.connections,
            seconds: settings.seconds,
            warmupSeconds: settings.warmupSeconds,
          },
          `signed contact update, synchronous=${synchronous}`,
          lanes.get(synchronous)!,
        );
        rounds[synchronous].push(measured);
        const trouble = measured.non2xx + measured.errors + measured.timeouts;
        log(
          `  round ${round + 1} ${synchronous.padEnd(6)} ${measured.rps.toFixed(0)} writes/s, p50 ` +
            `${measured.latencyMs.p50.toFixed(2)} ms, p99 ${measured.latencyMs.p99.toFixed(2)} ` +
            `ms${trouble ? `  !! ${trouble} failed` : ''}`,
        );
      }
    }
    const full = mean(rounds.FULL.map((m) => m.rps));
    const normal = mean(rounds.NORMAL.map((m) => m.rps));
    const ratio = full / normal;
    log();
    log(
      `  FULL ${full.toFixed(0)} writes/s, NORMAL ${normal.toFixed(0)} writes/s (means of ${settings.rounds} rounds)`,
    );
    log(
      `  info  writes/s with synchronous=FULL ÷ with NORMAL: ${ratio.toFixed(3)} (durability against power ` +
        `loss costs ${((1 - ratio) * 100).toFixed(0)}% of write throughput here)`,
    );
    const failed = [...rounds.FULL, ...rounds.NORMAL].some((m) => m.non2xx + m.errors + m.timeouts > 0 || m.ok === 0);
    const resultsDir = join(REPO_ROOT, 'test/bench/results');
    mkdirSync(resultsDir, { recursive: true });
    writeFileSync(
      join(resultsDir, 'durability.json'),
      `${JSON.stringify(
        {
          startedAt: new Date().toISOString(),
          settings,
          fileSystem: fileSystemOf(dataRoot),
          full,
          normal,
          ratio,
          rounds,
          valid: !failed,
        },
        null,
        2,
      )}\n`,
    );
    if (failed) log('!! some writes failed: the figures are not a valid measurement');
    return failed ? 1 : 0;
  } finally {
    for (const portal of portals.values()) await portal.stop();
  }
}

process.exitCode = await main();
