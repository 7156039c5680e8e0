import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './app-env.ts';
import { problems } from './problem.ts';

const METHODS_WITH_BODY = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Reads the exact body bytes once, refusing past `limit` without buffering more than the
 * limit (Content-Length is checked first; a chunked body is counted as it streams).
 * The bytes are what the signature, the evidence and the JSON parser all see.
 */
export function readBody(options: { limit: number }): MiddlewareHandler<AppEnv> {
  return async function readBody(c, next) {
    if (!METHODS_WITH_BODY.has(c.req.method)) {
      c.set('rawBody', null);
      return next();
    }
    const declared = c.req.header('content-length');
    if (declared !== undefined && Number(declared) > options.limit) throw problems.payloadTooLarge(options.limit);
    const stream = c.req.raw.body;
    const chunks: Uint8Array[] = [];
    let total = 0;
    if (stream) {
      const reader = stream.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        total += value.byteLength;
        if (total > options.limit) {
          await reader.cancel();
          throw problems.payloadTooLarge(options.limit);
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
