/**
 * National documents' Markdown rendered in Chromium (issue 11 follow-up): headings, lists,
 * emphasis, code, tables and links come out as elements; raw HTML in the text (`<script>`,
 * `<img onerror>`, an inline style) is shown as text and runs nothing; a `javascript:` link
 * is no link; an image loads nothing (its alternative text is shown); no CSP violation or
 * request off the portal's origin (the suite fails on either). The renderer loads with the
 * document page only.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ok, type Schemas } from '../../clients/typescript/src/index.ts';
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

const HOSTILE = [
  '# Threat views 2026',
  '',
  'Some **bold** and _emphasis_, `code` and a [portal link](/documents) and [an outside one](https://example.org/x).',
  '',
  '- first',
  '- second',
  '',
  '| state | status |',
  '| --- | --- |',
  '| AT | current |',
  '',
  '<script>window.__pwned = "script"</script>',
  '',
  '<img src="x" onerror="window.__pwned = \'img\'">',
  '',
  '<p style="color: red" onclick="window.__pwned = \'click\'">styled</p>',
  '',
  '[click me](javascript:window.__pwned=%22link%22)',
  '',
  '![a chart](https://tracker.example/pixel.png)',
  '',
].join('\n');

describeBrowser('Markdown documents in Chromium', () => {
  const suite = browserSuite();
  let portal: BrowserPortal;
  let at: StateKey;
  let documentId: string;
  beforeAll(async () => {
    portal = await startBrowserPortal();
    at = await portal.registerState('AT', 'Austria');
    documentId = (
      await ok(
        at.client.POST('/documents', {
          body: {
            type: 'threat-views',
            title: 'Threat views 2026',
            summary: 'What we see.',
            language: 'en',
            tlp: 'TLP:CLEAR',
            content: { markdown: HOSTILE },
          } as Schemas['DocumentInput'],
        }),
      )
    ).data.id;
  });
  afterAll(async () => {
    await portal?.close();
  });

  it('renders the Markdown as elements and shows raw HTML as text, running nothing', async () => {
    const page = await suite.open(portal, '/');
    await loadKey(page, 'AT', at.privateJwk);
    const scripts: string[] = [];
    page.on('request', (request) => {
      if (request.resourceType() === 'script') scripts.push(new URL(request.url()).pathname);
    });
    await page.goto(`/documents/${documentId}`);
    const markdown = page.getByTestId('markdown');
    await expect.poll(() => markdown.getAttribute('data-rendered'), { timeout: 15_000 }).toBe('yes');
    // One level below the page's title (its only h1).
    expect(await markdown.locator('h2').textContent()).toBe('Threat views 2026');
    expect(await page.locator('main h1').count()).toBe(1);
    expect(await markdown.locator('strong').textContent()).toBe('bold');
    expect(await markdown.locator('ul li').allTextContents()).toEqual(['first', 'second']);
    expect(await markdown.locator('table td').allTextContents()).toEqual(['AT', 'current']);
    expect(await markdown.locator('a').evaluateAll((links) => links.map((link) => link.getAttribute('href')))).toEqual([
      `${portal.origin}/documents`,
      'https://example.org/x',
    ]);
    expect(await markdown.locator('a[href="https://example.org/x"]').getAttribute('rel')).toBe('noopener noreferrer');

    // Raw HTML is text: the tags are visible, and no such element exists.
    const text = (await markdown.textContent()) ?? '';
    expect(text).toContain('<script>window.__pwned = "script"</script>');
    expect(text).toContain('<img src="x" onerror=');
    expect(text).toContain('<p style="color: red"');
    expect(await markdown.locator('script, img, [style], [onclick], [onerror]').count()).toBe(0);
    // The javascript: link is no link; the image loads nothing and shows its alternative text.
    expect(text).toContain('click me');
    expect(await markdown.locator('a', { hasText: 'click me' }).count()).toBe(0);
    expect(text).toContain('a chart');
    await markdown.getByText('click me').click();
    expect(await page.evaluate(() => (window as unknown as { __pwned?: string }).__pwned)).toBeUndefined();
    // The renderer came with this page, in its own chunk.
    expect(scripts.some((path) => /\/chunks\/markdown-it-[\w-]+\.js$/.test(path))).toBe(true);
    await expectNoAxeViolations(page);
  });

  it('the first load of another page does not fetch the renderer', async () => {
    const page = await suite.open(portal, '/');
    const scripts: string[] = [];
    page.on('request', (request) => {
      if (request.resourceType() === 'script') scripts.push(new URL(request.url()).pathname);
    });
    await loadKey(page, 'AT', at.privateJwk);
    await page.goto('/documents');
    await page.locator('main h1').first().waitFor();
    expect(scripts.filter((path) => path.includes('markdown'))).toEqual([]);
  });

  it('reads well at 200% zoom', async () => {
    const page = await suite.open(portal, '/', { zoom: 2 });
    await loadKey(page, 'AT', at.privateJwk);
    await page.goto(`/documents/${documentId}`);
    await expect
      .poll(() => page.getByTestId('markdown').getAttribute('data-rendered'), { timeout: 15_000 })
      .toBe('yes');
    await expectNoHorizontalScroll(page);
    await expectNoAxeViolations(page);
  });
});
