/**
 * The visibility rule and the recipient lists on a real SQLite database, each case alone:
 * who sees a row of each TLP (DESIGN.md section 3), which recipient lists are refused and
 * with which exact error, and that lists longer than one statement's parameters (D1 binds
 * at most 100) are read and written whole. The end-to-end cases (every read of every
 * feature) are in test/noninterference.test.ts; these are fast enough for mutation testing.
 */
import type BetterSqlite3 from 'better-sqlite3';
import { Kysely, sql, SqliteDialect, type CompiledQuery } from 'kysely';
import { describe, expect, it } from 'vitest';
import { applyMigrations } from '../db/migrate.ts';
import { readMigrations } from '../db/migrations-dir.ts';
import { openSqlite, sqlitePortalDb } from '../db/sqlite.ts';
import type { PortalDb } from '../db/portal-db.ts';
import type { Database, Tlp } from '../db/schema.ts';
import { Problem } from '../http/problem.ts';
import { acceptRecipients, recipientQueries, recipientsOfMany } from './recipients.ts';
import { RESTRICTED_TLP, visibleTo, visibleToSql } from './visibility.ts';

const AT = '2026-11-27T09:00:00.000Z';
/** 100 more registered states, S00 ... S99: more than one SELECT (90 ids) or INSERT (45 rows) holds. */
const MANY = Array.from({ length: 100 }, (_, i) => `S${String(i).padStart(2, '0')}`);

function database(): { sqlite: BetterSqlite3.Database; db: ReturnType<typeof sqlitePortalDb> } {
  const sqlite = openSqlite(':memory:');
  applyMigrations(sqlite, readMigrations());
  const principal = sqlite.prepare('INSERT OR IGNORE INTO principals (id, kind, name, created_at) VALUES (?, ?, ?, ?)');
  principal.run('secretariat', 'secretariat', 'Secretariat', AT);
  for (const id of ['AT', 'BE', 'FR', 'DE', ...MANY]) principal.run(id, 'state', `State ${id}`, AT);
  return { sqlite, db: sqlitePortalDb(sqlite) };
}

/** The same database, with every statement read through it recorded (D1 binds at most 100 parameters). */
function recorded(sqlite: BetterSqlite3.Database, db: PortalDb): { db: PortalDb; reads: CompiledQuery[] } {
  const reads: CompiledQuery[] = [];
  const kysely = new Kysely<Database>({
    dialect: new SqliteDialect({ database: sqlite }),
    log: (event) => void (event.level === 'query' && reads.push(event.query)),
  });
  return { db: { ...db, kysely }, reads };
}

