import { describe, expect, it } from 'vitest';
import { contactBody, count, createTestPortal, START, type TestClient } from '../../test/support/portal.ts';
import { documentBody } from '../../test/support/documents.ts';
import type { ProblemBody } from '../../test/support/problem.ts';

// biome-ignore lint/suspicious/noExplicitAny: response bodies are read by path in assertions; expect checks each value
type Json = Record<string, any>;

const bodyInput = (overrides: Json = {}) => ({
  kind: 'national-cert',
  name: 'CERT.at',
  mandate: 'National CERT: incident coordination for Austria.',
  sectors: ['energy', 'health'],
  languages: ['de', 'en'],
  reach: { email: 'team@cert.example.at', phone: '+431234567' },
  ...overrides,
});
const channelInput = (overrides: Json = {}) => ({
  medium: 'email',
  exchanges: ['consultation', 'incident-notification'],
  address: 'cbm@bmeia.example.at',
  key: { type: 'openpgp', fingerprint: 'A'.repeat(40) },
  ...overrides,
});
const meetingInput = (overrides: Json = {}) => ({
  title: 'Informal working group, first meeting of 2027',
  starts_at: '2027-02-01T09:00:00Z',
  place: 'Hofburg, Vienna',
  online: true,
  agenda: ['Implementation of CBM 8', 'Communication checks'],
  ...overrides,
});

async function created(res: Response): Promise<Json> {
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as Json;
}

describe('competent bodies (CBM 2)', () => {
  it('publishes, versions with If-Match, withdraws; serves exactly the signed fields; a contact names its body', async () => {
    const portal = await createTestPortal();
    const at = await portal.registerState('AT');
    const de = await portal.registerState('DE');
    const res = await at.post('/bodies', bodyInput());
    const { data, attestation } = await created(res);
    expect(res.headers.get('etag')).toBe('"1"');
    expect(res.headers.get('location')).toBe(`/bodies/${data.id}`);
    expect(data).toEqual({
      ...bodyInput(),
      id: data.id,
      state: 'AT',
      version: 1,
      status: 'active',
      published_at: START,
      withdrawal_reason: null,
      attestation_id: attestation.id,
      href: `/bodies/${data.id}`,
    });
    const stored = portal.sqlite
      .prepare('SELECT subject, tlp FROM attestations WHERE id = ?')
      .get(attestation.id) as Json;
    expect(stored).toEqual({ subject: `urn:cbm:body:${data.id}:v1`, tlp: null });

    // Another state may read but not change it.
    expect((await de.get(`/bodies/${data.id}`)).status).toBe(200);
    const foreign = await de.put(`/bodies/${data.id}`, bodyInput(), { headers: { 'If-Match': '"1"' } });
    expect(foreign.status).toBe(403);
    expect(((await foreign.json()) as ProblemBody).code).toBe('not-owner');
    expect((await at.put(`/bodies/${data.id}`, bodyInput())).status).toBe(428);
    expect((await at.put(`/bodies/${data.id}`, bodyInput(), { headers: { 'If-Match': '"7"' } })).status).toBe(412);
    const updated = await at.put(`/bodies/${data.id}`, bodyInput({ sectors: ['transport'] }), {
      headers: { 'If-Match': '"1"' },
    });
    expect(updated.status).toBe(200);
    expect(((await updated.json()) as Json).data).toMatchObject({ version: 2, sectors: ['transport'] });

    // Filters by kind and sector read the current version.
    const bySector = async (sector: string) =>
      ((await (await de.get(`/bodies?sector=${sector}`)).json()) as Json).items.map((b: Json) => b.id);
    expect(await bySector('transport')).toEqual([data.id]);
    expect(await bySector('energy')).toEqual([]);
    expect((((await (await de.get('/bodies?kind=regulator')).json()) as Json).items as unknown[]).length).toBe(0);

    // A contact belongs to it; a body of another state is refused.
    const contact = await created(await at.post('/contacts', contactBody({ body_id: data.id })));
    expect(contact.data.body_id).toBe(data.id);
    const wrong = await de.post('/contacts', contactBody({ body_id: data.id }));
    expect(wrong.status).toBe(422);
    expect(((await wrong.json()) as ProblemBody).errors?.[0]).toMatchObject({ pointer: '/body_id' });

    const withdrawn = await at.post(
      `/bodies/${data.id}/withdraw`,
      { reason: 'merged' },
      { headers: { 'If-Match': '"2"' } },
    );
    expect(withdrawn.status).toBe(200);
    expect((((await (await at.get('/bodies')).json()) as Json).items as unknown[]).length).toBe(0);
    const history = (await (await at.get(`/bodies/${data.id}/history`)).json()) as Json;
    expect(history.items.map((v: Json) => [v.version, v.status, v.withdrawal_reason])).toEqual([
      [1, 'active', null],
      [2, 'active', null],
      [3, 'withdrawn', 'merged'],
    ]);
    expect((await at.put(`/bodies/${data.id}`, bodyInput(), { headers: { 'If-Match': '"3"' } })).status).toBe(409);
    expect((await portal.secretariat.post('/bodies', bodyInput())).status).toBe(403);
  });
});

