import { describe, expect, it } from 'vitest';
import { contactBody, count, createTestPortal, START, type TestClient } from '../../test/support/portal.ts';
import type { ProblemBody } from '../../test/support/problem.ts';

const DAY_MS = 24 * 3600 * 1000;
const at = (ms: number) => new Date(Date.parse(START) + ms).toISOString();

interface Confirmation {
  id: string;
  state: string;
  confirmed_at: string;
  note: string | null;
  active_contacts: number;
  attestation_id: string;
  href: string;
}
interface Compliance {
  state: string;
  status: 'current' | 'confirmation-due';
  last_confirmed_at: string | null;
  confirmation_due_at: string | null;
  active_contacts: { policy: number; technical: number };
  late_changes: number;
  checks: {
    addressed: number;
    answered_on_time: number;
    answered_late: number;
    missed: number;
    last_check_at: string | null;
  };
  evaluated_at: string;
}

async function publish(client: TestClient, overrides: Record<string, unknown> = {}): Promise<string> {
  const res = await client.post('/contacts', contactBody(overrides));
  expect(res.status).toBe(201);
  return ((await res.json()) as { data: { id: string } }).data.id;
}

async function compliance(client: TestClient, state: string): Promise<Compliance> {
  const res = await client.get(`/states/${state}/compliance`);
  expect(res.status).toBe(200);
  return (await res.json()) as Compliance;
}

describe('states: confirmations', () => {
  it('records a state confirming its own entries, with the active contact count and an attestation', async () => {
    const portal = await createTestPortal();
    const austria = await portal.registerState('AT');
    await publish(austria, { role: 'technical' });
    await publish(austria, { role: 'policy' });
    const withdrawn = await publish(austria, { role: 'technical' });
    expect((await austria.post(`/contacts/${withdrawn}/withdraw`, {}, { headers: { 'If-Match': '"1"' } })).status).toBe(
      200,
    );

    const res = await austria.post('/states/AT/confirmations', { note: 'Annual review done.' });
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toBe('/states/AT/confirmations');
    const body = (await res.json()) as { data: Confirmation; attestation: { id: string; token: string } };
    expect(body.data).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-7/),
      state: 'AT',
      confirmed_at: START,
      note: 'Annual review done.',
      active_contacts: 2,
      attestation_id: body.attestation.id,
      href: '/states/AT/confirmations',
    });
    const row = portal.sqlite
      .prepare(
        'SELECT state_id, confirmed_at, note, active_contacts, attestation_id FROM contact_confirmations WHERE id = ?',
      )
      .get(body.data.id);
    expect(row).toEqual({
      state_id: 'AT',
      confirmed_at: START,
      note: 'Annual review done.',
      active_contacts: 2,
      attestation_id: body.attestation.id,
    });
    const attestation = portal.sqlite
      .prepare('SELECT subject, principal_id, operation FROM attestations WHERE id = ?')
      .get(body.attestation.id);
    expect(attestation).toEqual({
      subject: `urn:cbm:confirmation:${body.data.id}`,
      principal_id: 'AT',
      operation: 'confirmContacts',
    });
  });

  it('accepts an empty confirmation (no note, no contacts)', async () => {
    const portal = await createTestPortal();
    const austria = await portal.registerState('AT');
    const res = await austria.post('/states/AT/confirmations', {});
    expect(res.status).toBe(201);
    expect(((await res.json()) as { data: Confirmation }).data).toMatchObject({ note: null, active_contacts: 0 });
  });

  it("refuses a confirmation for another state's entries (403) and records nothing", async () => {
    const portal = await createTestPortal();
    await portal.registerState('AT');
    const germany = await portal.registerState('DE');
    const res = await germany.post('/states/AT/confirmations', {});
    expect(res.status).toBe(403);
    expect(((await res.json()) as ProblemBody).code).toBe('not-owner');
    expect(count(portal.sqlite, 'contact_confirmations')).toBe(0);

    // The Secretariat's keys cannot confirm for a state either.
    expect((await portal.secretariat.post('/states/AT/confirmations', {})).status).toBe(403);
    expect(count(portal.sqlite, 'contact_confirmations')).toBe(0);
  });

  it('lists confirmations newest first, paged by cursor, readable by other participants', async () => {
    const portal = await createTestPortal();
    const austria = await portal.registerState('AT');
    const germany = await portal.registerState('DE');
    const ids: string[] = [];
    for (const note of ['first', 'second', 'third']) {
      const res = await austria.post('/states/AT/confirmations', { note });
      ids.push(((await res.json()) as { data: Confirmation }).data.id);
      portal.clock.advance(30 * DAY_MS);
    }
    expect((await germany.post('/states/DE/confirmations', { note: 'German' })).status).toBe(201);

    const res = await germany.get('/states/AT/confirmations');
    expect(res.status).toBe(200);
    const page = (await res.json()) as { items: Confirmation[]; next_cursor: string | null };
    expect(page.items.map((item) => [item.note, item.confirmed_at])).toEqual([
      ['third', at(60 * DAY_MS)],
      ['second', at(30 * DAY_MS)],
      ['first', START],
    ]);
    expect(page.next_cursor).toBeNull();

    const first = (await (await germany.get('/states/AT/confirmations?limit=2')).json()) as {
      items: Confirmation[];
      next_cursor: string | null;
    };
    expect(first.items.map((item) => item.id)).toEqual([ids[2], ids[1]]);
    expect(first.next_cursor).not.toBeNull();
    const second = (await (
      await germany.get(`/states/AT/confirmations?limit=2&cursor=${first.next_cursor}`)
    ).json()) as {
      items: Confirmation[];
      next_cursor: string | null;
    };
    expect(second.items.map((item) => item.id)).toEqual([ids[0]]);
    expect(second.next_cursor).toBeNull();
  });
});

