import type { JSONWebKeySet } from 'jose';
import { describe, expect, it } from 'vitest';
import { verifyAttestation, verifyEvidence, type Evidence } from '../../clients/typescript/src/index.ts';
import {
  contactBody,
  count,
  createTestPortal,
  ORIGIN,
  START,
  type TestClient,
  type TestPortal,
} from '../../test/support/portal.ts';
import { created, incidentBody, incidentStates, INCIDENT_SCOPES } from '../../test/support/incidents.ts';
import { addCalendarMonth, incidentDeadlines } from './repo.ts';
import { problem } from '../../test/support/problem.ts';

const HOUR_MS = 3600 * 1000;
const at = (ms: number) => new Date(Date.parse(START) + ms).toISOString();
const UNKNOWN_ID = '01900000-0000-7000-8000-000000000000';

interface Incident {
  id: string;
  stage: string;
  status: string;
  report_count: number;
  title: string;
  rsit_class: string;
  rsit_type: string | null;
  sectors: string[];
  indicators: { type: string; value: string }[];
  suspected_malicious: boolean;
  deadlines: Record<
    'early_warning' | 'notification' | 'final',
    { due_at: string | null; met_at: string | null; status: string }
  >;
}
interface Report {
  incident_id: string;
  report_no: number;
  stage: string;
  summary: string;
  title: string;
  rsit_class: string;
  rsit_type: string | null;
  sectors: string[];
  indicators: { type: string; value: string }[];
  href: string;
}

const WRITE_TABLES = [
  'incidents',
  'incident_reports',
  'incident_acknowledgements',
  'record_recipients',
  'attestations',
  'log_leaves',
] as const;
const snapshot = (portal: TestPortal) =>
  Object.fromEntries(WRITE_TABLES.map((table) => [table, count(portal.sqlite, table)]));

async function read<T>(client: TestClient, path: string): Promise<T> {
  const res = await client.get(path);
  expect(res.status).toBe(200);
  return (await res.json()) as T;
}

async function setup() {
  const portal = await createTestPortal();
  const states = await incidentStates(portal, ['AT', 'BE', 'CZ']);
  return { portal, ...states };
}

describe('incident deadlines', () => {
  it('adds a calendar month in UTC, clamped to the end of shorter months', () => {
    expect(addCalendarMonth('2026-11-27T19:00:00.000Z')).toBe('2026-12-27T19:00:00.000Z');
    expect(addCalendarMonth('2026-12-15T08:30:00.000Z')).toBe('2027-01-15T08:30:00.000Z');
    expect(addCalendarMonth('2027-01-31T23:59:59.999Z')).toBe('2027-02-28T23:59:59.999Z');
    expect(addCalendarMonth('2028-01-31T00:00:00.000Z')).toBe('2028-02-29T00:00:00.000Z');
    expect(addCalendarMonth('2026-03-31T12:00:00.000Z')).toBe('2026-04-30T12:00:00.000Z');
  });

  it('judges each stage met, late, pending or overdue against the clock it is given', () => {
    const head = {
      aware_at: '2026-11-20T00:00:00.000Z',
      opened_at: '2026-11-21T00:00:00.001Z',
      notification_due_at: '2026-11-23T00:00:00.000Z',
      notified_at: '2026-11-22T00:00:00.000Z',
      final_due_at: '2026-12-22T00:00:00.000Z',
      final_met_at: null,
    };
    const before = incidentDeadlines(head, new Date('2026-12-22T00:00:00.000Z'));
    expect(before).toEqual({
      deadlines: {
        early_warning: { due_at: '2026-11-21T00:00:00.000Z', met_at: '2026-11-21T00:00:00.001Z', status: 'late' },
        notification: { due_at: '2026-11-23T00:00:00.000Z', met_at: '2026-11-22T00:00:00.000Z', status: 'met' },
        final: { due_at: '2026-12-22T00:00:00.000Z', met_at: null, status: 'pending' },
      },
      overdue: false,
    });
    expect(incidentDeadlines(head, new Date('2026-12-22T00:00:00.001Z'))).toMatchObject({
      overdue: true,
      deadlines: { final: { status: 'overdue' } },
    });
  });
});