describe('channels (CBMs 10, 13)', () => {
  it('publishes an e-mail channel with its OpenPGP fingerprint, filters by exchange, refuses what does not fit the medium', async () => {
    const portal = await createTestPortal();
    const at = await portal.registerState('AT');
    const { data } = await created(await at.post('/channels', channelInput()));
    expect(data).toMatchObject({
      state: 'AT',
      key: { type: 'openpgp', fingerprint: 'A'.repeat(40) },
      exchanges: ['consultation', 'incident-notification'],
    });
    await created(
      await at.post('/channels', { medium: 'osce-network', exchanges: ['dialogue'], address: 'VIE-CBM-01' }),
    );
    const ids = async (query: string) =>
      ((await (await at.get(`/channels?${query}`)).json()) as Json).items.map((c: Json) => c.medium);
    expect(await ids('exchange=consultation')).toEqual(['email']);
    expect(await ids('exchange=dialogue')).toEqual(['osce-network']);
    expect(await ids('medium=email')).toEqual(['email']);

    const phoneWithKey = await at.post('/channels', channelInput({ medium: 'phone', address: '+431234567' }));
    expect(phoneWithKey.status).toBe(422);
    expect(((await phoneWithKey.json()) as ProblemBody).errors).toEqual([
      { pointer: '/key', detail: 'only an e-mail channel carries an OpenPGP or S/MIME key' },
    ]);
    const badMail = await at.post('/channels', channelInput({ address: 'not-an-address' }));
    expect(badMail.status).toBe(422);
    const badFingerprint = await at.post('/channels', channelInput({ key: { type: 'openpgp', fingerprint: 'abc' } }));
    expect(badFingerprint.status).toBe(422);
    expect(count(portal.sqlite, 'entry_versions')).toBe(2);
  });
});

