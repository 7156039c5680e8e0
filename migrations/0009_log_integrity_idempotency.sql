-- Migration number: 0009 	 the log's integrity latch, and Idempotency-Key answers kept by
-- reference to their attestation

-- Why the portal stopped signing checkpoints and accepting writes (NULL while the log
-- re-derives to every checkpoint it signed). Set by the log clock when a check fails; an
-- operator clears it after restoring a sound database (README: Log integrity).
ALTER TABLE log_state ADD COLUMN integrity_failure TEXT;
-- The last full re-derivation of the log from its leaves that passed: when, and up to which
-- size. The log clock runs the next one when the configured interval has passed.
ALTER TABLE log_state ADD COLUMN verified_at TEXT;
ALTER TABLE log_state ADD COLUMN verified_size INTEGER NOT NULL DEFAULT 0;

-- A new leaf must take an index past every integrated one: after a deleted last leaf, the
-- next write would otherwise reuse an index a signed checkpoint already commits to. And no
-- leaf is appended while the log is known to be unsound: the write it belongs to would get
-- an attestation no checkpoint will cover. The whole write's commit fails with it.
CREATE TRIGGER log_leaves_append_only BEFORE INSERT ON log_leaves
WHEN NEW.idx < (SELECT integrated_size FROM log_state WHERE id = 1)
  OR (SELECT integrity_failure FROM log_state WHERE id = 1) IS NOT NULL
BEGIN
  SELECT RAISE(ABORT, 'CHECK constraint failed: log_leaves.log_integrity');
END;

-- Idempotency-Key records, rebuilt smaller. The attestation part of the answer (id, token,
-- log index, href) is read back from the attestation the row points to instead of being
-- copied; the record (`data`) is kept as sent, since several answers depend on the moment
-- of the write (deadlines, counts). A rowid table: 0004's WITHOUT ROWID rows of about 2 KB
-- each spilled into an overflow page, about 4.7 KB per key.
ALTER TABLE idempotency_keys RENAME TO idempotency_keys_0004;
DROP INDEX idempotency_keys_by_expiry;
CREATE TABLE idempotency_keys (
  principal_id   TEXT NOT NULL,
  key            TEXT NOT NULL,
  -- base64url SHA-256 of the method, path and body: the same key with another request is 422.
  fingerprint    TEXT NOT NULL,
  expires_at     TEXT NOT NULL,
  attestation_id TEXT NOT NULL REFERENCES attestations (id),
  status         INTEGER NOT NULL,
  -- The answer's own headers (Location, ETag) as a JSON object.
  headers        TEXT NOT NULL,
  -- The answer's `data` member, byte for byte as it was sent.
  data           TEXT NOT NULL,
  PRIMARY KEY (principal_id, key)
);
CREATE INDEX idempotency_keys_by_expiry ON idempotency_keys (expires_at);
INSERT INTO idempotency_keys (principal_id, key, fingerprint, expires_at, attestation_id, status, headers, data)
  SELECT principal_id, key, fingerprint, expires_at, attestation_id, response_status, response_headers, json_extract(response_body, '$.data')
  FROM idempotency_keys_0004;
DROP TABLE idempotency_keys_0004;
