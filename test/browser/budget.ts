/**
 * The first load of the web portal, measured in Chromium as a person's browser makes it:
 * a fresh profile (nothing cached), every response's bytes as they came over the wire
 * (compressed), by kind. Used by test/browser/budget.test.ts (which checks BUDGET) and
 * test/bench/web-load.ts (which prints the figures). No vitest here.
 */
import type { Browser } from 'playwright-core';

/** The budget of the first load of `/` (README: Web portal). */
export const BUDGET = {
  /** JavaScript over the wire (brotli or gzip, as the portal serves it), all of it. */
  javascriptKiB: 150,
  /** CSS over the wire. */
  cssKiB: 30,
  /** Every request the page makes until the network is idle, API calls included. */
  requests: 25,
  /** DOMContentLoaded on loopback, a generous bound: it catches a page blocked on something, not jitter. */
  domContentLoadedMs: 3000,
};

export interface LoadedResource {
  path: string;
  kind: string;
  status: number;
  /** Bytes of the body as sent (compressed when Content-Encoding says so). */
  wireBytes: number;
  /** Bytes of the body as decoded. */
  bytes: number;
  encoding: string | null;
}

export interface FirstLoad {
  resources: LoadedResource[];
  requests: number;
  javascriptWire: number;
  javascriptBytes: number;
  cssWire: number;
  cssBytes: number;
  domContentLoadedMs: number;
  loadMs: number;
}

/** Loads `path` in a fresh context and waits for the network to be idle. */
export async function measureFirstLoad(browser: Browser, origin: string, path = '/'): Promise<FirstLoad> {
  const context = await browser.newContext({ baseURL: origin, locale: 'en' });
  try {
    const page = await context.newPage();
    const pending: Promise<LoadedResource | null>[] = [];
    page.on('requestfinished', (request) => {
      pending.push(
        (async () => {
          const response = await request.response();
          if (!response) return null;
          const sizes = await request.sizes();
          const body = await response.body().catch(() => Buffer.alloc(0));
          return {
            path: new URL(request.url()).pathname,
            kind: request.resourceType(),
            status: response.status(),
            wireBytes: sizes.responseBodySize,
            bytes: body.byteLength,
            encoding: (await response.headerValue('content-encoding')) ?? null,
          };
        })(),
      );
    });
    await page.goto(path, { waitUntil: 'networkidle' });
    const timing = await page.evaluate(() => {
      const [navigation] = performance.getEntriesByType('navigation') as PerformanceNavigationTiming[];
      return { dcl: navigation?.domContentLoadedEventEnd ?? Number.NaN, load: navigation?.loadEventEnd ?? Number.NaN };
    });
    const resources = (await Promise.all(pending)).filter((resource) => resource !== null);
    const total = (kind: string, key: 'wireBytes' | 'bytes') =>
      resources.filter((resource) => resource.kind === kind).reduce((sum, resource) => sum + resource[key], 0);
    return {
      resources,
      requests: resources.length,
      javascriptWire: total('script', 'wireBytes'),
      javascriptBytes: total('script', 'bytes'),
      cssWire: total('stylesheet', 'wireBytes'),
      cssBytes: total('stylesheet', 'bytes'),
      domContentLoadedMs: timing.dcl,
      loadMs: timing.load,
    };
  } finally {
    await context.close();
  }
}

export const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