describe('critical-infrastructure authorities (CBM 15)', () => {
  it('a ci-authority contact names its NIS2 sectors; the directory filters by sector; others name none', async () => {
    const portal = await createTestPortal();
    const at = await portal.registerState('AT');
    const ci = await created(
      await at.post('/contacts', contactBody({ role: 'ci-authority', sectors: ['energy', 'drinking-water'] })),
    );
    await created(await at.post('/contacts', contactBody()));
    expect(ci.data).toMatchObject({ role: 'ci-authority', sectors: ['energy', 'drinking-water'] });
    const list = async (query: string) =>
      ((await (await at.get(`/contacts?${query}`)).json()) as Json).items.map((c: Json) => c.id);
    expect(await list('sector=energy')).toEqual([ci.data.id]);
    expect(await list('role=ci-authority')).toEqual([ci.data.id]);
    expect(await list('sector=banking')).toEqual([]);
    const noSectors = await at.post('/contacts', contactBody({ role: 'ci-authority' }));
    expect(noSectors.status).toBe(422);
    expect(((await noSectors.json()) as ProblemBody).errors?.[0]).toMatchObject({ pointer: '/sectors' });
    expect((await at.post('/contacts', contactBody({ sectors: ['energy'] }))).status).toBe(422);
    expect((await at.get('/contacts?sector=nuclear')).status).toBe(400);

    // Communication checks reach them too; a check names at most two roles (migration 0003).
    const deadline = new Date(Date.parse(START) + 3600_000).toISOString();
    const all = await portal.secretariat.post('/checks', { roles: ['policy', 'technical', 'ci-authority'], deadline });
    expect(all.status).toBe(422);
    const check = await created(await portal.secretariat.post('/checks', { roles: ['ci-authority'], deadline }));
    expect((await at.post(`/checks/${check.data.id}/acknowledgements`, { contact_id: ci.data.id })).status).toBe(201);
  });
});

describe('expert meetings (CBM 11)', () => {
  it('the Secretariat records a meeting; each state confirms once with a signed request; the record shows who took part', async () => {
    const portal = await createTestPortal();
    const at = await portal.registerState('AT');
    const fr = await portal.registerState('FR');
    expect((await at.post('/meetings', meetingInput())).status).toBe(403);
    const { data: meeting } = await created(await portal.secretariat.post('/meetings', meetingInput()));
    expect(meeting).toMatchObject({ recorded_by: 'secretariat', participants: [], version: 1 });
    const noPlace = await portal.secretariat.post('/meetings', meetingInput({ place: undefined, online: false }));
    expect(noPlace.status).toBe(422);

    const confirmation = await created(
      await fr.post(`/meetings/${meeting.id}/participations`, { note: 'Two experts.' }),
    );
    expect(confirmation.data).toEqual({
      meeting_id: meeting.id,
      state: 'FR',
      confirmed_at: START,
      note: 'Two experts.',
      attestation_id: confirmation.attestation.id,
    });
    await created(await at.post(`/meetings/${meeting.id}/participations`, {}));
    const again = await at.post(`/meetings/${meeting.id}/participations`, {});
    expect(again.status).toBe(409);
    expect(((await again.json()) as ProblemBody).code).toBe('participation-already-confirmed');
    expect((await portal.secretariat.post(`/meetings/${meeting.id}/participations`, {})).status).toBe(403);

    const shown = (await (await at.get(`/meetings/${meeting.id}`)).json()) as Json;
    expect(shown.participants).toEqual(['AT', 'FR']);
    const list = (await (await at.get('/meetings?participant=FR')).json()) as Json;
    expect(list.items.map((m: Json) => m.id)).toEqual([meeting.id]);
    expect((((await (await at.get('/meetings?participant=DE')).json()) as Json).items as unknown[]).length).toBe(0);
    const participations = (await (await at.get(`/meetings/${meeting.id}/participations`)).json()) as Json;
    expect(participations.items.map((p: Json) => p.state)).toEqual(['FR', 'AT']);
    const subject = portal.sqlite
      .prepare('SELECT subject FROM attestations WHERE id = ?')
      .get(confirmation.attestation.id) as Json;
    expect(subject.subject).toBe(`urn:cbm:meeting:${meeting.id}:participation:FR`);
    // The feed links each write to its record.
    const feed = (await (await at.get('/feed')).json()) as Json;
    const hrefs = feed.items.map((entry: Json) => entry.record_href);
    expect(hrefs).toContain(`/meetings/${meeting.id}`);
    expect(hrefs).toContain(`/meetings/${meeting.id}/participations`);
  });
});

