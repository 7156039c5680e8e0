-- Migration number: 0003 	 communication checks ("ping tests") and their acknowledgements
-- Frozen once landed: later changes go into new numbered files (wrangler D1 format).

-- A check the Secretariat started. roles is a JSON array of the addressed contact roles
-- ("policy", "technical"); seq orders the list (newest first) and its cursor.
-- Times are RFC 3339 UTC with milliseconds, so text comparison is time order.
CREATE TABLE checks (
  seq            INTEGER PRIMARY KEY AUTOINCREMENT,
  id             TEXT NOT NULL UNIQUE,
  started_at     TEXT NOT NULL,
  deadline       TEXT NOT NULL,
  roles          TEXT NOT NULL CHECK (json_valid(roles) AND json_array_length(roles) BETWEEN 1 AND 2),
  message        TEXT,
  attestation_id TEXT NOT NULL REFERENCES attestations (id)
);

-- The states a check addresses, fixed when it starts.
CREATE TABLE check_addressees (
  check_id TEXT NOT NULL REFERENCES checks (id),
  state_id TEXT NOT NULL REFERENCES principals (id),
  PRIMARY KEY (check_id, state_id)
) WITHOUT ROWID;
-- A state's history over all checks (compliance).
CREATE INDEX check_addressees_by_state ON check_addressees (state_id, check_id);

-- One answer per addressed state. The primary key is the commit-time guard against a
-- second answer (two concurrent answers cannot both land); the foreign key to
-- check_addressees refuses an answer from a state the check does not address.
-- response_seconds runs from the check's started_at to acknowledged_at; late = 1 when
-- acknowledged_at is after the deadline (recorded, attested and reported, not lost).
CREATE TABLE check_acknowledgements (
  check_id         TEXT NOT NULL,
  state_id         TEXT NOT NULL,
  contact_id       TEXT NOT NULL REFERENCES contacts (id),
  acknowledged_at  TEXT NOT NULL,
  response_seconds REAL NOT NULL CHECK (response_seconds >= 0),
  late             INTEGER NOT NULL CHECK (late IN (0, 1)),
  note             TEXT,
  attestation_id   TEXT NOT NULL REFERENCES attestations (id),
  PRIMARY KEY (check_id, state_id),
  FOREIGN KEY (check_id, state_id) REFERENCES check_addressees (check_id, state_id)
) WITHOUT ROWID;

-- The contact who answered is, at commit time, an active contact of the answering state
-- in a role the check addresses: a contact withdrawn or moved to another role while the
-- answer was in flight is refused here, on D1 as on SQLite, not by a read before the write.
CREATE TRIGGER check_acknowledgements_answering_contact
BEFORE INSERT ON check_acknowledgements
WHEN NOT EXISTS (
  SELECT 1 FROM contacts, checks
  WHERE contacts.id = NEW.contact_id
    AND contacts.state_id = NEW.state_id
    AND contacts.status = 'active'
    AND checks.id = NEW.check_id
    AND contacts.role IN (SELECT value FROM json_each(checks.roles))
)
BEGIN
  SELECT RAISE(ABORT, 'CHECK constraint failed: contacts.answering_contact');
END;
