/**
 * A real portal for client tests: `tsx src/node.ts` on a temporary data dir and a free
 * loopback port, over real HTTP, with real keys and a real SQLite file. Node only.
 * Every portal started here is stopped by `stop()` (kill its process group).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JWK } from 'jose';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const TSX = join(ROOT, 'node_modules/.bin/tsx');

export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

export interface RealPortal {
  origin: string;
  port: number;
  dataDir: string;
  /** Path of the Secretariat's private key written on the first start. */
  secretariatKeyFile: string;
  secretariatJwk: () => JWK;
  output: () => string;
  /** Stops the server (SIGTERM to its process group, SIGKILL after 8 s). */
  stop(): Promise<void>;
}

/** Stops a server started in its own process group: SIGTERM, then SIGKILL after 8 s. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, name);
    } catch {
      // the group is gone already
    }
  };
  signal('SIGTERM');
  const timer = setTimeout(() => signal('SIGKILL'), 8000);
  await exited;
  clearTimeout(timer);
}

/** Starts a portal on `dataDir` (default a new temporary one) and waits for /healthz. */
export async function startRealPortal(
  options: { dataDir?: string; port?: number; env?: Record<string, string> } = {},
): Promise<RealPortal> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'cbm-real-portal-'));
  const port = options.port ?? (await freePort());
  const child = spawn(TSX, ['src/node.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? tmpdir(),
      CBM_DATA_DIR: dataDir,
      CBM_PORT: String(port),
      CBM_HOST: '127.0.0.1',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  let exitCode: number | null | undefined;
  child.once('exit', (code) => (exitCode = code));
  const origin = `http://127.0.0.1:${port}`;
  const portal: RealPortal = {
    origin,
    port,
    dataDir,
    secretariatKeyFile: join(dataDir, 'secretariat.private.jwk'),
    secretariatJwk: () => JSON.parse(readFileSync(join(dataDir, 'secretariat.private.jwk'), 'utf8')) as JWK,
    output: () => output,
    stop: () => stopChild(child),
  };
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (exitCode !== undefined) throw new Error(`the portal exited with ${exitCode}:\n${output}`);
    try {
      if ((await fetch(`${origin}/healthz`)).status === 200) return portal;
    } catch {
      // not listening yet
    }
    await new Promise((wait) => setTimeout(wait, 100));
  }
  await portal.stop();
  throw new Error(`the portal did not answer /healthz within 30 s:\n${output}`);
}

/** Removes a data dir made by startRealPortal. */
export const removeDataDir = (dataDir: string) => rmSync(dataDir, { recursive: true, force: true });
