/**
 * Operating the embedded portal as an operator would, with real processes (`tsx
 * src/node.ts`, `tsx src/ops/main.ts`) on real data dirs (issue 10 items 1, 2, 5, 7): a
 * second process on one data dir, a change of origin, a start on a full disk, partial files
 * left by a crash, and backups that cannot fork the log.
 */
import BetterSqlite3 from 'better-sqlite3';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JWK } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { createRequestSigner, generateSigningKey } from '../clients/typescript/src/index.ts';
import {
  freePort,
  removeDataDir,
  ROOT,
  startRealPortal,
  stopChild,
  TSX,
  type RealPortal,
} from './support/real-portal.ts';
import { contactBody } from './support/harness.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function tempDir(prefix: string) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cleanups.push(() => removeDataDir(dir));
  return dir;
}

async function portal(options: Parameters<typeof startRealPortal>[0] = {}): Promise<RealPortal> {
  const started = await startRealPortal(options);
  cleanups.push(() => started.stop());
  return started;
}

interface Exited {
  code: number | null;
  output: string;
}

/** Runs a process to its end (a portal that refuses to start, an operator command). */
function run(args: string[], env: Record<string, string>, timeoutMs = 60_000): Promise<Exited> {
  return new Promise((resolveRun, reject) => {
    const child: ChildProcess = spawn(TSX, args, {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir(), CBM_HOST: '127.0.0.1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => {
      void stopChild(child);
      reject(new Error(`${args.join(' ')} did not exit within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolveRun({ code, output });
    });
  });
}

const startPortalProcess = async (dataDir: string, env: Record<string, string> = {}) =>
  run(['src/node.ts'], { CBM_DATA_DIR: dataDir, CBM_PORT: String(await freePort()), ...env });
const ops = (dataDir: string, ...args: string[]) => run(['src/ops/main.ts', ...args], { CBM_DATA_DIR: dataDir });

function signed(origin: string, principal: string, privateJwk: JWK) {
  const signer = createRequestSigner({ principal, privateJwk, audience: origin });
  return async (method: string, path: string, body?: unknown) => {
    const bytes = body === undefined ? undefined : new TextEncoder().encode(JSON.stringify(body));
    const token = await (await signer).sign({ method, pathAndQuery: path, body: bytes });
    return fetch(`${origin}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(bytes ? { 'content-type': 'application/json' } : {}) },
      body: bytes,
    });
  };
}

/** A state with a contacts key on a running portal; returns a function that publishes one contact. */
async function publisher(running: RealPortal, state = 'AT') {
  const secretariat = signed(running.origin, 'secretariat', running.secretariatJwk());
  expect((await secretariat('POST', '/principals', { id: state, name: `State ${state}` })).status).toBe(201);
  const key = await generateSigningKey('EdDSA');
  expect(
    (await secretariat('POST', `/principals/${state}/keys`, { jwk: key.publicJwk, scopes: ['read', 'contacts:write'] }))
      .status,
  ).toBe(201);
  const as = signed(running.origin, state, key.privateJwk);
  let n = 0;
  return async () => {
    const res = await as('POST', '/contacts', contactBody({ name: `Contact ${++n}` }));
    expect(res.status).toBe(201);
  };
}

/** The served checkpoint once it covers `size` entries (the log clock signs within a second or so). */
async function checkpointCovering(origin: string, size: number): Promise<{ note: string; size: number }> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const note = await (await fetch(`${origin}/log/checkpoint`)).text();
    const served = Number(note.split('\n')[1]);
    if (served >= size) return { note, size: served };
    if (Date.now() > deadline) throw new Error(`no checkpoint of size ${size} within 15 s; served:\n${note}`);
    await new Promise((wait) => setTimeout(wait, 200));
  }
}

const logSize = (dataDir: string) => {
  const sqlite = new BetterSqlite3(join(dataDir, 'portal.sqlite'), { readonly: true, fileMustExist: true });
  try {
    return sqlite.prepare('SELECT count(*) FROM log_leaves').pluck().get() as number;
  } finally {
    sqlite.close();
  }
};
const fileHash = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
const noStack = (output: string) => expect(output).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);

