/**
 * The web portal on Workers (src/worker.ts through SELF, wrangler.toml [assets] on dist/web):
 * the Worker answers / and the API paths, giving a browser the app's page with the page
 * policy and an API client the API's answer; the assets service answers the hashed files
 * under /_app/ with the headers of dist/web/_headers.
 */
import { applyD1Migrations, env, SELF } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { DATA_CSP, PAGE_CSP, PERMISSIONS_POLICY } from '../../src/web/security-headers.ts';

const ORIGIN = 'http://portal.test';
const NAVIGATION = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
const get = (path: string, headers: Record<string, string> = {}) =>
  SELF.fetch(`${ORIGIN}${path}`, { headers }) as unknown as Promise<Response>;

describe('the web portal on Workers', () => {
  beforeAll(async () => {
    await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
  });

  it('gives a browser the app at / and on API paths, with the page policy', async () => {
    for (const path of ['/', '/contacts', '/incidents/in_x']) {
      const page = await get(path, { accept: NAVIGATION });
      expect({ path, status: page.status, type: page.headers.get('content-type') }).toEqual({
        path,
        status: 200,
        type: 'text/html; charset=utf-8',
      });
      expect({
        csp: page.headers.get('content-security-policy'),
        coop: page.headers.get('cross-origin-opener-policy'),
        frames: page.headers.get('x-frame-options'),
        permissions: page.headers.get('permissions-policy'),
        cache: page.headers.get('cache-control'),
      }).toEqual({
        csp: PAGE_CSP,
        coop: 'same-origin',
        frames: 'DENY',
        permissions: PERMISSIONS_POLICY,
        cache: 'no-cache',
      });
      const html = await page.text();
      expect(html).toMatch(/<script type="module" src="\/_app\/src\/main-[A-Z0-9]{8}\.js"><\/script>/);
    }
  });

  it('keeps the API answers for API clients and the public documents', async () => {
    const root = await get('/', { accept: 'application/json' });
    expect(root.status).toBe(401);
    expect(root.headers.get('content-type')).toBe('application/problem+json');
    expect(root.headers.get('content-security-policy')).toBe(DATA_CSP);
    const spec = await get('/openapi.json', { accept: NAVIGATION });
    expect(spec.headers.get('content-type')).toBe('application/json');
  });

  it('serves the hashed script from the assets service, immutable, with the security headers', async () => {
    const html = await (await get('/', { accept: NAVIGATION })).text();
    const script = html.match(/src="(\/_app\/src\/main-[A-Z0-9]{8}\.js)"/)?.[1];
    expect(script).toBeDefined();
    const asset = await get(script!);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/^(text|application)\/javascript/);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(asset.headers.get('content-security-policy')).toBe(PAGE_CSP);
    expect(asset.headers.get('x-content-type-options')).toBe('nosniff');
    expect((await asset.text()).length).toBeGreaterThan(1000);
    const missing = await get('/_app/src/main-ZZZZZZZZ.js');
    expect(missing.status).toBe(404);
    await missing.body?.cancel();
  });

  it('serves /docs, the API reference page, with the page policy', async () => {
    const docs = await get('/docs');
    expect(docs.status).toBe(200);
    expect(docs.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(docs.headers.get('content-security-policy')).toBe(PAGE_CSP);
    expect(await docs.text()).toMatch(/<script type="module" src="\/_app\/docs\/main-[A-Z0-9]{8}\.js"><\/script>/);
  });
});
