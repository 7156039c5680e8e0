import { describe, expect, it } from 'vitest';
import { count, createTestPortal, START, type TestClient, type TestPortal } from '../../test/support/portal.ts';
import { created, incidentBody, incidentStates, requestBody } from '../../test/support/incidents.ts';
import { problem } from '../../test/support/problem.ts';

const HOUR_MS = 3600 * 1000;
const DAY_MS = 24 * HOUR_MS;
const at = (ms: number) => new Date(Date.parse(START) + ms).toISOString();
const TLPS = ['TLP:CLEAR', 'TLP:GREEN', 'TLP:AMBER', 'TLP:AMBER+STRICT', 'TLP:RED'] as const;
const RESTRICTED = new Set<string>(['TLP:AMBER', 'TLP:AMBER+STRICT', 'TLP:RED']);

interface Request {
  id: string;
  state: string;
  tlp: string;
  urgency: string;
  recipients: string[];
  status: string;
  overdue: boolean;
  replies: { state: string; status: string; last_response_at: string | null }[];
  attestation_id: string;
}

const WRITE_TABLES = [
  'consultation_requests',
  'request_responses',
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

/**
 * Holds every commit that inserts into `table` until `writers` of them wait, then lets them go in
 * the order they came: each has read the database before any of them wrote.
 */
function holdCommitsUntil(portal: TestPortal, table: string, writers: number) {
  const commit = portal.db.commit.bind(portal.db);
  const waiting: (() => void)[] = [];
  const insert = `insert into "${table}"`;
  portal.db.commit = async (queries) => {
    if (waiting.length < writers && queries.some((query) => query.sql.startsWith(insert))) {
      await new Promise<void>((resolve) => {
        if (waiting.push(resolve) === writers) for (const go of waiting) go();
      });
    }
    return commit(queries);
  };
}

const respond = (client: TestClient, id: string, action: string, body?: string) =>
  client.post(`/requests/${id}/responses`, { action, ...(body ? { body } : {}) });

describe('requests: sending', () => {
  it('defaults to TLP:AMBER and normal urgency, and attests the exact body', async () => {
    const { portal, AT, BE } = await setup();
    const body = requestBody({ urgency: undefined, type: 'assistance' });
    const before = snapshot(portal);
    const { data, attestation } = await created<Request>(AT, '/requests', body);
    expect(data).toMatchObject({
      state: 'AT',
      tlp: 'TLP:AMBER',
      urgency: 'normal',
      recipients: ['BE'],
      status: 'open',
      reply_by: null,
      related_incident: null,
    });
    expect(snapshot(portal)).toEqual({
      ...before,
      consultation_requests: 1,
      record_recipients: 2,
      attestations: before.attestations! + 1,
      log_leaves: before.log_leaves! + 1,
    });
    const evidence = await read<{ body: string }>(BE, `/attestations/${attestation.id}/evidence`);
    expect(JSON.parse(Buffer.from(evidence.body, 'base64url').toString('utf8'))).toEqual(body);
    expect(await read(BE, `/requests/${data.id}`)).toEqual(data);
  });

  const badBodies: [string, Record<string, unknown>, string][] = [
    ['a reply-by more than a year ahead', { reply_by: at(366 * DAY_MS) }, '/reply_by'],
    ['a reply-by now', { reply_by: START }, '/reply_by'],
    ['an unknown related incident', { related_incident: '01900000-0000-7000-8000-000000000000' }, '/related_incident'],
    ['an unknown urgency', { urgency: 'asap' }, '/urgency'],
    ['an empty subject', { subject: '' }, '/subject'],
    ['the sender among the recipients', { recipients: ['AT'] }, '/recipients/0'],
    ['recipients for TLP:GREEN', { tlp: 'TLP:GREEN' }, '/recipients'],
    ['an empty recipient list', { recipients: [] }, '/recipients'],
  ];
  for (const [name, overrides, pointer] of badBodies) {
    it(`refuses ${name} (422 at ${pointer}) and writes nothing`, async () => {
      const { portal, AT } = await setup();
      const before = snapshot(portal);
      const res = await AT.post('/requests', requestBody(overrides));
      expect(res.status).toBe(422);
      expect((await problem(res)).errors?.map((error) => error.pointer)).toContain(pointer);
      expect(snapshot(portal)).toEqual(before);
    });
  }

  it('needs incidents:write and a state: the Secretariat neither sends nor answers', async () => {
    const { portal, AT } = await setup();
    const bySecretariat = await portal.secretariat.post('/requests', requestBody());
    expect(bySecretariat.status).toBe(403);
    expect((await problem(bySecretariat)).code).toBe('insufficient-scope');
    const contactsOnly = await portal.addKey('AT', { scopes: ['read', 'contacts:write'] });
    expect((await contactsOnly.post('/requests', requestBody())).status).toBe(403);
    const { data } = await created<Request>(AT, '/requests', requestBody({ tlp: 'TLP:CLEAR', recipients: undefined }));
    const answer = await respond(portal.secretariat, data.id, 'answer', 'x');
    expect(answer.status).toBe(403);
    expect((await problem(answer)).code).toBe('insufficient-scope');
  });

  it('relates a request to an incident the sender sees, also one another state notified', async () => {
    const { AT, BE } = await setup();
    const incident = await created<{ id: string }>(BE, '/incidents', incidentBody({ recipients: ['AT'] }));
    const { data } = await created<Request>(
      AT,
      '/requests',
      requestBody({ related_incident: incident.data.id, type: 'information' }),
    );
    expect(data).toMatchObject({ related_incident: incident.data.id, type: 'information' });
  });
});

describe('requests: who sees them', () => {
  for (const tlp of TLPS) {
    it(`shows a ${tlp} request and its responses exactly to those it is addressed to`, async () => {
      const { portal, AT, BE, CZ } = await setup();
      const restricted = RESTRICTED.has(tlp);
      const { data, attestation } = await created<Request>(
        AT,
        '/requests',
        requestBody({ tlp, recipients: restricted ? ['BE'] : undefined }),
      );
      const answer = await created(BE, `/requests/${data.id}/responses`, {
        action: 'answer',
        body: 'Here is what we know.',
      });
      const readers: [string, TestClient, boolean][] = [
        ['the sender', AT, true],
        ['a recipient', BE, true],
        ['another state', CZ, !restricted],
        ['the Secretariat', portal.secretariat, tlp === 'TLP:CLEAR'],
      ];
      for (const [who, client, sees] of readers) {
        const expected = sees ? 200 : 404;
        expect([who, (await client.get(`/requests/${data.id}`)).status]).toEqual([who, expected]);
        expect([who, (await client.get(`/requests/${data.id}/responses`)).status]).toEqual([who, expected]);
        expect([who, (await client.get(`/attestations/${attestation.id}`)).status]).toEqual([who, expected]);
        expect([who, (await client.get(`/attestations/${answer.attestation.id}`)).status]).toEqual([who, expected]);
        const list = await read<{ items: { id: string }[] }>(client, '/requests');
        expect([who, list.items.map((item) => item.id)]).toEqual([who, sees ? [data.id] : []]);
        const feed = await read<{ items: { attestation_id: string; record_href: string | null }[] }>(
          client,
          '/feed?limit=500',
        );
        const entries = feed.items.filter(
          (item) => item.attestation_id === attestation.id || item.attestation_id === answer.attestation.id,
        );
        expect([who, entries.map((item) => item.record_href)]).toEqual([
          who,
          sees ? [`/requests/${data.id}`, `/requests/${data.id}/responses`] : [],
        ]);
      }
      // Every participating state may answer a GREEN or CLEAR request; only the listed ones otherwise.
      expect((await respond(CZ, data.id, 'decline')).status).toBe(restricted ? 404 : 201);
    });
  }
});

describe('requests: visibility of every response', () => {
  it('keeps the TLP and recipients the request was sent with for every response: a response cannot re-address it', async () => {
    const { portal, AT, BE, CZ } = await setup();
    const { data } = await created<Request>(AT, '/requests', requestBody({ tlp: 'TLP:RED', recipients: ['BE'] }));
    const before = snapshot(portal);
    const res = await BE.post(`/requests/${data.id}/responses`, {
      action: 'answer',
      body: 'For all',
      tlp: 'TLP:CLEAR',
      recipients: ['CZ'],
    });
    expect(res.status).toBe(422);
    expect(((await problem(res)).errors ?? []).map((error) => error.pointer).sort()).toEqual(['/recipients', '/tlp']);
    expect(snapshot(portal)).toEqual(before);

    const answer = await created(BE, `/requests/${data.id}/responses`, {
      action: 'answer',
      body: 'Here is what we know.',
    });
    expect(
      portal.sqlite.prepare('SELECT record_id, tlp FROM attestations WHERE id = ?').get(answer.attestation.id),
    ).toEqual({ record_id: data.id, tlp: 'TLP:RED' });
    expect((await CZ.get(`/attestations/${answer.attestation.id}`)).status).toBe(404);
    expect((await CZ.get(`/requests/${data.id}/responses`)).status).toBe(404);
  });
});

describe('requests: responses', () => {
  it('is declined when every listed recipient declined, accepted while one accepted and none answered', async () => {
    const { AT, BE, CZ } = await setup();
    const { data } = await created<Request>(AT, '/requests', requestBody({ recipients: ['BE', 'CZ'] }));
    expect((await respond(BE, data.id, 'decline', 'Out of our remit')).status).toBe(201);
    expect((await read<Request>(AT, `/requests/${data.id}`)).status).toBe('open');
    expect((await respond(CZ, data.id, 'decline')).status).toBe(201);
    expect(await read<Request>(AT, `/requests/${data.id}`)).toMatchObject({
      status: 'declined',
      replies: [
        { state: 'BE', status: 'declined' },
        { state: 'CZ', status: 'declined' },
      ],
    });

    const second = await created<Request>(AT, '/requests', requestBody({ recipients: ['BE', 'CZ'] }));
    expect((await respond(CZ, second.data.id, 'accept')).status).toBe(201);
    expect(await read<Request>(BE, `/requests/${second.data.id}`)).toMatchObject({
      status: 'accepted',
      replies: [
        { state: 'BE', status: 'pending' },
        { state: 'CZ', status: 'accepted' },
      ],
    });
  });

  it('is overdue once reply-by passed without an answer, and not once answered', async () => {
    const { portal, AT, BE } = await setup();
    const { data } = await created<Request>(AT, '/requests', requestBody({ reply_by: at(DAY_MS) }));
    portal.clock.advance(DAY_MS);
    expect((await read<Request>(AT, `/requests/${data.id}`)).overdue).toBe(false);
    portal.clock.advance(1);
    expect((await read<Request>(AT, `/requests/${data.id}`)).overdue).toBe(true);
    expect((await respond(BE, data.id, 'accept')).status).toBe(201);
    expect(await read<Request>(AT, `/requests/${data.id}`)).toMatchObject({ status: 'accepted', overdue: true });
    expect((await respond(BE, data.id, 'answer', 'Late, sorry')).status).toBe(201);
    expect(await read<Request>(AT, `/requests/${data.id}`)).toMatchObject({ status: 'answered', overdue: false });
  });

  it('takes several answers from a state, numbered, and refuses a decision after the first response', async () => {
    const { portal, AT, BE } = await setup();
    const { data } = await created<Request>(AT, '/requests', requestBody());
    expect((await respond(BE, data.id, 'answer', 'First part')).status).toBe(201);
    const second = await created<{ response_no: number }>(BE, `/requests/${data.id}/responses`, {
      action: 'answer',
      body: 'Second part',
    });
    expect(second.data.response_no).toBe(2);
    const before = snapshot(portal);
    const decline = await respond(BE, data.id, 'decline');
    expect(decline.status).toBe(409);
    expect((await problem(decline)).code).toBe('already-responded');
    expect(snapshot(portal)).toEqual(before);
  });

  it('keeps response numbers unique at commit when two arrive together', async () => {
    const { portal, AT, BE } = await setup();
    const { data } = await created<Request>(AT, '/requests', requestBody());
    // Both answers read "no response yet" and prepare response 1 before either commits: the
    // race is forced, not left to scheduling, so only the database's constraint can keep them apart.
    holdCommitsUntil(portal, 'request_responses', 2);
    const before = snapshot(portal);
    const results = await Promise.all(['one', 'two'].map((body) => respond(BE, data.id, 'answer', body)));
    // Which one reaches the commit first is up to signature verification; exactly one wins.
    expect(results.map((res) => res.status).sort()).toEqual([201, 409]);
    const won = results.findIndex((res) => res.status === 201);
    const winner = (await results[won]!.json()) as { data: { response_no: number; body: string } };
    expect(winner.data).toMatchObject({ response_no: 1, body: ['one', 'two'][won] });
    expect((await problem(results[1 - won]!)).code).toBe('response-conflict');
    const rows = portal.sqlite.prepare('SELECT response_no, body FROM request_responses').all();
    expect(rows).toEqual([{ response_no: 1, body: winner.data.body }]);
    // The loser left nothing behind: one response, one attestation, one log leaf more.
    const grew = new Set(['request_responses', 'attestations', 'log_leaves']);
    expect(snapshot(portal)).toEqual(
      Object.fromEntries(Object.entries(before).map(([table, n]) => [table, grew.has(table) ? n + 1 : n])),
    );
    // Read again, the loser's retry is numbered after the winner.
    const retry = await created<{ response_no: number }>(BE, `/requests/${data.id}/responses`, {
      action: 'answer',
      body: 'again',
    });
    expect(retry.data.response_no).toBe(2);
  });

  it('replays a retried request and response under their Idempotency-Keys', async () => {
    const { portal, AT, BE } = await setup();
    const headers = { 'idempotency-key': '"req-7"' };
    const first = await created<Request>(AT, '/requests', requestBody(), headers);
    const retry = await AT.post('/requests', requestBody(), { headers });
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(await retry.json()).toEqual(first);
    expect((await AT.post('/requests', requestBody({ subject: 'Other' }), { headers })).status).toBe(422);

    const answerHeaders = { 'idempotency-key': '"answer-7"' };
    const answer = await created(
      BE,
      `/requests/${first.data.id}/responses`,
      { action: 'answer', body: 'Done' },
      answerHeaders,
    );
    const again = await BE.post(
      `/requests/${first.data.id}/responses`,
      { action: 'answer', body: 'Done' },
      { headers: answerHeaders },
    );
    expect(again.status).toBe(201);
    expect(await again.json()).toEqual(answer);
    expect(count(portal.sqlite, 'consultation_requests')).toBe(1);
    expect(count(portal.sqlite, 'request_responses')).toBe(1);
  });

  it('lists requests newest first by direction and type, paged', async () => {
    const { portal, AT, BE } = await setup();
    const sent = (await created<Request>(AT, '/requests', requestBody({ type: 'consultation' }))).data.id;
    portal.clock.advance(1000);
    const received = (await created<Request>(BE, '/requests', requestBody({ type: 'assistance', recipients: ['AT'] })))
      .data.id;
    const page1 = await read<{ items: { id: string }[]; next_cursor: string | null }>(AT, '/requests?limit=1');
    expect(page1.items.map((item) => item.id)).toEqual([received]);
    const page2 = await read<{ items: { id: string }[]; next_cursor: string | null }>(
      AT,
      `/requests?limit=1&cursor=${page1.next_cursor}`,
    );
    expect(page2.items.map((item) => item.id)).toEqual([sent]);
    expect(page2.next_cursor).toBeNull();
    expect(
      (await read<{ items: { id: string }[] }>(AT, '/requests?direction=sent')).items.map((item) => item.id),
    ).toEqual([sent]);
    expect(
      (await read<{ items: { id: string }[] }>(AT, '/requests?direction=received')).items.map((item) => item.id),
    ).toEqual([received]);
    expect(
      (await read<{ items: { id: string }[] }>(AT, '/requests?type=assistance')).items.map((item) => item.id),
    ).toEqual([received]);
    expect((await AT.get('/requests?direction=sideways')).status).toBe(400);
  });
});
