/**
 * `npm run restore -- SRC`: puts a backup in place of the data dir, with the portal stopped
 * (it takes the data dir's lock), unless doing so would fork the log.
 *
 * A checkpoint the portal published is a promise about the log's first N entries. A backup
 * taken before it holds fewer entries; once restored, the portal would let the log grow back
 * and sign other roots for sizes it had already published: two valid checkpoints of one
 * size, the one failure a transparency log exists to prevent. So restore compares the
 * backup with every published checkpoint it knows of (the latest one in the data dir being
 * replaced, and one the operator gives with --published, e.g. from a monitor, a witness or a
 * partner, when the data dir is lost): the backup must hold at least N entries and their
 * root, re-derived from its attestation tokens, must be the published root. Otherwise it
 * refuses, unless the operator accepts the fork explicitly (--accept-fork).
 *
 * Nothing is deleted: the database and key being replaced move to `replaced-<time>/` in
 * the data dir. Blobs are content-addressed: those the data dir lacks are copied in.
 */
import BetterSqlite3 from 'better-sqlite3';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { JWK } from 'jose';
import { verifyCheckpoint } from '../../clients/typescript/src/log.ts';
import { BLOBS_DIR, DATABASE_FILE, PORTAL_KEY_FILE, StartupError } from '../data-dir.ts';
import { lockDataDir } from '../db/data-dir-lock.ts';
import { copyFileDurably, makeDirectoryDurably, syncDirectory } from '../fs/durable.ts';
import { logOrigin } from '../log/checkpoint.ts';
import {
  BACKUP_FORMAT,
  blobDigest,
  describeDatabase,
  listBlobFiles,
  MANIFEST_FILE,
  sha256File,
  type BackupManifest,
} from './backup.ts';
import { LogMismatch, rootsAt, toBase64 } from './log-roots.ts';

export interface RestoreOptions {
  /** A checkpoint note the portal published (C2SP signed note), from outside the data dir. */
  publishedNote?: string | null;
  /** Restore even though the backup does not reach a published checkpoint. */
  acceptFork?: boolean;
  now?: Date;
  say?: (line: string) => void;
}

interface Published {
  size: number;
  root: string;
  source: string;
}

export interface RestoreResult {
  manifest: BackupManifest;
  /** Where the replaced database and key went, if there were any. */
  replacedDir: string | null;
  blobsCopied: number;
  /** Published checkpoints the backup does not reach (only with acceptFork). */
  forks: string[];
}

function readManifest(source: string): BackupManifest {
  let manifest: BackupManifest;
  try {
    manifest = JSON.parse(readFileSync(join(source, MANIFEST_FILE), 'utf8')) as BackupManifest;
  } catch (error) {
    throw new StartupError(
      `${source} is not a portal backup: ${MANIFEST_FILE} cannot be read (${(error as Error).message})`,
    );
  }
  if (manifest.format !== BACKUP_FORMAT)
    throw new StartupError(
      `${source} is a backup of format ${String(manifest.format)}; this portal reads ${BACKUP_FORMAT}`,
    );
  return manifest;
}

/** The latest checkpoint in the data dir's own database: the portal's record of what it published. */
function publishedInDataDir(databasePath: string): Published | null {
  if (!existsSync(databasePath)) return null;
  const sqlite = new BetterSqlite3(databasePath, { fileMustExist: true });
  try {
    // Folds the WAL into the file, so the database moved aside below is whole on its own.
    sqlite.pragma('wal_checkpoint(TRUNCATE)');
    const row = sqlite.prepare('SELECT size, root_hash FROM log_checkpoints ORDER BY size DESC LIMIT 1').get() as
      | { size: number; root_hash: Uint8Array }
      | undefined;
    return row ? { size: row.size, root: toBase64(row.root_hash), source: 'the data dir being replaced' } : null;
  } finally {
    sqlite.close();
  }
}

