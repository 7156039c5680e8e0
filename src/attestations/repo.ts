import type { PortalDb } from '../db/portal-db.ts';
import type { Caller } from '../http/app-env.ts';
import { visibleTo } from '../visibility/visibility.ts';

/**
 * An attestation with its leaf index in the log, if the caller may see the record it
 * attests: its evidence carries the record's exact bytes.
 */
export function findAttestation(db: PortalDb, id: string, caller: Caller) {
  return db.kysely
    .selectFrom('attestations')
    .innerJoin('log_leaves', 'log_leaves.attestation_id', 'attestations.id')
    .selectAll('attestations')
    .select('log_leaves.idx as log_index')
    .where('attestations.id', '=', id)
    .where(
      visibleTo(caller, {
        tlp: 'attestations.tlp',
        author: 'attestations.principal_id',
        recordId: 'attestations.record_id',
      }),
    )
    .executeTakeFirst();
}
