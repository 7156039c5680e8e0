/**
 * Incident notifications and consultation requests on every runtime: Node + SQLite
 * (test/core.test.ts) and workerd + D1 (test/workers/core.test.ts). The visibility rule,
 * Idempotency-Key and the commit-time conditions (one acknowledgement per state, stage
 * order) must hold on D1's batch() as on a SQLite transaction, and the feed must hand a
 * reader every entry it may see exactly once while others write. Deeper cases live in
 * src/incidents/incidents.test.ts and src/requests/requests.test.ts (Node).
 */
import { describe, expect, it } from 'vitest';
import { ConstraintViolation } from '../../src/db/portal-db.ts';
import { START, type PortalHarness, type TestClient } from '../support/harness.ts';
import { created, incidentBody, incidentStates, requestBody, type Written } from '../support/incidents.ts';
import { problem } from '../support/problem.ts';

type MakePortal = () => Promise<PortalHarness>;

const HOUR_MS = 3600 * 1000;
const at = (ms: number) => new Date(Date.parse(START) + ms).toISOString();
const TLPS = ['TLP:CLEAR', 'TLP:GREEN', 'TLP:AMBER', 'TLP:AMBER+STRICT', 'TLP:RED'] as const;
const RESTRICTED = new Set<string>(['TLP:AMBER', 'TLP:AMBER+STRICT', 'TLP:RED']);
const TABLES = [
  'incidents',
  'incident_reports',
  'incident_acknowledgements',
  'consultation_requests',
  'request_responses',
  'record_recipients',
  'attestations',
  'log_leaves',
  'idempotency_keys',
] as const;

interface Deadline {
  due_at: string | null;
  met_at: string | null;
  status: string;
}
interface Incident {
  id: string;
  state: string;
  tlp: string;
  recipients: string[];
  stage: string;
  status: string;
  report_count: number;
  severity: { scale: string; value: string };
  deadlines: { early_warning: Deadline; notification: Deadline; final: Deadline };
  overdue: boolean;
  acknowledgement_count: number;
  attestation_id: string;
}
interface FeedPage {
  items: {
    attestation_id: string;
    subject: string;
    log_index: number;
    tlp: string | null;
    record_href: string | null;
  }[];
  next_cursor: string | null;
  has_more: boolean;
}

async function snapshot(portal: PortalHarness) {
  const counts: Record<string, number> = {};
  for (const table of TABLES) counts[table] = await portal.rows(table);
  return counts;
}

async function json<T>(res: Response): Promise<T> {
  expect(res.status).toBe(200);
  return (await res.json()) as T;
}

/** Reads the whole feed from `cursor` (or the start) to its end. */
async function drainFeed(client: TestClient, cursor: string | null, limit = 50) {
  const items: FeedPage['items'] = [];
  for (;;) {
    const page = await json<FeedPage>(await client.get(`/feed?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`));
    items.push(...page.items);
    cursor = page.next_cursor;
    if (!page.has_more) return { items, cursor };
  }
}

