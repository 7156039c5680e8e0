-- Migration number: 0008 	 the portal's identity: the public origin its log and attestations carry

-- The public origin is the log's identity: the origin line of every checkpoint and the iss
-- of every attestation. It is pinned at the first start; a start under another origin is
-- refused unless the operator changes it deliberately (README: Operating the portal), which
-- adds a row. The row with the highest seq is the current origin; earlier rows say under
-- which origin older checkpoints and attestations were issued.
CREATE TABLE portal_origins (
  seq       INTEGER PRIMARY KEY AUTOINCREMENT,
  origin    TEXT NOT NULL,
  pinned_at TEXT NOT NULL,
  reason    TEXT NOT NULL
);
