/**
 * One portal per data dir. Two processes on one database would each sign checkpoints and
 * attestations (under their own origin, if configured differently), and neither would
 * know what the other published. The lock is an OS file lock (fcntl, through SQLite's own
 * locking on an empty `portal.lock` database): the kernel releases it when the holder
 * exits, however it exits, so a `kill -9` or a power cut never leaves a stale lock behind
 * and no pid has to be trusted. Taking it never waits: a second process is told at once.
 *
 * The lock does not cover `portal.sqlite` itself, so `npm run backup` can read it while
 * the portal serves.
 */
import BetterSqlite3 from 'better-sqlite3';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileDurably } from '../fs/durable.ts';

export const LOCK_FILE = 'portal.lock';
/** Who holds the lock, for the message a second process prints; advisory only. */
export const LOCK_HOLDER_FILE = 'portal.lock.json';

export interface LockHolder {
  pid: number;
  /** What the holder does: `serving on http://...`, `restoring a backup`, ... */
  activity: string;
  since: string;
}

export class DataDirLocked extends Error {
  constructor(
    readonly dataDir: string,
    readonly holder: LockHolder | null,
  ) {
    super(
      `another process holds the data dir ${dataDir}` +
        (holder ? ` (pid ${holder.pid}, ${holder.activity}, since ${holder.since})` : '') +
        '. Only one portal may use a data dir at a time: stop the other one first, or give this one another CBM_DATA_DIR.',
    );
    this.name = 'DataDirLocked';
  }
}

export interface DataDirLock {
  /** Updates what a second process is told about the holder. */
  describe(activity: string): Promise<void>;
  release(): void;
}

/** Takes the data dir's lock, or throws DataDirLocked at once. The directory must exist. */
export async function lockDataDir(dataDir: string, activity: string, now: Date = new Date()): Promise<DataDirLock> {
  const lock = new BetterSqlite3(join(dataDir, LOCK_FILE));
  try {
    lock.pragma('busy_timeout = 0');
    lock.pragma('locking_mode = EXCLUSIVE');
    // An exclusive transaction that never ends: the file lock lasts as long as the
    // connection, which lasts as long as the process. Nothing is ever written to the file.
    lock.exec('BEGIN EXCLUSIVE');
  } catch (error) {
    lock.close();
    if ((error as { code?: string }).code === 'SQLITE_BUSY') throw new DataDirLocked(dataDir, readHolder(dataDir));
    throw error;
  }
  const since = now.toISOString();
  const describe = (what: string) =>
    writeFileDurably(
      join(dataDir, LOCK_HOLDER_FILE),
      `${JSON.stringify({ pid: process.pid, activity: what, since } satisfies LockHolder)}\n`,
      0o644,
    );
  try {
    await describe(activity);
  } catch {
    // Advisory only (and a full disk must not keep the portal from starting).
  }
  return {
    describe: (what) => describe(what).catch(() => undefined),
    release: () => lock.close(),
  };
}

function readHolder(dataDir: string): LockHolder | null {
  try {
    return JSON.parse(readFileSync(join(dataDir, LOCK_HOLDER_FILE), 'utf8')) as LockHolder;
  } catch {
    return null;
  }
}
