/**
 * The built web app for the Node entry: every file of dist/web read into memory at start,
 * with the gzip and brotli copies the build wrote beside it, served with a strong ETag.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StartupError } from '../data-dir.ts';
import { ifNoneMatchNames } from '../http/contract-route.ts';
import { ASSET_PREFIX, IMMUTABLE, REVALIDATE, type WebAssets, type WebManifest } from './assets.ts';

/** dist/web of the repository, from src/web/ and from the bundle in dist/portal/ alike. */
export const webDir = fileURLToPath(new URL('../../dist/web/', import.meta.url));

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  mjs: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  json: 'application/json',
  map: 'application/json',
  svg: 'image/svg+xml',
  png: 'image/png',
  ico: 'image/x-icon',
  webp: 'image/webp',
  woff2: 'font/woff2',
  txt: 'text/plain; charset=utf-8',
};

type Bytes = Uint8Array<ArrayBuffer>;
const read = (path: string): Bytes => new Uint8Array(readFileSync(path));

interface WebFile {
  body: Bytes;
  br: Bytes | undefined;
  gzip: Bytes | undefined;
  type: string;
  etag: string;
  cacheControl: string;
}

function* filesUnder(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* filesUnder(path);
    else yield path;
  }
}

/** Prefers brotli, then gzip, among the codings the request accepts (q=0 refuses one). */
function acceptedCoding(header: string | null, file: WebFile): 'br' | 'gzip' | null {
  if (!header) return null;
  const accepted = new Set(
    header
      .split(',')
      .map((part) => part.trim().toLowerCase().split(';'))
      .filter(([, ...params]) => !params.some((param) => /^\s*q=0(\.0*)?\s*$/.test(param)))
      .map(([coding]) => coding),
  );
  if (file.br && accepted.has('br')) return 'br';
  if (file.gzip && accepted.has('gzip')) return 'gzip';
  return null;
}

/**
 * Reads the built app. A portal started without it would answer every browser with an
 * error page, so it refuses to start and says how to build it.
 */
export function loadWebAssets(dir: string = webDir): WebAssets {
  if (!existsSync(join(dir, 'index.html')) || !existsSync(join(dir, 'manifest.json'))) {
    throw new StartupError(
      `the web portal is not built: ${join(dir, 'index.html')} is missing.\n` +
        '  Run `npm run build:web` (npm start and npm run build do it first), then start again.',
    );
  }
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as WebManifest;
  const immutable = new Set(manifest.immutable);
  const files = new Map<string, WebFile>();
  for (const path of filesUnder(dir)) {
    const urlPath = `/${relative(dir, path).split(sep).join('/')}`;
    const extension = urlPath.slice(urlPath.lastIndexOf('.') + 1);
    if (extension === 'br' || extension === 'gz') continue;
    // Only the pages and what is under /_app/ are the app; the manifest and _headers are the build's.
    if (!urlPath.startsWith(ASSET_PREFIX) && !urlPath.endsWith('.html')) continue;
    const body = read(path);
    files.set(urlPath, {
      body,
      br: existsSync(`${path}.br`) ? read(`${path}.br`) : undefined,
      gzip: existsSync(`${path}.gz`) ? read(`${path}.gz`) : undefined,
      type: TYPES[extension] ?? 'application/octet-stream',
      etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
      cacheControl: immutable.has(urlPath) ? IMMUTABLE : REVALIDATE,
    });
  }
  return {
    async get(path, request) {
      const file = files.get(path);
      if (!file) return null;
      const coding = acceptedCoding(request.headers.get('Accept-Encoding'), file);
      // Each coding is its own representation, with its own strong validator.
      const etag = coding ? file.etag.replace(/"$/, `-${coding}"`) : file.etag;
      const headers = new Headers({
        'Content-Type': file.type,
        'Cache-Control': file.cacheControl,
        ETag: etag,
        Vary: 'Accept-Encoding',
      });
      if (ifNoneMatchNames(request.headers.get('If-None-Match') ?? undefined, etag)) {
        return new Response(null, { status: 304, headers });
      }
      const body = coding === 'br' ? file.br! : coding === 'gzip' ? file.gzip! : file.body;
      if (coding) headers.set('Content-Encoding', coding);
      headers.set('Content-Length', String(body.byteLength));
      return new Response(body, { status: 200, headers });
    },
  };
}