describe('incidents: notifying', () => {
  it('opens with the notification when the state is past the early warning, and the final report falls due a month on', async () => {
    const { portal, AT } = await setup();
    const { data } = await created<Incident>(
      AT,
      '/incidents',
      incidentBody({ stage: 'notification', aware_at: at(-30 * HOUR_MS) }),
    );
    expect(data).toMatchObject({
      stage: 'notification',
      deadlines: {
        early_warning: { due_at: at(-6 * HOUR_MS), met_at: START, status: 'late' },
        notification: { due_at: at(42 * HOUR_MS), met_at: START, status: 'met' },
        final: { due_at: '2026-12-27T09:00:00.000Z', met_at: null, status: 'pending' },
      },
    });
    // An intermediate report may follow at once.
    expect(
      (await AT.post(`/incidents/${data.id}/reports`, { stage: 'intermediate', summary: 'Requested update' })).status,
    ).toBe(201);
    expect(count(portal.sqlite, 'incident_reports')).toBe(2);
  });

  it('stores exactly the fields sent, with their defaults, and an attestation whose evidence verifies offline', async () => {
    const { portal, AT, BE } = await setup();
    const body = incidentBody({
      sectors: undefined,
      indicators: undefined,
      rsit_type: undefined,
      tlp: 'TLP:CLEAR',
      recipients: undefined,
    });
    const { data, attestation } = await created<Incident>(AT, '/incidents', body);
    expect(data).toMatchObject({
      stage: 'early-warning',
      rsit_type: null,
      sectors: [],
      indicators: [],
      suspected_malicious: true,
    });
    const jwks = (await (await portal.fetch(new Request(`${ORIGIN}/.well-known/jwks.json`))).json()) as JSONWebKeySet;
    const claims = await verifyAttestation(attestation.token, jwks, { issuer: ORIGIN });
    expect(claims).toMatchObject({
      sub: `urn:cbm:incident:${data.id}:report:1`,
      principal: 'AT',
      operation: 'createIncident',
    });
    const evidence = await read<Evidence>(BE, `/attestations/${attestation.id}/evidence`);
    const verified = await verifyEvidence(evidence, claims, AT.publicJwk);
    expect(JSON.parse(new TextDecoder().decode(verified.body))).toEqual(JSON.parse(JSON.stringify(body)));
  });

  it('accepts an awareness time a few minutes ahead of the portal clock (skew), not more', async () => {
    const { AT } = await setup();
    expect((await AT.post('/incidents', incidentBody({ aware_at: at(4 * 60 * 1000) }))).status).toBe(201);
    expect((await AT.post('/incidents', incidentBody({ aware_at: at(6 * 60 * 1000) }))).status).toBe(422);
  });

  const badBodies: [string, Record<string, unknown>, string][] = [
    ['duplicate recipients', { recipients: ['BE', 'BE'] }, '/recipients'],
    [
      'more than 250 recipients',
      {
        recipients: Array.from(
          { length: 251 },
          (_, i) => `${String.fromCharCode(65 + Math.floor(i / 26))}${String.fromCharCode(65 + (i % 26))}`,
        ),
      },
      '/recipients',
    ],
    ['a principal id that is no principal id', { recipients: ['be'] }, '/recipients/0'],
    ['an empty recipient list for TLP:RED', { tlp: 'TLP:RED', recipients: [] }, '/recipients'],
    ['recipients for TLP:CLEAR', { tlp: 'TLP:CLEAR' }, '/recipients'],
    ['a type of another RSIT class', { rsit_class: 'fraud', rsit_type: 'ddos' }, '/rsit_type'],
    ['an unknown RSIT class', { rsit_class: 'cyberwar' }, '/rsit_class'],
    ['a severity without scale', { severity: { value: '3' } }, '/severity/scale'],
    ['an unknown sector', { sectors: ['casinos'] }, '/sectors/0'],
    ['an indicator of an unknown type', { indicators: [{ type: 'ja3', value: 'abc' }] }, '/indicators/0/type'],
    ['a report stage at creation', { stage: 'final' }, '/stage'],
    ['an awareness time that is not a date-time', { aware_at: 'yesterday' }, '/aware_at'],
    ['an empty summary', { summary: '' }, '/summary'],
  ];
  for (const [name, overrides, pointer] of badBodies) {
    it(`refuses ${name} (422 at ${pointer}) and writes nothing`, async () => {
      const { portal, AT } = await setup();
      const before = snapshot(portal);
      const res = await AT.post('/incidents', incidentBody(overrides));
      expect(res.status).toBe(422);
      expect((await problem(res)).errors?.map((error) => error.pointer)).toContain(pointer);
      expect(snapshot(portal)).toEqual(before);
    });
  }
});

