/** The SQL of versioned directory entries (bodies, channels, meeting records; migration 0011). */
import { type CompiledQuery, sql, type RawBuilder } from 'kysely';
import type { PortalDb } from '../db/portal-db.ts';
import type { EntryKind, EntryVersionsTable } from '../db/schema.ts';

function currentVersions(db: PortalDb, kind: EntryKind) {
  return db.kysely
    .selectFrom('entries')
    .innerJoin('entry_versions', (join) =>
      join.onRef('entry_versions.entry_id', '=', 'entries.id').onRef('entry_versions.version', '=', 'entries.version'),
    )
    .selectAll('entry_versions')
    .select('entries.seq')
    .where('entries.kind', '=', kind);
}

export function findCurrentEntry(db: PortalDb, kind: EntryKind, id: string) {
  return currentVersions(db, kind).where('entries.id', '=', id).executeTakeFirst();
}

/** A filter on the version's data: `member` equals `value`, or (an array) contains it. */
export interface DataFilter {
  member: string;
  value: string;
  array?: boolean;
}

export interface EntryFilter {
  owner?: string;
  data: DataFilter[];
  extra?: RawBuilder<boolean>;
}

export function listEntries(
  db: PortalDb,
  kind: EntryKind,
  filter: EntryFilter & { includeWithdrawn: boolean; afterSeq: number | null; limit: number },
) {
  let query = currentVersions(db, kind)
    .orderBy('entries.seq')
    .limit(filter.limit + 1);
  if (filter.owner) query = query.where('entries.owner_id', '=', filter.owner);
  for (const { member, value, array } of filter.data) {
    const path = `$.${member}`;
    query = query.where(
      array
        ? sql<boolean>`EXISTS (SELECT 1 FROM json_each(entry_versions.data, ${path}) WHERE value = ${value})`
        : sql<boolean>`json_extract(entry_versions.data, ${path}) = ${value}`,
    );
  }
  if (filter.extra) query = query.where(filter.extra);
  if (!filter.includeWithdrawn) query = query.where('entries.status', '=', 'active');
  if (filter.afterSeq !== null) query = query.where('entries.seq', '>', filter.afterSeq);
  return query.execute();
}

export function listEntryVersions(
  db: PortalDb,
  kind: EntryKind,
  id: string,
  afterVersion: number | null,
  limit: number,
) {
  let query = db.kysely
    .selectFrom('entry_versions')
    .selectAll()
    .where('entry_id', '=', id)
    .where('kind', '=', kind)
    .orderBy('version')
    .limit(limit + 1);
  if (afterVersion !== null) query = query.where('version', '>', afterVersion);
  return query.execute();
}

/** The signed data with the fields every entry serves; `owner` names the author's member. */
export function entryRecord(row: EntryVersionsTable, owner: string, href: string): Record<string, unknown> {
  return {
    ...(JSON.parse(row.data) as Record<string, unknown>),
    id: row.entry_id,
    [owner]: row.owner_id,
    version: row.version,
    status: row.status,
    published_at: row.published_at,
    withdrawal_reason: row.withdrawal_reason,
    attestation_id: row.attestation_id,
    href,
  };
}

/**
 * The statements of a new entry version: the version row and the head row (inserted for a
 * new entry, moved from the previous version otherwise, and only if still there). Foreign
 * keys: a new head goes before its first version; an update moves the head last.
 */
export function entryVersionQueries(
  db: PortalDb,
  kind: EntryKind,
  row: EntryVersionsTable,
  isNew: boolean,
): CompiledQuery[] {
  const versionRow = db.kysely.insertInto('entry_versions').values(row).compile();
  if (isNew) {
    const head = db.kysely
      .insertInto('entries')
      .values({
        id: row.entry_id,
        kind,
        owner_id: row.owner_id,
        status: row.status,
        version: 1,
        created_at: row.published_at,
        updated_at: row.published_at,
      })
      .compile();
    return [head, versionRow];
  }
  const head = db.kysely
    .updateTable('entries')
    .set({ status: row.status, version: row.version, updated_at: row.published_at })
    .where('id', '=', row.entry_id)
    .where('version', '=', row.version - 1)
    .compile();
  return [versionRow, head];
}
