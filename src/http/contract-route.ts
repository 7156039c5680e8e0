import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './app-env.ts';
import { Problem } from './problem.ts';
import { matchOperation } from './spec-index.ts';

/**
 * Finds the contract's operation for the request before anything else runs, so what the
 * middleware after it needs to know (the body's media types and limit, what the operation
 * answers) comes from the contract, not from path patterns in code. A path of the
 * contract asked with a method it does not define is 405 with `Allow` (RFC 9110 section
 * 15.5.6), signed or not: which methods a path has is public, like the contract itself.
 */
export function contractRoute(): MiddlewareHandler<AppEnv> {
  return async function contractRoute(c, next) {
    const match = matchOperation(c.req.method, c.req.path);
    if (match.kind === 'method-not-allowed') {
      throw new Problem(
        405,
        'method-not-allowed',
        'Method not allowed',
        `${c.req.path} answers ${match.allow.join(', ')}.`,
        undefined,
        { Allow: match.allow.join(', ') },
      );
    }
    if (match.kind === 'operation') c.set('route', match.operation);
    return next();
  };
}

/** Strong entity tags of an `If-None-Match` field value, or `*`; weak comparison (RFC 9110 section 13.1.2). */
export function ifNoneMatchNames(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  const opaque = etag.replace(/^W\//, '');
  return header.split(',').some((tag) => {
    const trimmed = tag.trim();
    return trimmed === '*' || trimmed.replace(/^W\//, '') === opaque;
  });
}

/** The headers a 304 carries over from the 200 it stands for (RFC 9110 section 15.4.5). */
const KEPT_ON_304 = ['ETag', 'Cache-Control', 'Content-Location', 'Date', 'Expires', 'Vary', 'Repr-Digest'];

/**
 * Conditional GET for every resource that sends an `ETag`: a 200 whose ETag the request's
 * `If-None-Match` names becomes 304 without a body. The handler has already decided what
 * the caller may see, so a 304 reveals no more than the 200 would have.
 */
export function conditionalGet(): MiddlewareHandler<AppEnv> {
  return async function conditionalGet(c, next) {
    await next();
    if ((c.req.method !== 'GET' && c.req.method !== 'HEAD') || c.res.status !== 200) return;
    const etag = c.res.headers.get('ETag');
    if (!etag || !ifNoneMatchNames(c.req.header('if-none-match'), etag)) return;
    const headers = new Headers();
    for (const name of KEPT_ON_304) {
      const value = c.res.headers.get(name);
      if (value !== null) headers.set(name, value);
    }
    await c.res.body?.cancel();
    // Hono's setter would copy every header of the 200 (Content-Length among them) onto the
    // 304: clear it first, so only the headers chosen above are sent.
    c.res = undefined;
    c.res = new Response(null, { status: 304, headers });
  };
}