describe('incidents: who may write', () => {
  it('needs incidents:write, which only state keys hold; a notifier key with only that scope notifies and does nothing else', async () => {
    const portal = await createTestPortal();
    const contactsOnly = await portal.registerState('AT');
    const refused = await contactsOnly.post('/incidents', incidentBody({ recipients: undefined, tlp: 'TLP:GREEN' }));
    expect(refused.status).toBe(403);
    expect((await problem(refused)).code).toBe('insufficient-scope');

    const notifier = await portal.addKey('AT', { scopes: ['incidents:write'] });
    expect((await notifier.post('/incidents', incidentBody({ recipients: undefined, tlp: 'TLP:GREEN' }))).status).toBe(
      201,
    );
    expect((await notifier.post('/contacts', contactBody())).status).toBe(403);
    expect((await notifier.get('/incidents')).status).toBe(403);

    const { generateSigningKey } = await import('../../clients/typescript/src/index.ts');
    const key = await generateSigningKey('EdDSA');
    const secretariatKey = await portal.secretariat.post('/principals/secretariat/keys', {
      jwk: key.publicJwk,
      scopes: ['read', 'incidents:write'],
    });
    expect(secretariatKey.status).toBe(422);
    expect((await problem(secretariatKey)).errors?.map((error) => error.pointer)).toEqual(['/scopes/1']);
  });

  it('answers 404 alike for an incident that does not exist and one the caller may not see', async () => {
    const { AT, CZ } = await setup();
    const { data } = await created<Incident>(AT, '/incidents', incidentBody());
    const hidden = await problem(await CZ.get(`/incidents/${data.id}`));
    const missing = await problem(await CZ.get(`/incidents/${UNKNOWN_ID}`));
    expect(hidden.status).toBe(404);
    expect({ ...hidden, detail: hidden.detail.replace(data.id, 'ID'), instance: undefined }).toEqual({
      ...missing,
      detail: missing.detail.replace(UNKNOWN_ID, 'ID'),
      instance: undefined,
    });
    expect((await CZ.get('/incidents/not-an-id')).status).toBe(400);
    expect((await AT.get(`/incidents/${data.id}/reports/2`)).status).toBe(404);
    expect((await AT.get(`/incidents/${data.id}/reports/0`)).status).toBe(400);
  });

  it("refuses another state's report and writes nothing", async () => {
    const { portal, AT, BE } = await setup();
    const { data } = await created<Incident>(AT, '/incidents', incidentBody());
    const before = snapshot(portal);
    const res = await BE.post(`/incidents/${data.id}/reports`, { stage: 'notification', summary: 'Hijack' });
    expect(res.status).toBe(403);
    expect((await problem(res)).code).toBe('not-author');
    expect(snapshot(portal)).toEqual(before);
  });
});