describe('states: compliance', () => {
  it('is confirmation-due for a state that never confirmed', async () => {
    const portal = await createTestPortal();
    const austria = await portal.registerState('AT');
    expect(await compliance(austria, 'AT')).toEqual({
      state: 'AT',
      status: 'confirmation-due',
      last_confirmed_at: null,
      confirmation_due_at: null,
      active_contacts: { policy: 0, technical: 0 },
      late_changes: 0,
      checks: { addressed: 0, answered_on_time: 0, answered_late: 0, missed: 0, last_check_at: null },
      evaluated_at: START,
    });
  });

  it('is current after a confirmation, due 365 days later, and confirmation-due after 366 days', async () => {
    const portal = await createTestPortal();
    const austria = await portal.registerState('AT');
    const germany = await portal.registerState('DE');
    expect((await austria.post('/states/AT/confirmations', {})).status).toBe(201);

    expect(await compliance(germany, 'AT')).toMatchObject({
      status: 'current',
      last_confirmed_at: START,
      confirmation_due_at: at(365 * DAY_MS),
      evaluated_at: START,
    });

    portal.clock.advance(365 * DAY_MS);
    expect((await compliance(germany, 'AT')).status).toBe('current');

    portal.clock.advance(DAY_MS);
    const due = await compliance(germany, 'AT');
    expect(due).toMatchObject({
      status: 'confirmation-due',
      last_confirmed_at: START,
      confirmation_due_at: at(365 * DAY_MS),
      evaluated_at: at(366 * DAY_MS),
    });

    // Confirming again starts a new year.
    expect((await austria.post('/states/AT/confirmations', {})).status).toBe(201);
    expect(await compliance(germany, 'AT')).toMatchObject({
      status: 'current',
      last_confirmed_at: at(366 * DAY_MS),
      confirmation_due_at: at(731 * DAY_MS),
    });
  });

  it('counts active contacts by role, leaving withdrawn ones and other states out', async () => {
    const portal = await createTestPortal();
    const austria = await portal.registerState('AT');
    const germany = await portal.registerState('DE');
    await publish(austria, { role: 'technical' });
    await publish(austria, { role: 'technical' });
    await publish(austria, { role: 'policy' });
    const gone = await publish(austria, { role: 'policy' });
    expect((await austria.post(`/contacts/${gone}/withdraw`, {}, { headers: { 'If-Match': '"1"' } })).status).toBe(200);
    await publish(germany, { role: 'policy' });

    expect((await compliance(austria, 'AT')).active_contacts).toEqual({ policy: 1, technical: 2 });
    expect((await compliance(austria, 'DE')).active_contacts).toEqual({ policy: 1, technical: 0 });
  });

  it('lists every state at a glance, each exactly as its own compliance answer, a page at a time', async () => {
    const portal = await createTestPortal();
    const austria = await portal.registerState('AT');
    const germany = await portal.registerState('DE');
    await portal.registerState('FR');
    await publish(austria, { role: 'technical' });
    expect((await austria.post('/states/AT/confirmations', {})).status).toBe(201);
    await publish(germany, { role: 'policy' });

    const res = await germany.get('/states/compliance');
    expect(res.status).toBe(200);
    const all = (await res.json()) as { items: Compliance[]; next_cursor: string | null };
    expect(all.next_cursor).toBeNull();
    expect(all.items.map((item) => item.state)).toEqual(['AT', 'DE', 'FR']);
    expect(all.items.map((item) => item.status)).toEqual(['current', 'confirmation-due', 'confirmation-due']);
    for (const item of all.items) expect(item).toEqual(await compliance(germany, item.state));

    const first = (await (await germany.get('/states/compliance?limit=2')).json()) as {
      items: Compliance[];
      next_cursor: string;
    };
    expect(first.items.map((item) => item.state)).toEqual(['AT', 'DE']);
    const rest = (await (await germany.get(`/states/compliance?limit=2&cursor=${first.next_cursor}`)).json()) as {
      items: Compliance[];
      next_cursor: null;
    };
    expect(rest).toEqual({ items: [all.items[2]], next_cursor: null });
  });

  it('counts late changes across versions', async () => {
    const portal = await createTestPortal();
    const austria = await portal.registerState('AT');
    const germany = await portal.registerState('DE');
    const late = (days: number) => ({ effective_at: new Date(Date.parse(START) - days * DAY_MS).toISOString() });
    const id = await publish(austria, late(45));
    await publish(austria, late(10));
    expect(
      (await austria.put(`/contacts/${id}`, contactBody(late(31)), { headers: { 'If-Match': '"1"' } })).status,
    ).toBe(200);
    await publish(germany, late(60));

    expect((await compliance(germany, 'AT')).late_changes).toBe(2);
    expect((await compliance(germany, 'DE')).late_changes).toBe(1);
  });

  it('answers 404 for a state that is not registered', async () => {
    const portal = await createTestPortal();
    const austria = await portal.registerState('AT');
    const compliance = await austria.get('/states/FR/compliance');
    expect(compliance.status).toBe(404);
    expect(((await compliance.json()) as ProblemBody).code).toBe('not-found');
    expect((await austria.get('/states/FR/confirmations')).status).toBe(404);
  });
});
