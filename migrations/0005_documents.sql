-- Migration number: 0005 	 national documents (CBMs 1, 4, 5, 6, 7, 9, 12, 14, 16), their
-- uploaded files, and the terminology glossary (CBM 9) with its full-text index (FTS5).
-- Frozen once landed: later changes go into new numbered files (wrangler D1 format).
-- Recipients of TLP:AMBER, TLP:AMBER+STRICT and TLP:RED documents are in
-- record_recipients (0004) with record_id = the document id.

-- The head row of a document: which version is current. Versions are immutable.
-- UNIQUE (document_id, version) of document_versions is the optimistic-concurrency guard:
-- two writers based on the same version cannot both insert its successor.
-- The type is fixed when the document is first published; the language is the current
-- version's (list filter).
CREATE TABLE documents (
  seq        INTEGER PRIMARY KEY AUTOINCREMENT,
  id         TEXT NOT NULL UNIQUE,
  state_id   TEXT NOT NULL REFERENCES principals (id),
  type       TEXT NOT NULL CHECK (type IN ('threat-views', 'internet-measures', 'best-practice', 'legislation', 'strategy', 'doctrine', 'terminology', 'capacity-building', 'public-private-partnership', 'vulnerability-disclosure')),
  status     TEXT NOT NULL CHECK (status IN ('active', 'withdrawn')),
  version    INTEGER NOT NULL CHECK (version >= 1),
  language   TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX documents_by_state ON documents (state_id, seq);
CREATE INDEX documents_by_type ON documents (type, seq);
CREATE INDEX documents_by_language ON documents (language, seq);

-- One row per version. Each version carries its own TLP (the label of what it published);
-- recipients are the document's (record_recipients). cbms and recipients are JSON arrays
-- as published. The content is inline Markdown (markdown) or a declared file whose bytes
-- are uploaded next (document_files); content_sha256 and content_size describe either.
CREATE TABLE document_versions (
  document_id       TEXT NOT NULL REFERENCES documents (id),
  version           INTEGER NOT NULL CHECK (version >= 1),
  state_id          TEXT NOT NULL,
  status            TEXT NOT NULL CHECK (status IN ('active', 'withdrawn')),
  type              TEXT NOT NULL,
  cbms              TEXT NOT NULL CHECK (json_valid(cbms)),
  title             TEXT NOT NULL,
  summary           TEXT NOT NULL,
  language          TEXT NOT NULL,
  tlp               TEXT NOT NULL CHECK (tlp IN ('TLP:CLEAR', 'TLP:GREEN', 'TLP:AMBER', 'TLP:AMBER+STRICT', 'TLP:RED')),
  recipients        TEXT NOT NULL CHECK (json_valid(recipients)),
  content_kind      TEXT NOT NULL CHECK (content_kind IN ('markdown', 'file')),
  markdown          TEXT,
  media_type        TEXT NOT NULL,
  content_sha256    TEXT NOT NULL,
  content_size      INTEGER NOT NULL CHECK (content_size >= 0),
  filename          TEXT,
  term_count        INTEGER NOT NULL CHECK (term_count >= 0),
  published_at      TEXT NOT NULL,
  withdrawal_reason TEXT,
  attestation_id    TEXT NOT NULL REFERENCES attestations (id),
  PRIMARY KEY (document_id, version),
  CHECK ((content_kind = 'markdown') = (markdown IS NOT NULL))
) WITHOUT ROWID;

-- The CBMs the current version answers (list filter by CBM), replaced with each version.
CREATE TABLE document_cbms (
  document_id TEXT NOT NULL REFERENCES documents (id),
  cbm         INTEGER NOT NULL CHECK (cbm BETWEEN 1 AND 16),
  PRIMARY KEY (document_id, cbm)
) WITHOUT ROWID;
CREATE INDEX document_cbms_by_cbm ON document_cbms (cbm, document_id);

-- Files uploaded for a document: the bytes are in the content-addressed blob store under
-- sha256 (data dir on Node, R2 on Workers). A version's file is available when a row for
-- (its document, its content_sha256) exists; the primary key refuses a second upload.
CREATE TABLE document_files (
  document_id    TEXT NOT NULL REFERENCES documents (id),
  sha256         TEXT NOT NULL,
  media_type     TEXT NOT NULL,
  size           INTEGER NOT NULL CHECK (size >= 1),
  uploaded_at    TEXT NOT NULL,
  attestation_id TEXT NOT NULL REFERENCES attestations (id),
  PRIMARY KEY (document_id, sha256)
) WITHOUT ROWID;

-- The glossary terms of each version of a terminology document, in published order (ord).
-- id is the term's monotonic sequence number: the rowid of its glossary_fts entry and the
-- search cursor.
CREATE TABLE glossary_terms (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  document_id TEXT NOT NULL,
  version     INTEGER NOT NULL,
  ord         INTEGER NOT NULL,
  term        TEXT NOT NULL,
  definition  TEXT NOT NULL,
  language    TEXT NOT NULL,
  UNIQUE (document_id, version, ord),
  FOREIGN KEY (document_id, version) REFERENCES document_versions (document_id, version)
);

-- Full-text index of the CURRENT terms of every document that is not withdrawn (rowid =
-- glossary_terms.id): a new version replaces its document's entries, a withdrawal removes
-- them, both in the write's own commit. Case and diacritics are folded.
CREATE VIRTUAL TABLE glossary_fts USING fts5(term, definition, tokenize = 'unicode61 remove_diacritics 2');

-- Evidence by reference: an uploaded file (up to 25 MiB) is not copied into the
-- attestation row (D1 rows stay under 2 MB). body is then empty and the exact bytes are
-- the blob named body_sha256 in the blob store; the evidence says so and serves them.
ALTER TABLE attestations ADD COLUMN body_in_blob INTEGER NOT NULL DEFAULT 0 CHECK (body_in_blob IN (0, 1));