describe('one portal per data dir', () => {
  it('refuses a second process at once, naming the first, and takes over at once after a kill -9', {
    timeout: 120_000,
  }, async () => {
    const dataDir = tempDir('cbm-two-');
    const first = await portal({ dataDir });
    const started = Date.now();
    const second = await startPortalProcess(dataDir);
    expect(second.code).toBe(1);
    expect(second.output).toContain(`another process holds the data dir ${dataDir}`);
    expect(second.output).toContain(`serving on http://127.0.0.1:${first.port}`);
    expect(second.output).not.toContain('listening on');
    noStack(second.output);
    // At once: no waiting on a busy timeout (a tsx start costs a second or two here).
    expect(Date.now() - started).toBeLessThan(15_000);
    expect((await fetch(`${first.origin}/healthz`)).status).toBe(200);

    // The operator commands that change the data dir are refused as well while it serves.
    const setOrigin = await ops(dataDir, 'set-origin', 'https://cbm.example.org', '--confirm');
    expect(setOrigin.code).toBe(1);
    expect(setOrigin.output).toContain('another process holds the data dir');

    // The holder dies without a chance to clean up: the kernel drops its lock, no stale lock stays.
    const pid = Number(/pid (\d+)/.exec(second.output)?.[1]);
    expect(pid).toBeGreaterThan(0);
    process.kill(pid, 'SIGKILL');
    await first.stop();
    const next = await portal({ dataDir, port: first.port });
    expect((await fetch(`${next.origin}/healthz`)).status).toBe(200);
  });
});

describe('the public origin is pinned', () => {
  it('refuses to start under another origin until the operator changes it with set-origin --confirm', {
    timeout: 120_000,
  }, async () => {
    const dataDir = tempDir('cbm-origin-');
    const first = await portal({ dataDir });
    const write = await publisher(first);
    await write();
    await checkpointCovering(first.origin, 3);
    await first.stop();

    const moved = await startPortalProcess(dataDir, { CBM_PUBLIC_ORIGIN: 'https://cbm.example.org' });
    expect(moved.code).toBe(1);
    expect(moved.output).toContain(`pinned to the public origin ${first.origin}`);
    expect(moved.output).toContain('configured with https://cbm.example.org');
    expect(moved.output).toContain('npm run set-origin -- https://cbm.example.org --confirm');
    noStack(moved.output);

    // Without --confirm the command only says what would change.
    const dryRun = await ops(dataDir, 'set-origin', 'https://cbm.example.org');
    expect(dryRun.code).toBe(1);
    expect(dryRun.output).toMatch(/3 attestation\(s\) carry iss http:\/\/127\.0\.0\.1:\d+/);
    expect(dryRun.output).toContain('--confirm');
    const changed = await ops(dataDir, 'set-origin', 'https://cbm.example.org', '--confirm');
    expect(changed.code).toBe(0);

    const second = await portal({ dataDir, port: first.port, env: { CBM_PUBLIC_ORIGIN: 'https://cbm.example.org' } });
    const checkpoint = await (await fetch(`${second.origin}/log/checkpoint`)).text();
    expect(checkpoint.split('\n')[0]).toMatch(/^(cbm\.example\.org|127\.0\.0\.1:\d+)\/log$/);
    await second.stop();
    const sqlite = new BetterSqlite3(join(dataDir, 'portal.sqlite'), { readonly: true });
    try {
      const rows = sqlite.prepare('SELECT origin, reason FROM portal_origins ORDER BY seq').all() as {
        origin: string;
        reason: string;
      }[];
      expect(rows).toEqual([
        { origin: first.origin, reason: 'first start' },
        { origin: 'https://cbm.example.org', reason: `changed from ${first.origin} by the operator (set-origin)` },
      ]);
    } finally {
      sqlite.close();
    }
    // And back under the old origin, the start is refused the same way.
    const old = await startPortalProcess(dataDir, { CBM_PUBLIC_ORIGIN: first.origin });
    expect(old.code).toBe(1);
    expect(old.output).toContain('pinned to the public origin https://cbm.example.org');
  });
});

describe('starting after a crash or on a full disk', () => {
  it('prints a message, not a stack trace, when the disk is full at start', { timeout: 60_000 }, async () => {
    const dataDir = tempDir('cbm-full-start-');
    const exited = await startPortalProcess(dataDir, { CBM_MAX_DB_BYTES: '8192' });
    expect(exited.code).toBe(1);
    expect(exited.output).toContain(`no space left to store the data in ${dataDir}`);
    expect(exited.output).toContain('Free space on its file system');
    noStack(exited.output);
  });

  it('removes the partial files a crash left (blobs and keys) and keeps everything else', {
    timeout: 60_000,
  }, async () => {
    const dataDir = tempDir('cbm-partial-');
    const digest = 'A'.repeat(43);
    mkdirSync(join(dataDir, 'blobs', 'AA'), { recursive: true });
    const partialBlob = join(dataDir, 'blobs', 'AA', `${digest}.0b5e6f7a-1c2d-4e3f-8a9b-0c1d2e3f4a5b.tmp`);
    const partialKey = join(dataDir, 'portal-signing-key.jwk.1b5e6f7a-1c2d-4e3f-8a9b-0c1d2e3f4a5b.tmp');
    const stranger = join(dataDir, 'blobs', 'AA', 'notes.tmp');
    for (const path of [partialBlob, partialKey, stranger]) writeFileSync(path, 'half');
    const started = await portal({ dataDir });
    expect(existsSync(partialBlob)).toBe(false);
    expect(existsSync(partialKey)).toBe(false);
    expect(existsSync(stranger)).toBe(true);
    expect(started.output()).toContain(`removed ${partialBlob}`);
  });
});

