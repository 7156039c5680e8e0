import { sql, type CompiledQuery } from 'kysely';
import type { PortalDb } from '../db/portal-db.ts';
import type { DocumentFilesTable, DocumentType, DocumentVersionsTable } from '../db/schema.ts';
import type { components } from '../generated/openapi.ts';
import type { Caller } from '../http/app-env.ts';
import { RESTRICTED_TLP, visibleToSql } from '../visibility/visibility.ts';

export type Document = components['schemas']['Document'];
export type DocumentInput = components['schemas']['DocumentInput'];
export type GlossaryTerm = components['schemas']['GlossaryTerm'];

/** The CBM each document type answers first (DOMAIN.md); it is always among `cbms`. */
export const PRIMARY_CBM: Record<DocumentType, number> = {
  'threat-views': 1,
  'internet-measures': 4,
  'best-practice': 5,
  legislation: 6,
  strategy: 7,
  doctrine: 7,
  terminology: 9,
  'capacity-building': 12,
  'public-private-partnership': 14,
  'vulnerability-disclosure': 16,
};

export const MARKDOWN_MEDIA_TYPE = 'text/markdown';

export const documentEtag = (version: number) => `"${version}"`;
export const documentHref = (id: string) => `/documents/${id}`;

/**
 * BCP 47 tags compare case-insensitively; they are stored in their conventional case
 * (language lower, script title, region upper): `DE-at` is kept as `de-AT`.
 */
export function canonicalLanguage(tag: string): string {
  return tag
    .split('-')
    .map((part, index) => {
      if (index === 0) return part.toLowerCase();
      if (/^[A-Za-z]{4}$/.test(part)) return part[0]!.toUpperCase() + part.slice(1).toLowerCase();
      if (/^[A-Za-z]{2}$/.test(part)) return part.toUpperCase();
      return part.toLowerCase();
    })
    .join('-');
}

/** A version row as the reads return it: whether its content's bytes are there yet. */
export type VersionRow = DocumentVersionsTable & { available: number | boolean };

/**
 * The audience of a version that chooses its own recipients: the key its recipient rows
 * are stored under and its attestations are visible by (migration 0007).
 */
export const versionAudience = (documentId: string, version: number) => `${documentId}:v${version}`;

const versionVisibleTo = (caller: Caller, table = 'document_versions') =>
  visibleToSql(caller, { tlp: `${table}.tlp`, author: `${table}.state_id`, recordId: `${table}.audience` });

/**
 * Whether a version's content is there: Markdown always; a file once uploaded for this
 * version or an earlier one. An upload made for a later version (which a reader of this
 * one may not see) does not change what this version shows.
 */
const available = sql<number>`(document_versions.content_kind = 'markdown' OR EXISTS (
  SELECT 1 FROM document_files
  WHERE document_files.document_id = document_versions.document_id
    AND document_files.sha256 = document_versions.content_sha256
    AND document_files.version <= document_versions.version))`.as('available');

/** The version rows of a read, with `available`. */
function versionsWithAvailability(db: PortalDb) {
  return db.kysely.selectFrom('document_versions').selectAll('document_versions').select(available);
}

/**
 * The version of a document a caller is shown: the latest one it may see. Each version
 * keeps the audience it was published to, so a later version addressed to others neither
 * hides the earlier ones from their readers nor shows through: what a caller is shown
 * never depends on versions it may not see. `documentId`: the column naming the document.
 */
export function shownVersionOf(caller: Caller, documentId: string) {
  return sql<number>`(SELECT max(later.version) FROM document_versions AS later
    WHERE later.document_id = ${sql.ref(documentId)} AND ${versionVisibleTo(caller, 'later')})`;
}

/**
 * The version of each document the caller is shown, with its head's seq: the list order
 * and cursor. SQLite's CROSS JOIN keeps `documents` the outer loop: the documents are read
 * in seq order and one version looked up for each, so a page costs the rows it passes
 * over, never a sort of the whole table (which the planner picks for an inner join).
 */
function shownVersions(db: PortalDb, caller: Caller) {
  return db.kysely
    .selectFrom('documents')
    .crossJoin('document_versions')
    .whereRef('document_versions.document_id', '=', 'documents.id')
    .where('document_versions.version', '=', shownVersionOf(caller, 'documents.id'))
    .selectAll('document_versions')
    .select([available, 'documents.seq']);
}

/**
 * The version of a document the caller is shown (the latest it may see), if any. For the
 * author, who sees every version, the current one.
 */
export function findShownDocument(db: PortalDb, caller: Caller, id: string) {
  return shownVersions(db, caller).where('documents.id', '=', id).executeTakeFirst();
}

