-- Migration number: 0001 	 core: principals, keys, replay store, points of contact, attestations
-- Frozen once landed: later changes go into new numbered files (wrangler D1 format).

-- A participating state (id = ISO 3166-1 alpha-2) or the Secretariat.
CREATE TABLE principals (
  seq        INTEGER PRIMARY KEY AUTOINCREMENT,
  id         TEXT NOT NULL UNIQUE,
  kind       TEXT NOT NULL CHECK (kind IN ('state', 'secretariat')),
  name       TEXT NOT NULL,
  created_at TEXT NOT NULL
);

-- Public keys; kid is the RFC 7638 thumbprint, so one key belongs to one principal only.
-- A key is valid while revoked_at is null and (expires_at is null or in the future).
CREATE TABLE principal_keys (
  kid               TEXT PRIMARY KEY,
  principal_id      TEXT NOT NULL REFERENCES principals (id),
  alg               TEXT NOT NULL CHECK (alg IN ('EdDSA', 'ES256')),
  public_jwk        TEXT NOT NULL,
  scopes            TEXT NOT NULL,
  label             TEXT,
  created_at        TEXT NOT NULL,
  expires_at        TEXT,
  revoked_at        TEXT,
  revocation_reason TEXT,
  replaces          TEXT
);
CREATE INDEX principal_keys_by_principal ON principal_keys (principal_id, created_at);

-- The Secretariat must keep one valid key, or nobody can administer the portal again.
-- A trigger, not a read before the write, so two concurrent revocations cannot each
-- remove the other's key (the condition holds at commit time, on D1 as on SQLite).
-- NEW.revoked_at is the portal's clock at revocation time.
CREATE TRIGGER principal_keys_keep_a_secretariat_key
BEFORE UPDATE OF revoked_at ON principal_keys
WHEN NEW.principal_id = 'secretariat' AND OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL
  AND NOT EXISTS (
    SELECT 1 FROM principal_keys AS other
    WHERE other.principal_id = 'secretariat' AND other.kid <> NEW.kid AND other.revoked_at IS NULL
      AND (other.expires_at IS NULL OR other.expires_at > NEW.revoked_at)
  )
BEGIN
  SELECT RAISE(ABORT, 'CHECK constraint failed: principal_keys.last_secretariat_key');
END;

-- Single-use request token ids (POST/PUT/PATCH/DELETE). Rows outlive the token's exp
-- plus clock tolerance and are purged after that.
CREATE TABLE request_jtis (
  issuer     TEXT NOT NULL,
  jti        TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (issuer, jti)
) WITHOUT ROWID;
CREATE INDEX request_jtis_by_expiry ON request_jtis (expires_at);

-- Every accepted write: the portal's signed receipt and the principal's evidence.
-- A subject names one record version or one event (urn:cbm:contact:<id>:v2,
-- urn:cbm:key:<kid>:revocation), so UNIQUE (subject) also refuses a second writer that
-- raced for the same version or event: the condition holds at commit time on D1 too.
CREATE TABLE attestations (
  seq           INTEGER PRIMARY KEY AUTOINCREMENT,
  id            TEXT NOT NULL UNIQUE,
  subject       TEXT NOT NULL UNIQUE,
  principal_id  TEXT NOT NULL,
  kid           TEXT NOT NULL,
  operation     TEXT NOT NULL,
  issued_at     TEXT NOT NULL,
  token         TEXT NOT NULL,
  method        TEXT NOT NULL,
  path          TEXT NOT NULL,
  content_type  TEXT,
  request_token TEXT NOT NULL,
  body          BLOB NOT NULL,
  body_sha256   TEXT NOT NULL,
  -- Who may see the attested record (and so this row, its evidence and its feed entry):
  -- tlp NULL means every principal (the directory, keys, checks); otherwise TLP 2.0 with
  -- the recipients of record_id in record_recipients.
  record_id     TEXT,
  tlp           TEXT CHECK (tlp IN ('TLP:CLEAR', 'TLP:GREEN', 'TLP:AMBER', 'TLP:AMBER+STRICT', 'TLP:RED'))
);

-- Points of contact (CBM 8). The head row says which version is current; versions are
-- immutable. UNIQUE (contact_id, version) is the optimistic-concurrency guard: two writers
-- based on the same version cannot both insert its successor.
CREATE TABLE contacts (
  seq        INTEGER PRIMARY KEY AUTOINCREMENT,
  id         TEXT NOT NULL UNIQUE,
  state_id   TEXT NOT NULL REFERENCES principals (id),
  role       TEXT NOT NULL CHECK (role IN ('policy', 'technical')),
  status     TEXT NOT NULL CHECK (status IN ('active', 'withdrawn')),
  version    INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX contacts_by_state ON contacts (state_id, seq);
CREATE INDEX contacts_by_role ON contacts (role, seq);

CREATE TABLE contact_versions (
  contact_id        TEXT NOT NULL REFERENCES contacts (id),
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
  PRIMARY KEY (contact_id, version)
) WITHOUT ROWID;
CREATE INDEX contact_versions_late ON contact_versions (state_id) WHERE late = 1;

-- Annual confirmation that a state's directory entries are current.
CREATE TABLE contact_confirmations (
  seq             INTEGER PRIMARY KEY AUTOINCREMENT,
  id              TEXT NOT NULL UNIQUE,
  state_id        TEXT NOT NULL REFERENCES principals (id),
  confirmed_at    TEXT NOT NULL,
  note            TEXT,
  active_contacts INTEGER NOT NULL,
  attestation_id  TEXT NOT NULL REFERENCES attestations (id)
);
CREATE INDEX contact_confirmations_by_state ON contact_confirmations (state_id, seq);
