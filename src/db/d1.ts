import type { D1Database } from '@cloudflare/workers-types';
import { Kysely, type CompiledQuery } from 'kysely';
import { D1Dialect } from './d1-dialect.ts';
import { asConstraintViolation, type PortalDb } from './portal-db.ts';
import type { Database } from './schema.ts';

/**
 * PortalDb over Cloudflare D1. D1 has no interactive transactions; `batch()` runs its
 * statements as one implicit transaction, all or nothing, which is exactly `commit`.
 */
export function d1PortalDb(d1: D1Database): PortalDb {
  const kysely = new Kysely<Database>({ dialect: new D1Dialect(d1) });
  const statement = (query: CompiledQuery) => d1.prepare(query.sql).bind(...(query.parameters as unknown[]));
  return {
    kysely,
    async commit(queries) {
      try {
        const results = await d1.batch(queries.map(statement));
        return results.map((result) => ({
          changes: result.meta.changes,
          rows: (result.results ?? []) as Record<string, unknown>[],
        }));
      } catch (error) {
        throw asConstraintViolation(error);
      }
    },
    async read<Row>(query: CompiledQuery) {
      return ((await statement(query).all()).results ?? []) as Row[];
    },
    async execute(query) {
      try {
        return (await statement(query).run()).meta.changes;
      } catch (error) {
        throw asConstraintViolation(error);
      }
    },
  };
}
