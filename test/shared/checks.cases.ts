/**
 * Communication checks on every runtime: Node + SQLite (test/core.test.ts) and workerd +
 * D1 (test/workers/core.test.ts). The commit-time conditions (one answer per state, a late
 * answer recorded atomically with its attestation and log leaf) must hold on D1's batch()
 * as on a SQLite transaction. The deeper cases live in src/checks/checks.test.ts (Node).
 */
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { ConstraintViolation } from '../../src/db/portal-db.ts';
import { contactBody, START, type PortalHarness, type TestClient } from '../support/harness.ts';
import { problem } from '../support/problem.ts';

type MakePortal = () => Promise<PortalHarness>;

const HOUR_MS = 3600 * 1000;
const at = (ms: number) => new Date(Date.parse(START) + ms).toISOString();
const TABLES = ['checks', 'check_addressees', 'check_acknowledgements', 'attestations', 'log_leaves'] as const;

async function snapshot(portal: PortalHarness) {
  const counts: Record<string, number> = {};
  for (const table of TABLES) counts[table] = await portal.rows(table);
  return counts;
}

async function stateWithContact(portal: PortalHarness, id: string): Promise<{ client: TestClient; contact: string }> {
  const client = await portal.registerState(id);
  const res = await client.post('/contacts', contactBody());
  expect(res.status).toBe(201);
  return { client, contact: ((await res.json()) as { data: { id: string } }).data.id };
}

export function checksSuite(runtime: string, makePortal: MakePortal) {
  describe(`communication checks on ${runtime}`, () => {
    it('starts a check, records answers in time and late, refuses a second answer, and reports', async () => {
      const portal = await makePortal();
      const austria = await stateWithContact(portal, 'AT');
      const belgium = await stateWithContact(portal, 'BE');
      await stateWithContact(portal, 'CZ');

      const started = await portal.secretariat.post('/checks', { deadline: at(HOUR_MS), roles: ['technical'] });
      expect(started.status).toBe(201);
      const { data: check } = (await started.json()) as { data: { id: string; states: string[]; roles: string[] } };
      expect(check).toMatchObject({ states: ['AT', 'BE', 'CZ'], roles: ['technical'] });
      expect(await portal.rows('check_addressees')).toBe(3);

      // A state may not start one.
      const byState = await austria.client.post('/checks', { deadline: at(HOUR_MS) });
      expect(byState.status).toBe(403);
      expect((await problem(byState)).code).toBe('insufficient-scope');

      portal.clock.advance(30 * 60 * 1000);
      const inTime = await austria.client.post(`/checks/${check.id}/acknowledgements`, { contact_id: austria.contact });
      expect(inTime.status).toBe(201);
      expect(((await inTime.json()) as { data: unknown }).data).toMatchObject({
        state: 'AT',
        late: false,
        response_seconds: 1800,
      });

      let before = await snapshot(portal);
      const twice = await austria.client.post(`/checks/${check.id}/acknowledgements`, { contact_id: austria.contact });
      expect(twice.status).toBe(409);
      expect((await problem(twice)).code).toBe('already-acknowledged');
      expect(await snapshot(portal)).toEqual(before);

      const badDeadline = await portal.secretariat.post('/checks', { deadline: at(-HOUR_MS) });
      expect(badDeadline.status).toBe(422);
      expect((await problem(badDeadline)).errors?.map((error) => error.pointer)).toEqual(['/deadline']);
      expect(await snapshot(portal)).toEqual(before);

      // After the deadline: refused with 409, yet recorded, attested and logged as late.
      portal.clock.advance(HOUR_MS);
      before = await snapshot(portal);
      const late = await belgium.client.post(`/checks/${check.id}/acknowledgements`, { contact_id: belgium.contact });
      expect(late.status).toBe(409);
      const refusal = await problem(late);
      expect(refusal.code).toBe('deadline-passed');
      expect(refusal.acknowledgement).toMatchObject({
        check_id: check.id,
        state: 'BE',
        contact_id: belgium.contact,
        late: true,
        response_seconds: 5400,
      });
      expect(await snapshot(portal)).toEqual({
        ...before,
        check_acknowledgements: before.check_acknowledgements! + 1,
        attestations: before.attestations! + 1,
        log_leaves: before.log_leaves! + 1,
      });

      const report = await (await belgium.client.get(`/checks/${check.id}/report`)).json();
      expect(report).toMatchObject({
        check: { id: check.id, status: 'closed' },
        addressed: 3,
        answered_on_time: 1,
        answered_late: 1,
        not_answered: 1,
        median_response_seconds: 1800,
        rows: [
          { state: 'AT', outcome: 'on-time', response_seconds: 1800 },
          { state: 'BE', outcome: 'late', response_seconds: 5400 },
          { state: 'CZ', outcome: 'no-answer', contact_id: null, acknowledged_at: null, response_seconds: null },
        ],
      });

      const compliance = (await (await belgium.client.get('/states/CZ/compliance')).json()) as { checks: unknown };
      expect(compliance.checks).toEqual({
        addressed: 1,
        answered_on_time: 0,
        answered_late: 0,
        missed: 1,
        last_check_at: START,
      });
      expect(portal.logged).toEqual([]);
    });

    it('keeps the answer unique at commit time when two arrive together', async () => {
      const portal = await makePortal();
      const austria = await stateWithContact(portal, 'AT');
      const started = await portal.secretariat.post('/checks', { deadline: at(HOUR_MS) });
      const { data: check } = (await started.json()) as { data: { id: string } };
      const before = await snapshot(portal);
      const results = await Promise.all(
        [0, 1].map(() => austria.client.post(`/checks/${check.id}/acknowledgements`, { contact_id: austria.contact })),
      );
      expect(results.map((res) => res.status).sort()).toEqual([201, 409]);
      expect(await snapshot(portal)).toEqual({
        ...before,
        check_acknowledgements: 1,
        attestations: before.attestations! + 1,
        log_leaves: before.log_leaves! + 1,
      });
      expect(portal.logged).toEqual([]);
    });

    it('refuses, in SQL at commit, an answer naming a contact that is not active in an addressed role', async () => {
      const portal = await makePortal();
      const austria = await stateWithContact(portal, 'AT'); // technical
      const started = await portal.secretariat.post('/checks', { deadline: at(HOUR_MS), roles: ['policy'] });
      const { data: check, attestation } = (await started.json()) as {
        data: { id: string };
        attestation: { id: string };
      };
      const insert = (contact: string) =>
        sql`INSERT INTO check_acknowledgements (check_id, state_id, contact_id, acknowledged_at,
          response_seconds, late, note, attestation_id)
          VALUES (${check.id}, 'AT', ${contact}, ${START}, 0, 0, NULL, ${attestation.id})`.compile(portal.db.kysely);
      const refused = await portal.db.commit([insert(austria.contact)]).then(
        () => null,
        (error: unknown) => error,
      );
      expect(refused).toBeInstanceOf(ConstraintViolation);
      expect((refused as ConstraintViolation).table).toBe('contacts');

      // Through the API the same condition is a 422 at /contact_id.
      const res = await austria.client.post(`/checks/${check.id}/acknowledgements`, { contact_id: austria.contact });
      expect(res.status).toBe(422);
      expect((await problem(res)).errors?.map((error) => error.pointer)).toEqual(['/contact_id']);
      expect(await portal.rows('check_acknowledgements')).toBe(0);
    });
  });
}