describe('incidents: visibility of every report', () => {
  it('keeps the TLP and recipients the incident opened with for every report: a report cannot re-address it', async () => {
    const { portal, AT, BE, CZ } = await setup();
    const { data } = await created<Incident>(AT, '/incidents', incidentBody({ tlp: 'TLP:RED', recipients: ['BE'] }));
    const before = snapshot(portal);
    const res = await AT.post(`/incidents/${data.id}/reports`, {
      stage: 'notification',
      summary: 'To Czechia too',
      tlp: 'TLP:GREEN',
      recipients: ['BE', 'CZ'],
    });
    expect(res.status).toBe(422);
    expect(((await problem(res)).errors ?? []).map((error) => error.pointer).sort()).toEqual(['/recipients', '/tlp']);
    expect(snapshot(portal)).toEqual(before);

    const report = await created<Report>(AT, `/incidents/${data.id}/reports`, {
      stage: 'notification',
      summary: 'Confirmed.',
    });
    expect(
      portal.sqlite.prepare('SELECT record_id, tlp FROM attestations WHERE id = ?').get(report.attestation.id),
    ).toEqual({ record_id: data.id, tlp: 'TLP:RED' });
    expect((await CZ.get(`/incidents/${data.id}/reports/2`)).status).toBe(404);
    expect((await BE.get(`/incidents/${data.id}/reports/2`)).status).toBe(200);
  });
});

describe('incidents: staged reports', () => {
  const refusals: [string, string[], string, string][] = [
    ['an intermediate report before the notification', [], 'intermediate', 'notification-required'],
    ['a progress report before the notification', [], 'progress', 'notification-required'],
    ['a final report before the notification', [], 'final', 'notification-required'],
    ['a second notification', ['notification'], 'notification', 'already-notified'],
    ['a report after the final one', ['notification', 'final'], 'progress', 'incident-closed'],
  ];
  for (const [name, earlier, stage, code] of refusals) {
    it(`refuses ${name} (409 ${code}) and writes nothing`, async () => {
      const { portal, AT } = await setup();
      const { data } = await created<Incident>(AT, '/incidents', incidentBody());
      for (const previous of earlier)
        await created(AT, `/incidents/${data.id}/reports`, { stage: previous, summary: previous });
      const before = snapshot(portal);
      const res = await AT.post(`/incidents/${data.id}/reports`, { stage, summary: 'out of order' });
      expect(res.status).toBe(409);
      expect((await problem(res)).code).toBe(code);
      expect(snapshot(portal)).toEqual(before);
    });
  }

  it('refuses an early warning as a later report (422 at /stage)', async () => {
    const { AT } = await setup();
    const { data } = await created<Incident>(AT, '/incidents', incidentBody());
    const res = await AT.post(`/incidents/${data.id}/reports`, { stage: 'early-warning', summary: 'again' });
    expect(res.status).toBe(422);
    expect((await problem(res)).errors?.map((error) => error.pointer)).toEqual(['/stage']);
  });

  it('carries fields over from the previous report; rsit_class and rsit_type go together; given lists replace', async () => {
    const { AT, BE } = await setup();
    const { data } = await created<Incident>(AT, '/incidents', incidentBody({ sectors: ['energy', 'transport'] }));
    const second = await created<Report>(AT, `/incidents/${data.id}/reports`, {
      stage: 'notification',
      summary: 'Attribution: criminal',
      rsit_class: 'fraud',
      sectors: ['banking'],
    });
    expect(second.data).toMatchObject({
      report_no: 2,
      title: 'DDoS against the federal e-government portal',
      rsit_class: 'fraud',
      rsit_type: null,
      sectors: ['banking'],
      indicators: [{ type: 'ipv4', value: '198.51.100.23' }],
      href: `/incidents/${data.id}/reports/2`,
    });
    const typeOnly = await AT.post(`/incidents/${data.id}/reports`, {
      stage: 'intermediate',
      summary: 'Type',
      rsit_type: 'ddos',
    });
    expect(typeOnly.status).toBe(422);
    expect((await problem(typeOnly)).errors?.map((error) => error.pointer)).toEqual(['/rsit_type']);
    await created(AT, `/incidents/${data.id}/reports`, {
      stage: 'intermediate',
      summary: 'Type',
      rsit_type: 'phishing',
      indicators: [],
      suspected_malicious: false,
    });

    const incident = await read<Incident>(BE, `/incidents/${data.id}`);
    expect(incident).toMatchObject({
      report_count: 3,
      rsit_class: 'fraud',
      rsit_type: 'phishing',
      indicators: [],
      sectors: ['banking'],
      suspected_malicious: false,
    });
    // Report 1 is unchanged: reports are immutable.
    expect(await read<Report>(BE, `/incidents/${data.id}/reports/1`)).toMatchObject({
      rsit_class: 'availability',
      rsit_type: 'ddos',
      sectors: ['energy', 'transport'],
    });
  });

  it('accepts If-Match * and the current ETag, refuses a stale one with 412 and writes nothing', async () => {
    const { portal, AT, BE } = await setup();
    const { data } = await created<Incident>(AT, '/incidents', incidentBody());
    expect(
      (
        await AT.post(
          `/incidents/${data.id}/reports`,
          { stage: 'notification', summary: 'n' },
          { headers: { 'if-match': '*' } },
        )
      ).status,
    ).toBe(201);
    const current = await BE.get(`/incidents/${data.id}`);
    expect(current.headers.get('etag')).toBe('"2"');
    expect(
      (
        await AT.post(
          `/incidents/${data.id}/reports`,
          { stage: 'intermediate', summary: 'i' },
          { headers: { 'if-match': '"2"' } },
        )
      ).status,
    ).toBe(201);
    const before = snapshot(portal);
    const stale = await AT.post(
      `/incidents/${data.id}/reports`,
      { stage: 'intermediate', summary: 'stale' },
      { headers: { 'if-match': '"2"' } },
    );
    expect(stale.status).toBe(412);
    expect((await problem(stale)).code).toBe('precondition-failed');
    expect(snapshot(portal)).toEqual(before);
  });

  it('replays a retried report under its Idempotency-Key instead of filing it twice', async () => {
    const { portal, AT } = await setup();
    const { data } = await created<Incident>(AT, '/incidents', incidentBody());
    const headers = { 'idempotency-key': '"report-2"' };
    const first = await created<Report>(
      AT,
      `/incidents/${data.id}/reports`,
      { stage: 'notification', summary: 'n' },
      headers,
    );
    const retry = await AT.post(`/incidents/${data.id}/reports`, { stage: 'notification', summary: 'n' }, { headers });
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.headers.get('location')).toBe(`/incidents/${data.id}/reports/2`);
    expect(await retry.json()).toEqual(first);
    const other = await AT.post(`/incidents/${data.id}/reports`, { stage: 'intermediate', summary: 'i' }, { headers });
    expect(other.status).toBe(422);
    expect(count(portal.sqlite, 'incident_reports')).toBe(2);
  });
});

