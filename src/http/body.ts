import type { Context, MiddlewareHandler } from 'hono';
import { incrementalSha256, sha256b64u } from '../crypto/encoding.ts';
import { checkBodyDigest, METHODS_WITH_BODY } from '../crypto/request-token.ts';
import type { BlobStore } from '../blobs/blob-store.ts';
import type { AppEnv } from './app-env.ts';
import { Problem, problems } from './problem.ts';

/** Uploads streamed at once, per app; past it a signed upload is told to retry (503). */
export const DEFAULT_MAX_CONCURRENT_UPLOADS = 4;

export interface ReadBodyOptions {
  /** Largest body accepted for this request, in bytes. */
  limit: (c: Context<AppEnv>) => number;
  /**
   * Routes whose body is streamed by the handler (a document file, up to 25 MiB) rather
   * than read here; `streamedBody` hands it over, counted and hashed as it flows.
   */
  streamed: (c: Context<AppEnv>) => boolean;
  /** Most streamed bodies in flight at once. */
  maxConcurrentUploads: number;
}

const uploadsBusy = () =>
  new Problem(
    503,
    'uploads-busy',
    'Service unavailable',
    'Too many uploads are in progress; retry shortly.',
    undefined,
    { 'Retry-After': '5' },
  );

/**
 * Reads the exact body bytes once the token is verified (`authenticate` runs first, so
 * nothing is read, let alone buffered, for an unauthenticated caller), refusing past the
 * limit without reading more (Content-Length is checked first; a chunked body is counted
 * as it streams), and compares their SHA-256 with the token's body_sha256. The bytes are
 * what the evidence and the JSON parser see. Streamed routes take an upload slot instead
 * and leave the body to the handler.
 */
export function readBody(options: ReadBodyOptions): MiddlewareHandler<AppEnv> {
  let uploadsInFlight = 0;
  return async function readBody(c, next) {
    if (!METHODS_WITH_BODY.has(c.req.method)) {
      c.set('rawBody', null);
      return next();
    }
    const limit = options.limit(c);
    const declared = c.req.header('content-length');
    if (declared !== undefined && Number(declared) > limit) throw problems.payloadTooLarge(limit);

    if (options.streamed(c)) {
      if (uploadsInFlight >= options.maxConcurrentUploads) throw uploadsBusy();
      uploadsInFlight++;
      c.set('rawBody', null);
      c.set('bodyLimit', limit);
      try {
        return await next();
      } finally {
        uploadsInFlight--;
      }
    }

    const body = await readLimited(c, declared, limit);
    checkBodyDigest(c.get('caller').claims, await sha256b64u(body));
    c.set('rawBody', body);
    return next();
  };
}

async function readLimited(c: Context<AppEnv>, declared: string | undefined, limit: number): Promise<Uint8Array> {
  if (declared !== undefined && /^\d+$/.test(declared)) {
    // With a declared length, the HTTP layer reads exactly that many bytes: one buffer,
    // no stream reader. The check after guards in-process callers whose header lies.
    const body = new Uint8Array(await c.req.raw.arrayBuffer());
    if (body.byteLength > limit) throw problems.payloadTooLarge(limit);
    return body;
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
  return body;
}

/**
 * The body of a streamed route, as it arrives: counted (it errors with 413 past the
 * limit) and hashed (it errors with 401 body-digest-mismatch if it ends with another
 * digest than the token's body_sha256). A consumer that keeps nothing from a stream that
 * errored (the blob store) so stores only the bytes the caller signed.
 */
export function streamedBody<E extends AppEnv>(
  c: Context<E>,
): { stream: ReadableStream<Uint8Array>; bytesRead: () => number } {
  const limit = c.get('bodyLimit') ?? c.get('deps').config.maxUploadBytes;
  const claims = c.get('caller').claims;
  const hash = incrementalSha256();
  let total = 0;
  const source = c.req.raw.body ?? new ReadableStream<Uint8Array>({ start: (controller) => controller.close() });
  const stream = source.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        total += chunk.byteLength;
        if (total > limit) throw problems.payloadTooLarge(limit);
        hash.update(chunk);
        controller.enqueue(chunk);
      },
      async flush() {
        checkBodyDigest(claims, await hash.digest());
      },
    }),
  );
  return { stream, bytesRead: () => total };
}

async function readAll(stream: ReadableStream<Uint8Array>, keep: boolean): Promise<Uint8Array> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (keep) chunks.push(value);
  }
  const bytes = new Uint8Array(keep ? total : 0);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/** Reads a streamed body through its checks (limit, digest) without keeping it; resolves to its byte count. */
export async function drainStreamedBody<E extends AppEnv>(c: Context<E>): Promise<number> {
  const { stream, bytesRead } = streamedBody(c);
  await readAll(stream, false);
  return bytesRead();
}

/**
 * Streams an upload into the blob store under `sha256` (the digest the token and the
 * document both name) and resolves to its byte count. The bytes are checked as they
 * flow (see streamedBody); a store without putStream gets them whole. Bytes the store
 * already holds are still read and checked, not stored again.
 */
export async function storeStreamedBody<E extends AppEnv>(
  c: Context<E>,
  blobs: BlobStore,
  sha256: string,
  size: number,
  contentType: string,
): Promise<number> {
  const { stream, bytesRead } = streamedBody(c);
  if (await blobs.has(sha256)) await readAll(stream, false);
  else if (blobs.putStream) await blobs.putStream(sha256, stream, size, contentType);
  else await blobs.put(sha256, await readAll(stream, true), contentType);
  return bytesRead();
}
