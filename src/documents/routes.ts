import { Hono, type Context } from 'hono';
import { sha256b64u, utf8 } from '../crypto/encoding.ts';
import type { DocumentType, DocumentVersionsTable } from '../db/schema.ts';
import type { AppEnv } from '../http/app-env.ts';
import { decodeCursor, toPage } from '../http/cursor.ts';
import { operation } from '../http/operation.ts';
import { Problem, problems, type FieldError } from '../http/problem.ts';
import { drainStreamedBody, storeStreamedBody } from '../http/body.ts';
import { bytesResponse } from '../http/raw-bytes.ts';
import { attestationHref } from '../write/attestation-ref.ts';
import { commitWrite } from '../write/pipeline.ts';
import { send, writeInput, writeOperation } from '../write/request.ts';
import { acceptRecipients } from '../visibility/recipients.ts';
import {
  canonicalLanguage,
  documentEtag,
  documentVersionQueries,
  fileUploaded,
  findShownDocument,
  findUpload,
  findVersion,
  insertFileQuery,
  listDocuments,
  listTerms,
  listVersions,
  MARKDOWN_MEDIA_TYPE,
  PRIMARY_CBM,
  versionAudience,
  toDocument,
  type DocumentInput,
  type GlossaryTerm,
  type VersionRow,
} from './repo.ts';

function requireState<E extends AppEnv>(c: Context<E>) {
  if (c.get('caller').principalKind !== 'state')
    throw problems.forbidden('states-only', 'Only a participating state publishes national documents.');
  return c.get('caller').principalId;
}

/**
 * The document as it stands, if the caller's state owns it and it can still change. The
 * author sees every version, so the version it is shown is the current one; another
 * state is refused on the version it is shown (404 when it may see none).
 */
async function ownDocument<E extends AppEnv>(c: Context<E>, id: string) {
  const state = requireState(c);
  const current = await findShownDocument(c.get('deps').db, c.get('caller'), id);
  if (!current) throw problems.notFound(`No document ${id}.`);
  if (current.state_id !== state)
    throw problems.forbidden(
      'not-owner',
      `Document ${id} belongs to ${current.state_id}; a state changes only its own documents.`,
    );
  if (current.status === 'withdrawn')
    throw problems.conflict('document-withdrawn', 'A withdrawn document is final; publish a new document instead.');
  return current;
}

/** RFC 9110 If-Match against the current version: 428 when absent, 412 when stale. */
function checkIfMatch<E extends AppEnv>(c: Context<E>, version: number) {
  const header = c.req.header('if-match');
  if (!header) throw problems.preconditionRequired();
  const tags = header.split(',').map((tag) => tag.trim());
  if (!tags.includes('*') && !tags.includes(documentEtag(version))) {
    throw problems.preconditionFailed(
      `The document is at version ${version} (ETag ${documentEtag(version)}); fetch it and apply the change again.`,
    );
  }
}

const TITLE = 'The document cannot be published.';

interface Accepted {
  fields: Omit<
    DocumentVersionsTable,
    'document_id' | 'version' | 'state_id' | 'published_at' | 'attestation_id' | 'audience'
  >;
  terms: GlossaryTerm[];
}

/**
 * Checks what the schema cannot say (the type's CBM, terms only for terminology, the file
 * size, the recipients for the TLP, a type that stays) and prepares the version's fields.
 * Every refusal is one 422 listing each bad field.
 */
