import type { PortalDb } from '../db/portal-db.ts';

/** An attestation with its leaf index in the log (assigned in the same commit). */
export function findAttestation(db: PortalDb, id: string) {
  return db.kysely
    .selectFrom('attestations')
    .innerJoin('log_leaves', 'log_leaves.attestation_id', 'attestations.id')
    .selectAll('attestations')
    .select('log_leaves.idx as log_index')
    .where('attestations.id', '=', id)
    .executeTakeFirst();
}
