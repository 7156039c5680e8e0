import type { PortalDb } from '../db/portal-db.ts';
import type { Caller } from '../http/app-env.ts';
import { visibleTo } from '../visibility/visibility.ts';

/**
 * The attestations the caller may see, with their log index, one more than `limit`: after `fromSeq` in
 * commit order (`asc`), or before it newest first (`desc`; no `fromSeq` starts at the latest).
 */
export function feedPage(
  db: PortalDb,
  caller: Caller,
  fromSeq: number | undefined,
  limit: number,
  order: 'asc' | 'desc' = 'asc',
) {
  let query = db.kysely
    .selectFrom('attestations')
    .innerJoin('log_leaves', 'log_leaves.attestation_id', 'attestations.id')
    .select([
      'attestations.seq',
      'attestations.id',
      'attestations.subject',
      'attestations.operation',
      'attestations.principal_id',
      'attestations.issued_at',
      'attestations.tlp',
      'log_leaves.idx as log_index',
    ])
    .where(
      visibleTo(caller, {
        tlp: 'attestations.tlp',
        author: 'attestations.principal_id',
        recordId: 'attestations.record_id',
      }),
    )
    .orderBy('attestations.seq', order)
    .limit(limit + 1);
  if (order === 'asc') query = query.where('attestations.seq', '>', fromSeq ?? 0);
  else if (fromSeq !== undefined) query = query.where('attestations.seq', '<', fromSeq);
  return query.execute();
}
