/**
 * /docs in Chromium: the API reference rendered from the contract the portal serves, by
 * the bundled renderer, under the page policy: no CSP violation, nothing fetched from any
 * other origin (the suite fails the test on either), every operation of the contract shown.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { specDocument } from '../../src/generated/spec.ts';
import { HTTP_METHODS } from '../../src/http/spec-index.ts';
import {
  type BrowserPortal,
  browserSuite,
  describeBrowser,
  expectKeyboardUsable,
  expectNoAxeViolations,
  expectNoHorizontalScroll,
  shoot,
  startBrowserPortal,
} from './harness.ts';

const operationCount = Object.values(specDocument.paths as Record<string, Record<string, unknown>>).flatMap((item) =>
  HTTP_METHODS.filter((method) => item[method]),
).length;

describeBrowser('/docs in Chromium', () => {
  const suite = browserSuite();
  let portal: BrowserPortal;
  beforeAll(async () => {
    portal = await startBrowserPortal();
  });
  afterAll(async () => {
    await portal?.close();
  });

  it('renders every operation of the served contract, with the page policy and nothing off the origin', async () => {
    const requests: string[] = [];
    const page = await suite.open(portal, '/docs');
    page.on('request', (request) => requests.push(new URL(request.url()).pathname));
    await page.reload();
    await page.locator('.opblock').first().waitFor();
    expect(await page.locator('.opblock').count()).toBe(operationCount);
    await expect(page.locator('.info .title').first().textContent()).resolves.toContain('CBM Exchange Portal API');
    expect(requests).toContain('/openapi.json');
    // Read-only: every request but the public documents needs a signature the renderer cannot make.
    expect(await page.locator('.try-out__btn').count()).toBe(0);
    const opened = page.locator('.opblock-summary').filter({ hasText: '/contacts' }).first();
    await opened.click();
    await page.locator('.opblock.is-open .opblock-body').first().waitFor();
    await shoot(page, 'docs', 'en');
    // An operation opened (parameters, responses, schemas) passes axe too.
    await expectNoAxeViolations(page);
  });

  it('passes axe-core (WCAG 2.2 AA)', async () => {
    const page = await suite.open(portal, '/docs');
    await page.locator('.opblock').first().waitFor();
    await expectNoAxeViolations(page);
  });

  it('reflows at 200% zoom and is usable by keyboard alone, each control showing its focus', async () => {
    const page = await suite.open(portal, '/docs', { zoom: 2 });
    await page.locator('.opblock').first().waitFor();
    await expectNoHorizontalScroll(page);
    const stops = await expectKeyboardUsable(page, 10);
    expect(stops[0]?.element).toContain('CBM Exchange Portal');
    // An operation opens from the keyboard.
    await page.locator('.opblock-summary-control').first().focus();
    await page.keyboard.press('Enter');
    await page.locator('.opblock.is-open').first().waitFor();
  });
});
