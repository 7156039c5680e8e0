/**
 * The web app as the Node entry serves it (src/web): pages for navigations on the API's
 * paths, files under /_app/ with their caching and compression, the security headers on
 * every answer, and the API's answers unchanged for API clients. A small built app is
 * written per test file, so this is about serving, not about the pages (test/browser).
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, brotliDecompressSync, gzipSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StartupError } from '../src/data-dir.ts';
import { loadWebAssets } from '../src/web/node-assets.ts';
import { DATA_CSP, PAGE_CSP, PERMISSIONS_POLICY } from '../src/web/security-headers.ts';
import { createTestPortal, ORIGIN } from './support/portal.ts';
import { freePort, ROOT, TSX } from './support/real-portal.ts';

/** What Chromium sends when a person opens a link. */
const NAVIGATION =
  'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7';
const INDEX = '<!doctype html><html lang="en"><head><title>CBM</title></head><body>app</body></html>';
const DOCS = '<!doctype html><html lang="en"><head><title>API</title></head><body>docs</body></html>';
const SCRIPT = `console.log(${JSON.stringify('x'.repeat(4000))});`;

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cbm-web-'));
  mkdirSync(join(dir, '_app/src'), { recursive: true });
  writeFileSync(join(dir, 'index.html'), INDEX);
  writeFileSync(join(dir, 'docs.html'), DOCS);
  writeFileSync(join(dir, '_app/src/main-ABCD2345.js'), SCRIPT);
  writeFileSync(join(dir, '_app/src/main-ABCD2345.js.br'), brotliCompressSync(SCRIPT));
  writeFileSync(join(dir, '_app/src/main-ABCD2345.js.gz'), gzipSync(SCRIPT));
  writeFileSync(join(dir, '_app/icon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  writeFileSync(join(dir, '_app/favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  writeFileSync(join(dir, '_headers'), '/_app/*\n');
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ immutable: ['/_app/src/main-ABCD2345.js'] }));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const portal = () => createTestPortal({ web: loadWebAssets(dir) });
const get = async (
  app: Awaited<ReturnType<typeof portal>>['app'],
  path: string,
  headers: Record<string, string> = {},
) => app.fetch(new Request(`${ORIGIN}${path}`, { headers }));

function expectPageHeaders(res: Response) {
  expect({
    type: res.headers.get('content-type'),
    csp: res.headers.get('content-security-policy'),
    coop: res.headers.get('cross-origin-opener-policy'),
    frames: res.headers.get('x-frame-options'),
    permissions: res.headers.get('permissions-policy'),
    cache: res.headers.get('cache-control'),
    nosniff: res.headers.get('x-content-type-options'),
  }).toEqual({
    type: 'text/html; charset=utf-8',
    csp: PAGE_CSP,
    coop: 'same-origin',
    frames: 'DENY',
    permissions: PERMISSIONS_POLICY,
    cache: 'no-cache',
    nosniff: 'nosniff',
  });
}

