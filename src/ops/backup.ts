/**
 * `npm run backup -- DEST`: a consistent copy of a data dir, taken while the portal serves.
 *
 * The database is copied with SQLite's online backup API in one step, inside one read
 * transaction (WAL lets the portal keep committing meanwhile), so the copy is the database
 * as of one commit. Blobs are written before the rows naming them commit, so every blob
 * the copy names is on disk by the time it is taken; each is copied and checked against
 * its digest. The portal's signing key goes with it (attestations and checkpoints are
 * verified against it): keep backups as secret as the key.
 *
 * Everything is written into `DEST.<uuid>.tmp` and renamed to DEST at the end, each file
 * fsynced, so a DEST that exists is a whole backup.
 */
import BetterSqlite3 from 'better-sqlite3';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { mkdir, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { toBase64 } from '../../clients/typescript/src/base64.ts';
import { BLOBS_DIR, DATABASE_FILE, PORTAL_KEY_FILE, StartupError } from '../data-dir.ts';
import { copyFileDurably, makeDirectoryDurably, syncDirectory, syncFile, writeFileDurably } from '../fs/durable.ts';
import { PORTAL_VERSION } from '../version.ts';

export const MANIFEST_FILE = 'manifest.json';
export const BACKUP_FORMAT = 'cbm-portal-backup/1';

export interface BackupManifest {
  format: typeof BACKUP_FORMAT;
  created_at: string;
  portal_version: string;
  /** The public origin the data is pinned to (null before migration 0008 ran). */
  origin: string | null;
  database: { file: string; bytes: number; sha256: string };
  log: {
    /** Leaves in the copy. */
    size: number;
    /** The latest checkpoint the copy holds (what the portal had published when it was taken). */
    checkpoint: { size: number; root: string; note: string } | null;
  };
  blobs: { count: number; bytes: number };
}

const digestName = /^[A-Za-z0-9_-]{43}$/;
export const sha256File = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

/** Facts about a portal database: origin, log size, latest checkpoint, the blobs it names. */
export function describeDatabase(sqlite: BetterSqlite3.Database) {
  const tables = new Set(
    sqlite.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[],
  );
  if (!tables.has('log_leaves') || !tables.has('log_checkpoints'))
    throw new StartupError('this is not a portal database (no log tables)');
  const origin = tables.has('portal_origins')
    ? ((sqlite.prepare('SELECT origin FROM portal_origins ORDER BY seq DESC LIMIT 1').pluck().get() as
        | string
        | undefined) ?? null)
    : null;
  const size = sqlite.prepare('SELECT coalesce(max(idx) + 1, 0) FROM log_leaves').pluck().get() as number;
  const latest = sqlite.prepare('SELECT size, root_hash, note FROM log_checkpoints ORDER BY size DESC LIMIT 1').get() as
    | { size: number; root_hash: Uint8Array; note: string }
    | undefined;
  const named = new Set<string>();
  if (tables.has('document_files'))
    for (const digest of sqlite.prepare('SELECT sha256 FROM document_files').pluck().all() as string[])
      named.add(digest);
  for (const digest of sqlite
    .prepare('SELECT body_sha256 FROM attestations WHERE body_in_blob = 1')
    .pluck()
    .all() as string[])
    named.add(digest);
  return {
    origin,
    size,
    checkpoint: latest ? { size: latest.size, root: toBase64(latest.root_hash), note: latest.note } : null,
    namedBlobs: named,
  };
}

/** Every blob file under a blob store root: [fan-out dir, name] for blobs and their `.type`. */
export function listBlobFiles(root: string): { dir: string; name: string }[] {
  const files: { dir: string; name: string }[] = [];
  if (!existsSync(root)) return files;
  for (const dir of readdirSync(root)) {
    if (!/^[A-Za-z0-9_-]{2}$/.test(dir)) continue;
    for (const name of readdirSync(join(root, dir))) {
      const digest = name.endsWith('.type') ? name.slice(0, -5) : name;
      if (digestName.test(digest)) files.push({ dir, name });
    }
  }
  return files;
}

export const blobDigest = (path: string) => createHash('sha256').update(readFileSync(path)).digest('base64url');

export async function backup(
  dataDir: string,
  dest: string,
  now: Date = new Date(),
  say: (line: string) => void = console.log,
): Promise<BackupManifest> {
  const databasePath = join(dataDir, DATABASE_FILE);
  if (!existsSync(databasePath))
    throw new StartupError(`no portal database in ${dataDir} (${DATABASE_FILE} is missing)`);
  if (existsSync(dest)) throw new StartupError(`${dest} exists already: give a new directory for the backup`);
  await makeDirectoryDurably(dirname(dest));
  const work = `${dest}.${randomUUID()}.tmp`;
  await mkdir(work, { mode: 0o700 });
  try {
    // One step of the online backup API: the whole database within one read transaction.
    const source = new BetterSqlite3(databasePath, { fileMustExist: true });
    try {
      source.pragma('busy_timeout = 5000');
      await source.backup(join(work, DATABASE_FILE), { progress: () => 0x7fffffff });
    } finally {
      source.close();
    }
    // A self-contained file (no -wal beside it) whose facts go into the manifest.
    const copy = new BetterSqlite3(join(work, DATABASE_FILE), { fileMustExist: true });
    let facts: ReturnType<typeof describeDatabase>;
    try {
      copy.pragma('journal_mode = DELETE');
      const check = copy.pragma('quick_check', { simple: true });
      if (check !== 'ok') throw new StartupError(`the copied database fails SQLite's quick_check: ${String(check)}`);
      facts = describeDatabase(copy);
    } finally {
      copy.close();
    }
    await syncFile(join(work, DATABASE_FILE));

    // Blobs: every one in the store, each checked against its name.
    const blobsRoot = join(dataDir, BLOBS_DIR);
    let count = 0;
    let bytes = 0;
    const copied = new Set<string>();
    for (const { dir, name } of listBlobFiles(blobsRoot)) {
      const from = join(blobsRoot, dir, name);
      if (!name.endsWith('.type')) {
        if (blobDigest(from) !== name) {
          say(`warning: ${from} does not hold the bytes its name says; not copied (the store is damaged there)`);
          continue;
        }
        count += 1;
        bytes += statSync(from).size;
        copied.add(name);
      }
      await makeDirectoryDurably(join(work, BLOBS_DIR, dir));
      await copyFileDurably(from, join(work, BLOBS_DIR, dir, name));
    }
    const missing = [...facts.namedBlobs].filter((digest) => !copied.has(digest));
    if (missing.length)
      throw new StartupError(
        `the database names ${missing.length} blob(s) the blob store does not hold intact, e.g. ` +
          `${missing[0]}: the backup would be incomplete`,
      );

    const keyPath = join(dataDir, PORTAL_KEY_FILE);
    if (existsSync(keyPath)) await copyFileDurably(keyPath, join(work, PORTAL_KEY_FILE), 0o600);
    else say(`warning: ${keyPath} is missing; the backup holds no signing key`);

    const manifest: BackupManifest = {
      format: BACKUP_FORMAT,
      created_at: now.toISOString(),
      portal_version: PORTAL_VERSION,
      origin: facts.origin,
      database: {
        file: DATABASE_FILE,
        bytes: statSync(join(work, DATABASE_FILE)).size,
        sha256: sha256File(join(work, DATABASE_FILE)),
      },
      log: { size: facts.size, checkpoint: facts.checkpoint },
      blobs: { count, bytes },
    };
    await writeFileDurably(join(work, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`, 0o600);
    await rename(work, dest);
    await syncDirectory(dirname(dest));
    return manifest;
  } catch (error) {
    rmSync(work, { recursive: true, force: true });
    throw error;
  }
}
