import { describe, expect, it } from 'vitest';
import { median } from './repo.ts';
import {
  contactBody,
  count,
  createTestPortal,
  START,
  type TestClient,
  type TestPortal,
} from '../../test/support/portal.ts';
import { problem } from '../../test/support/problem.ts';

const HOUR_MS = 3600 * 1000;
const DAY_MS = 24 * HOUR_MS;
const at = (ms: number) => new Date(Date.parse(START) + ms).toISOString();
const UNKNOWN_ID = '01900000-0000-7000-8000-000000000000';

interface Check {
  id: string;
  started_at: string;
  deadline: string;
  status: 'open' | 'closed';
  states: string[];
  roles: ('policy' | 'technical')[];
  message: string | null;
  attestation_id: string;
  href: string;
}
interface Acknowledgement {
  check_id: string;
  state: string;
  contact_id: string;
  acknowledged_at: string;
  response_seconds: number;
  late: boolean;
  note: string | null;
  attestation_id: string;
}
interface AttestationRef {
  id: string;
  token: string;
  log_index: number;
  href: string;
}
interface Report {
  check: Check;
  addressed: number;
  answered_on_time: number;
  answered_late: number;
  not_answered: number;
  median_response_seconds: number | null;
  rows: {
    state: string;
    outcome: 'on-time' | 'late' | 'no-answer';
    contact_id: string | null;
    acknowledged_at: string | null;
    response_seconds: number | null;
  }[];
}

/** What every write adds: its record rows, one attestation and one log leaf. */
const WRITE_TABLES = ['checks', 'check_addressees', 'check_acknowledgements', 'attestations', 'log_leaves'] as const;
function snapshot(portal: TestPortal) {
  return Object.fromEntries(WRITE_TABLES.map((table) => [table, count(portal.sqlite, table)])) as Record<
    (typeof WRITE_TABLES)[number],
    number
  >;
}

async function publish(client: TestClient, overrides: Record<string, unknown> = {}): Promise<string> {
  const res = await client.post('/contacts', contactBody(overrides));
  expect(res.status).toBe(201);
  return ((await res.json()) as { data: { id: string } }).data.id;
}

async function startCheck(
  portal: TestPortal,
  body: Record<string, unknown>,
): Promise<{ data: Check; attestation: AttestationRef }> {
  const res = await portal.secretariat.post('/checks', body);
  expect(res.status).toBe(201);
  return (await res.json()) as { data: Check; attestation: AttestationRef };
}

async function acknowledge(client: TestClient, checkId: string, body: Record<string, unknown>) {
  return client.post(`/checks/${checkId}/acknowledgements`, body);
}

async function acknowledged(client: TestClient, checkId: string, contactId: string): Promise<Acknowledgement> {
  const res = await acknowledge(client, checkId, { contact_id: contactId });
  expect(res.status).toBe(201);
  return ((await res.json()) as { data: Acknowledgement }).data;
}

async function report(client: TestClient, checkId: string): Promise<Report> {
  const res = await client.get(`/checks/${checkId}/report`);
  expect(res.status).toBe(200);
  return (await res.json()) as Report;
}

async function history(client: TestClient, state: string) {
  const res = await client.get(`/states/${state}/compliance`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { checks: unknown }).checks;
}

/** Austria, Germany and France, each with a technical and a policy contact. */
async function threeStates() {
  const portal = await createTestPortal();
  const states: Record<string, { client: TestClient; technical: string; policy: string }> = {};
  for (const id of ['FR', 'AT', 'DE']) {
    const client = await portal.registerState(id);
    states[id] = {
      client,
      technical: await publish(client, { role: 'technical' }),
      policy: await publish(client, { role: 'policy' }),
    };
  }
  return { portal, AT: states.AT!, DE: states.DE!, FR: states.FR! };
}

