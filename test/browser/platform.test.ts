/**
 * The platform under the pages, in Chromium against a real portal: the app loads from the
 * portal alone, and the Content-Security-Policy is really enforced (an inline script and
 * eval are refused, and the refusal is reported).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type BrowserPortal, browserSuite, describeBrowser, startBrowserPortal } from './harness.ts';

describeBrowser('the web platform in Chromium', () => {
  const suite = browserSuite();
  let portal: BrowserPortal;
  beforeAll(async () => {
    portal = await startBrowserPortal();
  });
  afterAll(async () => {
    await portal?.close();
  });

  it('loads / from the portal with the page policy, and nothing from anywhere else', async () => {
    const page = await suite.open(portal, '/');
    const response = await page.reload();
    expect(response?.status()).toBe(200);
    const headers = response!.headers();
    expect(headers['content-security-policy']).toContain("script-src 'self'");
    expect(headers['x-frame-options']).toBe('DENY');
    await page.waitForLoadState('load');
    expect(await page.locator('#app').count()).toBe(1);
  });

  it('enforces the policy: an inline script does not run, eval is refused, and both are reported', async () => {
    const page = await suite.open(portal, '/');
    await page.waitForLoadState('load');
    const outcome = await page.evaluate(async () => {
      const flags = window as unknown as Record<string, boolean | undefined>;
      const script = document.createElement('script');
      script.textContent = 'window.inlineRan = true;';
      document.head.append(script);
      // A handler attribute is inline script too; a string timer is eval. Both run later, as
      // the page's own code, not as this evaluation (which DevTools may run past the policy).
      const button = document.createElement('button');
      button.setAttribute('onclick', 'window.handlerRan = true');
      document.body.append(button);
      button.click();
      button.remove();
      (setTimeout as unknown as (code: string, ms: number) => void)('window.timerRan = true', 0);
      await new Promise((settled) => setTimeout(settled, 200));
      return { inline: flags.inlineRan ?? false, handler: flags.handlerRan ?? false, timer: flags.timerRan ?? false };
    });
    expect(outcome).toEqual({ inline: false, handler: false, timer: false });
    const problems = await page.take();
    expect(problems.cspViolations.map((line) => line.replace(/ at .*$/, ''))).toEqual([
      'script-src-elem blocked inline',
      'script-src-attr blocked inline',
      'script-src blocked eval',
    ]);
    expect(problems.consoleErrors.filter((line) => line.includes('Content Security Policy'))).toHaveLength(3);
  });
});
