import type { PortalDb } from '../db/portal-db.ts';
import type { Caller } from '../http/app-env.ts';
import { visibleTo } from '../visibility/visibility.ts';

/** The attestations after `afterSeq` in commit order that the caller may see, with their log index; one more than `limit`. */
export function feedPage(db: PortalDb, caller: Caller, afterSeq: number, limit: number) {
  return db.kysely
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
    .where('attestations.seq', '>', afterSeq)
    .where(
      visibleTo(caller, {
        tlp: 'attestations.tlp',
        author: 'attestations.principal_id',
        recordId: 'attestations.record_id',
      }),
    )
    .orderBy('attestations.seq')
    .limit(limit + 1)
    .execute();
}
