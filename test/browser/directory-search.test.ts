/**
 * Directory search in Chromium against a real portal (issue 11 follow-up): the search box
 * asks the portal (`listContacts` q), so a contact far past the first page is found, in
 * any case; the page reads well at 200% zoom.
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

/** The directory's page size (PAGE_SIZE in web/src/pages/contacts.tsx). */
const PAGE_SIZE = 50;

const contact = (name: string, organisation = 'Ministry of Foreign Affairs') =>
  contactInput({ role: 'policy', name, organisation, email: 'policy@mfa.example' });

describeBrowser('directory search in Chromium', () => {
  const suite = browserSuite();
  let portal: BrowserPortal;
  let de: StateKey;
  let wanted: string;
  beforeAll(async () => {
    portal = await startBrowserPortal();
    const at = await portal.registerState('AT', 'Austria');
    de = await portal.registerState('DE', 'Germany');
    for (let index = 0; index < PAGE_SIZE + 5; index += 1)
      await ok(at.client.POST('/contacts', { body: contact(`Filler ${index}`) }));
    // Published last: past the first page the browser loads.
    wanted = (await ok(de.client.POST('/contacts', { body: contact('Jörg Müller', 'Bundesamt für Sicherheit') }))).data
      .id;
  }, 120_000);
  afterAll(async () => {
    await portal?.close();
  });

  it('finds a contact past the first page by name or organisation, in any case', async () => {
    const page = await suite.open(portal, '/');
    await loadKey(page, 'DE', de.privateJwk);
    await page.goto('/contacts');
    const rows = page.getByTestId('contacts').locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(PAGE_SIZE);
    expect(await page.locator(`tr[data-id="${wanted}"]`).count()).toBe(0);

    for (const text of ['MÜLLER', 'bundesamt für']) {
      await page.locator('input[name=q]').fill(text);
      await page.locator('input[name=q]').press('Enter');
      await expect
        .poll(() => rows.evaluateAll((items) => items.map((item) => item.getAttribute('data-id'))))
        .toEqual([wanted]);
      expect(new URL(page.url()).searchParams.get('q')).toBe(text);
    }
    await expectNoAxeViolations(page);

    // Nothing matches: the empty state, not a stale list.
    await page.locator('input[name=q]').fill('nobody by that name');
    await page.locator('input[name=q]').press('Enter');
    await expect.poll(() => rows.count()).toBe(0);
  });

  it('reads well at 200% zoom: no sideways scrolling, no axe-core violation', async () => {
    const page = await suite.open(portal, '/', { zoom: 2 });
    await loadKey(page, 'DE', de.privateJwk);
    await page.goto('/contacts?q=m%C3%BCller');
    await page.getByTestId('contacts').waitFor();
    await expectNoHorizontalScroll(page);
    await expectNoAxeViolations(page);
  });
});
