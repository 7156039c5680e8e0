-- Migration number: 0002 	 the tamper-evident Merkle log of attestations (RFC 9162 hashing)

-- One leaf per attestation. idx is assigned in the write's own commit as max(idx) + 1,
-- so indexes are dense and in commit order. leaf_hash = SHA-256(0x00 || token).
CREATE TABLE log_leaves (
  idx            INTEGER PRIMARY KEY,
  attestation_id TEXT NOT NULL UNIQUE REFERENCES attestations (id),
  leaf_hash      BLOB NOT NULL
);

-- Hashes of complete subtrees above the leaves: node (level, idx) covers leaves
-- [idx * 2^level, (idx + 1) * 2^level). A node's hash is a function of its leaves only,
-- so concurrent integrators write identical rows (INSERT OR IGNORE).
CREATE TABLE log_nodes (
  level INTEGER NOT NULL CHECK (level >= 1),
  idx   INTEGER NOT NULL,
  hash  BLOB NOT NULL,
  PRIMARY KEY (level, idx)
) WITHOUT ROWID;

-- How many leaves have their subtree hashes stored; only ever grows.
CREATE TABLE log_state (
  id              INTEGER PRIMARY KEY CHECK (id = 1),
  integrated_size INTEGER NOT NULL
);
INSERT INTO log_state (id, integrated_size) VALUES (1, 0);

-- Every checkpoint the portal signed. One per size: a second, different root for a size
-- already signed is refused by the primary key.
CREATE TABLE log_checkpoints (
  size      INTEGER PRIMARY KEY,
  root_hash BLOB NOT NULL,
  note      TEXT NOT NULL,
  signed_at TEXT NOT NULL
);
