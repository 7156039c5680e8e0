import { sql, type ExpressionBuilder, type SqlBool, type Expression } from 'kysely';
import type { Database, Tlp } from '../db/schema.ts';
import type { Caller } from '../http/app-env.ts';

/** TLP levels whose records go to the listed recipients only (besides the author). */
export const RESTRICTED_TLP: readonly Tlp[] = ['TLP:AMBER', 'TLP:AMBER+STRICT', 'TLP:RED'];

/** The columns of a row that decide who may see it, as SQL references. */
export interface VisibilityColumns {
  /** NULL: every principal. */
  tlp: string;
  author: string;
  recordId: string;
}

/**
 * THE visibility rule (DESIGN.md section 3), the one place it is written. Every read,
 * list, search, count and the feed filters with it in SQL, so a record the caller may not
 * see is a 404 and never appears anywhere:
 *
 * - no TLP (directory, keys, checks) and TLP:CLEAR: every principal;
 * - TLP:GREEN: every participating state, and the author;
 * - TLP:AMBER, TLP:AMBER+STRICT, TLP:RED: the author and the listed recipients only
 *   (the Secretariat too only when listed).
 */
export function visibleTo<DB extends Database, TB extends keyof DB>(caller: Pick<Caller, 'principalId' | 'principalKind'>, columns: VisibilityColumns) {
  return (eb: ExpressionBuilder<DB, TB>): Expression<SqlBool> => {
    const tlp = sql.ref(columns.tlp);
    const author = sql.ref(columns.author);
    const recordId = sql.ref(columns.recordId);
    const isState = caller.principalKind === 'state' ? sql.lit(1) : sql.lit(0);
    return eb.or([
      sql<SqlBool>`${tlp} IS NULL`,
      sql<SqlBool>`${tlp} = 'TLP:CLEAR'`,
      sql<SqlBool>`${author} = ${caller.principalId}`,
      sql<SqlBool>`(${tlp} = 'TLP:GREEN' AND ${isState} = 1)`,
      sql<SqlBool>`EXISTS (SELECT 1 FROM record_recipients AS rr WHERE rr.record_id = ${recordId} AND rr.principal_id = ${caller.principalId})`,
    ]);
  };
}
