import type { CompiledQuery } from 'kysely';
import type { PortalDb } from '../db/portal-db.ts';
import type { Tlp } from '../db/schema.ts';
import { problems, type FieldError } from '../http/problem.ts';
import { RESTRICTED_TLP } from './visibility.ts';

/** D1 binds at most 100 parameters per statement: recipient rows (two each) go in chunks. */
const ROWS_PER_INSERT = 45;
const IDS_PER_SELECT = 90;

/**
 * The recipients a record with this TLP may have, as `visibleTo` reads them: listed and
 * registered for TLP:AMBER, TLP:AMBER+STRICT and TLP:RED (the author sees its records
 * anyway and is not listed); none for TLP:GREEN and TLP:CLEAR, which go to every
 * participant. Refusals are 422 at `/recipients` or the offending entry. Returns the list
 * to store, sorted.
 */
export async function acceptRecipients(
  db: PortalDb,
  tlp: Tlp,
  recipients: readonly string[] | undefined,
  options: { author: string; statesOnly: boolean; title: string },
): Promise<string[]> {
  const listed = recipients ?? [];
  const refuse = (errors: FieldError[]) => problems.unprocessable(options.title, errors);
  if (!RESTRICTED_TLP.includes(tlp)) {
    if (listed.length)
      throw refuse([{ pointer: '/recipients', detail: `${tlp} goes to every participant; list no recipients` }]);
    return [];
  }
  if (!listed.length)
    throw refuse([{ pointer: '/recipients', detail: `${tlp} goes to the listed recipients only; list at least one` }]);

  const kinds = new Map<string, string>();
  for (let start = 0; start < listed.length; start += IDS_PER_SELECT) {
    const rows = await db.kysely
      .selectFrom('principals')
      .select(['id', 'kind'])
      .where('id', 'in', listed.slice(start, start + IDS_PER_SELECT))
      .execute();
    for (const row of rows) kinds.set(row.id, row.kind);
  }
  const errors = listed.flatMap((id, index): FieldError[] => {
    const pointer = `/recipients/${index}`;
    if (id === options.author) return [{ pointer, detail: 'the author always sees its own records; list the others' }];
    const kind = kinds.get(id);
    if (!kind) return [{ pointer, detail: `${id} is not a registered principal` }];
    if (options.statesOnly && kind !== 'state') return [{ pointer, detail: `${id} is not a participating state` }];
    return [];
  });
  if (errors.length) throw refuse(errors);
  return [...listed].sort();
}

/**
 * The record_recipients rows of an incident or a consultation request, to commit with it:
 * their TLP and recipients are fixed when they open, so the record id is their audience
 * for every report, acknowledgement and response (documents have one per version: see
 * documents/repo.ts `versionAudience`). A record that others answer
 * (an incident's acknowledgements, a request's responses) lists its author too: those
 * events are attested by the recipient who answers, and `visibleTo` on the attestation
 * (its author column being the answering principal) then still lets the record's author
 * see them. Readers leave the author out of the recipients they show.
 */
export function recipientQueries(
  db: PortalDb,
  recordId: string,
  recipients: readonly string[],
  options: { author: string },
): CompiledQuery[] {
  const rows = recipients.length ? [options.author, ...recipients] : [];
  const queries: CompiledQuery[] = [];
  for (let start = 0; start < rows.length; start += ROWS_PER_INSERT) {
    const chunk = rows.slice(start, start + ROWS_PER_INSERT);
    queries.push(
      db.kysely
        .insertInto('record_recipients')
        .values(chunk.map((principal_id) => ({ record_id: recordId, principal_id })))
        .compile(),
    );
  }
  return queries;
}

/** The recipient rows of several records (one page), each list sorted; the author may be among them. */
export async function recipientsOfMany(db: PortalDb, recordIds: readonly string[]): Promise<Map<string, string[]>> {
  const byRecord = new Map<string, string[]>(recordIds.map((id) => [id, []]));
  for (let start = 0; start < recordIds.length; start += IDS_PER_SELECT) {
    const rows = await db.kysely
      .selectFrom('record_recipients')
      .select(['record_id', 'principal_id'])
      .where('record_id', 'in', recordIds.slice(start, start + IDS_PER_SELECT))
      .orderBy('record_id')
      .orderBy('principal_id')
      .execute();
    // Stryker disable next-line OptionalChaining: rows are selected by these very ids, so each has its entry
    for (const row of rows) byRecord.get(row.record_id)?.push(row.principal_id);
  }
  return byRecord;
}