describe('visibleTo: who sees a row', () => {
  /** Rows of every kind, authored by AT unless said, with their recipient lists. */
  async function rows() {
    const { sqlite, db } = database();
    sqlite.exec('CREATE TABLE vis_rows (id TEXT, tlp TEXT, author TEXT, record_id TEXT)');
    const row = sqlite.prepare('INSERT INTO vis_rows VALUES (?, ?, ?, ?)');
    const listed = sqlite.prepare('INSERT INTO record_recipients (record_id, principal_id) VALUES (?, ?)');
    row.run('none', null, 'AT', 'r-none');
    row.run('clear', 'TLP:CLEAR', 'AT', 'r-clear');
    row.run('green', 'TLP:GREEN', 'AT', 'r-green');
    row.run('green-by-secretariat', 'TLP:GREEN', 'secretariat', 'r-green-s');
    row.run('amber-for-BE', 'TLP:AMBER', 'AT', 'r-amber');
    listed.run('r-amber', 'BE');
    row.run('strict-for-secretariat', 'TLP:AMBER+STRICT', 'AT', 'r-strict');
    listed.run('r-strict', 'secretariat');
    row.run('red-for-FR', 'TLP:RED', 'AT', 'r-red');
    listed.run('r-red', 'FR');
    row.run('red-of-BE', 'TLP:RED', 'BE', 'r-red-be');
    // Listed under another record: no use for this one.
    listed.run('r-elsewhere', 'DE');
    row.run('red-of-BE-for-nobody', 'TLP:RED', 'BE', 'r-nobody');
    return db;
  }
  const columns = { tlp: 'vis_rows.tlp', author: 'vis_rows.author', recordId: 'vis_rows.record_id' };
  const callers = {
    AT: { principalId: 'AT', principalKind: 'state' },
    BE: { principalId: 'BE', principalKind: 'state' },
    FR: { principalId: 'FR', principalKind: 'state' },
    DE: { principalId: 'DE', principalKind: 'state' },
    secretariat: { principalId: 'secretariat', principalKind: 'secretariat' },
  } as const;
  const expected: Record<keyof typeof callers, string[]> = {
    AT: ['amber-for-BE', 'clear', 'green', 'green-by-secretariat', 'none', 'red-for-FR', 'strict-for-secretariat'],
    BE: ['amber-for-BE', 'clear', 'green', 'green-by-secretariat', 'none', 'red-of-BE', 'red-of-BE-for-nobody'],
    FR: ['clear', 'green', 'green-by-secretariat', 'none', 'red-for-FR'],
    DE: ['clear', 'green', 'green-by-secretariat', 'none'],
    // TLP:GREEN goes to the participating states, not to the Secretariat (unless it wrote it).
    secretariat: ['clear', 'green-by-secretariat', 'none', 'strict-for-secretariat'],
  };

  it.each(Object.keys(callers) as (keyof typeof callers)[])(
    'shows %s exactly the rows it may see (plain SQL)',
    async (name) => {
      const db = await rows();
      const result = await sql<{
        id: string;
      }>`SELECT id FROM vis_rows WHERE ${visibleToSql(callers[name], columns)} ORDER BY id`.execute(db.kysely);
      expect(result.rows.map((row) => row.id)).toEqual(expected[name]);
    },
  );

  it.each(Object.keys(callers) as (keyof typeof callers)[])(
    'shows %s exactly the rows it may see (query builder)',
    async (name) => {
      const db = await rows();
      const condition = visibleTo(callers[name], columns)(undefined as never);
      const result = await sql<{ id: string }>`SELECT id FROM vis_rows WHERE ${condition} ORDER BY id`.execute(
        db.kysely,
      );
      expect(result.rows.map((row) => row.id)).toEqual(expected[name]);
    },
  );

  it('restricts exactly TLP:AMBER, TLP:AMBER+STRICT and TLP:RED to their recipients', () => {
    expect(RESTRICTED_TLP).toEqual(['TLP:AMBER', 'TLP:AMBER+STRICT', 'TLP:RED']);
  });
});

/** The 422 an acceptRecipients call throws, as its fields. */
async function refusal(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    if (!(error instanceof Problem)) throw error;
    return { status: error.status, code: error.code, detail: error.detail, errors: error.errors };
  }
  throw new Error('expected a refusal, but the recipients were accepted');
}
const unprocessable = (title: string, errors: { pointer: string; detail: string }[]) => ({
  status: 422,
  code: 'validation-failed',
  detail: title,
  errors,
});

