import { sql, type CompiledQuery, type Insertable, type Selectable } from 'kysely';
import type { PortalDb } from '../db/portal-db.ts';
import type { CheckAcknowledgementsTable, ChecksTable } from '../db/schema.ts';
import type { components } from '../generated/openapi.ts';

export type Check = components['schemas']['Check'];
export type CheckInput = components['schemas']['CheckInput'];
export type Acknowledgement = components['schemas']['Acknowledgement'];
export type CheckReport = components['schemas']['CheckReport'];
export type CheckHistory = components['schemas']['CheckHistory'];
type ContactRole = components['schemas']['ContactRole'];
type ReportRow = CheckReport['rows'][number];

/** The latest deadline a check may have, counted from its start. */
export const MAX_CHECK_WINDOW_MS = 30 * 24 * 3600 * 1000;

/** Every role, in the contract's order: a check's roles are stored and shown this way. */
export const ALL_ROLES: readonly ContactRole[] = ['policy', 'technical', 'ci-authority'];

/** The roles a check addresses when it names none: the CBM 8 points of contact. */
export const DEFAULT_ROLES: readonly ContactRole[] = ['policy', 'technical'];

/**
 * D1 binds at most 100 parameters per statement: addressees are inserted in chunks of
 * this many rows (two parameters each).
 */
const ADDRESSEES_PER_INSERT = 45;

export const checkHref = (id: string) => `/checks/${id}`;

/** Open until the deadline has passed (an answer at the deadline itself is on time). */
export const isPastDeadline = (deadline: string, now: Date) => now.getTime() > Date.parse(deadline);

export function toCheck(row: Omit<Selectable<ChecksTable>, 'seq'>, states: readonly string[], now: Date): Check {
  return {
    id: row.id,
    started_at: row.started_at,
    deadline: row.deadline,
    status: isPastDeadline(row.deadline, now) ? 'closed' : 'open',
    states: [...states],
    roles: JSON.parse(row.roles) as ContactRole[],
    message: row.message,
    attestation_id: row.attestation_id,
    href: checkHref(row.id),
  };
}

export function toAcknowledgement(row: CheckAcknowledgementsTable): Acknowledgement {
  return {
    check_id: row.check_id,
    state: row.state_id,
    contact_id: row.contact_id,
    acknowledged_at: row.acknowledged_at,
    response_seconds: row.response_seconds,
    late: row.late === 1,
    note: row.note,
    attestation_id: row.attestation_id,
  };
}

/** The check row, the addressee rows (in chunks D1 accepts), in foreign-key order. */
export function insertCheckQueries(
  db: PortalDb,
  row: Insertable<ChecksTable>,
  states: readonly string[],
): CompiledQuery[] {
  const queries = [db.kysely.insertInto('checks').values(row).compile()];
  for (let start = 0; start < states.length; start += ADDRESSEES_PER_INSERT) {
    const chunk = states.slice(start, start + ADDRESSEES_PER_INSERT);
    queries.push(
      db.kysely
        .insertInto('check_addressees')
        .values(chunk.map((state_id) => ({ check_id: row.id, state_id })))
        .compile(),
    );
  }
  return queries;
}

export function insertAcknowledgementQuery(db: PortalDb, row: CheckAcknowledgementsTable): CompiledQuery {
  return db.kysely.insertInto('check_acknowledgements').values(row).compile();
}

/** Every registered participating state, in state order. */
export async function registeredStates(db: PortalDb): Promise<string[]> {
  const rows = await db.kysely
    .selectFrom('principals')
    .select('id')
    .where('kind', '=', 'state')
    .orderBy('id')
    .execute();
  return rows.map((row) => row.id);
}

/** Which of these ids are registered participating states. */
export async function findRegisteredStates(db: PortalDb, ids: readonly string[]): Promise<Set<string>> {
  if (!ids.length) return new Set();
  const found = new Set<string>();
  // Chunked for D1's limit on bound parameters.
  for (let start = 0; start < ids.length; start += 90) {
    const rows = await db.kysely
      .selectFrom('principals')
      .select('id')
      .where('kind', '=', 'state')
      .where('id', 'in', ids.slice(start, start + 90))
      .execute();
    for (const row of rows) found.add(row.id);
  }
  return found;
}

