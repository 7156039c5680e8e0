/**
 * The built web app (scripts/build-web.ts writes it to dist/web): the pages, and the files
 * under /_app/ they load. Node serves it from memory (node-assets.ts), Workers from the
 * static assets binding (worker-assets.ts); the same middleware (pages.ts) decides what is
 * asked for.
 */
export interface WebAssets {
  /**
   * The file at `path` of dist/web (`/index.html`, `/docs.html`, `/_app/main-5QX3R2NB.js`)
   * as a response with its type, validators and caching, or null when there is none.
   * `request` carries the Accept-Encoding and If-None-Match to honour.
   */
  get(path: string, request: Request): Promise<Response | null>;
}

/** What dist/web/manifest.json says (scripts/build-web.ts). */
export interface WebManifest {
  /** The files whose names carry their content's hash: cached for a year, never revalidated. */
  immutable: string[];
}

/** Where the built app's files are served from: a prefix the API's paths cannot take. */
export const ASSET_PREFIX = '/_app/';

export const IMMUTABLE = 'public, max-age=31536000, immutable';
/** Pages and unhashed files: kept, but revalidated (ETag) before each use, so a new build shows at once. */
export const REVALIDATE = 'no-cache';
