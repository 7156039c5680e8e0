import type { PortalDb } from '../db/portal-db.ts';

export function findAttestation(db: PortalDb, id: string) {
  return db.kysely.selectFrom('attestations').selectAll().where('id', '=', id).executeTakeFirst();
}