describe('implementation overview', () => {
  async function grid(client: TestClient, query = '') {
    const res = await client.get(`/overview${query}`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Json;
    const cells = new Map<string, Json>();
    for (const row of body.states) for (const cell of row.cbms) cells.set(`${row.state}:${cell.cbm}`, cell);
    return { body, cells };
  }

  it('matches what several states published, counts only what the caller may see, and exports CSV', async () => {
    const portal = await createTestPortal();
    const at = await portal.registerState('AT', {
      scopes: ['read', 'contacts:write', 'documents:write', 'incidents:write'],
    });
    const de = await portal.registerState('DE', { scopes: ['read', 'contacts:write', 'documents:write'] });
    const fr = await portal.registerState('FR', { scopes: ['read', 'contacts:write', 'documents:write'] });
    await created(await at.post('/contacts', contactBody({ role: 'technical' })));
    await created(await at.post('/contacts', contactBody({ role: 'policy' })));
    await created(await at.post('/bodies', bodyInput()));
    await created(await at.post('/channels', channelInput()));
    await created(await at.post('/documents', documentBody({ type: 'strategy', tlp: 'TLP:CLEAR' })));
    await created(await de.post('/contacts', contactBody({ role: 'ci-authority', sectors: ['energy'] })));
    // Addressed to FR only: AT must not see it counted.
    await created(
      await de.post('/documents', documentBody({ type: 'legislation', tlp: 'TLP:AMBER', recipients: ['FR'] })),
    );
    const { data: meeting } = await created(await portal.secretariat.post('/meetings', meetingInput()));
    await created(await fr.post(`/meetings/${meeting.id}/participations`, {}));

    const { body, cells } = await grid(at);
    expect(body.states.map((row: Json) => row.state)).toEqual(['AT', 'DE', 'FR']);
    expect(body.states.every((row: Json) => row.cbms.length === 16)).toBe(true);
    expect(cells.get('AT:8')).toMatchObject({ status: 'current', latest: START });
    expect(cells.get('AT:8')!.contributions.map((c: Json) => [c.kind, c.count])).toEqual([
      ['contact:policy', 1],
      ['contact:technical', 1],
    ]);
    expect(cells.get('AT:2')!.contributions).toEqual([
      { kind: 'body', count: 1, latest: START, href: '/bodies?state=AT' },
    ]);
    expect(cells.get('AT:10')!.status).toBe('current');
    expect(cells.get('AT:13')!.contributions.map((c: Json) => c.kind)).toEqual(['channel']);
    expect(cells.get('AT:7')!.contributions.map((c: Json) => c.kind)).toEqual(['strategy']);
    expect(cells.get('DE:15')!.contributions.map((c: Json) => c.kind)).toEqual(['contact:ci-authority']);
    expect(cells.get('FR:11')!.contributions.map((c: Json) => c.kind)).toEqual(['meeting-participation']);
    expect(cells.get('DE:6')).toEqual({ cbm: 6, status: 'none', latest: null, contributions: [] });
    expect(cells.get('AT:1')!.status).toBe('none');
    // FR is a recipient of DE's legislation: it sees the cell filled.
    expect((await grid(fr)).cells.get('DE:6')!.contributions.map((c: Json) => [c.kind, c.count])).toEqual([
      ['legislation', 1],
    ]);

    // A year later nothing was renewed: stale, never none.
    portal.clock.advance(366 * 24 * 3600 * 1000);
    expect((await grid(at, '?state=AT')).cells.get('AT:8')!.status).toBe('stale');
    expect((await grid(at, '?state=AT')).body.states.length).toBe(1);

    const csv = await portal.secretariat.get('/overview?state=AT', { headers: { Accept: 'text/csv' } });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const lines = (await csv.text()).split('\r\n');
    expect(lines[0]).toBe('state,cbm,status,kind,count,latest,href');
    expect(lines).toContain(`AT,2,stale,body,1,${START},/bodies?state=AT`);
    expect(lines).toContain('AT,1,none,,0,,');
    expect((await at.get('/overview', { headers: { Accept: 'application/xml' } })).status).toBe(406);
  });
});
