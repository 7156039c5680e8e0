/**
 * A full D1 database answers 507 on workerd as a full disk does on Node. D1 refuses
 * `PRAGMA max_page_count`, so the database is made "full" at its boundary: its commits fail
 * with the error D1 gives for SQLITE_FULL until the test frees the space. Everything else
 * is the real Worker stack on the real local D1.
 */
import { describe, expect, it } from 'vitest';
import type { PortalDb } from '../../src/db/portal-db.ts';
import { contactBody } from '../support/harness.ts';
import { problem } from '../support/problem.ts';
import { createWorkersPortal } from './support.ts';

describe('a full D1 database', () => {
  it('answers writes 507 insufficient-storage, keeps reads, reports it in /healthz, and recovers', async () => {
    let full = false;
    const d1Full = () => new Error('D1_ERROR: database or disk is full: SQLITE_FULL');
    const portal = await createWorkersPortal(
      {},
      (real): PortalDb => ({
        ...real,
        commit: (queries) => (full ? Promise.reject(d1Full()) : real.commit(queries)),
        execute: (query) => (full ? Promise.reject(d1Full()) : real.execute(query)),
      }),
    );
    const at = await portal.registerState('AT');
    expect((await at.post('/contacts', contactBody())).status).toBe(201);

    full = true;
    const refused = await at.post('/contacts', contactBody({ name: 'No room' }));
    expect((await problem(refused, 507)).code).toBe('insufficient-storage');
    const health = (await (await portal.fetch(new Request('http://portal.test/healthz'))).json()) as {
      status: string;
      conditions: { code: string }[];
    };
    expect(health.status).toBe('degraded');
    expect(health.conditions.map((condition) => condition.code)).toEqual(['insufficient-storage']);
    expect((await at.get('/contacts?state=AT')).status).toBe(200);
    expect((await portal.fetch(new Request('http://portal.test/log/checkpoint'))).status).toBe(200);

    full = false;
    expect((await at.post('/contacts', contactBody({ name: 'Room again' }))).status).toBe(201);
    expect(
      ((await (await portal.fetch(new Request('http://portal.test/healthz'))).json()) as { status: string }).status,
    ).toBe('ok');
  });
});
