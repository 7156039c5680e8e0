/**
 * GET /overview keeps each reader's contributions until the next accepted write (issue 16:
 * the aggregate reads every record, so repeating it per request was a stall vector). These
 * tests hold the cache to the rules: nothing stale after a write, nothing one reader may see
 * in another reader's answer, the time-dependent status still computed per request.
 */
import { type CompiledQuery, Kysely, SqliteDialect } from 'kysely';
import { describe, expect, it } from 'vitest';
import { contactBody, createTestPortal, START, type TestClient } from '../../test/support/portal.ts';
import { documentBody } from '../../test/support/documents.ts';
import type { Database } from '../db/schema.ts';
import type { PortalDb } from '../db/portal-db.ts';
import type { Caller } from '../http/app-env.ts';
import { implementationOverview } from './overview.ts';

type Cell = { cbm: number; status: string; contributions: { kind: string; count: number }[] };
type Grid = { states: { state: string; cbms: Cell[] }[] };

async function cells(client: TestClient, query = '') {
  const res = await client.get(`/overview${query}`);
  expect(res.status).toBe(200);
  const grid = (await res.json()) as Grid;
  const byCell = new Map<string, string[]>();
  for (const row of grid.states)
    for (const cell of row.cbms)
      byCell.set(
        `${row.state}:${cell.cbm}`,
        cell.contributions.map((c) => `${c.kind}=${c.count}`),
      );
  return byCell;
}

async function publishers() {
  const portal = await createTestPortal();
  const scopes = ['read', 'contacts:write', 'documents:write'];
  const at = await portal.registerState('AT', { scopes });
  const de = await portal.registerState('DE', { scopes });
  const fr = await portal.registerState('FR', { scopes });
  return { portal, at, de, fr };
}

describe('GET /overview: contributions kept per reader until the next write', () => {
  it('shows a write at once, to those who may see it, and to nobody else', async () => {
    const { at, de, fr } = await publishers();
    expect((await de.post('/documents', documentBody({ type: 'strategy', tlp: 'TLP:CLEAR' }))).status).toBe(201);
    expect((await cells(at)).get('DE:7')).toEqual(['strategy=1']);
    expect((await cells(fr)).get('DE:7')).toEqual(['strategy=1']);

    // Addressed to FR: FR's next read counts it, AT's (cached a moment ago) still does not.
    const amber = documentBody({ type: 'strategy', tlp: 'TLP:AMBER', recipients: ['FR'] });
    expect((await de.post('/documents', amber)).status).toBe(201);
    expect((await cells(fr)).get('DE:7')).toEqual(['strategy=2']);
    expect((await cells(at)).get('DE:7')).toEqual(['strategy=1']);
    expect((await cells(fr)).get('DE:7')).toEqual(['strategy=2']);
    expect((await cells(de)).get('DE:7')).toEqual(['strategy=2']);
    // The state filter is its own entry, with the same visibility.
    expect((await cells(at, '?state=DE')).get('DE:7')).toEqual(['strategy=1']);
    expect((await cells(fr, '?state=DE')).get('DE:7')).toEqual(['strategy=2']);

    // A contact, visible to all: every reader's next answer has it.
    expect((await at.post('/contacts', contactBody({ role: 'policy' }))).status).toBe(201);
    for (const reader of [at, de, fr]) expect((await cells(reader)).get('AT:8')).toEqual(['contact:policy=1']);
  });

  it('computes the status per request: a year without writes turns current into stale', async () => {
    const { portal, at } = await publishers();
    expect((await at.post('/contacts', contactBody())).status).toBe(201);
    const statusOf = async () => {
      const grid = (await (await at.get('/overview')).json()) as Grid;
      return grid.states.find((row) => row.state === 'AT')!.cbms.find((cell) => cell.cbm === 8)!.status;
    };
    expect(await statusOf()).toBe('current');
    portal.clock.advance(366 * 24 * 3600 * 1000);
    expect(await statusOf()).toBe('stale');
  });

  it('runs the aggregate once per reader and log size: a repeated read is two indexed reads', async () => {
    const { portal, at } = await publishers();
    expect((await at.post('/contacts', contactBody())).status).toBe(201);
    const reads: CompiledQuery[] = [];
    const kysely = new Kysely<Database>({
      dialect: new SqliteDialect({ database: portal.sqlite }),
      log: (event) => void (event.level === 'query' && reads.push(event.query)),
    });
    const db: PortalDb = { ...portal.db, kysely };
    const caller = (principalId: string, principalKind: Caller['principalKind']) =>
      ({ principalId, principalKind }) as Caller;
    const now = new Date(START);
    const readsOf = async (who: Caller, state?: string) => {
      reads.length = 0;
      const grid = await implementationOverview(db, who, now, state);
      return { grid, statements: reads.map((query) => query.sql.replace(/\s+/g, ' ').slice(0, 44).trim()) };
    };

    const first = await readsOf(caller('AT', 'state'));
    expect(first.statements.length).toBeGreaterThan(5);
    const again = await readsOf(caller('AT', 'state'));
    expect(again.grid).toEqual(first.grid);
    expect(again.statements.sort()).toEqual([
      'SELECT max(seq) AS version FROM attestations',
      'select "id", "name" from "principals" where',
    ]);
    // Another reader, or the same one with a state filter, is computed on its own.
    expect((await readsOf(caller('secretariat', 'secretariat'))).statements.length).toBe(first.statements.length);
    expect((await readsOf(caller('AT', 'state'), 'AT')).statements.length).toBe(first.statements.length);
    // A write anywhere: computed again.
    expect((await portal.secretariat.post('/principals', { id: 'BE', name: 'Belgium' })).status).toBe(201);
    expect((await readsOf(caller('AT', 'state'))).statements.length).toBe(first.statements.length);
    // Reads never write.
    expect(reads.every((query) => /^\s*select/i.test(query.sql))).toBe(true);
  });
});
