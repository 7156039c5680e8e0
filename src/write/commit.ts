import type { CompiledQuery } from 'kysely';
import type { ConstraintName } from '../db/constraints.ts';
import { ConstraintViolation, type PortalDb, type StatementResult } from '../db/portal-db.ts';
import type { Problem } from '../http/problem.ts';

/** The problem each named constraint (db/constraints.ts) stands for in one write: 409, 412, ... */
export type Conflicts = Partial<Record<ConstraintName, () => Problem>>;

/**
 * Commits statements atomically (one transaction on Node, one D1 batch on Workers) and
 * turns a constraint that refused them into the problem the write declared for it by
 * name. An undeclared violation is a bug and surfaces as a 500.
 */
export async function commitQueries(
  db: PortalDb,
  queries: CompiledQuery[],
  conflicts: Conflicts = {},
): Promise<StatementResult[]> {
  try {
    return await db.commit(queries);
  } catch (error) {
    const problem = error instanceof ConstraintViolation ? conflicts[error.constraint] : undefined;
    throw problem ? problem() : error;
  }
}
