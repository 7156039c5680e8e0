/**
 * What every exchange shares, on every runtime: Idempotency-Key on creates and the feed.
 * Shown here on contacts (visible to all principals); the TLP cases live with the
 * documents and incidents suites.
 */
import { describe, expect, it } from 'vitest';
import { contactBody, type PortalHarness } from '../support/harness.ts';

type MakePortal = () => Promise<PortalHarness>;

interface Written {
  data: { id: string };
  attestation: { id: string; token: string; log_index: number };
}
interface FeedPage {
  items: {
    cursor: string;
    attestation_id: string;
    subject: string;
    log_index: number;
    record_href: string | null;
    principal: string;
  }[];
  next_cursor: string | null;
  has_more: boolean;
}

export function exchangeSuite(runtime: string, makePortal: MakePortal) {
  describe(`idempotency on ${runtime}`, () => {
    it('replays the first answer for a retry with the same key and body, refuses another body with 422', async () => {
      const portal = await makePortal();
      const at = await portal.registerState('AT');
      const headers = { 'idempotency-key': '"contact-2026-11-27-001"' };
      const first = await at.post('/contacts', contactBody(), { headers });
      expect(first.status).toBe(201);
      const firstBody = (await first.json()) as Written;

      const retry = await at.post('/contacts', contactBody(), { headers });
      expect(retry.status).toBe(201);
      expect(retry.headers.get('idempotent-replayed')).toBe('true');
      expect(retry.headers.get('etag')).toBe('"1"');
      expect(retry.headers.get('location')).toBe(`/contacts/${firstBody.data.id}`);
      expect(await retry.json()).toEqual(firstBody);
      expect(await portal.rows('contacts')).toBe(1);

      const other = await at.post('/contacts', contactBody({ name: 'Someone else' }), { headers });
      expect(other.status).toBe(422);
      expect(((await other.json()) as { errors: { parameter: string }[] }).errors[0]?.parameter).toBe(
        'Idempotency-Key',
      );
      expect(await portal.rows('contacts')).toBe(1);

      // Keys belong to their principal: another state may use the same key for its own write.
      const be = await portal.registerState('BE');
      expect((await be.post('/contacts', contactBody(), { headers })).status).toBe(201);
      expect(await portal.rows('contacts')).toBe(2);
    });

    it('forgets a key whose request failed, so the request can run again', async () => {
      const portal = await makePortal();
      const at = await portal.registerState('AT');
      const refused = await at.post('/contacts', contactBody({ time_zone: 'Mars/Olympus_Mons' }), {
        headers: { 'idempotency-key': 'failed-once' },
      });
      expect(refused.status).toBe(422);
      const fixed = await at.post('/contacts', contactBody({ time_zone: 'Mars/Olympus_Mons' }), {
        headers: { 'idempotency-key': 'failed-once' },
      });
      expect(fixed.status).toBe(422); // the same bad request runs again, it is not answered from a stored failure
      expect(await portal.rows('idempotency_keys')).toBe(0);
      const good = await at.post('/contacts', contactBody(), { headers: { 'idempotency-key': 'failed-once' } });
      expect(good.status).toBe(201);
      expect(await portal.rows('contacts')).toBe(1);
    });

    it('creates once when the same request races with itself', async () => {
      const portal = await makePortal();
      const at = await portal.registerState('AT');
      const headers = { 'idempotency-key': 'race' };
      const answers = await Promise.all([0, 1, 2].map(() => at.post('/contacts', contactBody(), { headers })));
      const statuses = answers.map((res) => res.status).sort();
      expect(statuses.every((status) => status === 201 || status === 409)).toBe(true);
      for (const lost of answers.filter((res) => res.status === 409)) {
        // The duplicate ran alongside the first and lost at commit on the key's primary key.
        expect(lost.headers.get('retry-after')).toBe('1');
        expect(((await lost.clone().json()) as { code: string }).code).toBe('idempotency-request-in-flight');
      }
      expect(statuses).toContain(201);
      const ids = new Set(
        await Promise.all(
          answers.filter((res) => res.status === 201).map(async (res) => ((await res.json()) as Written).data.id),
        ),
      );
      expect(ids.size).toBe(1);
      expect(await portal.rows('contacts')).toBe(1);
    });

    it('refuses a malformed key', async () => {
      const portal = await makePortal();
      const at = await portal.registerState('AT');
      const res = await at.post('/contacts', contactBody(), { headers: { 'idempotency-key': 'x'.repeat(300) } });
      expect(res.status).toBe(400);
      expect(await portal.rows('contacts')).toBe(0);
    });
  });

  describe(`feed on ${runtime}`, () => {
    it('lists every write in commit order and continues from the cursor without skipping or repeating', async () => {
      const portal = await makePortal();
      const at = await portal.registerState('AT');
      const first = (await (await at.post('/contacts', contactBody())).json()) as Written;

      const page = (await (await at.get('/feed?limit=2')).json()) as FeedPage;
      expect(page.items.map((item) => item.log_index)).toEqual([0, 1]);
      expect(page.items[0]).toMatchObject({
        subject: 'urn:cbm:principal:AT',
        record_href: '/principals/AT',
        principal: 'secretariat',
      });
      expect(page.has_more).toBe(true);
      const rest = (await (await at.get(`/feed?limit=2&cursor=${page.next_cursor}`)).json()) as FeedPage;
      expect(rest.items.map((item) => item.attestation_id)).toEqual([first.attestation.id]);
      expect(rest.items[0]?.record_href).toBe(`/contacts/${first.data.id}`);
      expect(rest.has_more).toBe(false);

      // At the end the cursor still points after the last entry: polling returns only what is new.
      const empty = (await (await at.get(`/feed?cursor=${rest.next_cursor}`)).json()) as FeedPage;
      expect(empty.items).toEqual([]);
      expect(empty.next_cursor).toBe(rest.next_cursor);
      await at.post('/states/AT/confirmations', {});
      const fresh = (await (await at.get(`/feed?cursor=${empty.next_cursor}`)).json()) as FeedPage;
      expect(fresh.items.map((item) => item.subject)).toEqual([expect.stringMatching(/^urn:cbm:confirmation:/)]);
    });

    it('never skips nor repeats an entry while writers commit concurrently', async () => {
      const portal = await makePortal();
      const writers = await Promise.all(['AT', 'BE', 'CZ', 'DE'].map((state) => portal.registerState(state)));
      const reader = await portal.registerState('FR');
      const seen: number[] = [];
      let cursor: string | null = null;
      let writing = true;
      const follow = async () => {
        for (;;) {
          const res = await reader.get(`/feed?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
          const page = (await res.json()) as FeedPage;
          seen.push(...page.items.map((item) => item.log_index));
          cursor = page.next_cursor;
          if (!writing && !page.has_more && page.items.length === 0) return;
        }
      };
      const reading = follow();
      await Promise.all(
        writers.map(async (writer, w) => {
          for (let i = 0; i < 5; i += 1)
            expect((await writer.post('/contacts', contactBody({ name: `W${w} C${i}` }))).status).toBe(201);
        }),
      );
      writing = false;
      await reading;
      const total = await portal.rows('attestations');
      expect(total).toBe(10 + 20);
      expect(seen).toEqual(Array.from({ length: total }, (_, index) => index));
    });
  });
}
