-- Migration number: 0004 	 what national documents, incidents and consultations share:
-- recipients (TLP visibility) and Idempotency-Key records.

-- The states (or the Secretariat) a TLP:AMBER, TLP:AMBER+STRICT or TLP:RED record is
-- shared with, besides its author. record_id is the record's id (document, incident,
-- consultation request), as in attestations.record_id.
CREATE TABLE record_recipients (
  record_id    TEXT NOT NULL,
  principal_id TEXT NOT NULL REFERENCES principals (id),
  PRIMARY KEY (record_id, principal_id)
) WITHOUT ROWID;
CREATE INDEX record_recipients_by_principal ON record_recipients (principal_id, record_id);

-- Idempotency-Key (IETF httpapi draft) per principal. A row is written in the write's own
-- commit with the answer to replay, so a retry after any crash either replays the answer
-- or finds no write and runs it; of two racing duplicates the second loses on the primary
-- key.
CREATE TABLE idempotency_keys (
  principal_id     TEXT NOT NULL,
  key              TEXT NOT NULL,
  fingerprint      TEXT NOT NULL,
  created_at       TEXT NOT NULL,
  expires_at       TEXT NOT NULL,
  attestation_id   TEXT NOT NULL REFERENCES attestations (id),
  response_status  INTEGER NOT NULL,
  response_headers TEXT NOT NULL,
  response_body    TEXT NOT NULL,
  PRIMARY KEY (principal_id, key)
) WITHOUT ROWID;
CREATE INDEX idempotency_keys_by_expiry ON idempotency_keys (expires_at);

CREATE INDEX attestations_by_record ON attestations (record_id) WHERE record_id IS NOT NULL;
