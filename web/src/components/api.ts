/** Small helpers over the client's answers that pages share. */
import { ok } from '../../../clients/typescript/src/client.ts';

/** The data and the `ETag` of an answer (for `If-Match` on the next change), or a thrown PortalError. */
export async function withEtag<R extends { data?: unknown; error?: unknown; response: Response }>(
  call: Promise<R>,
): Promise<{ data: Exclude<R['data'], undefined>; etag: string | null }> {
  const result = await call;
  const data = await ok(result);
  return { data, etag: result.response.headers.get('ETag') };
}

/** A fresh Idempotency-Key for one user action (a retry of the same action reuses it). */
export const idempotencyKey = () => crypto.randomUUID();

/** `**marked**` passages of a search snippet as text and marked parts, never as HTML. */
export function markedParts(snippet: string): { text: string; marked: boolean }[] {
  return snippet
    .split(/\*\*/)
    .map((text, index) => ({ text, marked: index % 2 === 1 }))
    .filter((part) => part.text);
}
