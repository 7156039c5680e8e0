/**
 * The real embedded portal (src/node.ts) as a child process on a fresh data dir, for
 * benchmarks: started the way an operator starts it, stopped cleanly, its data removed.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JWK } from 'jose';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

const scripts = (
  JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
).scripts;
/** The node flags a package.json script runs the portal with (`npm start`, `npm run serve`). */
export const nodeFlagsOf = (script: string) => scripts[script]!.split(' ').filter((word) => word.startsWith('--'));

/**
 * How the portal runs: `npm start` (the TypeScript sources through tsx, as a new user
 * starts it) or `npm run serve` (production: the esbuild bundle of `npm run build`, plain
 * node). The write bench measures production; the others what a new user starts.
 */
export type Runner = 'start' | 'serve';

/** Builds what `npm run serve` runs (the web app and dist/portal), as `npm run build` does. */
export function buildForServe() {
  execFileSync(join(REPO_ROOT, 'node_modules/.bin/tsx'), ['scripts/build-web.ts'], { cwd: REPO_ROOT, stdio: 'ignore' });
  execFileSync(join(REPO_ROOT, 'node_modules/.bin/tsx'), ['scripts/build.ts', '--portal-only'], {
    cwd: REPO_ROOT,
    stdio: 'ignore',
  });
}

export interface RunningPortal {
  origin: string;
  host: string;
  port: number;
  dataDir: string;
  pid: number;
  secretariatJwk: JWK;
  /** The last lines the server wrote (stdout and stderr), for diagnosing a failure. */
  output(): string[];
  /** Stops the server (SIGTERM, then SIGKILL after a grace period) and removes the data dir. Idempotent. */
  stop(): Promise<void>;
  /** Synchronous last resort for process exit handlers: SIGKILL and remove the data dir. */
  killNow(): void;
}

/** A port the OS just handed out; released before the server binds it. */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, host, () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => (port ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface StartOptions {
  startTimeoutMs?: number;
  extraEnv?: Record<string, string>;
  /** Node flags for the server, passed through tsx, e.g. ['--cpu-prof', '--cpu-prof-dir=/tmp/prof']. */
  nodeFlags?: string[];
  /** Where the data dir is made (default: the system temp dir); its disk decides what an fsync costs. */
  dataRoot?: string;
  /** `start` (default) or `serve`, after buildForServe(). */
  runner?: Runner;
}

export async function startPortal(options: StartOptions = {}): Promise<RunningPortal> {
  const host = '127.0.0.1';
  const port = await freePort(host);
  const dataDir = mkdtempSync(join(options.dataRoot ?? tmpdir(), 'cbm-bench-'));
  const origin = `http://${host}:${port}`;
  const lines: string[] = [];
  const remember = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line.trim()) continue;
      lines.push(line);
      if (lines.length > 200) lines.shift();
    }
  };

  // Own process group, so the tsx wrapper and the node process under it stop together.
  // The node flags of `npm start` first (package.json), then any the caller adds.
  const serve = options.runner === 'serve';
  const child: ChildProcess = spawn(
    serve ? process.execPath : join(REPO_ROOT, 'node_modules/.bin/tsx'),
    [
      ...nodeFlagsOf(serve ? 'serve' : 'start'),
      ...(options.nodeFlags ?? []),
      serve ? 'dist/portal/node.js' : 'src/node.ts',
    ],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, CBM_DATA_DIR: dataDir, CBM_PORT: String(port), CBM_HOST: host, ...options.extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    },
  );
  child.stdout!.on('data', remember);
  child.stderr!.on('data', remember);
  let exited: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  const exitPromise = new Promise<void>((resolve) => {
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      resolve();
    });
  });
  const pid = child.pid!;

  let stopped = false;
  const removeData = () => rmSync(dataDir, { recursive: true, force: true });
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-pid, signal);
    } catch {
      // already gone
    }
  };
  const killNow = () => {
    if (stopped) return;
    stopped = true;
    if (!exited) signalGroup('SIGKILL');
    removeData();
  };
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (!exited) {
      // tsx relays SIGTERM to the portal, whose handler closes the server and the database.
      try {
        child.kill('SIGTERM');
      } catch {
        // already gone
      }
      await Promise.race([exitPromise, sleep(8000)]);
      if (!exited) {
        signalGroup('SIGKILL');
        await Promise.race([exitPromise, sleep(2000)]);
      }
    }
    // The tsx wrapper may exit a moment before the node process below it.
    signalGroup('SIGKILL');
    removeData();
  };

  const portal: RunningPortal = {
    origin,
    host,
    port,
    dataDir,
    pid,
    secretariatJwk: {},
    output: () => [...lines],
    stop,
    killNow,
  };

  try {
    const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
    for (;;) {
      if (exited) throw new Error(`the portal exited during start (${JSON.stringify(exited)})`);
      try {
        const res = await fetch(`${origin}/healthz`, { signal: AbortSignal.timeout(1000) });
        if (res.ok) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error('the portal did not answer /healthz in time');
      await sleep(100);
    }
    portal.secretariatJwk = JSON.parse(readFileSync(join(dataDir, 'secretariat.private.jwk'), 'utf8')) as JWK;
  } catch (error) {
    const tail = lines.slice(-20).join('\n  ');
    await stop();
    throw new Error(`${(error as Error).message}\n  server output:\n  ${tail}`);
  }
  return portal;
}
