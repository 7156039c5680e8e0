import { Hono } from 'hono';
import { attestationHref } from '../write/attestation-ref.ts';
import type { components } from '../generated/openapi.ts';
import type { AppEnv } from '../http/app-env.ts';
import { decodeCursor, encodeCursor } from '../http/cursor.ts';
import { operation } from '../http/operation.ts';
import { recordHref } from './record-href.ts';
import { feedPage } from './repo.ts';

type FeedEntry = components['schemas']['FeedEntry'];

/**
 * The feed is the attestations table read in commit order. Its sequence number is
 * assigned inside each write's own (serialised) commit, so it is monotonic in commit
 * order and a cursor over it never skips a write that committed later with a smaller
 * number: there is no such write.
 */
export const feed = new Hono<AppEnv>().get('/', operation('getFeed'), async (c) => {
  const { db } = c.get('deps');
  const { cursor, limit = 100, order = 'asc' } = c.get('input').query;
  const rows = await feedPage(db, c.get('caller'), decodeCursor(cursor) ?? undefined, limit, order);
  const page = rows.slice(0, limit);
  const items = page.map(
    (row): FeedEntry => ({
      cursor: encodeCursor(row.seq),
      attestation_id: row.id,
      subject: row.subject,
      operation: row.operation,
      principal: row.principal_id,
      issued_at: row.issued_at,
      log_index: Number(row.log_index),
      tlp: row.tlp,
      record_href: recordHref(row.subject, row.principal_id),
      attestation_href: attestationHref(row.id),
    }),
  );
  const last = page[page.length - 1];
  return c.json({
    items,
    next_cursor: last ? encodeCursor(last.seq) : (cursor ?? null),
    has_more: rows.length > limit,
  } satisfies components['schemas']['FeedPage']);
});