describe('checks: starting', () => {
  it('addresses every registered state for both roles, attests the start and logs it', async () => {
    const { portal, AT } = await threeStates();
    const before = snapshot(portal);
    const res = await portal.secretariat.post('/checks', {
      deadline: at(2 * DAY_MS),
      message: 'Annual ping test: please answer.',
    });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { data: Check; attestation: AttestationRef };
    expect(res.headers.get('location')).toBe(`/checks/${body.data.id}`);
    expect(body.data).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-7/),
      started_at: START,
      deadline: at(2 * DAY_MS),
      status: 'open',
      states: ['AT', 'DE', 'FR'],
      roles: ['policy', 'technical'],
      message: 'Annual ping test: please answer.',
      attestation_id: body.attestation.id,
      href: `/checks/${body.data.id}`,
    });
    expect(snapshot(portal)).toEqual({
      ...before,
      checks: 1,
      check_addressees: 3,
      attestations: before.attestations + 1,
      log_leaves: before.log_leaves + 1,
    });
    expect(
      portal.sqlite
        .prepare('SELECT state_id FROM check_addressees WHERE check_id = ? ORDER BY state_id')
        .all(body.data.id),
    ).toEqual([{ state_id: 'AT' }, { state_id: 'DE' }, { state_id: 'FR' }]);
    expect(
      portal.sqlite
        .prepare('SELECT subject, principal_id, operation FROM attestations WHERE id = ?')
        .get(body.attestation.id),
    ).toEqual({
      subject: `urn:cbm:check:${body.data.id}`,
      principal_id: 'secretariat',
      operation: 'startCheck',
    });
    expect(
      portal.sqlite.prepare('SELECT attestation_id FROM log_leaves WHERE idx = ?').get(body.attestation.log_index),
    ).toEqual({ attestation_id: body.attestation.id });

    // Every participant reads it.
    const read = await AT.client.get(`/checks/${body.data.id}`);
    expect(read.status).toBe(200);
    expect(await read.json()).toEqual(body.data);
  });

  it('addresses only the chosen states and roles, in state order', async () => {
    const { portal, DE } = await threeStates();
    const { data } = await startCheck(portal, { states: ['FR', 'AT'], roles: ['technical'], deadline: at(HOUR_MS) });
    expect(data).toMatchObject({ states: ['AT', 'FR'], roles: ['technical'], message: null, status: 'open' });
    expect(count(portal.sqlite, 'check_addressees')).toBe(2);
    expect(await (await DE.client.get(`/checks/${data.id}`)).json()).toEqual(data);
  });

  it('accepts a deadline exactly 30 days ahead, given with an offset, and stores it in UTC', async () => {
    const { portal } = await threeStates();
    const { data } = await startCheck(portal, { deadline: '2026-12-27T10:00:00+01:00' });
    expect(data.deadline).toBe(at(30 * DAY_MS));
  });

  it('is closed once the deadline has passed (open at the deadline itself)', async () => {
    const { portal, AT } = await threeStates();
    const { data } = await startCheck(portal, { deadline: at(HOUR_MS) });
    portal.clock.advance(HOUR_MS);
    expect(((await (await AT.client.get(`/checks/${data.id}`)).json()) as Check).status).toBe('open');
    portal.clock.advance(1);
    expect(((await (await AT.client.get(`/checks/${data.id}`)).json()) as Check).status).toBe('closed');
  });

  it('lists checks newest first, paged by cursor', async () => {
    const { portal, AT } = await threeStates();
    const ids: string[] = [];
    for (let index = 0; index < 3; index += 1) {
      ids.push((await startCheck(portal, { deadline: at(DAY_MS), states: index === 1 ? ['DE'] : undefined })).data.id);
      portal.clock.advance(1000);
    }
    const first = (await (await AT.client.get('/checks?limit=2')).json()) as {
      items: Check[];
      next_cursor: string | null;
    };
    expect(first.items.map((item) => item.id)).toEqual([ids[2], ids[1]]);
    expect(first.items[1]!.states).toEqual(['DE']);
    expect(first.items[0]!.states).toEqual(['AT', 'DE', 'FR']);
    expect(first.next_cursor).not.toBeNull();
    const second = (await (await AT.client.get(`/checks?limit=2&cursor=${first.next_cursor}`)).json()) as {
      items: Check[];
      next_cursor: string | null;
    };
    expect(second.items.map((item) => item.id)).toEqual([ids[0]]);
    expect(second.next_cursor).toBeNull();
  });

  const badStarts: [string, Record<string, unknown>, string][] = [
    ['a deadline in the past', { deadline: at(-1000) }, '/deadline'],
    ['a deadline now', { deadline: START }, '/deadline'],
    ['a deadline more than 30 days ahead', { deadline: at(30 * DAY_MS + 1000) }, '/deadline'],
    ['a deadline that is not a date-time', { deadline: 'next Tuesday' }, '/deadline'],
    ['an unregistered state', { deadline: at(DAY_MS), states: ['AT', 'PL'] }, '/states/1'],
    ['a code that is no state', { deadline: at(DAY_MS), states: ['secretariat'] }, '/states/0'],
    ['an unknown role', { deadline: at(DAY_MS), roles: ['military'] }, '/roles/0'],
    ['an unknown field', { deadline: at(DAY_MS), priority: 'high' }, '/priority'],
  ];
  for (const [name, body, pointer] of badStarts) {
    it(`refuses ${name} (422 at ${pointer}) and writes nothing`, async () => {
      const { portal } = await threeStates();
      const before = snapshot(portal);
      const res = await portal.secretariat.post('/checks', body);
      expect(res.status).toBe(422);
      const refusal = await problem(res);
      expect(refusal.code).toBe('validation-failed');
      expect(refusal.errors?.map((error) => error.pointer)).toContain(pointer);
      expect(snapshot(portal)).toEqual(before);
    });
  }

  it('refuses a check when no state is registered', async () => {
    const portal = await createTestPortal();
    const res = await portal.secretariat.post('/checks', { deadline: at(DAY_MS) });
    expect(res.status).toBe(422);
    expect((await problem(res)).code).toBe('validation-failed');
    expect(count(portal.sqlite, 'checks')).toBe(0);
  });

  it('refuses a state starting a check: its keys cannot even hold checks:write', async () => {
    const { portal, AT } = await threeStates();
    const before = snapshot(portal);
    const res = await AT.client.post('/checks', { deadline: at(DAY_MS) });
    expect(res.status).toBe(403);
    expect((await problem(res)).code).toBe('insufficient-scope');

    const key = await portal.secretariat.post('/principals/AT/keys', {
      jwk: AT.client.publicJwk,
      scopes: ['read', 'checks:write'],
    });
    expect(key.status).toBe(422);
    expect((await problem(key)).errors).toEqual([
      { pointer: '/scopes/1', detail: 'only Secretariat keys may hold this scope' },
    ]);
    expect(snapshot(portal)).toEqual(before);
  });

  it('refuses a state key that holds checks:write anyway (secretariat-only)', async () => {
    const { portal, AT } = await threeStates();
    // A key written straight into the database, past the registration rule.
    portal.sqlite
      .prepare('UPDATE principal_keys SET scopes = ? WHERE kid = ?')
      .run(JSON.stringify(['read', 'checks:write']), AT.client.kid);
    const before = snapshot(portal);
    const res = await AT.client.post('/checks', { deadline: at(DAY_MS) });
    expect(res.status).toBe(403);
    expect((await problem(res)).code).toBe('secretariat-only');
    expect(snapshot(portal)).toEqual(before);
  });

  it('refuses a Secretariat key without checks:write', async () => {
    const { portal } = await threeStates();
    const reader = await portal.addKey('secretariat', { scopes: ['read'] });
    const before = snapshot(portal);
    const res = await reader.post('/checks', { deadline: at(DAY_MS) });
    expect(res.status).toBe(403);
    expect((await problem(res)).code).toBe('insufficient-scope');
    expect(snapshot(portal)).toEqual(before);
  });

  it('answers 404 for an unknown check and its report', async () => {
    const { AT } = await threeStates();
    for (const path of [`/checks/${UNKNOWN_ID}`, `/checks/${UNKNOWN_ID}/report`]) {
      const res = await AT.client.get(path);
      expect(res.status).toBe(404);
      expect((await problem(res)).code).toBe('not-found');
    }
  });
});