describe('acceptRecipients', () => {
  const options = { author: 'AT', statesOnly: true, title: 'The recipients are not valid.' };

  it.each(['TLP:CLEAR', 'TLP:GREEN'] as Tlp[])('takes no recipients for %s', async (tlp) => {
    const { db } = database();
    expect(await acceptRecipients(db, tlp, undefined, options)).toEqual([]);
    expect(await acceptRecipients(db, tlp, [], options)).toEqual([]);
    expect(await refusal(acceptRecipients(db, tlp, ['BE'], options))).toEqual(
      unprocessable(options.title, [
        { pointer: '/recipients', detail: `${tlp} goes to every participant; list no recipients` },
      ]),
    );
  });

  it.each(['TLP:AMBER', 'TLP:AMBER+STRICT', 'TLP:RED'] as Tlp[])(
    'needs recipients for %s, and returns them sorted',
    async (tlp) => {
      const { db } = database();
      for (const none of [undefined, []]) {
        expect(await refusal(acceptRecipients(db, tlp, none, options))).toEqual(
          unprocessable(options.title, [
            { pointer: '/recipients', detail: `${tlp} goes to the listed recipients only; list at least one` },
          ]),
        );
      }
      const listed = ['FR', 'BE'];
      expect(await acceptRecipients(db, tlp, listed, options)).toEqual(['BE', 'FR']);
      expect(listed).toEqual(['FR', 'BE']);
    },
  );

  it('refuses the author, an unknown principal and (for states only) the Secretariat, each at its index', async () => {
    const { db } = database();
    expect(await refusal(acceptRecipients(db, 'TLP:RED', ['BE', 'AT', 'XX', 'secretariat'], options))).toEqual(
      unprocessable(options.title, [
        { pointer: '/recipients/1', detail: 'the author always sees its own records; list the others' },
        { pointer: '/recipients/2', detail: 'XX is not a registered principal' },
        { pointer: '/recipients/3', detail: 'secretariat is not a participating state' },
      ]),
    );
    // Where any principal may be listed, the Secretariat is one.
    expect(await acceptRecipients(db, 'TLP:RED', ['secretariat', 'BE'], { ...options, statesOnly: false })).toEqual([
      'BE',
      'secretariat',
    ]);
    expect(await refusal(acceptRecipients(db, 'TLP:RED', ['XX'], { ...options, statesOnly: false }))).toEqual(
      unprocessable(options.title, [{ pointer: '/recipients/0', detail: 'XX is not a registered principal' }]),
    );
  });

  it('looks up long lists in pieces, every recipient found', async () => {
    const { sqlite, db: plain } = database();
    const { db, reads } = recorded(sqlite, plain);
    expect(await acceptRecipients(db, 'TLP:AMBER', [...MANY].reverse(), options)).toEqual(MANY);
    // 100 ids: 90 and 10, each statement within D1's 100 parameters; 90 ids: one statement.
    expect(reads.map((query) => query.parameters.length)).toEqual([90, 10]);
    reads.length = 0;
    expect(await acceptRecipients(db, 'TLP:AMBER', MANY.slice(0, 90), options)).toEqual(MANY.slice(0, 90));
    expect(reads.map((query) => query.parameters.length)).toEqual([90]);
    expect(await refusal(acceptRecipients(db, 'TLP:AMBER', [...MANY, 'XX'], options))).toEqual(
      unprocessable(options.title, [{ pointer: '/recipients/100', detail: 'XX is not a registered principal' }]),
    );
  });
});

describe('recipient rows', () => {
  it('stores none for a record without recipients', () => {
    const { db } = database();
    expect(recipientQueries(db, 'record', [], { author: 'AT' })).toEqual([]);
  });

  it('stores the author with the recipients, in pieces a statement can bind, and reads them back sorted', async () => {
    const { sqlite, db } = database();
    const queries = recipientQueries(db, 'record-1', MANY, { author: 'AT' });
    // 101 rows, 45 a statement.
    expect(queries).toHaveLength(3);
    expect(queries.map((query) => query.parameters.length)).toEqual([90, 90, 22]);
    await db.commit([...queries, ...recipientQueries(db, 'record-2', ['FR', 'BE'], { author: 'DE' })]);
    expect(sqlite.prepare("SELECT count(*) FROM record_recipients WHERE record_id = 'record-1'").pluck().get()).toBe(
      101,
    );

    const read = await recipientsOfMany(db, ['record-2', 'record-1', 'record-none']);
    expect([...read.keys()]).toEqual(['record-2', 'record-1', 'record-none']);
    expect(read.get('record-2')).toEqual(['BE', 'DE', 'FR']);
    expect(read.get('record-1')).toEqual(['AT', ...MANY].sort());
    expect(read.get('record-none')).toEqual([]);
  });

  it('reads the lists of more records than one statement can name', async () => {
    const { sqlite, db: plain } = database();
    const { db, reads } = recorded(sqlite, plain);
    const ids = MANY.map((id) => `record-${id}`);
    await db.commit(ids.flatMap((id) => recipientQueries(db, id, ['BE'], { author: 'AT' })));
    const read = await recipientsOfMany(db, ids);
    expect(read.size).toBe(100);
    for (const id of ids) expect(read.get(id)).toEqual(['AT', 'BE']);
    expect(reads.map((query) => query.parameters.length)).toEqual([90, 10]);
    reads.length = 0;
    await recipientsOfMany(db, ids.slice(0, 90));
    expect(reads.map((query) => query.parameters.length)).toEqual([90]);
  });
});
