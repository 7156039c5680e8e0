import { sql, type CompiledQuery } from 'kysely';
import type { PortalDb } from '../db/portal-db.ts';
import type { DocumentType, DocumentVersionsTable } from '../db/schema.ts';
import type { components } from '../generated/openapi.ts';
import type { Caller } from '../http/app-env.ts';
import { visibleTo } from '../visibility/visibility.ts';

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

/** The version row of a read, with `available`: Markdown always, a file once uploaded. */
function versionsWithAvailability(db: PortalDb) {
  return db.kysely
    .selectFrom('document_versions')
    .leftJoin('document_files', (join) =>
      join.onRef('document_files.document_id', '=', 'document_versions.document_id').onRef('document_files.sha256', '=', 'document_versions.content_sha256'),
    )
    .selectAll('document_versions')
    .select(sql<number>`(document_versions.content_kind = 'markdown' OR document_files.sha256 IS NOT NULL)`.as('available'));
}

const versionVisibleTo = (caller: Caller) =>
  visibleTo(caller, { tlp: 'document_versions.tlp', author: 'document_versions.state_id', recordId: 'document_versions.document_id' });

/** The current version of each document, with its head's seq: the list order and cursor. */
function currentVersions(db: PortalDb, caller: Caller) {
  return versionsWithAvailability(db)
    .innerJoin('documents', (join) => join.onRef('documents.id', '=', 'document_versions.document_id').onRef('documents.version', '=', 'document_versions.version'))
    .select('documents.seq')
    .where(versionVisibleTo(caller));
}

/** The current version of a document, if the caller may see it. */
export function findCurrentDocument(db: PortalDb, caller: Caller, id: string) {
  return currentVersions(db, caller).where('documents.id', '=', id).executeTakeFirst();
}

/** One version (default: the current one), if the caller may see it. */
export function findVersion(db: PortalDb, caller: Caller, id: string, version?: number) {
  if (version === undefined) return findCurrentDocument(db, caller, id);
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

export function listDocuments(
  db: PortalDb,
  caller: Caller,
  filter: { state?: string; type?: DocumentType; cbm?: number; language?: string; includeWithdrawn: boolean; afterSeq: number | null; limit: number },
) {
  let query = currentVersions(db, caller).orderBy('documents.seq').limit(filter.limit + 1);
  if (filter.state) query = query.where('documents.state_id', '=', filter.state);
  if (filter.type) query = query.where('documents.type', '=', filter.type);
  if (filter.language) query = query.where(languageMatches('documents.language', filter.language));
  if (filter.cbm !== undefined) {
    const cbm = filter.cbm;
    query = query.where('documents.id', 'in', (eb) => eb.selectFrom('document_cbms').select('document_cbms.document_id').where('document_cbms.cbm', '=', cbm));
  }
  if (!filter.includeWithdrawn) query = query.where('documents.status', '=', 'active');
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

/** Whether the file (document, digest) has been uploaded. */
export async function fileUploaded(db: PortalDb, documentId: string, sha256: string): Promise<boolean> {
  const row = await db.kysely.selectFrom('document_files').select('sha256').where('document_id', '=', documentId).where('sha256', '=', sha256).executeTakeFirst();
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

export function replaceCbmsQueries(db: PortalDb, documentId: string, cbms: readonly number[], isNew: boolean): CompiledQuery[] {
  const insert = sql`INSERT INTO document_cbms (document_id, cbm) SELECT ${documentId}, value FROM json_each(${JSON.stringify(cbms)})`.compile(db.kysely);
  if (isNew) return [insert];
  return [db.kysely.deleteFrom('document_cbms').where('document_id', '=', documentId).compile(), insert];
}

/** The document's recipients (record_recipients, which `visibleTo` reads). */
export function insertRecipientsQuery(db: PortalDb, documentId: string, recipients: readonly string[]): CompiledQuery {
  return sql`INSERT INTO record_recipients (record_id, principal_id) SELECT ${documentId}, value FROM json_each(${JSON.stringify(recipients)})`.compile(db.kysely);
}

/** The version's glossary terms, in order; `language` already resolved for each. */
export function insertTermsQuery(db: PortalDb, documentId: string, version: number, terms: readonly GlossaryTerm[]): CompiledQuery {
  return sql`INSERT INTO glossary_terms (document_id, version, ord, term, definition, language)
    SELECT ${documentId}, ${version}, CAST(key AS INTEGER), json_extract(value, '$.term'), json_extract(value, '$.definition'), json_extract(value, '$.language')
    FROM json_each(${JSON.stringify(terms)}) ORDER BY key`.compile(db.kysely);
}

/** A withdrawn version keeps the terms of the version before (not searchable any more). */
export function copyTermsQuery(db: PortalDb, documentId: string, fromVersion: number, toVersion: number): CompiledQuery {
  return sql`INSERT INTO glossary_terms (document_id, version, ord, term, definition, language)
    SELECT document_id, ${toVersion}, ord, term, definition, language FROM glossary_terms
    WHERE document_id = ${documentId} AND version = ${fromVersion} ORDER BY ord`.compile(db.kysely);
}

/** Puts a version's terms into the full-text index (run after insertTermsQuery). */
export function indexTermsQuery(db: PortalDb, documentId: string, version: number): CompiledQuery {
  return sql`INSERT INTO glossary_fts (rowid, term, definition)
    SELECT id, term, definition FROM glossary_terms WHERE document_id = ${documentId} AND version = ${version}`.compile(db.kysely);
}

/** Takes a version's terms out of the full-text index. */
export function unindexTermsQuery(db: PortalDb, documentId: string, version: number): CompiledQuery {
  return sql`DELETE FROM glossary_fts WHERE rowid IN (SELECT id FROM glossary_terms WHERE document_id = ${documentId} AND version = ${version})`.compile(db.kysely);
}
