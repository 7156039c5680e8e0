import type { CompiledQuery, Kysely } from 'kysely';
import { constraintOf, type ConstraintName } from './constraints.ts';
import type { Database } from './schema.ts';

/**
 * A named constraint (db/constraints.ts: a uniqueness or primary key, or a trigger) refused
 * a write at commit time. Feature code expresses the conditions that must hold at commit
 * (optimistic concurrency, "not yet done") as constraints, so they hold on D1's batch() as
 * on a local transaction, and declares its conflicts by the constraint's name.
 */
export class ConstraintViolation extends Error {
  constructor(
    readonly constraint: ConstraintName,
    readonly table: string,
    message: string,
  ) {
    super(message);
    this.name = 'ConstraintViolation';
  }
}

/** What one statement of a commit did: rows changed, and the rows of its RETURNING clause. */
export interface StatementResult {
  changes: number;
  rows: Record<string, unknown>[];
}

/** What feature code sees of the database: a query builder for reads, one atomic commit for writes. */
export interface PortalDb {
  readonly kysely: Kysely<Database>;
  /**
   * Runs every query or none. Never use `db.transaction()` in feature code: it does not
   * exist on D1. Throws ConstraintViolation when a constraint refuses a statement.
   * Returns what each statement did, in order.
   */
  commit(queries: readonly CompiledQuery[]): Promise<StatementResult[]>;
  /** One statement on its own (e.g. the replay store); returns rows changed. */
  execute(query: CompiledQuery): Promise<number>;
  /**
   * The rows of one read whose SQL is written once (db/statement.ts), straight to the
   * driver: the reads every signed write makes first (its key, its jti, its record) skip
   * the query builder's executor, which costs more than SQLite takes to run them.
   */
  read<Row = Record<string, unknown>>(query: CompiledQuery): Promise<Row[]>;
}

/** Maps a driver's constraint error to ConstraintViolation; other errors pass through. */
export function asConstraintViolation(error: unknown): unknown {
  const message = error instanceof Error ? error.message : String(error);
  const constraint = constraintOf(message);
  return constraint ? new ConstraintViolation(constraint.name, constraint.table, message) : error;
}