export function findCheck(db: PortalDb, id: string) {
  return db.kysely.selectFrom('checks').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Addressed states of one check, in state order. */
export async function addresseesOf(db: PortalDb, checkId: string): Promise<string[]> {
  const rows = await db.kysely
    .selectFrom('check_addressees')
    .select('state_id')
    .where('check_id', '=', checkId)
    .orderBy('state_id')
    .execute();
  return rows.map((row) => row.state_id);
}

/** Addressed states of several checks (one page), each list in state order. */
export async function addresseesOfMany(db: PortalDb, checkIds: readonly string[]): Promise<Map<string, string[]>> {
  const byCheck = new Map<string, string[]>(checkIds.map((id) => [id, []]));
  if (!checkIds.length) return byCheck;
  for (let start = 0; start < checkIds.length; start += 90) {
    const rows = await db.kysely
      .selectFrom('check_addressees')
      .select(['check_id', 'state_id'])
      .where('check_id', 'in', checkIds.slice(start, start + 90))
      .orderBy('check_id')
      .orderBy('state_id')
      .execute();
    for (const row of rows) byCheck.get(row.check_id)?.push(row.state_id);
  }
  return byCheck;
}

export async function isAddressed(db: PortalDb, checkId: string, stateId: string): Promise<boolean> {
  const row = await db.kysely
    .selectFrom('check_addressees')
    .select('state_id')
    .where('check_id', '=', checkId)
    .where('state_id', '=', stateId)
    .executeTakeFirst();
  return row !== undefined;
}

export function findAcknowledgement(db: PortalDb, checkId: string, stateId: string) {
  return db.kysely
    .selectFrom('check_acknowledgements')
    .selectAll()
    .where('check_id', '=', checkId)
    .where('state_id', '=', stateId)
    .executeTakeFirst();
}

/** Newest first: the cursor walks down the sequence. */
export function listChecks(db: PortalDb, beforeSeq: number | null, limit: number) {
  let query = db.kysely
    .selectFrom('checks')
    .selectAll()
    .orderBy('seq', 'desc')
    .limit(limit + 1);
  if (beforeSeq !== null) query = query.where('seq', '<', beforeSeq);
  return query.execute();
}

/** The middle value, or the mean of the two middle values; null for no values. */
export function median(values: readonly number[]): number | null {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** One row per addressed state, in state order, with its answer if any. */
export async function checkReport(db: PortalDb, check: Check): Promise<CheckReport> {
  const rows = await db.kysely
    .selectFrom('check_addressees')
    .leftJoin('check_acknowledgements', (join) =>
      join
        .onRef('check_acknowledgements.check_id', '=', 'check_addressees.check_id')
        .onRef('check_acknowledgements.state_id', '=', 'check_addressees.state_id'),
    )
    .select([
      'check_addressees.state_id as state',
      'check_acknowledgements.contact_id',
      'check_acknowledgements.acknowledged_at',
      'check_acknowledgements.response_seconds',
      'check_acknowledgements.late',
    ])
    .where('check_addressees.check_id', '=', check.id)
    .orderBy('check_addressees.state_id')
    .execute();
  const reportRows: ReportRow[] = rows.map((row) => ({
    state: row.state,
    outcome: row.acknowledged_at === null ? 'no-answer' : row.late === 1 ? 'late' : 'on-time',
    contact_id: row.contact_id,
    acknowledged_at: row.acknowledged_at,
    response_seconds: row.response_seconds,
  }));
  const onTime = reportRows.filter((row) => row.outcome === 'on-time');
  const late = reportRows.filter((row) => row.outcome === 'late');
  return {
    check,
    addressed: reportRows.length,
    answered_on_time: onTime.length,
    answered_late: late.length,
    not_answered: reportRows.length - onTime.length - late.length,
    median_response_seconds: median(onTime.map((row) => row.response_seconds!)),
    rows: reportRows,
  };
}

/**
 * A state's record over the checks that addressed it and whose deadline has passed:
 * answered in time, answered late, or missed (no answer at all). One indexed query.
 */
export async function checkHistory(db: PortalDb, stateId: string, now: Date): Promise<CheckHistory> {
  const row = await db.kysely
    .selectFrom('check_addressees')
    .innerJoin('checks', 'checks.id', 'check_addressees.check_id')
    .leftJoin('check_acknowledgements', (join) =>
      join
        .onRef('check_acknowledgements.check_id', '=', 'check_addressees.check_id')
        .onRef('check_acknowledgements.state_id', '=', 'check_addressees.state_id'),
    )
    .select((eb) => [
      eb.fn.countAll<number>().as('addressed'),
      sql<number | null>`sum(check_acknowledgements.late = 0)`.as('on_time'),
      sql<number | null>`sum(check_acknowledgements.late = 1)`.as('late'),
      sql<number | null>`sum(check_acknowledgements.state_id IS NULL)`.as('missed'),
      eb.fn.max('checks.started_at').as('last_check_at'),
    ])
    .where('check_addressees.state_id', '=', stateId)
    .where('checks.deadline', '<', now.toISOString())
    .executeTakeFirst();
  return {
    addressed: Number(row?.addressed ?? 0),
    answered_on_time: Number(row?.on_time ?? 0),
    answered_late: Number(row?.late ?? 0),
    missed: Number(row?.missed ?? 0),
    last_check_at: row?.last_check_at ?? null,
  };
}