export function incidentsSuite(runtime: string, makePortal: MakePortal) {
  describe(`incident notifications on ${runtime}`, () => {
    it('opens with an early warning, grows by staged reports, computes deadlines and records acknowledgements', async () => {
      const portal = await makePortal();
      const { AT, BE, CZ } = await incidentStates(portal, ['AT', 'BE', 'CZ']);
      const before = await snapshot(portal);

      const res = await AT.post('/incidents', incidentBody());
      expect(res.status).toBe(201);
      const { data, attestation } = (await res.json()) as Written<Incident>;
      expect(res.headers.get('location')).toBe(`/incidents/${data.id}`);
      expect(res.headers.get('etag')).toBe('"1"');
      expect(data).toMatchObject({
        state: 'AT',
        tlp: 'TLP:AMBER',
        recipients: ['BE'],
        stage: 'early-warning',
        status: 'open',
        report_count: 1,
        overdue: false,
        acknowledgement_count: 0,
        attestation_id: attestation.id,
        deadlines: {
          early_warning: { due_at: '2026-11-28T08:00:00.000Z', met_at: START, status: 'met' },
          notification: { due_at: '2026-11-30T08:00:00.000Z', met_at: null, status: 'pending' },
          final: { due_at: null, met_at: null, status: 'pending' },
        },
      });
      expect(await snapshot(portal)).toEqual({
        ...before,
        incidents: 1,
        incident_reports: 1,
        record_recipients: 2, // BE, and the author (see src/visibility/recipients.ts)
        attestations: before.attestations! + 1,
        log_leaves: before.log_leaves! + 1,
      });
      const attested = await json<{ subject: string; operation: string }>(
        await BE.get(`/attestations/${attestation.id}`),
      );
      expect(attested).toMatchObject({ subject: `urn:cbm:incident:${data.id}:report:1`, operation: 'createIncident' });

      // The recipient reads it; a state that is not listed does not know it exists.
      expect(await json(await BE.get(`/incidents/${data.id}`))).toEqual(data);
      expect((await CZ.get(`/incidents/${data.id}`)).status).toBe(404);

      // The notification, 10 hours later: in time; the final report is now due a month on.
      portal.clock.advance(10 * HOUR_MS);
      const notification = await AT.post(
        `/incidents/${data.id}/reports`,
        {
          stage: 'notification',
          summary: 'Mitigated upstream; root cause under analysis.',
          severity: { scale: 'national CSIRT scale 1-4', value: '2' },
        },
        { headers: { 'if-match': '"1"' } },
      );
      expect(notification.status).toBe(201);
      expect(notification.headers.get('etag')).toBe('"2"');
      expect(notification.headers.get('location')).toBe(`/incidents/${data.id}/reports/2`);
      expect(
        ((await notification.json()) as Written<{ report_no: number; stage: string; title: string; rsit_type: string }>)
          .data,
      ).toMatchObject({
        report_no: 2,
        stage: 'notification',
        title: 'DDoS against the federal e-government portal',
        rsit_type: 'ddos',
      });
      const stale = await AT.post(
        `/incidents/${data.id}/reports`,
        { stage: 'intermediate', summary: 'Based on report 1' },
        { headers: { 'if-match': '"1"' } },
      );
      expect(stale.status).toBe(412);

      const notified = await json<Incident>(await BE.get(`/incidents/${data.id}`));
      expect(notified).toMatchObject({ stage: 'notification', report_count: 2, severity: { value: '2' } });
      expect(notified.deadlines.notification).toEqual({
        due_at: '2026-11-30T08:00:00.000Z',
        met_at: at(10 * HOUR_MS),
        status: 'met',
      });
      expect(notified.deadlines.final).toEqual({ due_at: '2026-12-27T19:00:00.000Z', met_at: null, status: 'pending' });

      expect(
        (await AT.post(`/incidents/${data.id}/reports`, { stage: 'intermediate', summary: 'Attribution pending.' }))
          .status,
      ).toBe(201);
      portal.clock.advance(7 * 24 * HOUR_MS);
      expect(
        (
          await AT.post(`/incidents/${data.id}/reports`, {
            stage: 'final',
            summary: 'Closed: reflection DDoS, no data affected.',
          })
        ).status,
      ).toBe(201);
      const closed = await json<Incident>(await BE.get(`/incidents/${data.id}`));
      expect(closed).toMatchObject({ stage: 'final', status: 'closed', report_count: 4, overdue: false });
      expect(closed.deadlines.final.status).toBe('met');
      const after = await AT.post(`/incidents/${data.id}/reports`, {
        stage: 'intermediate',
        summary: 'One more thing',
      });
      expect(after.status).toBe(409);
      expect((await problem(after)).code).toBe('incident-closed');

      const reports = await json<{ items: { report_no: number; stage: string }[] }>(
        await BE.get(`/incidents/${data.id}/reports`),
      );
      expect(reports.items.map((report) => [report.report_no, report.stage])).toEqual([
        [1, 'early-warning'],
        [2, 'notification'],
        [3, 'intermediate'],
        [4, 'final'],
      ]);

      // Acknowledgements: the recipient once; the author sees who, and when.
      const pending = await json<{ items: unknown[]; awaiting: string[] }>(
        await AT.get(`/incidents/${data.id}/acknowledgements`),
      );
      expect(pending).toMatchObject({ items: [], awaiting: ['BE'] });
      const ack = await BE.post(`/incidents/${data.id}/acknowledgements`, { note: 'Received by CERT duty officer' });
      expect(ack.status).toBe(201);
      const ackBody = (await ack.json()) as Written<{ state: string; acknowledged_at: string; report_no: number }>;
      expect(ackBody.data).toMatchObject({
        incident_id: data.id,
        state: 'BE',
        acknowledged_at: portal.clock.now().toISOString(),
        report_no: 4,
        note: 'Received by CERT duty officer',
      });
      const twice = await BE.post(`/incidents/${data.id}/acknowledgements`, {});
      expect(twice.status).toBe(409);
      expect((await problem(twice)).code).toBe('already-acknowledged');
      expect((await CZ.post(`/incidents/${data.id}/acknowledgements`, {})).status).toBe(404);
      const own = await AT.post(`/incidents/${data.id}/acknowledgements`, {});
      expect(own.status).toBe(403);
      expect((await problem(own)).code).toBe('not-a-recipient');
      const acks = await json<{
        items: { state: string; acknowledged_at: string; attestation_id: string }[];
        awaiting: string[];
      }>(await AT.get(`/incidents/${data.id}/acknowledgements`));
      expect(acks).toEqual({ items: [ackBody.data], next_cursor: null, awaiting: [] });
      expect((await json<Incident>(await AT.get(`/incidents/${data.id}`))).acknowledgement_count).toBe(1);
      expect(portal.logged).toEqual([]);
    });

    for (const tlp of TLPS) {
      it(`shows a ${tlp} incident exactly to those it goes to, in every read, list and the feed`, async () => {
        const portal = await makePortal();
        const { AT, BE, CZ } = await incidentStates(portal, ['AT', 'BE', 'CZ']);
        const restricted = RESTRICTED.has(tlp);
        const { data, attestation } = await created<Incident>(
          AT,
          '/incidents',
          incidentBody({ tlp, recipients: restricted ? ['BE'] : undefined }),
        );
        const readers: [string, TestClient, boolean][] = [
          ['the author', AT, true],
          ['a listed recipient or participant', BE, true],
          ['another state', CZ, !restricted],
          ['the Secretariat (not listed)', portal.secretariat, tlp === 'TLP:CLEAR'],
        ];
        for (const [who, client, sees] of readers) {
          const expected = sees ? 200 : 404;
          expect([who, (await client.get(`/incidents/${data.id}`)).status]).toEqual([who, expected]);
          expect([who, (await client.get(`/incidents/${data.id}/reports`)).status]).toEqual([who, expected]);
          expect([who, (await client.get(`/incidents/${data.id}/reports/1`)).status]).toEqual([who, expected]);
          expect([who, (await client.get(`/incidents/${data.id}/acknowledgements`)).status]).toEqual([who, expected]);
          expect([who, (await client.get(`/attestations/${attestation.id}`)).status]).toEqual([who, expected]);
          expect([who, (await client.get(`/attestations/${attestation.id}/evidence`)).status]).toEqual([who, expected]);
          const list = await json<{ items: { id: string }[] }>(await client.get('/incidents'));
          expect([who, list.items.some((item) => item.id === data.id)]).toEqual([who, sees]);
          const feed = await drainFeed(client, null);
          expect([who, feed.items.some((item) => item.attestation_id === attestation.id)]).toEqual([who, sees]);
        }

        // Writes: only the author files reports; a state that cannot see the incident learns nothing.
        const byRecipient = await BE.post(`/incidents/${data.id}/reports`, {
          stage: 'notification',
          summary: 'Not mine to file',
        });
        expect(byRecipient.status).toBe(403);
        expect((await problem(byRecipient)).code).toBe('not-author');
        expect(
          (await CZ.post(`/incidents/${data.id}/reports`, { stage: 'notification', summary: 'Not mine to file' }))
            .status,
        ).toBe(restricted ? 404 : 403);
        const bySecretariat = await portal.secretariat.post(`/incidents/${data.id}/acknowledgements`, {});
        expect(bySecretariat.status).toBe(403);
        expect((await problem(bySecretariat)).code).toBe('insufficient-scope');

        // Acknowledgement: every participating state for GREEN and CLEAR, the listed ones otherwise.
        const ack = await created(BE, `/incidents/${data.id}/acknowledgements`, {});
        expect((await CZ.post(`/incidents/${data.id}/acknowledgements`, {})).status).toBe(restricted ? 404 : 201);
        // The acknowledgement, attested by BE, is seen by whoever sees the incident: its author too.
        for (const [who, client, sees] of readers) {
          expect([who, (await client.get(`/attestations/${ack.attestation.id}`)).status]).toEqual([
            who,
            sees ? 200 : 404,
          ]);
          const feed = await drainFeed(client, null);
          expect([who, feed.items.some((item) => item.attestation_id === ack.attestation.id)]).toEqual([who, sees]);
        }
        const acks = await json<{ items: { state: string }[]; awaiting: string[] | null }>(
          await AT.get(`/incidents/${data.id}/acknowledgements`),
        );
        expect(acks.items.map((item) => item.state)).toEqual(restricted ? ['BE'] : ['BE', 'CZ']);
        expect(acks.awaiting).toEqual(restricted ? [] : null);
        expect(await portal.rows('incident_reports')).toBe(1);
        expect(await portal.rows('record_recipients')).toBe(restricted ? 2 : 0);
      });
    }

    it('shows a restricted incident to the Secretariat only when it is listed', async () => {
      const portal = await makePortal();
      const { AT } = await incidentStates(portal, ['AT', 'BE']);
      const listed = await created<Incident>(
        AT,
        '/incidents',
        incidentBody({ tlp: 'TLP:RED', recipients: ['secretariat', 'BE'] }),
      );
      const unlisted = await created<Incident>(AT, '/incidents', incidentBody({ tlp: 'TLP:RED', recipients: ['BE'] }));
      expect(listed.data.recipients).toEqual(['BE', 'secretariat']);
      expect((await portal.secretariat.get(`/incidents/${listed.data.id}`)).status).toBe(200);
      expect((await portal.secretariat.get(`/incidents/${unlisted.data.id}`)).status).toBe(404);
      const list = await json<{ items: { id: string }[] }>(await portal.secretariat.get('/incidents'));
      expect(list.items.map((item) => item.id)).toEqual([listed.data.id]);
      // The Secretariat acknowledges nothing (no incidents:write); the listed states are awaited.
      const acks = await json<{ awaiting: string[] }>(await AT.get(`/incidents/${listed.data.id}/acknowledgements`));
      expect(acks.awaiting).toEqual(['BE']);
    });

    it(
      'replays a retried create with the same Idempotency-Key, refuses another body, and lets one of two ' +
        'concurrent duplicates through',
      async () => {
        const portal = await makePortal();
        const { AT } = await incidentStates(portal, ['AT', 'BE']);
        const headers = { 'idempotency-key': '"at-incident-2026-0042"' };
        const first = await AT.post('/incidents', incidentBody(), { headers });
        expect(first.status).toBe(201);
        const firstBody = (await first.json()) as Written<Incident>;
        const before = await snapshot(portal);

        const retry = await AT.post('/incidents', incidentBody(), { headers });
        expect(retry.status).toBe(201);
        expect(retry.headers.get('idempotent-replayed')).toBe('true');
        expect(retry.headers.get('location')).toBe(`/incidents/${firstBody.data.id}`);
        expect(retry.headers.get('etag')).toBe('"1"');
        expect(await retry.json()).toEqual(firstBody);

        const other = await AT.post('/incidents', incidentBody({ title: 'Another incident' }), { headers });
        expect(other.status).toBe(422);
        expect((await problem(other)).errors?.[0]?.parameter).toBe('Idempotency-Key');
        expect(await snapshot(portal)).toEqual(before);

        const concurrent = { 'idempotency-key': '"at-incident-2026-0043"' };
        const results = await Promise.all(
          [0, 1].map(() => AT.post('/incidents', incidentBody({ title: 'Concurrent' }), { headers: concurrent })),
        );
        const statuses = results.map((res) => res.status).sort();
        expect([
          [201, 201],
          [201, 409],
        ]).toContainEqual(statuses);
        const bodies = await Promise.all(
          results.filter((res) => res.status === 201).map((res) => res.json() as Promise<Written<Incident>>),
        );
        expect(new Set(bodies.map((body) => body.data.id)).size).toBe(1);
        expect(new Set(bodies.map((body) => body.attestation.id)).size).toBe(1);
        expect(await portal.rows('incidents')).toBe(2);
        expect(await portal.rows('incident_reports')).toBe(2);
      },
    );

    it('answers bad input with problem+json and writes nothing', async () => {
      const portal = await makePortal();
      const { AT } = await incidentStates(portal, ['AT', 'BE']);
      const before = await snapshot(portal);
      const refusals: [Record<string, unknown>, string][] = [
        [incidentBody({ recipients: undefined }), '/recipients'],
        [incidentBody({ tlp: 'TLP:GREEN' }), '/recipients'],
        [incidentBody({ recipients: ['BE', 'PL'] }), '/recipients/1'],
        [incidentBody({ recipients: ['AT'] }), '/recipients/0'],
        [incidentBody({ aware_at: at(HOUR_MS) }), '/aware_at'],
        [incidentBody({ rsit_type: 'phishing' }), '/rsit_type'],
        [incidentBody({ cross_border_impact: 'maybe' }), '/cross_border_impact'],
        [incidentBody({ tlp: 'TLP:WHITE' }), '/tlp'],
        [incidentBody({ priority: 'high' }), '/priority'],
        [incidentBody({ title: undefined }), '/title'],
      ];
      for (const [body, pointer] of refusals) {
        const res = await AT.post('/incidents', body);
        expect([pointer, res.status]).toEqual([pointer, 422]);
        expect((await problem(res)).errors?.map((error) => error.pointer)).toContain(pointer);
      }
      const malformed = await AT.call('POST', '/incidents', { rawBody: '{"title": ' });
      expect(malformed.status).toBe(400);
      expect((await problem(malformed)).code).toBe('malformed-json');
      const text = await AT.call('POST', '/incidents', {
        rawBody: JSON.stringify(incidentBody()),
        headers: { 'content-type': 'text/plain' },
      });
      expect(text.status).toBe(415);
      expect((await AT.get('/incidents?overdue=perhaps')).status).toBe(400);
      expect(await snapshot(portal)).toEqual(before);
      expect(portal.logged).toEqual([]);
    });

    it('flags an incident overdue from its deadlines, and filters on it', async () => {
      const portal = await makePortal();
      const { AT, BE } = await incidentStates(portal, ['AT', 'BE']);
      const { data } = await created<Incident>(AT, '/incidents', incidentBody({ aware_at: at(-HOUR_MS) }));
      const overdueIds = async () =>
        (await json<{ items: { id: string }[] }>(await BE.get('/incidents?overdue=true'))).items.map((item) => item.id);
      const onTimeIds = async () =>
        (await json<{ items: { id: string }[] }>(await BE.get('/incidents?overdue=false'))).items.map(
          (item) => item.id,
        );

      portal.clock.set(at(71 * HOUR_MS)); // the notification is due at aware_at + 72 h = START + 71 h
      expect((await json<Incident>(await BE.get(`/incidents/${data.id}`))).overdue).toBe(false);
      expect(await overdueIds()).toEqual([]);
      portal.clock.advance(1);
      const late = await json<Incident>(await BE.get(`/incidents/${data.id}`));
      expect(late).toMatchObject({ overdue: true, deadlines: { notification: { status: 'overdue' } } });
      expect(await overdueIds()).toEqual([data.id]);
      expect(await onTimeIds()).toEqual([]);

      expect(
        (await AT.post(`/incidents/${data.id}/reports`, { stage: 'notification', summary: 'Late, but here' })).status,
      ).toBe(201);
      const notified = await json<Incident>(await BE.get(`/incidents/${data.id}`));
      expect(notified).toMatchObject({
        overdue: false,
        deadlines: {
          notification: { status: 'late' },
          final: { due_at: '2026-12-30T08:00:00.001Z', status: 'pending' },
        },
      });
      expect(await onTimeIds()).toEqual([data.id]);

      portal.clock.set('2026-12-30T08:00:00.002Z');
      expect(await overdueIds()).toEqual([data.id]);
      // Still ongoing: a progress report meets the final report's deadline.
      expect(
        (await AT.post(`/incidents/${data.id}/reports`, { stage: 'progress', summary: 'Still ongoing' })).status,
      ).toBe(201);
      const progressed = await json<Incident>(await BE.get(`/incidents/${data.id}`));
      expect(progressed).toMatchObject({
        status: 'open',
        overdue: false,
        deadlines: { final: { status: 'late', met_at: '2026-12-30T08:00:00.002Z' } },
      });
      expect(await overdueIds()).toEqual([]);
    });

    it('keeps one acknowledgement per state and the stage order at commit time', async () => {
      const portal = await makePortal();
      const { AT, BE } = await incidentStates(portal, ['AT', 'BE']);
      const { data } = await created<Incident>(AT, '/incidents', incidentBody());
      const before = await snapshot(portal);
      const acks = await Promise.all([0, 1].map(() => BE.post(`/incidents/${data.id}/acknowledgements`, {})));
      expect(acks.map((res) => res.status).sort()).toEqual([201, 409]);
      expect(await snapshot(portal)).toEqual({
        ...before,
        incident_acknowledgements: 1,
        attestations: before.attestations! + 1,
        log_leaves: before.log_leaves! + 1,
      });

      // Two reports racing for the same number: one lands.
      const reports = await Promise.all(
        ['first', 'second'].map((summary) =>
          AT.post(`/incidents/${data.id}/reports`, { stage: 'notification', summary }),
        ),
      );
      expect(reports.map((res) => res.status).sort()).toEqual([201, 409]);
      expect(await portal.rows('incident_reports')).toBe(2);

      // The trigger refuses what the handler would have refused, whatever raced in: a final
      // report straight after the early warning of another incident.
      const other = await created<Incident>(AT, '/incidents', incidentBody());
      const insert = portal.db.kysely
        .insertInto('incident_reports')
        .values({
          incident_id: other.data.id,
          report_no: 2,
          stage: 'final',
          summary: 'x',
          title: 'x',
          rsit_class: 'other',
          rsit_type: null,
          severity_scale: 's',
          severity_value: '1',
          suspected_malicious: 0,
          cross_border_impact: 'no',
          sectors: '[]',
          indicators: '[]',
          reported_at: START,
          attestation_id: other.data.attestation_id,
        })
        .compile();
      const refused = await portal.db.commit([insert]).then(
        () => null,
        (error: unknown) => error,
      );
      expect(refused).toBeInstanceOf(ConstraintViolation);
      expect((refused as ConstraintViolation).table).toBe('incident_reports');
      expect(portal.logged).toEqual([]);
    });

    it('feeds a reader every entry it may see exactly once, in log order, while states write concurrently', async () => {
      const portal = await makePortal();
      const states = await incidentStates(portal, ['AT', 'BE', 'CZ', 'DE']);
      const reader = states.DE;
      const writers = [states.AT, states.BE, states.CZ];
      const { cursor: start } = await drainFeed(reader, null);

      const expected = new Set<string>();
      const hidden = new Set<string>();
      const writerTask = Promise.all(
        writers.map(async (writer, index) => {
          const other = writers[(index + 1) % writers.length]!.principal;
          const shapes: Record<string, unknown>[] = [
            { tlp: 'TLP:CLEAR', recipients: undefined },
            { tlp: 'TLP:GREEN', recipients: undefined },
            { tlp: 'TLP:AMBER', recipients: ['DE'] },
            { tlp: 'TLP:AMBER', recipients: [other] },
            { tlp: 'TLP:RED', recipients: [other, 'DE'] },
            { tlp: 'TLP:RED', recipients: [other] },
          ];
          for (const shape of shapes) {
            const { data, attestation } = await created<Incident>(writer, '/incidents', incidentBody(shape));
            const visible =
              shape.tlp === 'TLP:CLEAR' || shape.tlp === 'TLP:GREEN' || (shape.recipients as string[]).includes('DE');
            (visible ? expected : hidden).add(attestation.id);
            // The other writer acknowledges what it was sent: visible to DE as the incident is.
            if ((shape.recipients as string[] | undefined)?.includes(other)) {
              const ack = await created(states[other as 'AT'], `/incidents/${data.id}/acknowledgements`, {});
              (visible ? expected : hidden).add(ack.attestation.id);
            }
          }
        }),
      );

      let writersDone = false;
      const readerTask = (async () => {
        const seen: FeedPage['items'] = [];
        let cursor = start;
        for (;;) {
          const finished = writersDone;
          const page = await json<FeedPage>(await reader.get(`/feed?limit=4${cursor ? `&cursor=${cursor}` : ''}`));
          seen.push(...page.items);
          cursor = page.next_cursor;
          if (finished && !page.has_more) return seen;
        }
      })();
      await writerTask;
      writersDone = true;
      const seen = await readerTask;

      const ids = seen.map((item) => item.attestation_id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(new Set(ids)).toEqual(expected);
      expect(ids.filter((id) => hidden.has(id))).toEqual([]);
      const indexes = seen.map((item) => item.log_index);
      expect(indexes).toEqual([...indexes].sort((a, b) => a - b));
      expect(seen.every((item) => item.record_href?.startsWith('/incidents/'))).toBe(true);
      expect(hidden.size).toBeGreaterThan(0);
    });
  });

  describe(`consultation requests on ${runtime}`, () => {
    it('sends a request, takes accept, answer and decline from its recipients, and reports status and history', async () => {
      const portal = await makePortal();
      const { AT, BE, CZ, DE } = await incidentStates(portal, ['AT', 'BE', 'CZ', 'DE']);
      const incident = await created<Incident>(AT, '/incidents', incidentBody({ recipients: ['BE', 'CZ'] }));
      const before = await snapshot(portal);
      const res = await AT.post(
        '/requests',
        requestBody({ recipients: ['CZ', 'BE'], related_incident: incident.data.id, reply_by: at(48 * HOUR_MS) }),
        {
          headers: { 'idempotency-key': 'at-request-1' },
        },
      );
      expect(res.status).toBe(201);
      const { data, attestation } = (await res.json()) as Written<{
        id: string;
        tlp: string;
        status: string;
        replies: unknown[];
        recipients: string[];
      }>;
      expect(res.headers.get('location')).toBe(`/requests/${data.id}`);
      expect(data).toMatchObject({
        state: 'AT',
        type: 'consultation',
        tlp: 'TLP:AMBER',
        urgency: 'high',
        related_incident: incident.data.id,
        recipients: ['BE', 'CZ'],
        status: 'open',
        overdue: false,
        replies: [
          { state: 'BE', status: 'pending', last_response_at: null },
          { state: 'CZ', status: 'pending', last_response_at: null },
        ],
      });
      expect(await snapshot(portal)).toEqual({
        ...before,
        consultation_requests: 1,
        record_recipients: before.record_recipients! + 3,
        attestations: before.attestations! + 1,
        log_leaves: before.log_leaves! + 1,
        idempotency_keys: before.idempotency_keys! + 1,
      });
      expect((await json<{ subject: string }>(await CZ.get(`/attestations/${attestation.id}`))).subject).toBe(
        `urn:cbm:consultation:${data.id}`,
      );
      expect((await DE.get(`/requests/${data.id}`)).status).toBe(404);
      expect((await portal.secretariat.get(`/requests/${data.id}`)).status).toBe(404);

      portal.clock.advance(HOUR_MS);
      expect(
        (await BE.post(`/requests/${data.id}/responses`, { action: 'accept', body: 'Looking into it' })).status,
      ).toBe(201);
      const answer = await BE.post(`/requests/${data.id}/responses`, {
        action: 'answer',
        body: 'The range belongs to a hosting provider; abuse notified.',
      });
      expect(answer.status).toBe(201);
      expect(((await answer.json()) as Written<unknown>).data).toMatchObject({
        request_id: data.id,
        state: 'BE',
        response_no: 2,
        action: 'answer',
      });
      expect(
        (await CZ.post(`/requests/${data.id}/responses`, { action: 'decline', body: 'No visibility on that range' }))
          .status,
      ).toBe(201);
      const afterDecline = await CZ.post(`/requests/${data.id}/responses`, {
        action: 'answer',
        body: 'Changed our mind',
      });
      expect(afterDecline.status).toBe(409);
      expect((await problem(afterDecline)).code).toBe('already-declined');
      const reAccept = await BE.post(`/requests/${data.id}/responses`, { action: 'accept' });
      expect(reAccept.status).toBe(409);
      expect((await problem(reAccept)).code).toBe('already-responded');
      const noBody = await BE.post(`/requests/${data.id}/responses`, { action: 'answer' });
      expect(noBody.status).toBe(422);
      expect((await problem(noBody)).errors?.map((error) => error.pointer)).toEqual(['/body']);
      expect((await DE.post(`/requests/${data.id}/responses`, { action: 'answer', body: 'Not asked' })).status).toBe(
        404,
      );
      const own = await AT.post(`/requests/${data.id}/responses`, { action: 'answer', body: 'Answering myself' });
      expect(own.status).toBe(403);
      expect((await problem(own)).code).toBe('not-a-recipient');

      const status = await json<{ status: string; replies: unknown[] }>(await AT.get(`/requests/${data.id}`));
      expect(status).toMatchObject({
        status: 'answered',
        overdue: false,
        replies: [
          { state: 'BE', status: 'answered', last_response_at: at(HOUR_MS) },
          { state: 'CZ', status: 'declined', last_response_at: at(HOUR_MS) },
        ],
      });
      const history = await json<{ items: { state: string; action: string; response_no: number }[] }>(
        await CZ.get(`/requests/${data.id}/responses`),
      );
      expect(history.items.map((item) => [item.state, item.action, item.response_no])).toEqual([
        ['BE', 'accept', 1],
        ['BE', 'answer', 2],
        ['CZ', 'decline', 1],
      ]);
      const received = await json<{ items: { id: string }[] }>(await BE.get('/requests?direction=received'));
      expect(received.items.map((item) => item.id)).toEqual([data.id]);
      expect((await json<{ items: unknown[] }>(await BE.get('/requests?direction=sent'))).items).toEqual([]);
      expect(portal.logged).toEqual([]);
    });

    it('addresses a TLP:GREEN request to every participating state and refuses bad input without writing', async () => {
      const portal = await makePortal();
      const { AT, BE, CZ } = await incidentStates(portal, ['AT', 'BE', 'CZ']);
      const { data } = await created<{ id: string; recipients: string[] }>(
        AT,
        '/requests',
        requestBody({ type: 'information', tlp: 'TLP:GREEN', recipients: undefined }),
      );
      expect(data.recipients).toEqual([]);
      expect(
        (await CZ.post(`/requests/${data.id}/responses`, { action: 'answer', body: 'Nothing seen here' })).status,
      ).toBe(201);
      expect((await portal.secretariat.get(`/requests/${data.id}`)).status).toBe(404);
      expect(await json(await BE.get(`/requests/${data.id}`))).toMatchObject({
        status: 'answered',
        replies: [{ state: 'CZ', status: 'answered' }],
      });

      const hidden = await created<Incident>(BE, '/incidents', incidentBody({ recipients: ['CZ'] }));
      const before = await snapshot(portal);
      const refusals: [Record<string, unknown>, string][] = [
        [requestBody({ recipients: undefined }), '/recipients'],
        [requestBody({ tlp: 'TLP:CLEAR' }), '/recipients'],
        [requestBody({ recipients: ['secretariat'] }), '/recipients/0'],
        [requestBody({ recipients: ['BE', 'XX'] }), '/recipients/1'],
        [requestBody({ related_incident: hidden.data.id }), '/related_incident'],
        [requestBody({ reply_by: at(-1000) }), '/reply_by'],
        [requestBody({ type: 'demand' }), '/type'],
      ];
      for (const [body, pointer] of refusals) {
        const res = await AT.post('/requests', body);
        expect([pointer, res.status]).toEqual([pointer, 422]);
        expect((await problem(res)).errors?.map((error) => error.pointer)).toContain(pointer);
      }
      expect(await snapshot(portal)).toEqual(before);
    });
  });
}
