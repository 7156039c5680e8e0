/**
 * The first load of `/` stays within the budget the README states (test/browser/budget.ts
 * BUDGET): compressed JavaScript, CSS, requests and DOMContentLoaded, measured in Chromium
 * against a real portal serving dist/web. Figures over time: npx tsx test/bench/web-load.ts.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { BUDGET, kib, measureFirstLoad } from './budget.ts';
import { type BrowserPortal, browserSuite, describeBrowser, startBrowserPortal } from './harness.ts';

describeBrowser('the first load of / in Chromium', () => {
  const suite = browserSuite();
  let portal: BrowserPortal;
  beforeAll(async () => {
    portal = await startBrowserPortal();
  });
  afterAll(async () => {
    await portal?.close();
  });

  it('fetches compressed JavaScript and CSS, all within the budget', async () => {
    const load = await measureFirstLoad(suite.browser, portal.origin);
    const scripts = load.resources.filter((resource) => resource.kind === 'script');
    console.log(
      `first load of /: ${load.requests} requests, JavaScript ${kib(load.javascriptWire)} over the wire ` +
        `(${kib(load.javascriptBytes)} decoded, ${scripts.length} files), CSS ${kib(load.cssWire)}, ` +
        `DOMContentLoaded ${load.domContentLoadedMs.toFixed(0)} ms`,
    );
    expect(scripts.length).toBeGreaterThan(0);
    // Every script and style sheet came from the portal, compressed (the Node entry serves brotli to Chromium).
    for (const resource of load.resources.filter((r) => r.kind === 'script' || r.kind === 'stylesheet')) {
      expect({ path: resource.path, status: resource.status, encoding: resource.encoding }).toEqual({
        path: expect.stringMatching(/^\/_app\//),
        status: 200,
        encoding: 'br',
      });
      expect(resource.wireBytes).toBeLessThan(resource.bytes);
    }
    expect(load.javascriptWire).toBeLessThanOrEqual(BUDGET.javascriptKiB * 1024);
    expect(load.cssWire).toBeLessThanOrEqual(BUDGET.cssKiB * 1024);
    expect(load.requests).toBeLessThanOrEqual(BUDGET.requests);
    expect(load.domContentLoadedMs).toBeLessThanOrEqual(BUDGET.domContentLoadedMs);
  });

  it('caches what it fetched: a second visit asks the portal for no script or style sheet again', async () => {
    // The portal's request log (stdout, one line a request) says what reached it.
    const assetRequests = () => portal.output().match(/\/_app\/\S+/g) ?? [];
    const page = await suite.open(portal, '/');
    await page.waitForLoadState('networkidle');
    const first = assetRequests().length;
    expect(first).toBeGreaterThan(0);
    await page.goto('/');
    await page.waitForLoadState('networkidle');
    expect(assetRequests().slice(first)).toEqual([]);
  });
});
