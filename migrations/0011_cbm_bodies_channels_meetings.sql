-- Migration number: 0011 	 competent bodies (CBM 2), channels (CBMs 10, 13), critical-infrastructure authorities (CBM 15), expert meetings (CBM 11)

-- ---------------------------------------------------------------------------------------
-- Contacts get a third role, `ci-authority` (CBM 15), with the NIS2 sectors it covers, and
-- may name the competent body they belong to. The role is a CHECK on contacts, so the
-- table is rebuilt, and with it the two tables whose foreign keys name it (SQLite cannot
-- drop a parent while children name it, even deferred). The new tables reference
-- contacts_0011, which the final RENAME rewrites to contacts in every child.
CREATE TABLE contacts_0011 (
  seq        INTEGER PRIMARY KEY AUTOINCREMENT,
  id         TEXT NOT NULL UNIQUE,
  state_id   TEXT NOT NULL REFERENCES principals (id),
  role       TEXT NOT NULL CHECK (role IN ('policy', 'technical', 'ci-authority')),
  status     TEXT NOT NULL CHECK (status IN ('active', 'withdrawn')),
  version    INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
INSERT INTO contacts_0011 (seq, id, state_id, role, status, version, created_at, updated_at)
  SELECT seq, id, state_id, role, status, version, created_at, updated_at FROM contacts;

CREATE TABLE contact_versions_0011 (
  contact_id        TEXT NOT NULL REFERENCES contacts_0011 (id),
  version           INTEGER NOT NULL,
  state_id          TEXT NOT NULL,
  status            TEXT NOT NULL CHECK (status IN ('active', 'withdrawn')),
  role              TEXT NOT NULL,
  name              TEXT NOT NULL,
  position          TEXT,
  organisation      TEXT NOT NULL,
  email             TEXT NOT NULL,
  phone_24x7        TEXT NOT NULL,
  languages         TEXT NOT NULL,
  time_zone         TEXT NOT NULL,
  notes             TEXT,
  effective_at      TEXT NOT NULL,
  filed_at          TEXT NOT NULL,
  late              INTEGER NOT NULL CHECK (late IN (0, 1)),
  withdrawal_reason TEXT,
  attestation_id    TEXT NOT NULL REFERENCES attestations (id),
  -- JSON array of NIS2 sector names (ci-authority contacts), '[]' otherwise.
  sectors           TEXT NOT NULL DEFAULT '[]',
  -- The competent body (entries.id, kind 'body') the contact belongs to, if named.
  body_id           TEXT,
  PRIMARY KEY (contact_id, version)
) WITHOUT ROWID;
INSERT INTO contact_versions_0011 (contact_id, version, state_id, status, role, name, position, organisation, email, phone_24x7, languages, time_zone, notes, effective_at, filed_at, late, withdrawal_reason, attestation_id)
  SELECT contact_id, version, state_id, status, role, name, position, organisation, email, phone_24x7, languages, time_zone, notes, effective_at, filed_at, late, withdrawal_reason, attestation_id FROM contact_versions;

CREATE TABLE check_acknowledgements_0011 (
  check_id         TEXT NOT NULL,
  state_id         TEXT NOT NULL,
  contact_id       TEXT NOT NULL REFERENCES contacts_0011 (id),
  acknowledged_at  TEXT NOT NULL,
  response_seconds REAL NOT NULL CHECK (response_seconds >= 0),
  late             INTEGER NOT NULL CHECK (late IN (0, 1)),
  note             TEXT,
  attestation_id   TEXT NOT NULL REFERENCES attestations (id),
  PRIMARY KEY (check_id, state_id),
  FOREIGN KEY (check_id, state_id) REFERENCES check_addressees (check_id, state_id)
) WITHOUT ROWID;
INSERT INTO check_acknowledgements_0011 SELECT check_id, state_id, contact_id, acknowledged_at, response_seconds, late, note, attestation_id FROM check_acknowledgements;

-- Children first, so no dropped parent is named by a row.
DROP TABLE check_acknowledgements;
DROP TABLE contact_versions;
DROP TABLE contacts;
ALTER TABLE contacts_0011 RENAME TO contacts;
ALTER TABLE contact_versions_0011 RENAME TO contact_versions;
ALTER TABLE check_acknowledgements_0011 RENAME TO check_acknowledgements;
CREATE INDEX contacts_by_state ON contacts (state_id, seq);
CREATE INDEX contacts_by_role ON contacts (role, seq);
CREATE INDEX contact_versions_late ON contact_versions (state_id) WHERE late = 1;
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

-- ---------------------------------------------------------------------------------------
-- Directory entries a principal publishes and versions: a state's competent bodies
-- (CBM 2) and channels (CBMs 10, 13), and the Secretariat's expert-meeting records
-- (CBM 11). Like contacts, the directory is visible to every signed caller (tlp NULL on
-- their attestations). `data` holds the version's fields exactly as the contract's input
-- schema validated them (the signed body's JSON), so what is served is what was signed.
-- UNIQUE (entry_id, version) is the optimistic-concurrency guard, as for contacts.
CREATE TABLE entries (
  seq        INTEGER PRIMARY KEY AUTOINCREMENT,
  id         TEXT NOT NULL UNIQUE,
  kind       TEXT NOT NULL CHECK (kind IN ('body', 'channel', 'meeting')),
  owner_id   TEXT NOT NULL REFERENCES principals (id),
  status     TEXT NOT NULL CHECK (status IN ('active', 'withdrawn')),
  version    INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX entries_by_kind ON entries (kind, seq);
CREATE INDEX entries_by_owner ON entries (kind, owner_id, seq);

CREATE TABLE entry_versions (
  entry_id          TEXT NOT NULL REFERENCES entries (id),
  version           INTEGER NOT NULL,
  kind              TEXT NOT NULL,
  owner_id          TEXT NOT NULL,
  status            TEXT NOT NULL CHECK (status IN ('active', 'withdrawn')),
  data              TEXT NOT NULL,
  published_at      TEXT NOT NULL,
  withdrawal_reason TEXT,
  attestation_id    TEXT NOT NULL REFERENCES attestations (id),
  PRIMARY KEY (entry_id, version)
) WITHOUT ROWID;

-- A state's signed confirmation that it took part in an expert meeting: one per state and
-- meeting (the primary key refuses a second, concurrent or not).
CREATE TABLE meeting_participations (
  seq            INTEGER PRIMARY KEY AUTOINCREMENT,
  meeting_id     TEXT NOT NULL REFERENCES entries (id),
  state_id       TEXT NOT NULL REFERENCES principals (id),
  confirmed_at   TEXT NOT NULL,
  note           TEXT,
  attestation_id TEXT NOT NULL REFERENCES attestations (id),
  UNIQUE (meeting_id, state_id)
);
CREATE INDEX meeting_participations_by_state ON meeting_participations (state_id, seq);