describe('checks: acknowledging', () => {
  it('records the answer with the response time, attests it and logs it', async () => {
    const { portal, AT } = await threeStates();
    const { data: check } = await startCheck(portal, { deadline: at(DAY_MS) });
    portal.clock.advance(90 * 60 * 1000 + 500);
    const before = snapshot(portal);
    const res = await acknowledge(AT.client, check.id, { contact_id: AT.technical, note: 'Duty officer on shift.' });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { data: Acknowledgement; attestation: AttestationRef };
    expect(body.data).toEqual({
      check_id: check.id,
      state: 'AT',
      contact_id: AT.technical,
      acknowledged_at: at(90 * 60 * 1000 + 500),
      response_seconds: 5400.5,
      late: false,
      note: 'Duty officer on shift.',
      attestation_id: body.attestation.id,
    });
    expect(snapshot(portal)).toEqual({
      ...before,
      check_acknowledgements: 1,
      attestations: before.attestations + 1,
      log_leaves: before.log_leaves + 1,
    });
    expect(portal.sqlite.prepare('SELECT * FROM check_acknowledgements').get()).toEqual({
      check_id: check.id,
      state_id: 'AT',
      contact_id: AT.technical,
      acknowledged_at: at(90 * 60 * 1000 + 500),
      response_seconds: 5400.5,
      late: 0,
      note: 'Duty officer on shift.',
      attestation_id: body.attestation.id,
    });
    expect(
      portal.sqlite
        .prepare('SELECT subject, principal_id, operation FROM attestations WHERE id = ?')
        .get(body.attestation.id),
    ).toEqual({
      subject: `urn:cbm:check:${check.id}:ack:AT`,
      principal_id: 'AT',
      operation: 'acknowledgeCheck',
    });
    expect(
      portal.sqlite.prepare('SELECT attestation_id FROM log_leaves WHERE idx = ?').get(body.attestation.log_index),
    ).toEqual({ attestation_id: body.attestation.id });
  });

  it('accepts an answer at the deadline itself as on time', async () => {
    const { portal, DE } = await threeStates();
    const { data: check } = await startCheck(portal, { deadline: at(HOUR_MS) });
    portal.clock.advance(HOUR_MS);
    expect(await acknowledged(DE.client, check.id, DE.policy)).toMatchObject({ late: false, response_seconds: 3600 });
  });

  it('records an answer after the deadline as late, and refuses it with 409 deadline-passed carrying the recorded answer', async () => {
    const { portal, FR } = await threeStates();
    const { data: check } = await startCheck(portal, { deadline: at(HOUR_MS) });
    portal.clock.advance(2 * HOUR_MS);
    const before = snapshot(portal);
    const res = await acknowledge(FR.client, check.id, { contact_id: FR.technical, note: 'Sorry, holiday.' });
    expect(res.status).toBe(409);
    const refusal = await problem(res);
    expect(refusal).toMatchObject({ type: 'urn:cbm:problem:deadline-passed', status: 409, code: 'deadline-passed' });
    const stored = portal.sqlite.prepare('SELECT * FROM check_acknowledgements').get() as { attestation_id: string };
    expect(refusal.acknowledgement).toEqual({
      check_id: check.id,
      state: 'FR',
      contact_id: FR.technical,
      acknowledged_at: at(2 * HOUR_MS),
      response_seconds: 7200,
      late: true,
      note: 'Sorry, holiday.',
      attestation_id: stored.attestation_id,
    });
    // Exactly one answer, one attestation and one log leaf, atomically.
    expect(snapshot(portal)).toEqual({
      ...before,
      check_acknowledgements: 1,
      attestations: before.attestations + 1,
      log_leaves: before.log_leaves + 1,
    });
    expect(
      portal.sqlite
        .prepare('SELECT subject, principal_id, operation FROM attestations WHERE id = ?')
        .get(stored.attestation_id),
    ).toEqual({
      subject: `urn:cbm:check:${check.id}:ack:FR`,
      principal_id: 'FR',
      operation: 'acknowledgeCheck',
    });
    expect(
      portal.sqlite.prepare('SELECT count(*) AS n FROM log_leaves WHERE attestation_id = ?').get(stored.attestation_id),
    ).toEqual({ n: 1 });

    // A second late answer is no answer: already acknowledged, nothing more written.
    const again = await acknowledge(FR.client, check.id, { contact_id: FR.policy });
    expect(again.status).toBe(409);
    expect((await problem(again)).code).toBe('already-acknowledged');
    expect(count(portal.sqlite, 'check_acknowledgements')).toBe(1);
    expect(count(portal.sqlite, 'attestations')).toBe(before.attestations + 1);
  });

  /**
   * Each refusal: the status and code (or, for 422, the pointer) expected, and a setup that
   * may write (a first answer, another check) and returns the refused request.
   */
  type Setup = Awaited<ReturnType<typeof threeStates>> & { check: Check };
  const refusals: [string, number, string, (setup: Setup) => Promise<() => Promise<Response>>][] = [
    [
      'a second answer',
      409,
      'already-acknowledged',
      async ({ AT, check }) => {
        await acknowledged(AT.client, check.id, AT.technical);
        return () => acknowledge(AT.client, check.id, { contact_id: AT.policy });
      },
    ],
    [
      'a state the check does not address',
      403,
      'not-addressed',
      async ({ portal, DE }) => {
        const other = await startCheck(portal, { states: ['AT'], deadline: at(DAY_MS) });
        return () => acknowledge(DE.client, other.data.id, { contact_id: DE.technical });
      },
    ],
    [
      "a state naming another state's contact",
      403,
      'not-owner',
      async ({ DE, AT, check }) =>
        () =>
          acknowledge(DE.client, check.id, { contact_id: AT.technical }),
    ],
    [
      'the Secretariat answering for a state',
      403,
      'insufficient-scope',
      async ({ portal, AT, check }) =>
        () =>
          acknowledge(portal.secretariat, check.id, { contact_id: AT.technical }),
    ],
    [
      'a key without contacts:write',
      403,
      'insufficient-scope',
      async ({ portal, AT, check }) => {
        const reader = await portal.addKey('AT', { scopes: ['read'] });
        return () => acknowledge(reader, check.id, { contact_id: AT.technical });
      },
    ],
    [
      'an unknown check',
      404,
      'not-found',
      async ({ AT }) =>
        () =>
          acknowledge(AT.client, UNKNOWN_ID, { contact_id: AT.technical }),
    ],
    [
      'an unknown contact',
      422,
      '/contact_id',
      async ({ AT, check }) =>
        () =>
          acknowledge(AT.client, check.id, { contact_id: UNKNOWN_ID }),
    ],
    [
      'a withdrawn contact',
      422,
      '/contact_id',
      async ({ AT, check }) => {
        const withdrawn = await AT.client.post(
          `/contacts/${AT.technical}/withdraw`,
          { reason: 'left' },
          { headers: { 'if-match': '"1"' } },
        );
        expect(withdrawn.status).toBe(200);
        return () => acknowledge(AT.client, check.id, { contact_id: AT.technical });
      },
    ],
    [
      'a contact of a role the check does not address',
      422,
      '/contact_id',
      async ({ portal, AT }) => {
        const technicalOnly = await startCheck(portal, { roles: ['technical'], deadline: at(DAY_MS) });
        return () => acknowledge(AT.client, technicalOnly.data.id, { contact_id: AT.policy });
      },
    ],
    [
      'a body without contact_id',
      422,
      '/contact_id',
      async ({ AT, check }) =>
        () =>
          acknowledge(AT.client, check.id, { note: 'here' }),
    ],
  ];
  for (const [name, status, expected, prepare] of refusals) {
    it(`refuses ${name} (${status} ${expected}) and writes nothing`, async () => {
      const setup = await threeStates();
      const { data: check } = await startCheck(setup.portal, { deadline: at(DAY_MS) });
      const send = await prepare({ ...setup, check });
      const before = snapshot(setup.portal);
      const res = await send();
      expect(res.status).toBe(status);
      const refusal = await problem(res);
      if (expected.startsWith('/')) {
        expect(refusal.code).toBe('validation-failed');
        expect(refusal.errors?.map((error) => error.pointer)).toEqual([expected]);
      } else {
        expect(refusal.code).toBe(expected);
      }
      expect(snapshot(setup.portal)).toEqual(before);
      expect(setup.portal.logged).toEqual([]);
    });
  }

  it('lets only one of two concurrent answers from the same state land', async () => {
    const { portal, AT } = await threeStates();
    const { data: check } = await startCheck(portal, { deadline: at(DAY_MS) });
    const before = snapshot(portal);
    const results = await Promise.all([
      acknowledge(AT.client, check.id, { contact_id: AT.technical }),
      acknowledge(AT.client, check.id, { contact_id: AT.policy }),
    ]);
    expect(results.map((res) => res.status).sort()).toEqual([201, 409]);
    const refused = results.find((res) => res.status === 409)!;
    expect((await problem(refused)).code).toBe('already-acknowledged');
    expect(snapshot(portal)).toEqual({
      ...before,
      check_acknowledgements: 1,
      attestations: before.attestations + 1,
      log_leaves: before.log_leaves + 1,
    });
    expect(portal.logged).toEqual([]);
  });

  it(
    'holds its conditions at commit time, in SQL: one answer per state, addressed states, an active contact ' +
      'in an addressed role',
    async () => {
      const { portal, AT, DE, FR } = await threeStates();
      const { data: check } = await startCheck(portal, {
        states: ['AT', 'DE'],
        roles: ['technical'],
        deadline: at(DAY_MS),
      });
      const answer = await acknowledged(AT.client, check.id, AT.technical);
      const insert = portal.sqlite.prepare(
        `INSERT INTO check_acknowledgements (check_id, state_id, contact_id, acknowledged_at, response_seconds, late, note, attestation_id)
       VALUES (?, ?, ?, ?, 0, 0, NULL, ?)`,
      );
      const row = (state: string, contact: string) => [check.id, state, contact, START, answer.attestation_id];
      expect(() => insert.run(...row('AT', AT.technical))).toThrow(/UNIQUE constraint failed: check_acknowledgements/);
      expect(() => insert.run(...row('FR', FR.technical))).toThrow(
        /FOREIGN KEY constraint failed|contacts\.answering_contact/,
      );
      expect(() => insert.run(...row('DE', DE.policy))).toThrow(/CHECK constraint failed: contacts\.answering_contact/);
      expect(() => insert.run(...row('DE', AT.technical))).toThrow(
        /CHECK constraint failed: contacts\.answering_contact/,
      );
      portal.sqlite.prepare("UPDATE contacts SET status = 'withdrawn' WHERE id = ?").run(DE.technical);
      expect(() => insert.run(...row('DE', DE.technical))).toThrow(
        /CHECK constraint failed: contacts\.answering_contact/,
      );
      expect(count(portal.sqlite, 'check_acknowledgements')).toBe(1);
    },
  );
});

