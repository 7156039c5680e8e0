/**
 * The built web app on Workers: the static assets binding (wrangler.toml [assets], the
 * directory dist/web). The Worker runs first for every path but /_app/ (run_worker_first),
 * so it decides which page a request gets; the files under /_app/ are answered by the
 * assets service itself with the headers of dist/web/_headers.
 */
import type { Fetcher } from '@cloudflare/workers-types';
import type { WebAssets } from './assets.ts';

/** Headers of the request the assets service should honour. */
const FORWARDED = ['Accept-Encoding', 'If-None-Match'];

export function workerWebAssets(binding: Fetcher): WebAssets {
  return {
    async get(path, request) {
      const headers = new Headers();
      for (const name of FORWARDED) {
        const value = request.headers.get(name);
        if (value !== null) headers.set(name, value);
      }
      const url = new URL(path, request.url);
      const response = (await binding.fetch(url.href, { headers })) as unknown as Response;
      if (response.status === 404) {
        await response.body?.cancel();
        return null;
      }
      // A fetched response's headers are immutable: the portal sets its own on a copy.
      return new Response(response.body, response);
    },
  };
}
