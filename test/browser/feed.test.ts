/**
 * The feed in Chromium against a real portal (issue 11 follow-up): the first visit reads
 * the latest entries in one request (`order=desc`), not the whole feed from its start;
 * older entries come a page at a time on request; a write committed while the page is open
 * appears at the top, marked new; a TLP:AMBER record between two other states never shows.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ok } from '../../clients/typescript/src/index.ts';
import { loadKey } from './exchange-helpers.ts';
import {
  type BrowserPortal,
  browserSuite,
  describeBrowser,
  expectNoAxeViolations,
  expectNoHorizontalScroll,
  type StateKey,
  startBrowserPortal,
} from './harness.ts';
import { contactInput } from './fixtures.ts';

/** The entries the page reads at once (FEED_PAGE in web/src/pages/feed.tsx). */
const FEED_PAGE = 50;

describeBrowser('the feed in Chromium', () => {
  const suite = browserSuite();
  let portal: BrowserPortal;
  let at: StateKey;
  let de: StateKey;
  let latestId: string;
  let hiddenId: string;
  beforeAll(async () => {
    portal = await startBrowserPortal();
    at = await portal.registerState('AT', 'Austria');
    de = await portal.registerState('DE', 'Germany');
    const be = await portal.registerState('BE', 'Belgium');
    // A TLP:AMBER request from Belgium to Austria only: never in Germany's feed.
    hiddenId = (
      await ok(
        be.client.POST('/requests', {
          body: {
            type: 'consultation',
            subject: 'Restricted',
            body: 'For Austria only.',
            urgency: 'normal',
            tlp: 'TLP:AMBER',
            recipients: ['AT'],
          },
        }),
      )
    ).attestation.id;
    // More than one page: the first visit must not read them all.
    for (let index = 0; index < FEED_PAGE + 10; index += 1)
      latestId = (await ok(at.client.POST('/contacts', { body: contactInput({ name: `Contact ${index}` }) })))
        .attestation.id;
  }, 120_000);
  afterAll(async () => {
    await portal?.close();
  });

  /** Every entry Germany may see, oldest first, as the API pages it. */
  async function allVisible(): Promise<string[]> {
    const ids: string[] = [];
    for (let cursor: string | undefined, more = true; more; ) {
      const page = await ok(
        de.client.GET('/feed', { params: { query: { limit: 200, ...(cursor ? { cursor } : {}) } } }),
      );
      ids.push(...page.items.map((item) => item.attestation_id));
      cursor = page.next_cursor ?? undefined;
      more = page.has_more;
    }
    return ids;
  }

  it('opens on the latest entries in one request, reads older ones on request, and shows new ones arrive', async () => {
    const page = await suite.open(portal, '/');
    await loadKey(page, 'DE', de.privateJwk);
    const asked: string[] = [];
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (url.pathname === '/feed' && request.resourceType() === 'fetch') asked.push(url.search);
    });
    await page.goto('/feed');
    const feed = page.getByTestId('feed');
    await feed.waitFor();
    const shown = () =>
      feed.locator('li[data-attestation]').evaluateAll((items) => items.map((item) => item.dataset.attestation));

    const visible = await allVisible();
    expect(visible).not.toContain(hiddenId);
    expect(visible.length).toBeGreaterThan(FEED_PAGE);
    // The newest first, a page of them, from a single request for the latest entries.
    expect(await shown()).toEqual(visible.slice(-FEED_PAGE).reverse());
    expect((await shown())[0]).toBe(latestId);
    // (The shell may mount the page twice while the session opens: each mount asks the same.)
    expect(new Set(asked)).toEqual(new Set([`?order=desc&limit=${FEED_PAGE}`]));
    await expectNoAxeViolations(page);

    // Older entries, on request, down to the first; then no more button.
    await page.getByTestId('feed-older').click();
    await expect.poll(shown).toEqual([...visible].reverse());
    await expect.poll(() => page.getByTestId('feed-older').count()).toBe(0);

    // A write while the page is open appears at the top, marked new, without a reload.
    const later = await ok(at.client.POST('/contacts', { body: contactInput({ name: 'Later' }) }));
    await expect.poll(async () => (await shown())[0], { timeout: 15_000 }).toBe(later.attestation.id);
    expect(await feed.locator('li.feed-new').count()).toBe(1);
    expect(await shown()).toEqual([later.attestation.id, ...[...visible].reverse()]);
    // Every poll asks for what follows the newest entry shown, oldest first: never from the start.
    const polls = asked.filter((search) => !search.includes('order=desc'));
    expect(polls.length).toBeGreaterThan(0);
    expect(polls.filter((search) => !/^\?limit=\d+&cursor=[\w-]+$/.test(search))).toEqual([]);
  });

  it('reads well at 200% zoom: no sideways scrolling, no axe-core violation', async () => {
    const page = await suite.open(portal, '/', { zoom: 2 });
    await loadKey(page, 'DE', de.privateJwk);
    await page.goto('/feed');
    await page.getByTestId('feed').waitFor();
    await expectNoHorizontalScroll(page);
    await expectNoAxeViolations(page);
  });
});
