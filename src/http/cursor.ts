import { b64u } from '../crypto/encoding.ts';
import { problems } from './problem.ts';

/**
 * Opaque cursors over a monotonic sequence number: stable under concurrent writes,
 * unlike offsets or timestamps. The encoding is private; clients only pass it back.
 */
export function encodeCursor(seq: number): string {
  return b64u.encode(JSON.stringify({ s: seq }));
}

export function decodeCursor(cursor: string | undefined): number | null {
  if (cursor === undefined) return null;
  try {
    const { s } = JSON.parse(new TextDecoder().decode(b64u.decode(cursor))) as { s?: unknown };
    if (typeof s === 'number' && Number.isSafeInteger(s) && s >= 0) return s;
  } catch {
    // fall through to the refusal below
  }
  throw problems.badRequest('invalid-cursor', 'The cursor is not one this portal issued.', [
    { parameter: 'cursor', in: 'query', detail: 'not a cursor issued by this portal' },
  ]);
}

/** Rows were fetched with limit + 1: trims the extra row and says where the next page starts. */
export function toPage<Row, Item>(
  rows: Row[],
  limit: number,
  seqOf: (row: Row) => number,
  map: (row: Row) => Item,
): { items: Item[]; next_cursor: string | null } {
  const more = rows.length > limit;
  const pageRows = more ? rows.slice(0, limit) : rows;
  const last = pageRows[pageRows.length - 1];
  return { items: pageRows.map(map), next_cursor: more && last ? encodeCursor(seqOf(last)) : null };
}