/** One version (default: the one the caller is shown), if the caller may see it. */
export function findVersion(db: PortalDb, caller: Caller, id: string, version?: number) {
  if (version === undefined) return findShownDocument(db, caller, id);
  return versionsWithAvailability(db)
    .where('document_versions.document_id', '=', id)
    .where('document_versions.version', '=', version)
    .where(versionVisibleTo(caller))
    .executeTakeFirst();
}

/** RFC 4647 basic filtering: `de` matches `de` and `de-AT`, as SQL on `column`. */
export function languageMatches(column: string, tag: string) {
  const canonical = canonicalLanguage(tag);
  return sql<boolean>`(${sql.ref(column)} = ${canonical} OR ${sql.ref(column)} LIKE ${`${canonical}-%`})`;
}

/**
 * The documents the caller may see, each as the version it is shown; every filter reads
 * that version (its language, CBMs and status), never a later one the caller may not see.
 */
export function listDocuments(
  db: PortalDb,
  caller: Caller,
  filter: {
    state?: string;
    type?: DocumentType;
    cbm?: number;
    language?: string;
    includeWithdrawn: boolean;
    afterSeq: number | null;
    limit: number;
  },
) {
  let query = shownVersions(db, caller)
    .orderBy('documents.seq')
    .limit(filter.limit + 1);
  if (filter.state) query = query.where('documents.state_id', '=', filter.state);
  if (filter.type) query = query.where('documents.type', '=', filter.type);
  if (filter.language) query = query.where(languageMatches('document_versions.language', filter.language));
  if (filter.cbm !== undefined)
    query = query.where(
      sql<boolean>`EXISTS (SELECT 1 FROM json_each(document_versions.cbms) WHERE value = ${filter.cbm})`,
    );
  if (!filter.includeWithdrawn) query = query.where('document_versions.status', '=', 'active');
  if (filter.afterSeq !== null) query = query.where('documents.seq', '>', filter.afterSeq);
  return query.execute();
}

/** The versions of a document the caller may see, oldest first. */
export function listVersions(db: PortalDb, caller: Caller, id: string, afterVersion: number | null, limit: number) {
  let query = versionsWithAvailability(db)
    .where('document_versions.document_id', '=', id)
    .where(versionVisibleTo(caller))
    .orderBy('document_versions.version')
    .limit(limit + 1);
  if (afterVersion !== null) query = query.where('document_versions.version', '>', afterVersion);
  return query.execute();
}

/** The terms of one version (whose visibility the caller has checked), in published order. */
export function listTerms(db: PortalDb, id: string, version: number, afterOrd: number | null, limit: number) {
  let query = db.kysely
    .selectFrom('glossary_terms')
    .select(['ord', 'term', 'definition', 'language'])
    .where('document_id', '=', id)
    .where('version', '=', version)
    .orderBy('ord')
    .limit(limit + 1);
  if (afterOrd !== null) query = query.where('ord', '>', afterOrd);
  return query.execute();
}

/** Whether the file (document, digest) has been uploaded, for this or an earlier version. */
export async function fileUploaded(db: PortalDb, documentId: string, sha256: string): Promise<boolean> {
  const row = await db.kysely
    .selectFrom('document_files')
    .select('sha256')
    .where('document_id', '=', documentId)
    .where('sha256', '=', sha256)
    .executeTakeFirst();
  return row !== undefined;
}

/** The attestation of an earlier upload of this file, with its log index. */
export function findUpload(db: PortalDb, documentId: string, sha256: string) {
  return db.kysely
    .selectFrom('document_files')
    .innerJoin('attestations', 'attestations.id', 'document_files.attestation_id')
    .innerJoin('log_leaves', 'log_leaves.attestation_id', 'attestations.id')
    .select(['attestations.id', 'attestations.token', 'log_leaves.idx as log_index'])
    .where('document_files.document_id', '=', documentId)
    .where('document_files.sha256', '=', sha256)
    .executeTakeFirst();
}

export function toDocument(row: VersionRow): Document {
  const base = documentHref(row.document_id);
  return {
    id: row.document_id,
    state: row.state_id,
    version: row.version,
    status: row.status,
    type: row.type,
    cbms: JSON.parse(row.cbms) as number[],
    title: row.title,
    summary: row.summary,
    language: row.language,
    tlp: row.tlp,
    recipients: JSON.parse(row.recipients) as string[],
    content: {
      kind: row.content_kind,
      media_type: row.media_type,
      sha256: row.content_sha256,
      size: row.content_size,
      filename: row.filename,
      available: Boolean(Number(row.available)),
      href: `${base}/content?version=${row.version}`,
    },
    term_count: row.term_count,
    terms_href: row.type === 'terminology' ? `${base}/terms?version=${row.version}` : null,
    published_at: row.published_at,
    withdrawal_reason: row.withdrawal_reason,
    attestation_id: row.attestation_id,
    href: base,
  };
}

