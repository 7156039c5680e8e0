/**
 * A new version of a national document from the browser (issue 11 follow-up), as
 * `cbm documents publish --id` does: the form starts from the current version, the PUT
 * carries If-Match, and a version published meanwhile (412) is named while the person's
 * text is kept; publishing again replaces the newer one.
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
import { documentInput } from './fixtures.ts';

describeBrowser('a new document version in Chromium', () => {
  const suite = browserSuite();
  let portal: BrowserPortal;
  let at: StateKey;
  beforeAll(async () => {
    portal = await startBrowserPortal();
    at = await portal.registerState('AT', 'Austria');
  });
  afterAll(async () => {
    await portal?.close();
  });

  it('publishes version 2 from the current one, then meets a concurrent version (412) and replaces it', async () => {
    const documentId = (
      await ok(
        at.client.POST('/documents', { body: documentInput('Strategy 2025', { markdown: '# Strategy\n\nOld.\n' }) }),
      )
    ).data.id;
    const read = () => ok(at.client.GET('/documents/{documentId}', { params: { path: { documentId } } }));
    const page = await suite.open(portal, '/');
    await loadKey(page, 'AT', at.privateJwk);
    await page.goto(`/documents/${documentId}`);
    await page.getByTestId('new-version').click();
    await page.waitForURL(new RegExp(`/documents/${documentId}/new-version$`));
    // Prefilled from version 1.
    await expect.poll(() => page.locator('#doc-title').inputValue()).toBe('Strategy 2025');
    expect(await page.locator('#doc-markdown').inputValue()).toBe('# Strategy\n\nOld.\n');
    await expectNoAxeViolations(page);
    await page.locator('#doc-title').fill('Strategy 2026');
    await page.locator('#doc-markdown').fill('# Strategy\n\nNew.\n');
    await page.getByRole('button', { name: 'Publish the new version' }).click();
    await page.waitForURL(new RegExp(`/documents/${documentId}$`));
    await expect.poll(async () => (await read()).version).toBe(2);
    expect(await read()).toMatchObject({ title: 'Strategy 2026', version: 2 });

    // Another version is published (from the command line) while the form is open.
    await page.goto(`/documents/${documentId}/new-version`);
    await expect.poll(() => page.locator('#doc-title').inputValue()).toBe('Strategy 2026');
    await ok(
      at.client.PUT('/documents/{documentId}', {
        params: { path: { documentId }, header: { 'If-Match': '"2"' } },
        body: documentInput('Strategy 2026 (CLI)', { markdown: '# Strategy\n\nFrom the terminal.\n' }),
      }),
    );
    await page.locator('#doc-title').fill('Strategy 2026 (browser)');
    await page.getByRole('button', { name: 'Publish the new version' }).click();
    const conflict = page.getByTestId('document-conflict');
    await conflict.waitFor();
    expect(await conflict.textContent()).toContain('Version 3 of this document was published meanwhile');
    // Nothing stored by the refused PUT; the person's text is still in the form.
    expect(await read()).toMatchObject({ title: 'Strategy 2026 (CLI)', version: 3 });
    expect(await page.locator('#doc-title').inputValue()).toBe('Strategy 2026 (browser)');
    await expectNoAxeViolations(page);
    await page.getByRole('button', { name: 'Publish over version 3' }).click();
    await page.waitForURL(new RegExp(`/documents/${documentId}$`));
    await expect.poll(async () => (await read()).version).toBe(4);
    expect(await read()).toMatchObject({ title: 'Strategy 2026 (browser)', version: 4 });
    // The browser logs the refused request; nothing else went wrong.
    expect((await page.take()).consoleErrors).toEqual([expect.stringContaining('status of 412 (Precondition Failed)')]);
  });

  it('the new-version form reads well at 200% zoom', async () => {
    const documentId = (
      await ok(at.client.POST('/documents', { body: documentInput('Zoomed', { markdown: '# Zoom\n' }) }))
    ).data.id;
    const page = await suite.open(portal, '/', { zoom: 2 });
    await loadKey(page, 'AT', at.privateJwk);
    await page.goto(`/documents/${documentId}/new-version`);
    await expect.poll(() => page.locator('#doc-title').inputValue()).toBe('Zoomed');
    await expectNoHorizontalScroll(page);
    await expectNoAxeViolations(page);
  });
});
