import { CompiledQuery } from 'kysely';

/**
 * A statement whose SQL is written once, for the statements every write runs: building
 * and compiling a Kysely query costs tens of µs per request, more than SQLite takes to
 * run it. The SQL text stays the same, so both runtimes' statement caches reuse it; only
 * the parameters change. Column names come from the schema (db/schema.ts), checked by the
 * row type.
 */
export function insertStatement<Row extends object>(table: string, columns: readonly (keyof Row & string)[]) {
  const sql = `insert into "${table}" (${columns.map((column) => `"${column}"`).join(', ')}) values (${columns
    .map(() => '?')
    .join(', ')})`;
  return (row: Row): CompiledQuery =>
    CompiledQuery.raw(
      sql,
      columns.map((column) => row[column] ?? null),
    );
}
