/**
 * The feed read newest first (`order=desc`, issue 11: a person opening the feed wants the
 * latest entries), then polled oldest first from the newest entry shown: every entry the
 * caller may see exactly once, none it may not, and nothing written by reading.
 */
import { describe, expect, it } from 'vitest';
import { contactBody } from '../../test/support/harness.ts';
import { created, incidentBody, INCIDENT_SCOPES } from '../../test/support/incidents.ts';
import { createTestPortal } from '../../test/support/portal.ts';

interface FeedPage {
  items: { cursor: string; attestation_id: string; subject: string }[];
  next_cursor: string | null;
  has_more: boolean;
}

describe('feed: newest first', () => {
  it('pages backwards from the latest entry, then polls forwards from the newest one shown', async () => {
    const portal = await createTestPortal();
    const scopes = [...INCIDENT_SCOPES, 'contacts:write'];
    const at = await portal.registerState('AT', { scopes });
    const be = await portal.registerState('BE', { scopes });
    const cz = await portal.registerState('CZ', { scopes });
    const read = async (path: string) => {
      const res = await at.get(path);
      expect(res.status, path).toBe(200);
      return (await res.json()) as FeedPage;
    };
    for (let index = 0; index < 4; index += 1)
      await created(at, '/contacts', contactBody({ name: `Contact ${index}` }));
    // A TLP:AMBER incident between BE and CZ: Austria must never see it, in either order.
    const hidden = await created(be, '/incidents', incidentBody({ tlp: 'TLP:AMBER', recipients: ['CZ'] }));
    await created(cz, '/contacts', contactBody({ name: 'Czech contact' }));

    const ascending: FeedPage['items'] = [];
    for (let cursor: string | null = null, more = true; more; ) {
      const page = await read(`/feed?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      ascending.push(...page.items);
      cursor = page.next_cursor;
      more = page.has_more;
    }
    expect(ascending.map((item) => item.attestation_id)).not.toContain(hidden.attestation.id);

    const rowsBefore = await portal.rows('attestations');
    const latest = await read('/feed?order=desc&limit=3');
    expect(latest.items).toEqual(ascending.slice(-3).reverse());
    expect(latest.has_more).toBe(true);
    expect(latest.next_cursor).toBe(latest.items[2]!.cursor);
    const descending = [...latest.items];
    for (let cursor = latest.next_cursor, more = latest.has_more; more; ) {
      const page = await read(`/feed?order=desc&limit=3&cursor=${cursor}`);
      descending.push(...page.items);
      cursor = page.next_cursor;
      more = page.has_more;
    }
    expect(descending).toEqual([...ascending].reverse());
    // Before the oldest entry there is nothing: an empty page that keeps the cursor.
    const oldest = ascending[0]!.cursor;
    expect(await read(`/feed?order=desc&cursor=${oldest}`)).toEqual({
      items: [],
      next_cursor: oldest,
      has_more: false,
    });

    // Polling oldest first from the newest entry shown: only what was committed after it.
    expect((await read(`/feed?cursor=${latest.items[0]!.cursor}`)).items).toEqual([]);
    const later = await created(at, '/contacts', contactBody({ name: 'Later' }));
    await created(be, '/incidents', incidentBody({ tlp: 'TLP:AMBER', recipients: ['CZ'] }));
    const polled = await read(`/feed?cursor=${latest.items[0]!.cursor}`);
    expect(polled.items.map((item) => item.attestation_id)).toEqual([later.attestation.id]);
    // Reads never write (the two writes above are the only new rows).
    expect(await portal.rows('attestations')).toBe(rowsBefore + 2);
  });

  it('refuses an unknown order with 400 and names the parameter', async () => {
    const portal = await createTestPortal();
    const at = await portal.registerState('AT');
    const res = await at.get('/feed?order=newest');
    expect(res.status).toBe(400);
    const problem = (await res.json()) as { errors: { parameter: string; in: string }[] };
    expect(problem.errors).toEqual([expect.objectContaining({ parameter: 'order', in: 'query' })]);
  });
});