describe('backups', () => {
  it('backs up while serving, refuses to restore a backup older than a published checkpoint, and restores a ' +
    'current one that serves the same checkpoint', {
    timeout: 180_000,
  }, async () => {
    const dataDir = tempDir('cbm-backup-');
    const backups = tempDir('cbm-backups-');
    const running = await portal({ dataDir });
    const write = await publisher(running);
    await write();
    const early = await checkpointCovering(running.origin, logSize(dataDir));

    // While the portal serves (and writes go on), a backup.
    const writing = Promise.all([write(), write()]);
    const old = await ops(dataDir, 'backup', join(backups, 'old'));
    await writing;
    expect(old.code, old.output).toBe(0);
    const oldManifest = JSON.parse(readFileSync(join(backups, 'old', 'manifest.json'), 'utf8')) as {
      log: { size: number; checkpoint: { size: number } };
    };
    expect(oldManifest.log.checkpoint.size).toBeGreaterThanOrEqual(early.size);

    // More writes, and a checkpoint published past the old backup.
    for (let i = 0; i < 3; i++) await write();
    const published = await checkpointCovering(running.origin, logSize(dataDir));
    expect(published.size).toBeGreaterThan(oldManifest.log.size);
    const current = await ops(dataDir, 'backup', join(backups, 'current'));
    expect(current.code, current.output).toBe(0);
    await running.stop();

    // Restoring the old backup would sign other roots for published sizes: refused, nothing touched.
    const before = fileHash(join(dataDir, 'portal.sqlite'));
    const refused = await ops(dataDir, 'restore', join(backups, 'old'));
    expect(refused.code).toBe(1);
    expect(refused.output).toContain('would fork the log');
    expect(refused.output).toContain(`published a checkpoint of size ${published.size}`);
    expect(refused.output).toContain(`the backup holds only ${oldManifest.log.size} log entries`);
    noStack(refused.output);
    expect(fileHash(join(dataDir, 'portal.sqlite'))).toBe(before);

    // The data dir is lost: the operator gives the published checkpoint (from a monitor); still refused.
    const fresh = tempDir('cbm-fresh-');
    const noteFile = join(backups, 'published.checkpoint');
    writeFileSync(noteFile, published.note);
    const refusedFresh = await ops(fresh, 'restore', join(backups, 'old'), '--published', noteFile);
    expect(refusedFresh.code).toBe(1);
    expect(refusedFresh.output).toContain('the checkpoint given with --published published a checkpoint');
    expect(existsSync(join(fresh, 'portal.sqlite'))).toBe(false);
    // A checkpoint the portal did not sign is not taken as one.
    writeFileSync(noteFile, published.note.replace(/\n\d+\n/, `\n${published.size + 1}\n`));
    const forged = await ops(fresh, 'restore', join(backups, 'old'), '--published', noteFile);
    expect(forged.code).toBe(1);
    expect(forged.output).toContain('is not one this portal signed');

    // The current backup reaches the published checkpoint: restored, the portal serves it again.
    writeFileSync(noteFile, published.note);
    const restored = await ops(fresh, 'restore', join(backups, 'current'), '--published', noteFile);
    expect(restored.code, restored.output).toBe(0);
    const back = await portal({ dataDir: fresh, port: running.port });
    expect(await (await fetch(`${back.origin}/log/checkpoint`)).text()).toBe(published.note);
    const keys = (await (await fetch(`${back.origin}/.well-known/jwks.json`)).json()) as { keys: { x: string }[] };
    const portalKey = JSON.parse(readFileSync(join(dataDir, 'portal-signing-key.jwk'), 'utf8')) as JWK;
    expect(keys.keys[0]!.x).toBe(portalKey.x);
    await back.stop();

    // Restoring the current backup over the original data dir works too; what it replaced is kept.
    const over = await ops(dataDir, 'restore', join(backups, 'current'));
    expect(over.code, over.output).toBe(0);
    const replaced = readdirSync(dataDir).filter((name) => name.startsWith('replaced-'));
    expect(replaced).toHaveLength(1);
    expect(existsSync(join(dataDir, replaced[0]!, 'portal.sqlite'))).toBe(true);

    // The operator may accept the fork explicitly: the old backup is then restored, with a warning.
    const accepted = await ops(dataDir, 'restore', join(backups, 'old'), '--accept-fork');
    expect(accepted.code, accepted.output).toBe(0);
    expect(accepted.output).toContain('warning (--accept-fork)');
    expect(logSize(dataDir)).toBe(oldManifest.log.size);
  });
});
