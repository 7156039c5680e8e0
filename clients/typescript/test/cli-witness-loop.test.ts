/**
 * `cbm witness` running on (issue 14 item 2: "from cron or as a long-running process"): one
 * process with --interval 1 against a real portal cosigns the checkpoint there is, then the
 * next one after a write, never moves its stored size backwards, and stops cleanly on
 * SIGTERM (exit 0 between rounds, the state file intact).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { removeDataDir, startRealPortal, type RealPortal } from '../../../test/support/real-portal.ts';
import { cbmEntry, checkpointCovers, cliUser, expectExit } from './cli-support.ts';

const portals: RealPortal[] = [];
const children: ChildProcess[] = [];
afterEach(async () => {
  for (const child of children.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const portal of portals.splice(0)) {
    await portal.stop();
    removeDataDir(portal.dataDir);
  }
});

const cosignedBy = async (origin: string, name: string) =>
  (await (await fetch(`${origin}/log/checkpoint`, { headers: { Accept: 'text/plain' } })).text())
    .split('\n')
    .some((line) => line.startsWith(`— ${name} `));

async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('cbm witness as a long-running process', () => {
  it('cosigns two checkpoints in one run, never moves its state back, and stops on SIGTERM', {
    timeout: 120_000,
  }, async () => {
    const portal = await startRealPortal();
    portals.push(portal);
    const secretariat = cliUser('witness-loop-secretariat');
    cpSync(portal.secretariatKeyFile, secretariat.path('secretariat.jwk'));
    expectExit(
      await secretariat.run(['init', '--portal', portal.origin, '--as', 'secretariat', '--key', 'secretariat.jwk']),
      0,
    );
    expectExit(await secretariat.run(['states', 'add', 'AT', 'Austria']), 0);
    const at = cliUser('witness-loop-AT');
    expectExit(await at.run(['init', '--portal', portal.origin, '--as', 'AT', '--key', 'witness.jwk']), 0);
    const publicJwk = expectExit(await at.run(['keygen']), 0).stdout;
    writeFileSync(secretariat.path('AT.pub.json'), publicJwk);
    const added = expectExit(
      await secretariat.run(['keys', 'add', 'AT', 'AT.pub.json', '--scopes', 'read,witness', '--json']),
      0,
    ).json<{ attestation: { log_index: number } }>();
    const first = added.attestation.log_index + 1;
    const second = first + 1;
    await checkpointCovers(portal.origin, first);

    const stateFile = at.path('witness-state.json');
    const child = spawn(process.execPath, [await cbmEntry(), 'witness', '--interval', '1', '--state', stateFile], {
      cwd: at.dir,
      env: { PATH: process.env.PATH ?? '', ...at.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    // Every size the state file holds while the process runs, read as often as it may change.
    const sizes: number[] = [];
    const storedSize = () => {
      if (!existsSync(stateFile)) return undefined;
      const size = (JSON.parse(readFileSync(stateFile, 'utf8')) as { size: number }).size;
      if (sizes.at(-1) !== size) sizes.push(size);
      return size;
    };
    const watcher = setInterval(storedSize, 20);
    try {
      await until(`the first cosignature (size ${first})`, () => (storedSize() === first ? true : undefined));
      await until('the cosignature served', async () =>
        (await cosignedBy(portal.origin, 'cbm-witness/AT')) ? true : undefined,
      );

      // A write: the portal signs a larger checkpoint, the same process cosigns it.
      expectExit(await secretariat.run(['states', 'add', 'DE', 'Germany']), 0);
      await checkpointCovers(portal.origin, second);
      await until(`the second cosignature (size ${second})`, () => (storedSize() === second ? true : undefined));
      await until('the cosignature served', async () =>
        (await cosignedBy(portal.origin, 'cbm-witness/AT')) ? true : undefined,
      );
      // A round or two more on the same checkpoint: nothing to do.
      await until('a round with nothing new', () =>
        stdout.includes(`checkpoint of ${second} entries already cosigned`) ? true : undefined,
      );

      child.kill('SIGTERM');
      expect(await exited).toEqual({ code: 0, signal: null });
    } finally {
      clearInterval(watcher);
    }
    storedSize();
    expect(sizes).toEqual([first, second]);
    expect(stdout).toContain(`cosigned the checkpoint of ${first} entries (consistent with 0 cosigned before)\n`);
    expect(stdout).toContain(
      `cosigned the checkpoint of ${second} entries (consistent with ${first} cosigned before)\n`,
    );
    expect(stderr).toBe('');
    // The state survives the stop: a later --once run resumes from it.
    const resumed = expectExit(await at.run(['witness', '--once', '--state', stateFile]), 0);
    expect(resumed.stdout).toBe(`checkpoint of ${second} entries already cosigned\n`);
  });
});
