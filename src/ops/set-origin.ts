/**
 * `npm run set-origin -- ORIGIN --confirm`: the explicit step that changes the public
 * origin a data dir is pinned to (src/identity.ts), with the portal stopped.
 *
 * The origin is the log's identity: checkpoints signed from now on carry the new origin
 * line, and attestations the new `iss`. What was issued before keeps the old one, so
 * partners must be told (and re-pin the portal with `cbm init`). Without --confirm the
 * command only says what would change.
 */
import type BetterSqlite3 from 'better-sqlite3';
import { join } from 'node:path';
import { DATABASE_FILE, StartupError } from '../data-dir.ts';
import { lockDataDir } from '../db/data-dir-lock.ts';
import { applyMigrations } from '../db/migrate.ts';
import { readMigrations } from '../db/migrations-dir.ts';
import { openSqlite, sqlitePortalDb } from '../db/sqlite.ts';
import { changeOrigin, currentOrigin } from '../identity.ts';
import { existsSync } from 'node:fs';

export interface SetOriginResult {
  previous: string | null;
  origin: string;
  changed: boolean;
  attestations: number;
  checkpoints: number;
}

export async function setOrigin(
  dataDir: string,
  origin: string,
  options: { confirm: boolean; now?: Date },
): Promise<SetOriginResult> {
  const databasePath = join(dataDir, DATABASE_FILE);
  if (!existsSync(databasePath))
    throw new StartupError(
      `no portal database in ${dataDir}: the origin is pinned at the first start, with CBM_PUBLIC_ORIGIN`,
    );
  const now = options.now ?? new Date();
  const lock = await lockDataDir(dataDir, `changing the public origin to ${origin}`, now);
  let sqlite: BetterSqlite3.Database | null = null;
  try {
    sqlite = openSqlite(databasePath);
    applyMigrations(sqlite, readMigrations());
    const db = sqlitePortalDb(sqlite);
    const previous = (await currentOrigin(db))?.origin ?? null;
    const attestations = sqlite.prepare('SELECT count(*) FROM attestations').pluck().get() as number;
    const checkpoints = sqlite.prepare('SELECT count(*) FROM log_checkpoints WHERE size > 0').pluck().get() as number;
    const changed = previous !== origin && options.confirm;
    if (changed)
      await changeOrigin(
        db,
        origin,
        now,
        previous ? `changed from ${previous} by the operator (set-origin)` : 'set by the operator (set-origin)',
      );
    return { previous, origin, changed, attestations, checkpoints };
  } finally {
    sqlite?.close();
    lock.release();
  }
}