describe('incidents: acknowledgements', () => {
  it('replays a retried acknowledgement and lists acknowledgements in arrival order, paged', async () => {
    const portal = await createTestPortal();
    const { AT, BE, CZ } = await incidentStates(portal, ['AT', 'BE', 'CZ', 'DE']);
    const { data } = await created<Incident>(AT, '/incidents', incidentBody({ recipients: ['DE', 'CZ', 'BE'] }));
    const headers = { 'idempotency-key': 'ack-1' };
    const first = await created(CZ, `/incidents/${data.id}/acknowledgements`, {}, headers);
    const retry = await CZ.post(`/incidents/${data.id}/acknowledgements`, {}, { headers });
    expect(retry.status).toBe(201);
    expect(await retry.json()).toEqual(first);
    portal.clock.advance(60_000);
    await created(BE, `/incidents/${data.id}/acknowledgements`, { note: 'seen' });

    const page1 = await read<{
      items: { state: string; acknowledged_at: string }[];
      next_cursor: string | null;
      awaiting: string[];
    }>(AT, `/incidents/${data.id}/acknowledgements?limit=1`);
    expect(page1.items.map((item) => [item.state, item.acknowledged_at])).toEqual([['CZ', START]]);
    expect(page1.awaiting).toEqual(['DE']);
    const page2 = await read<{ items: { state: string; acknowledged_at: string }[]; next_cursor: string | null }>(
      AT,
      `/incidents/${data.id}/acknowledgements?limit=1&cursor=${page1.next_cursor}`,
    );
    expect(page2.items.map((item) => [item.state, item.acknowledged_at])).toEqual([['BE', at(60_000)]]);
    expect(page2.next_cursor).toBeNull();
    expect(count(portal.sqlite, 'incident_acknowledgements')).toBe(2);
    expect((await read<{ acknowledgement_count: number }>(BE, `/incidents/${data.id}`)).acknowledgement_count).toBe(2);
  });

  it('puts the acknowledgement in the feed of those who see the incident, with the record href', async () => {
    const { AT, BE, CZ } = await setup();
    const { data } = await created<Incident>(AT, '/incidents', incidentBody());
    const ack = await created(BE, `/incidents/${data.id}/acknowledgements`, {});
    const feed = await read<{
      items: { attestation_id: string; subject: string; record_href: string | null; tlp: string | null }[];
    }>(AT, '/feed');
    expect(feed.items.slice(-2)).toEqual([
      expect.objectContaining({
        subject: `urn:cbm:incident:${data.id}:report:1`,
        record_href: `/incidents/${data.id}/reports/1`,
        tlp: 'TLP:AMBER',
      }),
      expect.objectContaining({
        attestation_id: ack.attestation.id,
        subject: `urn:cbm:incident:${data.id}:ack:BE`,
        record_href: `/incidents/${data.id}/acknowledgements`,
        tlp: 'TLP:AMBER',
      }),
    ]);
    const other = await read<{ items: { subject: string }[] }>(CZ, '/feed');
    expect(other.items.filter((item) => item.subject.startsWith('urn:cbm:incident:'))).toEqual([]);
  });
});

