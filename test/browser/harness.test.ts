/**
 * The harness's own checks can fail: each one against a small page made to break it and
 * one that does not (set as content of a blank page, no portal needed).
 */
import type { Page } from 'playwright-core';
import { afterEach, beforeEach, expect, it } from 'vitest';
import {
  browserSuite,
  describeBrowser,
  expectKeyboardUsable,
  expectNoAxeViolations,
  expectNoHorizontalScroll,
  tabThrough,
} from './harness.ts';

const html = (body: string, head = '') =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>t</title>${head}</head><body><main>${body}</main></body></html>`;

describeBrowser('the browser harness', () => {
  const suite = browserSuite();
  let page: Page;
  beforeEach(async () => {
    page = await suite.browser.newPage({ viewport: { width: 640, height: 400 }, deviceScaleFactor: 2 });
  });
  afterEach(async () => {
    await page.close();
  });

  it('expectNoAxeViolations fails on an image without a text alternative, and passes with one', async () => {
    const pixel = 'data:image/gif;base64,R0lGODlhAQABAAAAACw=';
    await page.setContent(html(`<img src="${pixel}">`));
    await expect(expectNoAxeViolations(page)).rejects.toThrow(/image-alt \(critical\)/);
    await page.setContent(html(`<img src="${pixel}" alt="a pixel">`));
    await expectNoAxeViolations(page);
  });

  it('expectNoHorizontalScroll fails on content wider than the zoomed viewport', async () => {
    await page.setContent(html('<div style="width: 1000px">wide</div>'));
    await expect(expectNoHorizontalScroll(page)).rejects.toThrow(/scrolls sideways/);
    await page.setContent(html('<p>Text that wraps at any width.</p>'));
    await expectNoHorizontalScroll(page);
  });

  it('tabThrough finds each control once and tells a hidden focus ring from a visible one', async () => {
    await page.setContent(
      html(
        '<a href="#a">first</a><button>second</button><button class="bare">third</button>',
        '<style>.bare:focus { outline: none; }</style>',
      ),
    );
    expect(await tabThrough(page)).toEqual([
      { element: 'a "first"', focusVisible: true },
      { element: 'button "second"', focusVisible: true },
      { element: 'button "third"', focusVisible: false },
    ]);
    await expect(expectKeyboardUsable(page)).rejects.toThrow(/third/);
  });
});