// ---- Statements of a write (each one statement whatever the list's length: D1 binds at
// ---- most 100 parameters, so lists travel as one JSON parameter through json_each).

/** The recipient rows of a version that chooses its own (a restricted one), under its audience. */
export function insertRecipientsQuery(db: PortalDb, audience: string, recipients: readonly string[]): CompiledQuery {
  return sql`INSERT INTO record_recipients (record_id, principal_id)
    SELECT ${audience}, value FROM json_each(${JSON.stringify(recipients)})`.compile(db.kysely);
}

/** The version's glossary terms, in order; `language` already resolved for each. */
export function insertTermsQuery(
  db: PortalDb,
  documentId: string,
  version: number,
  terms: readonly GlossaryTerm[],
): CompiledQuery {
  return sql`INSERT INTO glossary_terms (document_id, version, ord, term, definition, language)
    SELECT ${documentId}, ${version}, CAST(key AS INTEGER),
      json_extract(value, '$.term'), json_extract(value, '$.definition'), json_extract(value, '$.language')
    FROM json_each(${JSON.stringify(terms)}) ORDER BY key`.compile(db.kysely);
}

/** A withdrawn version keeps the terms of the version before (the search skips withdrawn versions). */
export function copyTermsQuery(
  db: PortalDb,
  documentId: string,
  fromVersion: number,
  toVersion: number,
): CompiledQuery {
  return sql`INSERT INTO glossary_terms (document_id, version, ord, term, definition, language)
    SELECT document_id, ${toVersion}, ord, term, definition, language FROM glossary_terms
    WHERE document_id = ${documentId} AND version = ${fromVersion} ORDER BY ord`.compile(db.kysely);
}

/**
 * Puts a version's terms into the full-text index (run after insertTermsQuery). Every
 * version's terms stay indexed: a reader searches the version of each document it is
 * shown, which need not be the current one.
 */
export function indexTermsQuery(db: PortalDb, documentId: string, version: number): CompiledQuery {
  return sql`INSERT INTO glossary_fts (rowid, term, definition)
    SELECT id, term, definition FROM glossary_terms WHERE document_id = ${documentId} AND version = ${version}`.compile(
    db.kysely,
  );
}

/**
 * The statements of a document version, in one commit: the version row, the head row, the
 * recipients of its audience (a version with its own audience lists them under it; a
 * withdrawal keeps the audience of the version before), its glossary terms and their
 * full-text entries. Earlier versions keep their own TLP and recipients: nothing here widens them.
 */
export function documentVersionQueries(
  db: PortalDb,
  version: DocumentVersionsTable,
  previous: VersionRow | null,
  terms: GlossaryTerm[] | 'copy',
): CompiledQuery[] {
  const id = version.document_id;
  const versionRow = db.kysely.insertInto('document_versions').values(version).compile();
  const queries: CompiledQuery[] =
    previous === null
      ? [
          db.kysely
            .insertInto('documents')
            .values({
              id,
              state_id: version.state_id,
              type: version.type,
              status: version.status,
              version: 1,
              language: version.language,
              created_at: version.published_at,
              updated_at: version.published_at,
            })
            .compile(),
          versionRow,
        ]
      : [
          versionRow,
          db.kysely
            .updateTable('documents')
            .set({
              status: version.status,
              version: version.version,
              language: version.language,
              updated_at: version.published_at,
            })
            .where('id', '=', id)
            .where('version', '=', version.version - 1)
            .compile(),
        ];
  const recipients = JSON.parse(version.recipients) as string[];
  if (version.audience !== previous?.audience && RESTRICTED_TLP.includes(version.tlp) && recipients.length) {
    queries.push(insertRecipientsQuery(db, version.audience, recipients));
  }
  if (terms === 'copy') {
    if (previous?.term_count)
      queries.push(copyTermsQuery(db, id, previous.version, version.version), indexTermsQuery(db, id, version.version));
  } else if (terms.length) {
    queries.push(insertTermsQuery(db, id, version.version, terms), indexTermsQuery(db, id, version.version));
  }
  return queries;
}

export function insertFileQuery(db: PortalDb, row: DocumentFilesTable): CompiledQuery {
  return db.kysely.insertInto('document_files').values(row).compile();
}
