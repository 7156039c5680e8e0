import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { ConstraintViolation } from './portal-db.ts';
import { limitSize, openSqlite, sqlitePortalDb } from './sqlite.ts';

function table() {
  const sqlite = openSqlite(':memory:');
  sqlite.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, note TEXT NOT NULL)');
  const db = sqlitePortalDb(sqlite);
  const insert = (id: number, note = `row ${id}`) =>
    sql`INSERT INTO t (id, note) VALUES (${id}, ${note})`.compile(db.kysely);
  const ids = () => sqlite.prepare('SELECT id FROM t ORDER BY id').pluck().all();
  return { sqlite, db, insert, ids };
}

describe('group commit', () => {
  it('commits writes requested together in one transaction, each in its own savepoint', async () => {
    const { db, insert, ids } = table();
    const outcomes = await Promise.allSettled([
      db.commit([insert(1), insert(2)]),
      // Fails on its second statement: its first one is rolled back with it, the others stay.
      db.commit([insert(3), insert(1)]),
      db.commit([insert(4)]),
      db.execute(insert(5)),
    ]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect((outcomes[1] as PromiseRejectedResult).reason).toBeInstanceOf(ConstraintViolation);
    expect((outcomes[3] as PromiseFulfilledResult<number>).value).toBe(1);
    expect(ids()).toEqual([1, 2, 4, 5]);
  });

  it('retries each write alone when the shared transaction fails, so each gets its own answer', async () => {
    const { sqlite, db, insert, ids } = table();
    await db.commit([insert(1)]);
    limitSize(sqlite, 0);
    const big = 'x'.repeat(64 * 1024);
    const outcomes = await Promise.allSettled([
      db.commit([insert(2, big)]),
      db.commit([insert(3)]),
      db.commit([insert(4, big)]),
    ]);
    // The small write fits where the big ones do not.
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'fulfilled', 'rejected']);
    expect((outcomes[0] as PromiseRejectedResult).reason).toMatchObject({ code: 'SQLITE_FULL' });
    expect(ids()).toEqual([1, 3]);
    expect(sqlite.inTransaction).toBe(false);
  });

  it('lets writers that arrive on the next turns of the event loop join the group, one transaction for all', async () => {
    const { sqlite, db, insert, ids } = table();
    // better-sqlite3 opens each group's transaction with a prepared BEGIN IMMEDIATE: count those.
    const statement = Object.getPrototypeOf(sqlite.prepare('SELECT 1')) as { run: (...args: unknown[]) => unknown };
    const run = statement.run;
    let transactions = 0;
    statement.run = function (this: { source: string }, ...args: unknown[]) {
      if (this.source === 'BEGIN IMMEDIATE') transactions++;
      return run.apply(this, args);
    };
    try {
      const turn = () => new Promise((resolve) => setImmediate(resolve));
      const first = db.commit([insert(1)]);
      await turn();
      const second = db.commit([insert(2)]);
      await turn();
      const third = db.commit([insert(3)]);
      await Promise.all([first, second, third]);
      expect(ids()).toEqual([1, 2, 3]);
      expect(transactions).toBe(1);
      // A turn that adds no writer ends the group: the next write commits in a group of its own.
      await turn();
      await db.commit([insert(4)]);
      expect(transactions).toBe(2);
    } finally {
      statement.run = run;
    }
  });

  it('does not let a steady stream of writers hold a group open: the first is answered while the stream goes on', async () => {
    const { db, insert, ids } = table();
    const turn = () => new Promise((resolve) => setImmediate(resolve));
    // A writer on every turn of the loop for 60 ms: the group would grow for as long as
    // the stream lasts if only a turn without a newcomer closed it.
    let streaming = true;
    let firstAnsweredDuringStream: boolean | undefined;
    const pending: Promise<unknown>[] = [];
    const started = performance.now();
    for (let id = 1; performance.now() - started < 60; id++) {
      const commit = db.commit([insert(id)]);
      if (id === 1) commit.then(() => (firstAnsweredDuringStream = streaming));
      pending.push(commit);
      await turn();
    }
    streaming = false;
    await Promise.all(pending);
    expect(ids()).toHaveLength(pending.length);
    expect(firstAnsweredDuringStream).toBe(true);
  });
});