describe('the web app on the API paths', () => {
  it('answers a browser at / and on the API collection paths with the app, with the page policy', async () => {
    const { app } = await portal();
    for (const path of ['/', '/contacts', '/contacts/ct_x', '/incidents', '/no-such-page']) {
      const res = await get(app, path, { accept: NAVIGATION });
      expect({ path, status: res.status }).toEqual({ path, status: 200 });
      expectPageHeaders(res);
      expect(res.headers.get('vary')).toBe('Accept-Encoding, Accept');
      expect(await res.text()).toBe(INDEX);
    }
  });

  it('keeps the API answer for API clients: no Accept, JSON, any type, JSON preferred, or a signed request', async () => {
    const { app, secretariat } = await portal();
    for (const accept of [undefined, 'application/json', '*/*', 'application/json, text/html;q=0.9', 'text/html;q=0']) {
      for (const path of ['/', '/contacts']) {
        const res = await get(app, path, accept ? { accept } : {});
        expect({ accept, path, status: res.status, type: res.headers.get('content-type') }).toEqual({
          accept,
          path,
          status: 401,
          type: 'application/problem+json',
        });
        expect(res.headers.get('content-security-policy')).toBe(DATA_CSP);
        expect(res.headers.get('x-frame-options')).toBe('DENY');
      }
    }
    // A signed request asking for HTML is an API call: the API's own 406, never the page.
    const signed = await secretariat.get('/principals', { headers: { accept: 'text/html' } });
    expect(signed.status).toBe(406);
    const listed = await secretariat.get('/principals', { headers: { accept: NAVIGATION } });
    expect(listed.status).toBe(200);
    expect(listed.headers.get('content-type')).toBe('application/json');
  });

  it('answers the public documents as themselves, whoever asks', async () => {
    const { app } = await portal();
    const spec = await get(app, '/openapi.json', { accept: NAVIGATION });
    expect(spec.status).toBe(200);
    expect(spec.headers.get('content-type')).toBe('application/json');
    expect(spec.headers.get('content-security-policy')).toBe(DATA_CSP);
    expect((await spec.json()) as { openapi: string }).toMatchObject({ openapi: expect.any(String) });
    const health = await get(app, '/healthz', { accept: NAVIGATION });
    expect(health.headers.get('content-type')).toBe('application/json');
  });

  it('serves /docs to anyone, and never a page for a write', async () => {
    const { app } = await portal();
    for (const accept of [NAVIGATION, 'application/json']) {
      const docs = await get(app, '/docs', { accept });
      expect(docs.status).toBe(200);
      expectPageHeaders(docs);
      expect(await docs.text()).toBe(DOCS);
    }
    const post = await app.fetch(
      new Request(`${ORIGIN}/contacts`, { method: 'POST', headers: { accept: NAVIGATION } }),
    );
    expect(post.status).toBe(401);
    expect(post.headers.get('content-type')).toBe('application/problem+json');
  });

  it('answers HEAD like GET without the body, and If-None-Match with 304', async () => {
    const { app } = await portal();
    const head = await app.fetch(new Request(`${ORIGIN}/`, { method: 'HEAD', headers: { accept: NAVIGATION } }));
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await head.text()).toBe('');
    const first = await get(app, '/', { accept: NAVIGATION });
    const etag = first.headers.get('etag');
    expect(etag).toMatch(/^"[\w-]{27}"$/);
    const again = await get(app, '/', { accept: NAVIGATION, 'if-none-match': etag! });
    expect(again.status).toBe(304);
    expect(again.headers.get('content-security-policy')).toBe(PAGE_CSP);
    expect(await again.text()).toBe('');
  });
});

describe('the files under /_app/', () => {
  it('are immutable when their name carries a hash, compressed as the client accepts', async () => {
    const { app } = await portal();
    const path = '/_app/src/main-ABCD2345.js';
    const plain = await get(app, path);
    expect({
      status: plain.status,
      type: plain.headers.get('content-type'),
      cache: plain.headers.get('cache-control'),
      encoding: plain.headers.get('content-encoding'),
      vary: plain.headers.get('vary'),
    }).toEqual({
      status: 200,
      type: 'text/javascript; charset=utf-8',
      cache: 'public, max-age=31536000, immutable',
      encoding: null,
      vary: 'Accept-Encoding',
    });
    expect(await plain.text()).toBe(SCRIPT);

    const br = await get(app, path, { 'accept-encoding': 'gzip, deflate, br, zstd' });
    expect(br.headers.get('content-encoding')).toBe('br');
    expect(brotliDecompressSync(new Uint8Array(await br.arrayBuffer())).toString()).toBe(SCRIPT);
    const gzip = await get(app, path, { 'accept-encoding': 'gzip, br;q=0' });
    expect(gzip.headers.get('content-encoding')).toBe('gzip');
    expect(gunzipSync(new Uint8Array(await gzip.arrayBuffer())).toString()).toBe(SCRIPT);
    // Each coding is its own representation: its own validator, and 304 only for it.
    expect(new Set([plain, br, gzip].map((res) => res.headers.get('etag'))).size).toBe(3);
    const revalidated = await get(app, path, {
      'accept-encoding': 'br',
      'if-none-match': br.headers.get('etag')!,
    });
    expect(revalidated.status).toBe(304);
    expect((await get(app, path, { 'if-none-match': br.headers.get('etag')! })).status).toBe(200);
  });

  it('revalidates files without a hash, and answers 404 for none, whatever the client prefers', async () => {
    const { app } = await portal();
    const icon = await get(app, '/_app/icon.svg');
    expect(icon.headers.get('content-type')).toBe('image/svg+xml');
    expect(icon.headers.get('cache-control')).toBe('no-cache');
    for (const accept of [NAVIGATION, 'application/json']) {
      const missing = await get(app, '/_app/src/main-ZZZZZZZZ.js', { accept });
      expect(missing.status).toBe(404);
      expect(missing.headers.get('content-type')).toBe('application/problem+json');
    }
    // The build's own files are not the app's.
    for (const path of ['/manifest.json', '/_headers', '/_app/src/main-ABCD2345.js.br']) {
      expect((await get(app, path, { accept: 'application/json' })).status).not.toBe(200);
    }
  });
});