async function acceptInput<E extends AppEnv>(
  c: Context<E>,
  input: DocumentInput,
  author: string,
  current?: VersionRow,
): Promise<Accepted> {
  const errors: FieldError[] = [];
  const primary = PRIMARY_CBM[input.type];
  const cbms = [...(input.cbms ?? [primary])].sort((a, b) => a - b);
  if (!cbms.includes(primary))
    errors.push({ pointer: '/cbms', detail: `a ${input.type} document answers CBM ${primary}; include it` });
  if (current && current.type !== input.type)
    errors.push({ pointer: '/type', detail: `the document is ${current.type}; a new type is a new document` });
  const terms = input.terms ?? [];
  if (input.type === 'terminology' && !terms.length)
    errors.push({ pointer: '/terms', detail: 'a terminology document carries at least one glossary term' });
  if (input.type !== 'terminology' && terms.length)
    errors.push({ pointer: '/terms', detail: 'only a terminology document carries glossary terms' });
  const { maxUploadBytes } = c.get('deps').config;
  if (input.content.file && input.content.file.size > maxUploadBytes) {
    errors.push({ pointer: '/content/file/size', detail: `larger than this portal accepts (${maxUploadBytes} bytes)` });
  }
  let recipients: string[] = [];
  try {
    recipients = await acceptRecipients(c.get('deps').db, input.tlp, input.recipients, {
      author,
      statesOnly: false,
      title: TITLE,
    });
  } catch (error) {
    if (!(error instanceof Problem) || !error.errors) throw error;
    errors.push(...error.errors);
  }
  if (errors.length) throw problems.unprocessable(TITLE, errors);

  const language = canonicalLanguage(input.language);
  const { markdown, file } = input.content;
  const content =
    markdown !== undefined
      ? {
          content_kind: 'markdown' as const,
          markdown,
          media_type: MARKDOWN_MEDIA_TYPE,
          content_sha256: await sha256b64u(markdown),
          content_size: utf8(markdown).byteLength,
          filename: null,
        }
      : {
          content_kind: 'file' as const,
          markdown: null,
          media_type: file!.media_type,
          content_sha256: file!.sha256,
          content_size: file!.size,
          filename: file!.filename ?? null,
        };
  return {
    fields: {
      status: 'active',
      type: input.type,
      cbms: JSON.stringify(cbms),
      title: input.title,
      summary: input.summary,
      language,
      tlp: input.tlp,
      recipients: JSON.stringify(recipients),
      ...content,
      term_count: terms.length,
      withdrawal_reason: null,
    },
    terms: terms.map((term) => ({
      term: term.term,
      definition: term.definition,
      language: canonicalLanguage(term.language ?? input.language),
    })),
  };
}

/**
 * Writes a version of a document in one commit: the version row, the head row, the
 * recipients of its audience (a version with its own audience lists them under it; a
 * withdrawal keeps the audience of the version before), its glossary terms and their
 * full-text entries, the attestation (visible by the version's TLP and audience) and its
 * log leaf. Earlier versions keep their own TLP and recipients: nothing here widens them.
 */
async function commitVersion<E extends AppEnv>(
  c: Context<E>,
  row: Omit<DocumentVersionsTable, 'attestation_id'>,
  change: { previous: VersionRow | null; terms: GlossaryTerm[] | 'copy' },
) {
  const { db } = c.get('deps');
  const { previous } = change;
  const isNew = previous === null;
  const id = row.document_id;
  const available = row.content_kind === 'markdown' || (!isNew && (await fileUploaded(db, id, row.content_sha256)));
  // A concurrent writer based on the same version inserts the same (document_id, version)
  // and the same attestation subject: whichever commits second is refused here.
  const stale = () =>
    problems.preconditionFailed('The document changed while this request was processed; fetch it and try again.');
  const write = {
    subject: `urn:cbm:document:${id}:v${row.version}`,
    recordId: row.audience,
    tlp: row.tlp,
    conflicts: { document_versions_document_version: stale, attestations_subject: stale },
  };
  const written = await commitWrite(writeInput(c), write, (attestationId) => {
    const version: DocumentVersionsTable = { ...row, attestation_id: attestationId };
    const document = toDocument({ ...version, available });
    return {
      records: documentVersionQueries(db, version, previous, change.terms),
      answer: {
        status: isNew ? 201 : 200,
        data: document,
        headers: { ETag: documentEtag(row.version), ...(isNew ? { Location: document.href } : {}) },
      },
    };
  });
  return send(c, written);
}

function contentDigestMismatch(detail: string) {
  return new Problem(422, 'content-digest-mismatch', 'Unprocessable content', detail, [
    { pointer: '', detail: 'not the bytes the document version declares' },
  ]);
}

/** RFC 6266 attachment with an ASCII fallback and the UTF-8 name. */
function contentDisposition(filename: string) {
  const ascii = filename.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}