describe('checks: report and compliance', () => {
  it('reports on-time, late and no-answer per addressed state, with the median of the answers in time', async () => {
    const portal = await createTestPortal();
    const clients: Record<string, { client: TestClient; contact: string }> = {};
    for (const id of ['PL', 'DE', 'CZ', 'BE', 'AT', 'FR']) {
      const client = await portal.registerState(id);
      clients[id] = { client, contact: await publish(client) };
    }
    const { data: check } = await startCheck(portal, { deadline: at(6 * HOUR_MS) });
    const answer = async (state: string, afterMs: number) => {
      portal.clock.set(at(afterMs));
      return acknowledge(clients[state]!.client, check.id, { contact_id: clients[state]!.contact });
    };
    expect((await answer('CZ', 10 * 60 * 1000)).status).toBe(201);
    expect((await answer('AT', HOUR_MS)).status).toBe(201);
    expect((await answer('BE', 2 * HOUR_MS)).status).toBe(201);

    // While open: unanswered states are no-answer, the median covers the answers so far.
    const open = await report(clients.PL!.client, check.id);
    expect(open).toMatchObject({
      addressed: 6,
      answered_on_time: 3,
      answered_late: 0,
      not_answered: 3,
      median_response_seconds: 3600,
    });
    expect(open.check).toMatchObject({ id: check.id, status: 'open' });

    expect((await answer('DE', 4 * HOUR_MS)).status).toBe(201);
    expect((await answer('FR', 7 * HOUR_MS)).status).toBe(409);
    const closed = await report(clients.PL!.client, check.id);
    expect(closed).toEqual({
      check: { ...check, status: 'closed' },
      addressed: 6,
      answered_on_time: 4,
      answered_late: 1,
      not_answered: 1,
      median_response_seconds: 5400,
      rows: [
        {
          state: 'AT',
          outcome: 'on-time',
          contact_id: clients.AT!.contact,
          acknowledged_at: at(HOUR_MS),
          response_seconds: 3600,
        },
        {
          state: 'BE',
          outcome: 'on-time',
          contact_id: clients.BE!.contact,
          acknowledged_at: at(2 * HOUR_MS),
          response_seconds: 7200,
        },
        {
          state: 'CZ',
          outcome: 'on-time',
          contact_id: clients.CZ!.contact,
          acknowledged_at: at(10 * 60 * 1000),
          response_seconds: 600,
        },
        {
          state: 'DE',
          outcome: 'on-time',
          contact_id: clients.DE!.contact,
          acknowledged_at: at(4 * HOUR_MS),
          response_seconds: 14400,
        },
        {
          state: 'FR',
          outcome: 'late',
          contact_id: clients.FR!.contact,
          acknowledged_at: at(7 * HOUR_MS),
          response_seconds: 25200,
        },
        { state: 'PL', outcome: 'no-answer', contact_id: null, acknowledged_at: null, response_seconds: null },
      ],
    });
  });

  it('has no median when nobody answered in time', async () => {
    const { portal, AT } = await threeStates();
    const { data: check } = await startCheck(portal, { deadline: at(HOUR_MS) });
    portal.clock.advance(2 * HOUR_MS);
    expect((await acknowledge(AT.client, check.id, { contact_id: AT.technical })).status).toBe(409);
    expect(await report(AT.client, check.id)).toMatchObject({
      answered_on_time: 0,
      answered_late: 1,
      not_answered: 2,
      median_response_seconds: null,
    });
  });

  it('computes the median of an odd and an even number of answers', () => {
    expect(median([])).toBeNull();
    expect(median([7])).toBe(7);
    expect(median([30, 10, 20])).toBe(20);
    expect(median([40, 10, 30, 20])).toBe(25);
  });

  it("counts a state's history over checks whose deadline has passed", async () => {
    const { portal, AT, DE, FR } = await threeStates();
    const empty = { addressed: 0, answered_on_time: 0, answered_late: 0, missed: 0, last_check_at: null };
    const first = await startCheck(portal, { deadline: at(DAY_MS) });
    expect((await acknowledge(AT.client, first.data.id, { contact_id: AT.technical })).status).toBe(201);

    // Before the deadline the check does not count yet, not even for the state that answered.
    expect(await history(DE.client, 'AT')).toEqual(empty);
    portal.clock.set(at(2 * DAY_MS));
    expect((await acknowledge(FR.client, first.data.id, { contact_id: FR.policy })).status).toBe(409);
    expect(await history(DE.client, 'AT')).toEqual({
      addressed: 1,
      answered_on_time: 1,
      answered_late: 0,
      missed: 0,
      last_check_at: START,
    });
    expect(await history(DE.client, 'DE')).toEqual({
      addressed: 1,
      answered_on_time: 0,
      answered_late: 0,
      missed: 1,
      last_check_at: START,
    });
    expect(await history(DE.client, 'FR')).toEqual({
      addressed: 1,
      answered_on_time: 0,
      answered_late: 1,
      missed: 0,
      last_check_at: START,
    });

    // A second check, addressed to Germany and France only.
    const second = await startCheck(portal, { states: ['DE', 'FR'], deadline: at(3 * DAY_MS) });
    expect((await acknowledge(DE.client, second.data.id, { contact_id: DE.technical })).status).toBe(201);
    // A third, still open: not counted.
    await startCheck(portal, { deadline: at(10 * DAY_MS) });
    portal.clock.set(at(4 * DAY_MS));
    expect(await history(AT.client, 'AT')).toEqual({
      addressed: 1,
      answered_on_time: 1,
      answered_late: 0,
      missed: 0,
      last_check_at: START,
    });
    expect(await history(AT.client, 'DE')).toEqual({
      addressed: 2,
      answered_on_time: 1,
      answered_late: 0,
      missed: 1,
      last_check_at: at(2 * DAY_MS),
    });
    expect(await history(AT.client, 'FR')).toEqual({
      addressed: 2,
      answered_on_time: 0,
      answered_late: 1,
      missed: 1,
      last_check_at: at(2 * DAY_MS),
    });
  });
});
