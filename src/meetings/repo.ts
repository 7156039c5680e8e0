import { sql, type Insertable } from 'kysely';
import type { PortalDb } from '../db/portal-db.ts';
import type { MeetingParticipationsTable } from '../db/schema.ts';

/** The states that confirmed each of these meetings, alphabetically. */
export async function participantsOf(db: PortalDb, meetingIds: string[]) {
  const byMeeting = new Map<string, string[]>();
  if (!meetingIds.length) return byMeeting;
  // One JSON parameter whatever the page's length (D1 binds at most 100 parameters).
  const rows = await db.kysely
    .selectFrom('meeting_participations')
    .select(['meeting_id', 'state_id'])
    .where(sql<boolean>`meeting_id IN (SELECT value FROM json_each(${JSON.stringify([...new Set(meetingIds)])}))`)
    .orderBy('state_id')
    .execute();
  for (const row of rows) byMeeting.set(row.meeting_id, [...(byMeeting.get(row.meeting_id) ?? []), row.state_id]);
  return byMeeting;
}

/** The list filter on meetings a state confirmed taking part in. */
export const confirmedBy = (state: string) =>
  sql<boolean>`EXISTS (SELECT 1 FROM meeting_participations AS mp WHERE mp.meeting_id = entries.id AND mp.state_id = ${state})`;

/** Which of these document ids exist. */
export async function existingDocuments(db: PortalDb, ids: readonly string[]): Promise<Set<string>> {
  const found = await db.kysely
    .selectFrom('documents')
    .select('id')
    .where(sql<boolean>`id IN (SELECT value FROM json_each(${JSON.stringify(ids)}))`)
    .execute();
  return new Set(found.map((row) => row.id));
}

/** A meeting's confirmed participations, oldest first, after the cursor's sequence number. */
export function listParticipations(db: PortalDb, meetingId: string, afterSeq: number | null, limit: number) {
  let query = db.kysely
    .selectFrom('meeting_participations')
    .selectAll()
    .where('meeting_id', '=', meetingId)
    .orderBy('seq')
    .limit(limit + 1);
  if (afterSeq !== null) query = query.where('seq', '>', afterSeq);
  return query.execute();
}

export function insertParticipationQuery(db: PortalDb, row: Insertable<MeetingParticipationsTable>) {
  return db.kysely.insertInto('meeting_participations').values(row).compile();
}
