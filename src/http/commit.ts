import type { CompiledQuery } from 'kysely';
import { ConstraintViolation, type PortalDb, type StatementResult } from '../db/portal-db.ts';
import type { Database } from '../db/schema.ts';
import type { Problem } from './problem.ts';

export type ConflictProblems = Partial<Record<keyof Database, () => Problem>>;

/**
 * Commits a write atomically and turns a refused commit-time condition into the Problem
 * the operation declares for that table (409, 412, ...). An undeclared violation is a bug
 * and surfaces as a 500.
 */
export async function commitWrite(
  db: PortalDb,
  queries: CompiledQuery[],
  conflicts: ConflictProblems = {},
): Promise<StatementResult[]> {
  try {
    return await db.commit(queries);
  } catch (error) {
    const problem = error instanceof ConstraintViolation ? conflicts[error.table as keyof Database] : undefined;
    throw problem ? problem() : error;
  }
}
