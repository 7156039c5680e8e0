import type BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { applyMigrations } from '../db/migrate.ts';
import { readMigrations } from '../db/migrations-dir.ts';
import { openSqlite } from '../db/sqlite.ts';

const DOC = '019ac1e2-0000-7000-8000-0000000000d1';
const AT = '2026-11-27T09:00:00.000Z';
const SHA = 'A'.repeat(43);

/** A database as migrations 0001-0006 and the code before 0007 left it. */
function before0007(): BetterSqlite3.Database {
  const sqlite = openSqlite(':memory:');
  applyMigrations(
    sqlite,
    readMigrations().filter((migration) => migration.name < '0007'),
  );
  const principal = sqlite.prepare("INSERT INTO principals (id, kind, name, created_at) VALUES (?, 'state', ?, ?)");
  for (const id of ['AT', 'BE', 'FR']) principal.run(id, `State ${id}`, AT);
  const attestation =
    sqlite.prepare(`INSERT INTO attestations (id, subject, principal_id, kid, operation, issued_at, token,
      method, path, content_type, request_token, body, body_sha256, record_id, tlp, body_in_blob)
    VALUES (?, ?, 'AT', 'kid', ?, ?, 'token', 'POST', '/documents', 'application/json', 'request', x'', 'sha', ?, ?, ?)`);
  // In commit order: version 1 (TLP:RED for FR), its file, version 2 (TLP:AMBER for BE).
  attestation.run('att-v1', `urn:cbm:document:${DOC}:v1`, 'createDocument', AT, DOC, 'TLP:RED', 0);
  attestation.run('att-file', `urn:cbm:document:${DOC}:file:${SHA}`, 'uploadDocumentContent', AT, DOC, 'TLP:RED', 1);
  attestation.run('att-v2', `urn:cbm:document:${DOC}:v2`, 'updateDocument', AT, DOC, 'TLP:AMBER', 0);
  sqlite
    .prepare(
      'INSERT INTO documents (id, state_id, type, status, version, language, created_at, updated_at) VALUES ' +
        "(?, 'AT', 'terminology', 'active', 2, 'en', ?, ?)",
    )
    .run(DOC, AT, AT);
  const version =
    sqlite.prepare(`INSERT INTO document_versions (document_id, version, state_id, status, type, cbms, title,
      summary, language, tlp, recipients, content_kind, markdown, media_type, content_sha256, content_size,
      filename, term_count, published_at, withdrawal_reason, attestation_id)
    VALUES (?, ?, 'AT', 'active', 'terminology', '[9]', 'Terms', 'Terms.', 'en', ?, ?, 'file', NULL,
      'application/pdf', ?, 10, NULL, 1, ?, NULL, ?)`);
  version.run(DOC, 1, 'TLP:RED', '["FR"]', SHA, AT, 'att-v1');
  version.run(DOC, 2, 'TLP:AMBER', '["BE"]', SHA, AT, 'att-v2');
  sqlite
    .prepare(
      'INSERT INTO document_files (document_id, sha256, media_type, size, uploaded_at, attestation_id) VALUES ' +
        "(?, ?, 'application/pdf', 10, ?, 'att-file')",
    )
    .run(DOC, SHA, AT);
  const term = sqlite.prepare(
    "INSERT INTO glossary_terms (document_id, version, ord, term, definition, language) VALUES (?, ?, 0, ?, 'A definition.', 'en')",
  );
  term.run(DOC, 1, 'Secret term');
  term.run(DOC, 2, 'Shared term');
  // The code before 0007 indexed the current version only, and kept the document's recipients.
  sqlite
    .prepare(
      'INSERT INTO glossary_fts (rowid, term, definition) SELECT id, term, definition FROM glossary_terms WHERE version = 2',
    )
    .run();
  sqlite.prepare("INSERT INTO record_recipients (record_id, principal_id) VALUES (?, 'BE')").run(DOC);
  return sqlite;
}

describe('migration 0007: visibility belongs to each version', () => {
  it('gives each version back the recipients it was published under, and its attestations and file their version', () => {
    const sqlite = before0007();
    applyMigrations(sqlite, readMigrations());

    expect(sqlite.prepare('SELECT version, audience FROM document_versions ORDER BY version').raw().all()).toEqual([
      [1, `${DOC}:v1`],
      [2, `${DOC}:v2`],
    ]);
    // Belgium, listed by version 2 only, no longer reaches version 1 through the document.
    expect(
      sqlite.prepare('SELECT record_id, principal_id FROM record_recipients ORDER BY record_id').raw().all(),
    ).toEqual([
      [`${DOC}:v1`, 'FR'],
      [`${DOC}:v2`, 'BE'],
    ]);
    expect(sqlite.prepare('SELECT id, record_id, tlp FROM attestations ORDER BY seq').raw().all()).toEqual([
      ['att-v1', `${DOC}:v1`, 'TLP:RED'],
      ['att-file', `${DOC}:v1`, 'TLP:RED'],
      ['att-v2', `${DOC}:v2`, 'TLP:AMBER'],
    ]);
    expect(sqlite.prepare('SELECT version FROM document_files').pluck().all()).toEqual([1]);
    expect(sqlite.prepare('SELECT term FROM glossary_fts ORDER BY rowid').pluck().all()).toEqual([
      'Secret term',
      'Shared term',
    ]);
    expect(
      sqlite
        .prepare("SELECT count(*) FROM sqlite_master WHERE name IN ('document_cbms', 'documents_by_language')")
        .pluck()
        .get(),
    ).toBe(0);
  });

  it('refuses, at commit, an upload for a version that is no longer current', () => {
    const sqlite = before0007();
    applyMigrations(sqlite, readMigrations());
    const insert = sqlite.prepare(
      'INSERT INTO document_files (document_id, sha256, media_type, size, uploaded_at, attestation_id, ' +
        "version) VALUES (?, ?, 'application/pdf', 10, ?, 'att-v2', ?)",
    );
    expect(() => insert.run(DOC, 'B'.repeat(43), AT, 1)).toThrow('CHECK constraint failed: documents.current_version');
    expect(() => insert.run(DOC, 'B'.repeat(43), AT, null)).toThrow(
      'CHECK constraint failed: documents.current_version',
    );
    insert.run(DOC, 'B'.repeat(43), AT, 2);
    expect(sqlite.prepare('SELECT count(*) FROM document_files').pluck().get()).toBe(2);
  });
});
