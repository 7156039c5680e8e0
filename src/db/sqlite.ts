import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect, type CompiledQuery, type SqliteDatabase } from 'kysely';
import { asConstraintViolation, type PortalDb, type StatementResult } from './portal-db.ts';
import type { Database } from './schema.ts';

export interface SqliteOptions {
  /**
   * FULL (the default): a commit returns only once the WAL is fsynced, so an acknowledged
   * write survives a power cut, and so does every signed checkpoint before it is served.
   * NORMAL fsyncs only at WAL checkpoints: it survives a crash of the process, not of the
   * machine (about a fifth more writes/s on ext4; `npm run bench` measures both).
   */
  synchronous?: 'FULL' | 'NORMAL';
  /** Largest size the database may grow to (SQLite max_page_count); past it, SQLITE_FULL. */
  maxBytes?: number | null;
}

/**
 * Opens the embedded SQLite database (a file, or ':memory:' in tests). WAL lets readers
 * proceed while a write commits; foreign keys are enforced as they are on D1.
 */
export function openSqlite(filename: string, options: SqliteOptions = {}): BetterSqlite3.Database {
  const sqlite = new BetterSqlite3(filename);
  if (filename !== ':memory:') sqlite.pragma('journal_mode = WAL');
  sqlite.pragma(`synchronous = ${options.synchronous === 'NORMAL' ? 'NORMAL' : 'FULL'}`);
  sqlite.pragma('cache_size = -32000');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  if (options.maxBytes != null) limitSize(sqlite, options.maxBytes);
  return sqlite;
}

/**
 * Caps the database at about `maxBytes` (whole pages, never below what it holds already:
 * SQLite would ignore that). Per connection, so set at every open.
 */
export function limitSize(sqlite: BetterSqlite3.Database, maxBytes: number): number {
  const pageSize = sqlite.pragma('page_size', { simple: true }) as number;
  const pages = Math.max(Math.floor(maxBytes / pageSize), sqlite.pragma('page_count', { simple: true }) as number);
  return sqlite.pragma(`max_page_count = ${pages}`, { simple: true }) as number;
}

/** Distinct SQL texts kept prepared; Kysely emits one per query shape, so this is generous. */
const MAX_CACHED_STATEMENTS = 500;

/** The database as Kysely's SqliteDialect sees it, with prepared statements reused by SQL text. */
function cachingPrepare(sqlite: BetterSqlite3.Database): SqliteDatabase {
  const statements = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(sql: string) {
      let statement = statements.get(sql);
      if (!statement) {
        if (statements.size >= MAX_CACHED_STATEMENTS) statements.clear();
        statement = sqlite.prepare(sql);
        statements.set(sql, statement);
      }
      return statement;
    },
  };
}

/** PortalDb over better-sqlite3: commit is one synchronous IMMEDIATE transaction. */
export function sqlitePortalDb(sqlite: BetterSqlite3.Database): PortalDb {
  // Kysely's SQLite driver prepares every query anew; parsing and planning the same SQL on
  // every request cost about a tenth of a signed write. Its statements are cached here
  // (separately from the commit path's, so a Kysely stream never shares a busy statement).
  const kysely = new Kysely<Database>({ dialect: new SqliteDialect({ database: cachingPrepare(sqlite) }) });
  const statements = new Map<string, BetterSqlite3.Statement>();
  const prepare = (sql: string) => {
    let statement = statements.get(sql);
    if (!statement) {
      statement = sqlite.prepare(sql);
      statements.set(sql, statement);
    }
    return statement;
  };
  const run = (query: CompiledQuery): StatementResult => {
    const statement = prepare(query.sql);
    const parameters = query.parameters as unknown[];
    if (statement.reader) {
      const rows = statement.all(...parameters) as Record<string, unknown>[];
      return { changes: rows.length, rows };
    }
    return { changes: statement.run(...parameters).changes, rows: [] };
  };
  const runAll = sqlite.transaction((queries: readonly CompiledQuery[]) => queries.map(run));

  return {
    kysely,
    async commit(queries) {
      try {
        return runAll.immediate(queries);
      } catch (error) {
        throw asConstraintViolation(error);
      }
    },
    async execute(query) {
      try {
        return run(query).changes;
      } catch (error) {
        throw asConstraintViolation(error);
      }
    },
  };
}
