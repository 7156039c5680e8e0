import type { Insertable, Selectable } from 'kysely';
import type { PortalDb } from '../db/portal-db.ts';
import type { ContactConfirmationsTable } from '../db/schema.ts';
import type { components } from '../generated/openapi.ts';

export type Confirmation = components['schemas']['Confirmation'];

export function toConfirmation(row: Omit<Selectable<ContactConfirmationsTable>, 'seq'>): Confirmation {
  return {
    id: row.id,
    state: row.state_id,
    confirmed_at: row.confirmed_at,
    note: row.note,
    active_contacts: row.active_contacts,
    attestation_id: row.attestation_id,
    href: `/states/${row.state_id}/confirmations`,
  };
}

export function insertConfirmationQuery(db: PortalDb, row: Insertable<ContactConfirmationsTable>) {
  return db.kysely.insertInto('contact_confirmations').values(row).compile();
}

/** Newest first: the cursor walks down the sequence. */
export function listConfirmations(db: PortalDb, stateId: string, beforeSeq: number | null, limit: number) {
  let query = db.kysely
    .selectFrom('contact_confirmations')
    .selectAll()
    .where('state_id', '=', stateId)
    .orderBy('seq', 'desc')
    .limit(limit + 1);
  if (beforeSeq !== null) query = query.where('seq', '<', beforeSeq);
  return query.execute();
}

export async function lastConfirmedAt(db: PortalDb, stateId: string): Promise<string | null> {
  const row = await db.kysely
    .selectFrom('contact_confirmations')
    .select('confirmed_at')
    .where('state_id', '=', stateId)
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row?.confirmed_at ?? null;
}