export const documents = new Hono<AppEnv>()
  .get('/', operation('listDocuments'), async (c) => {
    const { state, type, cbm, language, status, cursor, limit = 100 } = c.get('input').query;
    const rows = await listDocuments(c.get('deps').db, c.get('caller'), {
      state,
      type: type as DocumentType | undefined,
      cbm,
      language,
      includeWithdrawn: status === 'all',
      afterSeq: decodeCursor(cursor),
      limit,
    });
    return c.json(toPage(rows, limit, (row) => row.seq, toDocument));
  })

  .post('/', writeOperation('createDocument'), async (c) => {
    const state = requireState(c);
    const accepted = await acceptInput(c, c.get('input').body, state);
    const now = c.get('deps').clock.now();
    const id = c.get('deps').ids();
    return commitVersion(
      c,
      {
        ...accepted.fields,
        document_id: id,
        version: 1,
        state_id: state,
        published_at: now.toISOString(),
        audience: versionAudience(id, 1),
      },
      { previous: null, terms: accepted.terms },
    );
  })

  .get('/:documentId', operation('getDocument'), async (c) => {
    // The latest version the caller may see (the current one for its author and for
    // whoever may see that): never a hint that a later version exists for others.
    const row = await findShownDocument(c.get('deps').db, c.get('caller'), c.get('input').path.documentId);
    if (!row) throw problems.notFound('No such document.');
    c.header('ETag', documentEtag(row.version));
    return c.json(toDocument(row));
  })

  .put('/:documentId', writeOperation('updateDocument'), async (c) => {
    const current = await ownDocument(c, c.get('input').path.documentId);
    checkIfMatch(c, current.version);
    const accepted = await acceptInput(c, c.get('input').body, current.state_id, current);
    const now = c.get('deps').clock.now();
    const version = current.version + 1;
    return commitVersion(
      c,
      {
        ...accepted.fields,
        document_id: current.document_id,
        version,
        state_id: current.state_id,
        published_at: now.toISOString(),
        audience: versionAudience(current.document_id, version),
      },
      { previous: current, terms: accepted.terms },
    );
  })

  .post('/:documentId/withdraw', writeOperation('withdrawDocument'), async (c) => {
    const current = await ownDocument(c, c.get('input').path.documentId);
    checkIfMatch(c, current.version);
    const { reason } = c.get('input').body;
    const now = c.get('deps').clock.now();
    // The withdrawn version keeps the content, TLP and audience of the version before.
    const { available: _available, attestation_id: _previous, seq: _seq, ...fields } = current;
    return commitVersion(
      c,
      {
        ...fields,
        version: current.version + 1,
        status: 'withdrawn',
        published_at: now.toISOString(),
        withdrawal_reason: reason ?? null,
      },
      { previous: current, terms: 'copy' },
    );
  })

  .get('/:documentId/history', operation('listDocumentHistory'), async (c) => {
    const { documentId } = c.get('input').path;
    const { cursor, limit = 100 } = c.get('input').query;
    const rows = await listVersions(c.get('deps').db, c.get('caller'), documentId, decodeCursor(cursor), limit);
    if (!rows.length && cursor === undefined) throw problems.notFound('No such document.');
    return c.json(toPage(rows, limit, (row) => row.version, toDocument));
  })

  .get('/:documentId/content', operation('getDocumentContent'), async (c) => {
    const { documentId } = c.get('input').path;
    const row = await findVersion(c.get('deps').db, c.get('caller'), documentId, c.get('input').query.version);
    if (!row) throw problems.notFound('No such document version.');
    if (row.content_kind === 'markdown') {
      return bytesResponse(c, utf8(row.markdown ?? ''), {
        mediaTypes: [`${MARKDOWN_MEDIA_TYPE}; charset=utf-8`],
        sha256: row.content_sha256,
      });
    }
    if (!Number(row.available))
      throw problems.notFound(`The file of version ${row.version} has not been uploaded yet.`);
    const blob = await c.get('deps').blobs.get(row.content_sha256);
    if (!blob) throw new Error(`blob ${row.content_sha256} of document ${documentId} is missing from the blob store`);
    const headers = row.filename ? { 'Content-Disposition': contentDisposition(row.filename) } : undefined;
    return bytesResponse(c, blob.bytes, { mediaTypes: [row.media_type], sha256: row.content_sha256, headers });
  })

  .put('/:documentId/content', writeOperation('uploadDocumentContent'), async (c) => {
    const { db, blobs } = c.get('deps');
    const current = await ownDocument(c, c.get('input').path.documentId);
    const id = current.document_id;
    if (current.content_kind !== 'file') {
      throw problems.conflict(
        'no-file-declared',
        'The current version publishes Markdown; declare the file in a new version (content.file) first.',
      );
    }
    const mediaType = c.req.header('content-type')?.split(';')[0]?.trim().toLowerCase();
    if (mediaType !== current.media_type)
      throw problems.unsupportedMediaType(`${current.media_type}, as version ${current.version} declares`);
    // The body streams into the blob store, checked against the token's digest as it
    // flows (http/body.ts): other bytes are 401 body-digest-mismatch and leave nothing.
    const sha256 = current.content_sha256;
    const signed = c.get('caller').claims.body_sha256;
    if (signed !== sha256) {
      // Read within the limit and checked against the token like any body, never stored.
      const size = await drainStreamedBody(c);
      throw contentDigestMismatch(
        `These ${size} bytes have SHA-256 ${signed}; ` +
          `version ${current.version} declares ${current.content_size} bytes with SHA-256 ${sha256}.`,
      );
    }
    // Content-addressed, so storing first is safe: a write that then fails leaves only
    // bytes nobody can reach, and a retry stores the same blob again.
    const size = await storeStreamedBody(c, blobs, sha256, current.content_size, current.media_type);
    if (size !== current.content_size) {
      throw contentDigestMismatch(
        `These ${size} bytes have SHA-256 ${sha256}; version ${current.version} declares ${current.content_size} bytes.`,
      );
    }
    const document = toDocument({ ...current, available: true });

    // The same file again: nothing new to attest; the first upload's receipt.
    const earlier = await findUpload(db, id, sha256);
    if (earlier) {
      const attestation = {
        id: earlier.id,
        token: earlier.token,
        log_index: Number(earlier.log_index),
        href: attestationHref(earlier.id),
      };
      return send(c, { attestation, answer: { status: 200, data: document } });
    }
    // The upload belongs to the current version: visible by its TLP and audience, and
    // committed only while it is still current (the trigger of migration 0007).
    const uploadedMeanwhile = () =>
      problems.conflict(
        'content-already-uploaded',
        'This file was uploaded by a concurrent request; fetch the document.',
      );
    const superseded = () =>
      problems.conflict(
        'document-superseded',
        `A new version of document ${id} was published while the file was uploaded; ` +
          'fetch it and upload the file its current version declares.',
      );
    const write = {
      subject: `urn:cbm:document:${id}:file:${sha256}`,
      recordId: current.audience,
      tlp: current.tlp,
      bodyInBlob: true,
      conflicts: {
        document_files_document_sha256: uploadedMeanwhile,
        attestations_subject: uploadedMeanwhile,
        document_files_current_version: superseded,
      },
    };
    const uploadedAt = c.get('deps').clock.now().toISOString();
    const written = await commitWrite(writeInput(c), write, (attestationId) => ({
      records: [
        insertFileQuery(db, {
          document_id: id,
          sha256,
          media_type: current.media_type,
          size,
          uploaded_at: uploadedAt,
          attestation_id: attestationId,
          version: current.version,
        }),
      ],
      answer: { status: 201, data: document },
    }));
    return send(c, written);
  })

  .get('/:documentId/terms', operation('listDocumentTerms'), async (c) => {
    const { documentId } = c.get('input').path;
    const { version, cursor, limit = 100 } = c.get('input').query;
    const row = await findVersion(c.get('deps').db, c.get('caller'), documentId, version);
    if (!row) throw problems.notFound('No such document version.');
    const rows = await listTerms(c.get('deps').db, documentId, row.version, decodeCursor(cursor), limit);
    return c.json(
      toPage(
        rows,
        limit,
        (term) => term.ord,
        ({ term, definition, language }) => ({ term, definition, language }),
      ),
    );
  });