export async function restore(source: string, dataDir: string, options: RestoreOptions = {}): Promise<RestoreResult> {
  const say = options.say ?? console.log;
  const now = options.now ?? new Date();
  const manifest = readManifest(source);
  const backupDatabase = join(source, manifest.database.file);
  if (!existsSync(backupDatabase) || sha256File(backupDatabase) !== manifest.database.sha256) {
    throw new StartupError(
      `${backupDatabase} is missing or not the file the backup's manifest describes (SHA-256 differs): the backup is damaged`,
    );
  }
  const backupKeyPath = join(source, PORTAL_KEY_FILE);
  const backupKey = existsSync(backupKeyPath) ? (JSON.parse(readFileSync(backupKeyPath, 'utf8')) as JWK) : null;

  await makeDirectoryDurably(dataDir, 0o700);
  const lock = await lockDataDir(dataDir, `restoring the backup ${source}`, now);
  try {
    const databasePath = join(dataDir, DATABASE_FILE);
    const published: Published[] = [];
    const own = publishedInDataDir(databasePath);
    if (own) published.push(own);
    if (options.publishedNote) {
      if (!backupKey?.x)
        throw new StartupError(
          "--published needs the backup to hold the portal signing key, to check the checkpoint is the portal's",
        );
      const { d: _private, ...publicKey } = backupKey;
      try {
        const checkpoint = await verifyCheckpoint(
          options.publishedNote,
          publicKey,
          manifest.origin ? logOrigin(manifest.origin) : undefined,
        );
        published.push({
          size: checkpoint.size,
          root: toBase64(checkpoint.root),
          source: 'the checkpoint given with --published',
        });
      } catch (error) {
        throw new StartupError(
          `the checkpoint given with --published is not one this portal signed: ${(error as Error).message}`,
        );
      }
    }

    // The backup's own log, re-derived from its attestation tokens, against every published root.
    const backup = new BetterSqlite3(backupDatabase, { readonly: true, fileMustExist: true });
    const forks: string[] = [];
    try {
      const facts = describeDatabase(backup);
      const sizes = [...published.map((p) => p.size), ...(facts.checkpoint ? [facts.checkpoint.size] : [])];
      let roots: Map<number, string>;
      try {
        roots = await rootsAt(backup, sizes);
      } catch (error) {
        if (error instanceof LogMismatch) throw new StartupError(`the backup's log is not sound: ${error.message}`);
        throw error;
      }
      if (facts.checkpoint && roots.get(facts.checkpoint.size) !== facts.checkpoint.root) {
        throw new StartupError(
          `the backup's log does not give the root of its own latest checkpoint (size ${facts.checkpoint.size}): the backup is damaged`,
        );
      }
      for (const checkpoint of published) {
        const root = roots.get(checkpoint.size);
        if (root === checkpoint.root) continue;
        forks.push(
          root === undefined
            ? `${checkpoint.source} published a checkpoint of size ${checkpoint.size} (root ` +
                `${checkpoint.root}), but the backup holds only ${facts.size} log entries`
            : `${checkpoint.source} published a checkpoint of size ${checkpoint.size} with root ` +
                `${checkpoint.root}, but the backup's first ${checkpoint.size} entries have root ${root}: it is another history`,
        );
      }
    } finally {
      backup.close();
    }
    if (forks.length && !options.acceptFork) {
      throw new StartupError(
        `refusing to restore ${source}: it would fork the log.\n  - ${forks.join('\n  - ')}\n` +
          '  Restored, the portal would sign other roots for sizes it has already published: two valid checkpoints of one size.\n' +
          '  Restore a newer backup, one that holds the published checkpoint (its manifest.json gives log.size). If none exists and the\n' +
          '  entries after the backup are lost for good, --accept-fork restores it anyway: tell every partner and monitor that the log\n' +
          '  forked after the backup\'s size (README: Operating the portal, "Restoring a backup").',
      );
    }
    for (const fork of forks) say(`warning (--accept-fork): ${fork}`);

    // Move what is being replaced aside, then put the backup in place, each file durably.
    let replacedDir: string | null = null;
    const moveAside = async (name: string) => {
      if (!existsSync(join(dataDir, name))) return;
      replacedDir ??= join(dataDir, `replaced-${now.toISOString().replace(/[:.]/g, '-')}`);
      await mkdir(replacedDir, { recursive: true, mode: 0o700 });
      await rename(join(dataDir, name), join(replacedDir, name));
    };
    for (const name of [DATABASE_FILE, `${DATABASE_FILE}-wal`, `${DATABASE_FILE}-shm`]) await moveAside(name);
    const keyPath = join(dataDir, PORTAL_KEY_FILE);
    if (backupKey && existsSync(keyPath) && readFileSync(keyPath, 'utf8') !== readFileSync(backupKeyPath, 'utf8'))
      await moveAside(PORTAL_KEY_FILE);
    if (replacedDir) {
      await syncDirectory(replacedDir);
      await syncDirectory(dataDir);
    }
    await copyFileDurably(backupDatabase, databasePath, 0o600);
    if (backupKey && !existsSync(keyPath)) await copyFileDurably(backupKeyPath, keyPath, 0o600);

    let blobsCopied = 0;
    for (const { dir, name } of listBlobFiles(join(source, BLOBS_DIR))) {
      const target = join(dataDir, BLOBS_DIR, dir, name);
      if (existsSync(target)) continue;
      const from = join(source, BLOBS_DIR, dir, name);
      if (!name.endsWith('.type') && blobDigest(from) !== name)
        throw new StartupError(`${from} does not hold the bytes its name says: the backup is damaged`);
      await makeDirectoryDurably(join(dataDir, BLOBS_DIR, dir));
      await copyFileDurably(from, target);
      if (!name.endsWith('.type')) blobsCopied += 1;
    }
    return { manifest, replacedDir, blobsCopied, forks };
  } finally {
    lock.release();
  }
}
