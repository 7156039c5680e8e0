import type { Context, MiddlewareHandler } from 'hono';
import { accepts } from 'hono/accepts';
import type { AppEnv } from '../http/app-env.ts';
import { problems } from '../http/problem.ts';
import { ASSET_PREFIX, REVALIDATE } from './assets.ts';

/** Where a browser's own request for /favicon.ico finds the app's icon (web/public/). */
const FAVICONS = [`${ASSET_PREFIX}favicon.ico`, `${ASSET_PREFIX}favicon.svg`];

/**
 * Which page of the built app a request gets, if any. The app's routes are the API's
 * collection paths (`/contacts`, `/incidents/in_x`), so that a person can open a link:
 * a navigation (a client preferring text/html to JSON by q-values) gets the app, which
 * then asks the API for the data. An API client (Accept: application/json, any type, or none;
 * any signed request) gets exactly the API's answer, and so do the public documents
 * (the contract, the JWKS, the log's checkpoint) whoever asks. `/` is the app for a
 * browser; for an API client it stays what it was (401: no operation is there).
 */
function pageFor(c: Context<AppEnv>): string | null {
  const path = c.req.path;
  if (path === '/docs') return '/docs.html';
  if (c.req.header('Authorization') !== undefined) return null;
  if (c.get('route')?.scope === null) return null;
  const preferred = accepts(c, {
    header: 'Accept',
    supports: ['application/json', 'text/html'],
    default: 'application/json',
  });
  return preferred === 'text/html' ? '/index.html' : null;
}

/**
 * Serves the web app (deps.web) on GET and HEAD: its files under /_app/ and its pages.
 * Without deps.web (tests of the API alone) every request goes on to the API.
 */
export function webPages(): MiddlewareHandler<AppEnv> {
  return async function webPages(c, next) {
    const web = c.get('deps').web;
    if (!web || (c.req.method !== 'GET' && c.req.method !== 'HEAD')) return next();
    const path = c.req.path;
    if (path.startsWith(ASSET_PREFIX)) {
      const file = await web.get(path, c.req.raw);
      if (!file) throw problems.notFound(`No file of the web portal at ${path}.`);
      return file;
    }
    // Browsers ask for /favicon.ico by themselves: the app's icon if it has one, else
    // nothing (204), never the API's 401 (which a browser would log as an error).
    if (path === '/favicon.ico') {
      for (const icon of FAVICONS) {
        const file = await web.get(icon, c.req.raw);
        if (file) return file;
      }
      return c.body(null, 204, { 'Cache-Control': 'public, max-age=86400' });
    }
    const page = pageFor(c);
    if (!page) return next();
    const answer = await web.get(page, c.req.raw);
    if (!answer) return next();
    // Pages carry no hash in their name: revalidated every time, so a new build shows at once.
    answer.headers.set('Cache-Control', REVALIDATE);
    if (path !== '/docs') answer.headers.append('Vary', 'Accept');
    return answer;
  };
}
