import { sql, type Expression, type ExpressionBuilder, type RawBuilder, type SqlBool } from 'kysely';
import type { Database, Tlp } from '../db/schema.ts';
import type { Caller } from '../http/app-env.ts';

/** TLP levels whose records go to the listed recipients only (besides the author). */
export const RESTRICTED_TLP: readonly Tlp[] = ['TLP:AMBER', 'TLP:AMBER+STRICT', 'TLP:RED'];

/** The columns of a row that decide who may see it, as SQL references. */
export interface VisibilityColumns {
  /** NULL: every principal. */
  tlp: string;
  author: string;
  /**
   * The key of the row's recipient list (record_recipients.record_id): its audience. The
   * record's id for incidents and consultation requests, whose TLP and recipients are
   * fixed when they open; for documents each version's own (document_versions.audience),
   * so a later version never widens an earlier one (migration 0007).
   */
  recordId: string;
}

/**
 * THE visibility rule (DESIGN.md section 3), the one place it is written. Every read,
 * list, search, count and the feed filters with it in SQL, so a record the caller may not
 * see is a 404 and never appears anywhere:
 *
 * - no TLP (directory, keys, checks) and TLP:CLEAR: every principal;
 * - TLP:GREEN: every participating state, and the author. TLP 2.0 leaves "the community"
 *   to the source; here it is the participating states that exchange the CBMs. The
 *   Secretariat operates the portal but is not a party to the exchange, so it does not
 *   receive TLP:GREEN; a state that wants it to lists it under TLP:AMBER;
 * - TLP:AMBER, TLP:AMBER+STRICT, TLP:RED: the author and the listed recipients only
 *   (the Secretariat too only when listed).
 */
export function visibleTo<DB extends Database, TB extends keyof DB>(
  caller: Pick<Caller, 'principalId' | 'principalKind'>,
  columns: VisibilityColumns,
) {
  return (_eb: ExpressionBuilder<DB, TB>): Expression<SqlBool> => visibleToSql(caller, columns);
}

/** `visibleTo` as a plain SQL condition, for queries whose tables Kysely does not type (aliases). */
export function visibleToSql(
  caller: Pick<Caller, 'principalId' | 'principalKind'>,
  columns: VisibilityColumns,
): RawBuilder<SqlBool> {
  const tlp = sql.ref(columns.tlp);
  const author = sql.ref(columns.author);
  const recordId = sql.ref(columns.recordId);
  const isState = caller.principalKind === 'state' ? sql.lit(1) : sql.lit(0);
  return sql<SqlBool>`(${tlp} IS NULL
    OR ${tlp} = 'TLP:CLEAR'
    OR ${author} = ${caller.principalId}
    OR (${tlp} = 'TLP:GREEN' AND ${isState} = 1)
    OR EXISTS (SELECT 1 FROM record_recipients AS rr WHERE rr.record_id = ${recordId} AND rr.principal_id = ${caller.principalId}))`;
}
