import { describe, expect, it } from 'vitest';
import {
  contactBody,
  count,
  createTestPortal,
  START,
  type TestClient,
  type TestPortal,
} from '../../test/support/portal.ts';
import type { ProblemBody } from '../../test/support/problem.ts';

const DAY_MS = 24 * 3600 * 1000;

interface Contact {
  id: string;
  state: string;
  version: number;
  status: 'active' | 'withdrawn';
  role: 'policy' | 'technical';
  name: string;
  position: string | null;
  organisation: string;
  email: string;
  phone_24x7: string;
  languages: string[];
  time_zone: string;
  notes: string | null;
  effective_at: string;
  filed_at: string;
  late: boolean;
  withdrawal_reason: string | null;
  attestation_id: string;
  href: string;
}
interface Written {
  data: Contact;
  attestation: { id: string; token: string; href: string };
}
interface Page {
  items: Contact[];
  next_cursor: string | null;
}

async function publish(client: TestClient, overrides: Record<string, unknown> = {}): Promise<Written> {
  const res = await client.post('/contacts', contactBody(overrides));
  expect(res.status).toBe(201);
  return (await res.json()) as Written;
}

/** Follows next_cursor from `path` to the end; returns every page. */
async function allPages(client: TestClient, path: string): Promise<Page[]> {
  const pages: Page[] = [];
  let next: string | null = path;
  while (next !== null && pages.length < 50) {
    const res = await client.get(next);
    expect(res.status).toBe(200);
    const page = (await res.json()) as Page;
    pages.push(page);
    next = page.next_cursor === null ? null : `${path}${path.includes('?') ? '&' : '?'}cursor=${page.next_cursor}`;
  }
  return pages;
}

function versionRows(portal: TestPortal, id: string) {
  return portal.sqlite
    .prepare('SELECT version, status, name, attestation_id FROM contact_versions WHERE contact_id = ? ORDER BY version')
    .all(id) as { version: number; status: string; name: string; attestation_id: string }[];
}

