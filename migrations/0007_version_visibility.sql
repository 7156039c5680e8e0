-- Migration number: 0007 	 visibility belongs to each version.
-- Frozen once landed: later changes go into new numbered files (wrangler D1 format).
--
-- Until now a document's recipients were the document's (record_recipients under the
-- document id), so re-addressing it (v1 TLP:RED for FR, v3 TLP:AMBER for BE) let BE read
-- v1 and its evidence. From here on each document version keeps the TLP and the
-- recipients it was published under, and a later version never widens an earlier one.
--
-- The key of a recipient list (record_recipients.record_id, and attestations.record_id,
-- which the visibility rule reads) is an AUDIENCE: for incidents and consultation
-- requests, whose TLP and recipients are fixed when they open, the record id as before
-- (their reports, acknowledgements and responses share it); for documents, one per
-- version, `<document id>:v<version>` of the version that chose the recipients (a
-- withdrawal keeps the audience of the version before).

ALTER TABLE document_versions ADD COLUMN audience TEXT NOT NULL DEFAULT '';
UPDATE document_versions SET audience = document_id || ':v' || version;

-- Each restricted version's recipients, as it was published (document_versions.recipients
-- has always recorded them per version), replace the document-wide list.
INSERT OR IGNORE INTO record_recipients (record_id, principal_id)
SELECT document_versions.audience, recipient.value
FROM document_versions, json_each(document_versions.recipients) AS recipient
WHERE document_versions.tlp IN ('TLP:AMBER', 'TLP:AMBER+STRICT', 'TLP:RED');
DELETE FROM record_recipients WHERE record_id IN (SELECT id FROM documents);

-- An uploaded file belongs to the version that was current when it was uploaded (uploads
-- are only ever for the current version). A version's file is available when it was
-- uploaded for that version or an earlier one: an upload made for a later version, which
-- its readers may not see, does not change what they are shown. Backfilled from commit
-- order: the last version attested before the upload.
ALTER TABLE document_files ADD COLUMN version INTEGER;
UPDATE document_files SET version = (
  SELECT max(document_versions.version)
  FROM document_versions
  JOIN attestations AS published ON published.id = document_versions.attestation_id
  WHERE document_versions.document_id = document_files.document_id
    AND published.seq < (SELECT uploaded.seq FROM attestations AS uploaded WHERE uploaded.id = document_files.attestation_id)
);

-- At commit time, on D1 as on SQLite: an upload lands only while the version it was made
-- for is still the current one (a new version published meanwhile refuses it).
CREATE TRIGGER document_files_for_current_version
BEFORE INSERT ON document_files
WHEN NEW.version IS NOT (SELECT version FROM documents WHERE id = NEW.document_id)
BEGIN
  SELECT RAISE(ABORT, 'CHECK constraint failed: documents.current_version');
END;

-- Attestations of document versions and uploads take the audience (and TLP) of their
-- version, so their evidence and feed and log entries are visible exactly as it is.
UPDATE attestations
SET record_id = (SELECT audience FROM document_versions WHERE document_versions.attestation_id = attestations.id)
WHERE id IN (SELECT attestation_id FROM document_versions);
UPDATE attestations
SET record_id = coalesce((
      SELECT document_versions.audience FROM document_files
      JOIN document_versions ON document_versions.document_id = document_files.document_id AND document_versions.version = document_files.version
      WHERE document_files.attestation_id = attestations.id), record_id),
    tlp = coalesce((
      SELECT document_versions.tlp FROM document_files
      JOIN document_versions ON document_versions.document_id = document_files.document_id AND document_versions.version = document_files.version
      WHERE document_files.attestation_id = attestations.id), tlp)
WHERE id IN (SELECT attestation_id FROM document_files);

-- The glossary index holds the terms of every version: a reader searches the latest
-- version it may see of each document, which need not be the current one.
INSERT INTO glossary_fts (rowid, term, definition)
SELECT id, term, definition FROM glossary_terms WHERE id NOT IN (SELECT rowid FROM glossary_fts);

-- The list filters read the CBMs and language of the version each reader is shown, not
-- the current version's (which that reader may not see).
DROP TABLE document_cbms;
DROP INDEX documents_by_language;
