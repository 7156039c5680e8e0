import type { D1Database } from '@cloudflare/workers-types';
import {
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  type CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type Kysely,
  type QueryResult,
} from 'kysely';

/**
 * Kysely over D1 for reads and single statements. D1 has no interactive transactions, so
 * this driver refuses `db.transaction()` outright: atomic writes go through
 * `PortalDb.commit` (one `batch()`), which is the only way that also holds on Node.
 */
export class D1Dialect implements Dialect {
  constructor(private readonly database: D1Database) {}
  createAdapter() {
    return new SqliteAdapter();
  }
  createDriver(): Driver {
    return new D1Driver(this.database);
  }
  createQueryCompiler() {
    return new SqliteQueryCompiler();
  }
  createIntrospector(db: Kysely<unknown>) {
    return new SqliteIntrospector(db);
  }
}

const noTransactions = () =>
  Promise.reject(new Error('D1 has no interactive transactions: build the write as queries and use PortalDb.commit'));

class D1Driver implements Driver {
  constructor(private readonly database: D1Database) {}
  async init() {}
  async acquireConnection(): Promise<DatabaseConnection> {
    return new D1Connection(this.database);
  }
  beginTransaction = noTransactions;
  commitTransaction = noTransactions;
  rollbackTransaction = noTransactions;
  async releaseConnection() {}
  async destroy() {}
}

class D1Connection implements DatabaseConnection {
  constructor(private readonly database: D1Database) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const result = await this.database
      .prepare(query.sql)
      .bind(...(query.parameters as unknown[]))
      .all<R>();
    const changes = result.meta.changes;
    return {
      rows: result.results,
      ...(changes > 0 ? { numAffectedRows: BigInt(changes) } : {}),
      ...(result.meta.last_row_id ? { insertId: BigInt(result.meta.last_row_id) } : {}),
    };
  }

  streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('D1 does not stream query results');
  }
}