describe('contacts: publishing and versions', () => {
  it('publishes a contact as version 1 with ETag, Location, the stored rows and an attestation', async () => {
    const portal = await createTestPortal();
    const at = await portal.registerState('AT');
    const attestationsBefore = count(portal.sqlite, 'attestations');

    const res = await at.post('/contacts', contactBody({ notes: 'Reachable via the CERT hotline.' }));
    expect(res.status).toBe(201);
    expect(res.headers.get('etag')).toBe('"1"');
    const body = (await res.json()) as Written;
    const { id } = body.data;
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(res.headers.get('location')).toBe(`/contacts/${id}`);
    expect(body.data).toEqual({
      ...contactBody(),
      id,
      state: 'AT',
      version: 1,
      status: 'active',
      notes: 'Reachable via the CERT hotline.',
      effective_at: START,
      filed_at: START,
      late: false,
      withdrawal_reason: null,
      attestation_id: body.attestation.id,
      href: `/contacts/${id}`,
      sectors: [],
      body_id: null,
    });

    expect(portal.sqlite.prepare('SELECT state_id, role, status, version FROM contacts WHERE id = ?').get(id)).toEqual({
      state_id: 'AT',
      role: 'technical',
      status: 'active',
      version: 1,
    });
    expect(versionRows(portal, id)).toEqual([
      { version: 1, status: 'active', name: 'Anna Berger', attestation_id: body.attestation.id },
    ]);
    expect(count(portal.sqlite, 'attestations')).toBe(attestationsBefore + 1);
    const attestation = portal.sqlite
      .prepare('SELECT subject, principal_id, kid, operation FROM attestations WHERE id = ?')
      .get(body.attestation.id);
    expect(attestation).toEqual({
      subject: `urn:cbm:contact:${id}:v1`,
      principal_id: 'AT',
      kid: at.kid,
      operation: 'createContact',
    });
  });

  it('answers the current version with its ETag, to any participant', async () => {
    const portal = await createTestPortal();
    const at = await portal.registerState('AT');
    const de = await portal.registerState('DE');
    const created = await publish(at);

    const res = await de.get(`/contacts/${created.data.id}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('etag')).toBe('"1"');
    expect(await res.json()).toEqual(created.data);

    const missing = await de.get('/contacts/019ac1e2-0000-7000-8000-000000000000');
    expect(missing.status).toBe(404);
  });

  it('updates with If-Match "1" to version 2 (ETag "2"), keeping version 1 in the history', async () => {
    const portal = await createTestPortal();
    const at = await portal.registerState('AT');
    const created = await publish(at);
    const id = created.data.id;

    portal.clock.advance(DAY_MS);
    const res = await at.put(`/contacts/${id}`, contactBody({ name: 'Bernd Huber', email: 'bernd@cert.example.at' }), {
      headers: { 'If-Match': '"1"' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('etag')).toBe('"2"');
    const updated = (await res.json()) as Written;
    expect(updated.data).toMatchObject({
      id,
      version: 2,
      status: 'active',
      name: 'Bernd Huber',
      email: 'bernd@cert.example.at',
      filed_at: new Date(Date.parse(START) + DAY_MS).toISOString(),
      attestation_id: updated.attestation.id,
    });
    expect(updated.attestation.id).not.toBe(created.attestation.id);
    const subject = portal.sqlite
      .prepare('SELECT subject FROM attestations WHERE id = ?')
      .pluck()
      .get(updated.attestation.id);
    expect(subject).toBe(`urn:cbm:contact:${id}:v2`);

    const current = await at.get(`/contacts/${id}`);
    expect(current.headers.get('etag')).toBe('"2"');
    expect(((await current.json()) as Contact).name).toBe('Bernd Huber');
    expect(versionRows(portal, id).map((row) => [row.version, row.name])).toEqual([
      [1, 'Anna Berger'],
      [2, 'Bernd Huber'],
    ]);
    expect(portal.sqlite.prepare('SELECT version FROM contacts WHERE id = ?').pluck().get(id)).toBe(2);
  });

  it('lists the history oldest first, paged by cursor', async () => {
    const portal = await createTestPortal();
    const at = await portal.registerState('AT');
    const id = (await publish(at)).data.id;
    for (const [version, name] of [
      [1, 'Second Name'],
      [2, 'Third Name'],
    ] as const) {
      const res = await at.put(`/contacts/${id}`, contactBody({ name }), { headers: { 'If-Match': `"${version}"` } });
      expect(res.status).toBe(200);
    }

    const whole = (await (await at.get(`/contacts/${id}/history`)).json()) as Page;
    expect(whole.items.map((item) => [item.version, item.name])).toEqual([
      [1, 'Anna Berger'],
      [2, 'Second Name'],
      [3, 'Third Name'],
    ]);
    expect(whole.next_cursor).toBeNull();

    const pages = await allPages(at, `/contacts/${id}/history?limit=2`);
    expect(pages.map((page) => page.items.map((item) => item.version))).toEqual([[1, 2], [3]]);

    expect((await at.get('/contacts/019ac1e2-0000-7000-8000-000000000000/history')).status).toBe(404);
  });

  it('withdraws a contact as a final version: out of the default directory, kept with status=all, no further changes', async () => {
    const portal = await createTestPortal();
    const at = await portal.registerState('AT');
    const id = (await publish(at)).data.id;
    expect(
      (await at.put(`/contacts/${id}`, contactBody({ name: 'Bernd Huber' }), { headers: { 'If-Match': '"1"' } }))
        .status,
    ).toBe(200);

    const res = await at.post(
      `/contacts/${id}/withdraw`,
      { reason: 'Left the CERT' },
      { headers: { 'If-Match': '"2"' } },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('etag')).toBe('"3"');
    const withdrawn = (await res.json()) as Written;
    expect(withdrawn.data).toMatchObject({
      id,
      version: 3,
      status: 'withdrawn',
      withdrawal_reason: 'Left the CERT',
      name: 'Bernd Huber',
    });
    expect(
      portal.sqlite.prepare('SELECT subject, operation FROM attestations WHERE id = ?').get(withdrawn.attestation.id),
    ).toEqual({
      subject: `urn:cbm:contact:${id}:v3`,
      operation: 'withdrawContact',
    });
    expect(portal.sqlite.prepare('SELECT status, version FROM contacts WHERE id = ?').get(id)).toEqual({
      status: 'withdrawn',
      version: 3,
    });

    const directory = (await (await at.get('/contacts')).json()) as Page;
    expect(directory.items.map((item) => item.id)).not.toContain(id);
    const everything = (await (await at.get('/contacts?status=all')).json()) as Page;
    expect(everything.items.map((item) => [item.id, item.status, item.version])).toEqual([[id, 'withdrawn', 3]]);
    // The record itself stays readable.
    expect(((await (await at.get(`/contacts/${id}`)).json()) as Contact).status).toBe('withdrawn');

    const rowsBefore = count(portal.sqlite, 'contact_versions');
    const update = await at.put(`/contacts/${id}`, contactBody(), { headers: { 'If-Match': '"3"' } });
    expect(update.status).toBe(409);
    expect(((await update.json()) as ProblemBody).code).toBe('contact-withdrawn');
    const again = await at.post(`/contacts/${id}/withdraw`, {}, { headers: { 'If-Match': '"3"' } });
    expect(again.status).toBe(409);
    expect(count(portal.sqlite, 'contact_versions')).toBe(rowsBefore);
  });

  it('requires If-Match (428) and refuses a stale one (412) without writing', async () => {
    const portal = await createTestPortal();
    const at = await portal.registerState('AT');
    const id = (await publish(at)).data.id;
    expect(
      (await at.put(`/contacts/${id}`, contactBody({ name: 'B' }), { headers: { 'If-Match': '"1"' } })).status,
    ).toBe(200);

    const missing = await at.put(`/contacts/${id}`, contactBody({ name: 'C' }));
    expect(missing.status).toBe(428);
    const stale = await at.put(`/contacts/${id}`, contactBody({ name: 'C' }), { headers: { 'If-Match': '"1"' } });
    expect(stale.status).toBe(412);
    expect(((await stale.json()) as ProblemBody).code).toBe('precondition-failed');
    const staleWithdraw = await at.post(`/contacts/${id}/withdraw`, {}, { headers: { 'If-Match': '"1"' } });
    expect(staleWithdraw.status).toBe(412);
    expect(versionRows(portal, id).map((row) => row.version)).toEqual([1, 2]);
  });

  it('lets a state change only its own contacts, and only states publish', async () => {
    const portal = await createTestPortal();
    const at = await portal.registerState('AT');
    const de = await portal.registerState('DE');
    const id = (await publish(at)).data.id;

    const res = await de.put(`/contacts/${id}`, contactBody({ name: 'Hijacked' }), { headers: { 'If-Match': '"1"' } });
    expect(res.status).toBe(403);
    expect(((await res.json()) as ProblemBody).code).toBe('not-owner');
    expect((await de.post(`/contacts/${id}/withdraw`, {}, { headers: { 'If-Match': '"1"' } })).status).toBe(403);
    expect(versionRows(portal, id).map((row) => row.name)).toEqual(['Anna Berger']);

    const bySecretariat = await portal.secretariat.post('/contacts', contactBody());
    expect(bySecretariat.status).toBe(403);
    expect(count(portal.sqlite, 'contacts')).toBe(1);
  });

  it('lets exactly one of two concurrent updates based on the same version win', async () => {
    const portal = await createTestPortal();
    const at = await portal.registerState('AT');
    const id = (await publish(at)).data.id;

    const results = await Promise.all(
      ['Concurrent One', 'Concurrent Two'].map((name) =>
        at.put(`/contacts/${id}`, contactBody({ name }), { headers: { 'If-Match': '"1"' } }),
      ),
    );
    expect(results.map((res) => res.status).sort()).toEqual([200, 412]);
    const winner = (await results.find((res) => res.status === 200)!.json()) as Written;
    expect(winner.data.version).toBe(2);

    const rows = versionRows(portal, id);
    expect(rows.map((row) => row.version)).toEqual([1, 2]);
    expect(rows[1]!.name).toBe(winner.data.name);
    expect(
      portal.sqlite
        .prepare('SELECT count(*) FROM attestations WHERE subject LIKE ?')
        .pluck()
        .get(`urn:cbm:contact:${id}:%`),
    ).toBe(2);
    expect(portal.sqlite.prepare('SELECT version FROM contacts WHERE id = ?').pluck().get(id)).toBe(2);
  });
});

describe('contacts: rules', () => {
  it.each([
    [31, true],
    [30.01, true],
    [30, false],
    [29.5, false],
    [29, false],
    [0, false],
  ])('flags a change filed %s days after it took effect as late=%s', async (days, late) => {
    const portal = await createTestPortal();
    const at = await portal.registerState('AT');
    const effectiveAt = new Date(Date.parse(START) - days * DAY_MS).toISOString();

    const created = await publish(at, { effective_at: effectiveAt });
    expect(created.data.effective_at).toBe(effectiveAt);
    expect(created.data.filed_at).toBe(START);
    expect(created.data.late).toBe(late);
    expect(
      portal.sqlite.prepare('SELECT late FROM contact_versions WHERE contact_id = ?').pluck().get(created.data.id),
    ).toBe(late ? 1 : 0);
  });

  it('flags late updates and withdrawals too, judged against their own effective_at', async () => {
    const portal = await createTestPortal();
    const at = await portal.registerState('AT');
    const id = (await publish(at)).data.id;
    portal.clock.advance(100 * DAY_MS);
    const now = portal.clock.now().getTime();

    const update = await at.put(
      `/contacts/${id}`,
      contactBody({ effective_at: new Date(now - 40 * DAY_MS).toISOString() }),
      {
        headers: { 'If-Match': '"1"' },
      },
    );
    expect(((await update.json()) as Written).data.late).toBe(true);
    const withdrawal = await at.post(
      `/contacts/${id}/withdraw`,
      { effective_at: new Date(now - 2 * DAY_MS).toISOString() },
      { headers: { 'If-Match': '"2"' } },
    );
    expect(((await withdrawal.json()) as Written).data.late).toBe(false);
    const lateFlags = portal.sqlite
      .prepare('SELECT late FROM contact_versions WHERE contact_id = ? ORDER BY version')
      .pluck()
      .all(id);
    expect(lateFlags).toEqual([0, 1, 0]);
  });

  it('normalises effective_at to UTC', async () => {
    const portal = await createTestPortal();
    const at = await portal.registerState('AT');
    const created = await publish(at, { effective_at: '2026-11-20T10:00:00+01:00' });
    expect(created.data.effective_at).toBe('2026-11-20T09:00:00.000Z');
  });

  it.each(['Mars/Olympus_Mons', 'Europe/Vienna '])(
    'refuses the time zone %j with 422 at /time_zone and writes nothing',
    async (timeZone) => {
      const portal = await createTestPortal();
      const at = await portal.registerState('AT');
      const attestations = count(portal.sqlite, 'attestations');

      const res = await at.post('/contacts', contactBody({ time_zone: timeZone }));
      expect(res.status).toBe(422);
      const problem = (await res.json()) as ProblemBody;
      expect(problem.code).toBe('validation-failed');
      expect(problem.errors?.map((error) => error.pointer)).toEqual(['/time_zone']);
      expect(count(portal.sqlite, 'contacts')).toBe(0);
      expect(count(portal.sqlite, 'contact_versions')).toBe(0);
      expect(count(portal.sqlite, 'attestations')).toBe(attestations);
    },
  );

  it('refuses an invalid time zone on update as well', async () => {
    const portal = await createTestPortal();
    const at = await portal.registerState('AT');
    const id = (await publish(at)).data.id;
    const res = await at.put(`/contacts/${id}`, contactBody({ time_zone: 'Nowhere/Land' }), {
      headers: { 'If-Match': '"1"' },
    });
    expect(res.status).toBe(422);
    expect(((await res.json()) as ProblemBody).errors?.map((error) => error.pointer)).toEqual(['/time_zone']);
    expect(versionRows(portal, id)).toHaveLength(1);
  });
});

describe('contacts: directory', () => {
  it('filters by state and by role', async () => {
    const portal = await createTestPortal();
    const at = await portal.registerState('AT');
    const de = await portal.registerState('DE');
    const atTechnical = (await publish(at, { role: 'technical' })).data.id;
    const atPolicy = (await publish(at, { role: 'policy', organisation: 'BMEIA' })).data.id;
    const deTechnical = (
      await publish(de, { role: 'technical', organisation: 'CERT-Bund', time_zone: 'Europe/Berlin' })
    ).data.id;

    const ids = async (path: string) => ((await (await de.get(path)).json()) as Page).items.map((item) => item.id);
    expect(await ids('/contacts')).toEqual([atTechnical, atPolicy, deTechnical]);
    expect(await ids('/contacts?state=AT')).toEqual([atTechnical, atPolicy]);
    expect(await ids('/contacts?state=DE')).toEqual([deTechnical]);
    expect(await ids('/contacts?role=technical')).toEqual([atTechnical, deTechnical]);
    expect(await ids('/contacts?role=policy')).toEqual([atPolicy]);
    expect(await ids('/contacts?state=AT&role=policy')).toEqual([atPolicy]);
    expect(await ids('/contacts?state=FR')).toEqual([]);
  });

  it('filters by the current role after an update changes it', async () => {
    const portal = await createTestPortal();
    const at = await portal.registerState('AT');
    const id = (await publish(at, { role: 'technical' })).data.id;
    expect(
      (await at.put(`/contacts/${id}`, contactBody({ role: 'policy' }), { headers: { 'If-Match': '"1"' } })).status,
    ).toBe(200);

    const technical = (await (await at.get('/contacts?role=technical')).json()) as Page;
    expect(technical.items).toEqual([]);
    const policy = (await (await at.get('/contacts?role=policy')).json()) as Page;
    expect(policy.items.map((item) => [item.id, item.version, item.role])).toEqual([[id, 2, 'policy']]);
  });

  it('pages across several pages: every contact exactly once, in publication order, current versions only', async () => {
    const portal = await createTestPortal();
    const states = await Promise.all(['AT', 'DE', 'FR'].map(async (id) => portal.registerState(id)));
    const published: string[] = [];
    for (let round = 0; round < 3; round++) {
      for (const state of states)
        published.push((await publish(state, { name: `Contact ${state.principal} ${round}` })).data.id);
    }
    // An update must not move a contact or duplicate it.
    const updated = published[1]!;
    expect(
      (
        await states[1]!.put(`/contacts/${updated}`, contactBody({ name: 'Renamed' }), {
          headers: { 'If-Match': '"1"' },
        })
      ).status,
    ).toBe(200);

    const pages = await allPages(states[0]!, '/contacts?limit=4');
    expect(pages.map((page) => page.items.length)).toEqual([4, 4, 1]);
    const items = pages.flatMap((page) => page.items);
    expect(items.map((item) => item.id)).toEqual(published);
    expect(new Set(items.map((item) => item.id)).size).toBe(9);
    expect(items.find((item) => item.id === updated)).toMatchObject({ version: 2, name: 'Renamed' });

    const atPages = await allPages(states[0]!, '/contacts?state=AT&limit=2');
    expect(atPages.map((page) => page.items.map((item) => item.state))).toEqual([['AT', 'AT'], ['AT']]);
  });

  it('refuses a cursor it did not issue (400)', async () => {
    const portal = await createTestPortal();
    const at = await portal.registerState('AT');
    const res = await at.get('/contacts?cursor=not-a-cursor');
    expect(res.status).toBe(400);
    expect(((await res.json()) as ProblemBody).code).toBe('invalid-cursor');
  });
});
