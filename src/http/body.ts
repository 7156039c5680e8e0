import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv } from './app-env.ts';
import { problems } from './problem.ts';

const METHODS_WITH_BODY = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Reads the exact body bytes once, refusing past `limit` without buffering more than the
 * limit (Content-Length is checked first; a chunked body is counted as it streams).
 * The bytes are what the signature, the evidence and the JSON parser all see.
 * `limit` may depend on the request (document uploads take more than JSON bodies).
 */
export function readBody(options: { limit: number | ((c: Context<AppEnv>) => number) }): MiddlewareHandler<AppEnv> {
  return async function readBody(c, next) {
    if (!METHODS_WITH_BODY.has(c.req.method)) {
      c.set('rawBody', null);
      return next();
    }
    const limit = typeof options.limit === 'function' ? options.limit(c) : options.limit;
    const declared = c.req.header('content-length');
    if (declared !== undefined && Number(declared) > limit) throw problems.payloadTooLarge(limit);
    if (declared !== undefined && /^\d+$/.test(declared)) {
      // With a declared length, the HTTP layer reads exactly that many bytes: one buffer,
      // no stream reader. The check after guards in-process callers whose header lies.
      const body = new Uint8Array(await c.req.raw.arrayBuffer());
      if (body.byteLength > limit) throw problems.payloadTooLarge(limit);
      c.set('rawBody', body);
      return next();
    }
    const stream = c.req.raw.body;
    const chunks: Uint8Array[] = [];
    let total = 0;
    if (stream) {
      const reader = stream.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        total += value.byteLength;
        if (total > limit) {
          await reader.cancel();
          throw problems.payloadTooLarge(limit);
        }
        chunks.push(value);
      }
    }
    const body = new Uint8Array(total);
    let offset = 0;
    for (const chunk of chunks) {
      body.set(chunk, offset);
      offset += chunk.byteLength;
    }
    c.set('rawBody', body);
    return next();
  };
}
