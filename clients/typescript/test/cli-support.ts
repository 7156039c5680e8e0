/**
 * Runs `cbm` as a child process with its own HOME and profile, and captures stdout,
 * stderr and the exit code.
 *
 * By default it runs src/cli.ts bundled once per test worker by esbuild (the compiler tsx
 * uses too): the same code, started in 0.1 s instead of the 0.6 s tsx needs to load the
 * sources, which keeps the many runs of these suites fast. `launcher: 'bin'` runs
 * bin/cbm.mjs itself, exactly what `npx cbm` runs; cli-local.test.ts checks both agree.
 */
import { build } from 'esbuild';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../../../test/support/real-portal.ts';

export const CBM_BIN = join(ROOT, 'clients/typescript/bin/cbm.mjs');

let bundle: Promise<string> | undefined;
function bundled(): Promise<string> {
  bundle ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cbm-cli-bundle-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    const outfile = join(dir, 'cbm.mjs');
    await build({
      entryPoints: [join(ROOT, 'clients/typescript/src/cli.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      outfile,
      logLevel: 'warning',
    });
    return outfile;
  })();
  return bundle;
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON (for --json runs). */
  json<T = Record<string, unknown>>(): T;
}

export interface CliOptions {
  env?: Record<string, string>;
  input?: string;
  cwd?: string;
  launcher?: 'bundle' | 'bin';
}

/** The file `node` runs for cbm (the bundle, or bin/cbm.mjs). */
export const cbmEntry = (launcher: CliOptions['launcher'] = 'bundle') =>
  launcher === 'bin' ? Promise.resolve(CBM_BIN) : bundled();

export async function runCbm(args: string[], options: CliOptions = {}): Promise<CliResult> {
  const entry = options.launcher === 'bin' ? CBM_BIN : await bundled();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [entry, ...args], {
      cwd: options.cwd ?? ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: options.env?.HOME ?? tmpdir(), ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) =>
      resolve({
        code,
        stdout,
        stderr,
        json<T>() {
          try {
            return JSON.parse(stdout) as T;
          } catch {
            throw new Error(`stdout is not JSON (exit ${code}):\n${stdout}\nstderr:\n${stderr}`);
          }
        },
      }),
    );
    child.stdin.end(options.input ?? '');
  });
}

/** A user of cbm: a working directory and a profile of their own. */
export function cliUser(name: string) {
  const dir = mkdtempSync(join(tmpdir(), `cbm-cli-${name}-`));
  const env = { HOME: dir, CBM_PROFILE: join(dir, 'profile.json') };
  return {
    dir,
    env,
    profile: env.CBM_PROFILE,
    path: (file: string) => join(dir, file),
    run: (args: string[], options: Omit<CliOptions, 'env'> & { env?: Record<string, string> } = {}) =>
      runCbm(args, { cwd: dir, ...options, env: { ...env, ...options.env } }),
  };
}

export type CliUser = ReturnType<typeof cliUser>;

/** Fails with the whole output when the exit code is not the expected one. */
export function expectExit(result: CliResult, code: number): CliResult {
  if (result.code !== code)
    throw new Error(`expected exit ${code}, got ${result.code}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`);
  return result;
}

/**
 * Waits until the portal's signed checkpoint covers `size` entries: it signs on a cadence
 * (about a second after a write), and a test that counts entries must not race it.
 * Reads the public checkpoint directly, so cbm remembers nothing meanwhile.
 */
export async function checkpointCovers(origin: string, size: number, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await fetch(`${origin}/log/checkpoint`, { headers: { Accept: 'text/plain' } });
    const signed = answer.ok ? Number((await answer.text()).split('\n')[1]) : -1;
    if (signed >= size) return;
    if (Date.now() > deadline)
      throw new Error(`the checkpoint of ${origin} has ${signed} entries, not ${size}, after ${timeoutMs} ms`);
    await new Promise((wait) => setTimeout(wait, 100));
  }
}