describe('/favicon.ico', () => {
  it("is the app's icon when it has one, else 204: never the API's 401, which a browser logs as an error", async () => {
    const { app } = await portal();
    const icon = await get(app, '/favicon.ico', { accept: 'image/avif,image/webp,*/*;q=0.8' });
    expect(icon.status).toBe(200);
    expect(icon.headers.get('content-type')).toBe('image/svg+xml');
    const bare = mkdtempSync(join(tmpdir(), 'cbm-web-bare-'));
    try {
      writeFileSync(join(bare, 'index.html'), INDEX);
      writeFileSync(join(bare, 'manifest.json'), JSON.stringify({ immutable: [] }));
      const { app: iconless } = await createTestPortal({ web: loadWebAssets(bare) });
      const none = await get(iconless, '/favicon.ico');
      expect(none.status).toBe(204);
      expect(await none.text()).toBe('');
    } finally {
      rmSync(bare, { recursive: true, force: true });
    }
  });
});

describe('without the web app', () => {
  it('the portal answers the API alone: / stays 401 for a browser too', async () => {
    const { app } = await createTestPortal();
    const res = await get(app, '/', { accept: NAVIGATION });
    expect(res.status).toBe(401);
    expect(res.headers.get('content-security-policy')).toBe(DATA_CSP);
  });

  it('the Node entry exits 1 before touching the data dir, saying how to build it', async () => {
    // A copy of the server's sources without dist/web, as a fresh clone is before its first build.
    const clone = mkdtempSync(join(tmpdir(), 'cbm-web-unbuilt-'));
    try {
      for (const part of ['src', 'migrations', 'package.json'])
        cpSync(join(ROOT, part), join(clone, part), { recursive: true });
      // Linked, not copied: only src/ decides where dist/web is looked for (next to itself).
      for (const part of ['node_modules', 'clients']) symlinkSync(join(ROOT, part), join(clone, part));
      const dataDir = join(clone, 'data');
      const started = spawnSync(TSX, ['src/node.ts'], {
        cwd: clone,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: tmpdir(),
          CBM_DATA_DIR: dataDir,
          CBM_PORT: String(await freePort()),
        },
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(started.status).toBe(1);
      expect(started.stderr).toContain(
        `cbm-portal: the web portal is not built: ${join(clone, 'dist/web/index.html')} is missing.`,
      );
      expect(started.stderr).toContain('Run `npm run build:web`');
      expect(started.stderr).not.toMatch(/\n\s+at /);
      expect(existsSync(dataDir)).toBe(false);
    } finally {
      rmSync(clone, { recursive: true, force: true });
    }
  });

  it('loadWebAssets refuses a directory without the build, saying how to build it', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'cbm-web-empty-'));
    try {
      expect(() => loadWebAssets(empty)).toThrow(StartupError);
      expect(() => loadWebAssets(empty)).toThrow(
        /the web portal is not built: .*index\.html is missing[\s\S]*npm run build:web/,
      );
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