describe('incidents: listing', () => {
  it('lists newest first with a cursor, and filters by state and status', async () => {
    const { portal, AT, BE, CZ } = await setup();
    const ids: string[] = [];
    for (const [author, recipients] of [
      [AT, ['BE']],
      [BE, ['AT']],
      [AT, ['BE']],
      [CZ, ['AT']],
    ] as const) {
      ids.push((await created<Incident>(author, '/incidents', incidentBody({ recipients: [...recipients] }))).data.id);
      portal.clock.advance(1000);
    }
    await created(AT, `/incidents/${ids[2]}/reports`, { stage: 'notification', summary: 'n' });
    await created(AT, `/incidents/${ids[2]}/reports`, { stage: 'final', summary: 'f' });

    const page1 = await read<{ items: { id: string }[]; next_cursor: string | null }>(AT, '/incidents?limit=2');
    expect(page1.items.map((item) => item.id)).toEqual([ids[3], ids[2]]);
    const page2 = await read<{ items: { id: string }[]; next_cursor: string | null }>(
      AT,
      `/incidents?limit=2&cursor=${page1.next_cursor}`,
    );
    expect(page2.items.map((item) => item.id)).toEqual([ids[1], ids[0]]);
    expect(page2.next_cursor).toBeNull();

    expect((await read<{ items: { id: string }[] }>(BE, '/incidents?state=AT')).items.map((item) => item.id)).toEqual([
      ids[2],
      ids[0],
    ]);
    expect(
      (await read<{ items: { id: string }[] }>(BE, '/incidents?status=closed')).items.map((item) => item.id),
    ).toEqual([ids[2]]);
    expect(
      (await read<{ items: { id: string }[] }>(BE, '/incidents?status=open')).items.map((item) => item.id),
    ).toEqual([ids[1], ids[0]]);
    // CZ sees only its own.
    expect((await read<{ items: { id: string }[] }>(CZ, '/incidents')).items.map((item) => item.id)).toEqual([ids[3]]);
  });
});

describe('incidents: scopes', () => {
  it('registers state keys with incidents:write through the API', async () => {
    const portal = await createTestPortal();
    const client = await portal.registerState('AT', { scopes: INCIDENT_SCOPES });
    const keys = await read<{ items: { scopes: string[] }[] }>(client, '/principals/AT/keys');
    expect(keys.items[0]!.scopes).toEqual(INCIDENT_SCOPES);
  });
});
