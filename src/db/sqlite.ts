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
  // A checkpoint copies the WAL's pages into the database and fsyncs it, inside whichever
  // commit crosses the threshold. Every ~40 MiB of WAL rather than SQLite's ~4 MiB: the pages
  // every write touches (index roots, the log's head, contact heads) are copied once per
  // checkpoint, not once per few hundred writes (about a tenth of a signed write's CPU;
  // `npm run bench`). The WAL file is cut back to 64 MiB after a checkpoint.
  if (filename !== ':memory:') {
    sqlite.pragma('wal_autocheckpoint = 10000');
    sqlite.pragma('journal_size_limit = 67108864');
  }
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

/** Longest a group of commits waits for more writers to join it. */
const MAX_GROUP_WAIT_MS = 2;

interface PendingCommit {
  queries: readonly CompiledQuery[];
  resolve: (results: StatementResult[]) => void;
  reject: (error: unknown) => void;
}

/**
 * PortalDb over better-sqlite3, with group commit. With synchronous = FULL every commit
 * waits for an fsync of the WAL (milliseconds on real disks), and better-sqlite3 waits
 * synchronously, holding the event loop. So the commits requested within one turn of the
 * event loop run together in one IMMEDIATE transaction, each in a savepoint of its own: one
 * fsync for all, while each write still commits or fails alone (a constraint rolls back its
 * savepoint only) and is answered only once the whole transaction is durable. Should the
 * shared transaction itself fail (a full disk, say), each write is retried in a transaction
 * of its own, so each gets its own outcome.
 */
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
  // Called inside runGroup, better-sqlite3 makes runAll a savepoint of the outer transaction.
  const runAll = sqlite.transaction((queries: readonly CompiledQuery[]) => queries.map(run));
  type Outcome = { results: StatementResult[] } | { error: unknown };
  const runGroup = sqlite.transaction((group: readonly PendingCommit[]) =>
    group.map((pending): Outcome => {
      try {
        return { results: runAll(pending.queries) };
      } catch (error) {
        // SQLite ended the whole transaction (it may on a full disk): the group is void.
        if (!sqlite.inTransaction) throw error;
        return { error };
      }
    }),
  );

  let queue: PendingCommit[] = [];
  const commitAlone = (pending: PendingCommit) => {
    try {
      pending.resolve(runAll.immediate(pending.queries));
    } catch (error) {
      pending.reject(asConstraintViolation(error));
    }
  };
  const flush = () => {
    const group = queue;
    queue = [];
    if (group.length === 1) return commitAlone(group[0]!);
    let outcomes: Outcome[];
    try {
      outcomes = runGroup.immediate(group);
    } catch {
      // Nothing of the group was committed: each write on its own.
      for (const pending of group) commitAlone(pending);
      return;
    }
    outcomes.forEach((outcome, index) => {
      const pending = group[index]!;
      if ('results' in outcome) pending.resolve(outcome.results);
      else pending.reject(asConstraintViolation(outcome.error));
    });
  };
  // The group is flushed once a turn of the event loop adds nothing to it (or after
  // MAX_GROUP_WAIT_MS): requests whose bytes arrived while the group formed (or while the
  // previous fsync held the loop) join this fsync instead of waiting for one of their own.
  // Under load, without this, the writers fell into two waves a commit apart, each paying
  // a whole fsync; a lone write waits two turns of the loop, microseconds.
  let formingSince = 0;
  let sizeLastTurn = 0;
  const settle = () => {
    if (queue.length > sizeLastTurn && performance.now() - formingSince < MAX_GROUP_WAIT_MS) {
      sizeLastTurn = queue.length;
      setImmediate(settle);
      return;
    }
    flush();
  };
  const commit = (queries: readonly CompiledQuery[]) =>
    new Promise<StatementResult[]>((resolve, reject) => {
      if (queue.push({ queries, resolve, reject }) === 1) {
        formingSince = performance.now();
        sizeLastTurn = 0;
        setImmediate(settle);
      }
    });

  return {
    kysely,
    commit,
    // A single statement joins the group too: it is a write, and its fsync is shared.
    execute: async (query) => (await commit([query]))[0]!.changes,
    // Synchronous, outside any transaction: a group commit runs whole within one turn.
    read: async <Row>(query: CompiledQuery) => prepare(query.sql).all(...(query.parameters as unknown[])) as Row[],
  };
}
