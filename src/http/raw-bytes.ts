import type { Context } from 'hono';
import { b64u } from '../crypto/encoding.ts';
import { negotiate } from './negotiate.ts';

/**
 * Routes that answer raw bytes (a document's file, an evidence body) rather than JSON:
 * the API's JSON negotiation leaves them alone and they negotiate their own media type.
 */
export const RAW_BYTE_ROUTES: readonly RegExp[] = [/^\/documents\/[^/]+\/content$/, /^\/attestations\/[^/]+\/evidence\/body$/];

export const answersRawBytes = (method: string, path: string) => (method === 'GET' || method === 'HEAD') && RAW_BYTE_ROUTES.some((route) => route.test(path));

/** RFC 9530 `Repr-Digest` for a base64url SHA-256: `sha-256=:<standard base64>:`. */
export function reprDigest(sha256b64u: string): string {
  const bytes = b64u.decode(sha256b64u);
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return `sha-256=:${btoa(binary)}:`;
}

/** The strong ETag of bytes named by their base64url SHA-256. */
export const digestEtag = (sha256b64u: string) => `"${sha256b64u}"`;

function matchesIfNoneMatch(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((tag) => {
    const trimmed = tag.trim();
    return trimmed === '*' || trimmed === etag || trimmed === `W/${etag}`;
  });
}

/**
 * Answers exact bytes with their digest (`Repr-Digest`, and as the `ETag`): 406 when the
 * client accepts no such media type, 304 when If-None-Match already names them.
 */
export function bytesResponse(
  c: Context,
  bytes: Uint8Array,
  options: { mediaType: string; sha256: string; headers?: Record<string, string> },
): Response {
  negotiate(c, options.mediaType.split(';')[0]!.trim());
  const etag = digestEtag(options.sha256);
  const headers = new Headers({ ETag: etag, 'Repr-Digest': reprDigest(options.sha256), ...(options.headers ?? {}) });
  if (matchesIfNoneMatch(c.req.header('if-none-match'), etag)) return new Response(null, { status: 304, headers });
  headers.set('Content-Type', options.mediaType);
  headers.set('Content-Length', String(bytes.byteLength));
  return new Response(bytes as Uint8Array<ArrayBuffer>, { status: 200, headers });
}
