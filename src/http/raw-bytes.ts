import type { Context } from 'hono';
import { fromBase64url, toBase64 } from '../../clients/typescript/src/base64.ts';
import { sha256b64u } from '../crypto/encoding.ts';
import { ifNoneMatchNames } from './contract-route.ts';
import { negotiate } from './negotiate.ts';

/** RFC 9530 `Repr-Digest` for a base64url SHA-256: `sha-256=:<standard base64>:`. */
export function reprDigest(sha256b64u: string): string {
  return `sha-256=:${toBase64(fromBase64url(sha256b64u))}:`;
}

/** The strong ETag of bytes named by their base64url SHA-256. */
export const digestEtag = (sha256b64u: string) => `"${sha256b64u}"`;

/**
 * The strong ETag of a representation: its bytes' digest, and its media type when the
 * resource has several (the same bytes as `text/plain` are another representation).
 */
export async function representationEtag(body: string | Uint8Array, mediaType?: string): Promise<string> {
  const digest = await sha256b64u(body);
  return digestEtag(mediaType ? await sha256b64u(`${mediaType} ${digest}`) : digest);
}

/**
 * Answers exact bytes with their digest (`Repr-Digest`, and as the `ETag`), in the one of
 * `mediaTypes` the client prefers (q-values; ties go to the earlier; 406 when none): a body is
 * served in the media type it was stored with, or as `application/octet-stream` when the
 * client prefers that. 304 when
 * If-None-Match already names the bytes.
 */
export function bytesResponse(
  c: Context,
  bytes: Uint8Array,
  options: { mediaTypes: string[]; sha256: string; headers?: Record<string, string> },
): Response {
  const essence = (mediaType: string) => mediaType.split(';')[0]!.trim();
  const chosen = negotiate(c, ...options.mediaTypes.map(essence));
  const mediaType = options.mediaTypes.find((candidate) => essence(candidate) === chosen)!;
  const etag = digestEtag(options.sha256);
  const headers = new Headers({ ETag: etag, 'Repr-Digest': reprDigest(options.sha256), ...(options.headers ?? {}) });
  if (options.mediaTypes.length > 1) headers.set('Vary', 'Accept');
  if (ifNoneMatchNames(c.req.header('if-none-match'), etag)) return new Response(null, { status: 304, headers });
  headers.set('Content-Type', mediaType);
  headers.set('Content-Length', String(bytes.byteLength));
  return new Response(bytes as Uint8Array<ArrayBuffer>, { status: 200, headers });
}
