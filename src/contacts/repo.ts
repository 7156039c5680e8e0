import { CompiledQuery, sql } from 'kysely';
import { insertStatement } from '../db/statement.ts';
import type { PortalDb } from '../db/portal-db.ts';
import type { ContactVersionsTable } from '../db/schema.ts';
import type { components } from '../generated/openapi.ts';

export type Contact = components['schemas']['Contact'];
export type ContactInput = components['schemas']['ContactInput'];

/** How long after a change takes effect a state may file it before it counts as late. */
export const LATE_AFTER_MS = 30 * 24 * 3600 * 1000;

export const contactEtag = (version: number) => `"${version}"`;

export function toContact(row: ContactVersionsTable): Contact {
  return {
    id: row.contact_id,
    state: row.state_id,
    version: row.version,
    status: row.status,
    role: row.role,
    name: row.name,
    position: row.position,
    organisation: row.organisation,
    email: row.email,
    phone_24x7: row.phone_24x7,
    languages: JSON.parse(row.languages) as string[],
    time_zone: row.time_zone,
    notes: row.notes,
    effective_at: row.effective_at,
    filed_at: row.filed_at,
    late: row.late === 1,
    withdrawal_reason: row.withdrawal_reason,
    attestation_id: row.attestation_id,
    href: `/contacts/${row.contact_id}`,
    sectors: JSON.parse(row.sectors) as Contact['sectors'],
    body_id: row.body_id,
  };
}

/** The current version of each contact, joined to its head row. */
function currentVersions(db: PortalDb) {
  return db.kysely
    .selectFrom('contacts')
    .innerJoin('contact_versions', (join) =>
      join
        .onRef('contact_versions.contact_id', '=', 'contacts.id')
        .onRef('contact_versions.version', '=', 'contacts.version'),
    )
    .selectAll('contact_versions')
    .select('contacts.seq');
}

// Every contact write reads the contact first: its SQL is written once (db/statement.ts says why).
const CURRENT_CONTACT = `select "contact_versions".*, "contacts"."seq" from "contacts"
  inner join "contact_versions" on "contact_versions"."contact_id" = "contacts"."id"
    and "contact_versions"."version" = "contacts"."version"
  where "contacts"."id" = ?`;

export async function findCurrentContact(db: PortalDb, id: string) {
  const [row] = await db.read<ContactVersionsTable & { seq: number }>(CompiledQuery.raw(CURRENT_CONTACT, [id]));
  return row;
}

export function listDirectory(
  db: PortalDb,
  filter: {
    state?: string;
    role?: Contact['role'];
    sector?: string;
    /** Text the name, organisation or e-mail address contains, ignoring case (see textVariants). */
    text?: string;
    includeWithdrawn: boolean;
    afterSeq: number | null;
    limit: number;
  },
) {
  let query = currentVersions(db)
    .orderBy('contacts.seq')
    .limit(filter.limit + 1);
  if (filter.state) query = query.where('contacts.state_id', '=', filter.state);
  if (filter.role) query = query.where('contacts.role', '=', filter.role);
  if (filter.sector)
    query = query.where(
      sql<boolean>`EXISTS (SELECT 1 FROM json_each(contact_versions.sectors) WHERE value = ${filter.sector})`,
    );
  if (filter.text) {
    const patterns = textVariants(filter.text).map((variant) => `%${variant.replace(/[\\%_]/g, '\\$&')}%`);
    query = query.where((eb) =>
      eb.or(
        ['contact_versions.name', 'contact_versions.organisation', 'contact_versions.email'].flatMap((column) =>
          patterns.map((pattern) => sql<boolean>`${sql.ref(column)} LIKE ${pattern} ESCAPE '\\'`),
        ),
      ),
    );
  }
  if (!filter.includeWithdrawn) query = query.where('contacts.status', '=', 'active');
  if (filter.afterSeq !== null) query = query.where('contacts.seq', '>', filter.afterSeq);
  return query.execute();
}

/**
 * The spellings a case-insensitive search tries. SQLite's LIKE (on Node and D1 alike, with no
 * ICU) folds only A-Z, so for other letters the text is also tried all lower case, all upper
 * case and capitalised: "müller" finds "Müller", "рос" finds "Росс".
 */
export function textVariants(text: string): string[] {
  const lower = text.toLowerCase();
  const capitalised = lower.replace(
    /(^|[\s'’-])(\p{L})/gu,
    (_, before: string, letter: string) => before + letter.toUpperCase(),
  );
  return [...new Set([text, lower, text.toUpperCase(), capitalised])];
}

export function listVersions(db: PortalDb, id: string, afterVersion: number | null, limit: number) {
  let query = db.kysely
    .selectFrom('contact_versions')
    .selectAll()
    .where('contact_id', '=', id)
    .orderBy('version')
    .limit(limit + 1);
  if (afterVersion !== null) query = query.where('version', '>', afterVersion);
  return query.execute();
}

export async function countActiveContacts(db: PortalDb, stateId: string) {
  const rows = await db.kysely
    .selectFrom('contacts')
    .select(['role', (eb) => eb.fn.countAll<number>().as('count')])
    .where('state_id', '=', stateId)
    .where('status', '=', 'active')
    .groupBy('role')
    .execute();
  const count = (role: string) => Number(rows.find((row) => row.role === role)?.count ?? 0);
  return { policy: count('policy'), technical: count('technical') };
}

export async function countLateChanges(db: PortalDb, stateId: string) {
  const row = await db.kysely
    .selectFrom('contact_versions')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('state_id', '=', stateId)
    .where('late', '=', 1)
    .executeTakeFirst();
  return Number(row?.count ?? 0);
}

const insertVersion = insertStatement<ContactVersionsTable>('contact_versions', [
  'contact_id',
  'version',
  'state_id',
  'status',
  'role',
  'name',
  'position',
  'organisation',
  'email',
  'phone_24x7',
  'languages',
  'time_zone',
  'notes',
  'effective_at',
  'filed_at',
  'late',
  'withdrawal_reason',
  'attestation_id',
  'sectors',
  'body_id',
]);
const MOVE_HEAD =
  'update "contacts" set "role" = ?, "status" = ?, "version" = ?, "updated_at" = ? where "id" = ? and "version" = ?';

/**
 * The statements of a new contact version: the version row and the head row (inserted
 * for a new contact, moved from the previous version otherwise). Foreign keys: a new head
 * goes before its first version; an update moves the head last, and only if it is still
 * at the previous version.
 */
export function contactVersionQueries(db: PortalDb, row: ContactVersionsTable, isNew: boolean): CompiledQuery[] {
  const versionRow = insertVersion(row);
  if (isNew) {
    const head = db.kysely
      .insertInto('contacts')
      .values({
        id: row.contact_id,
        state_id: row.state_id,
        role: row.role,
        status: row.status,
        version: 1,
        created_at: row.filed_at,
        updated_at: row.filed_at,
      })
      .compile();
    return [head, versionRow];
  }
  const head = CompiledQuery.raw(MOVE_HEAD, [
    row.role,
    row.status,
    row.version,
    row.filed_at,
    row.contact_id,
    row.version - 1,
  ]);
  return [versionRow, head];
}
