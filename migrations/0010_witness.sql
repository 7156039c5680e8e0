-- Migration number: 0010 	 witness cosignatures (C2SP tlog-cosignature, cosignature/v1)

-- A cosignature by a state's witness key on a checkpoint the portal signed and stored: the
-- state checked that this checkpoint extends the last one it cosigned. Served appended to
-- the checkpoint (GET /log/checkpoint), so one note carries the portal's signature and its
-- witnesses'. One per checkpoint and key; a key's cosigned sizes only grow (the submission
-- names the size it cosigned before, checked in the INSERT itself).
CREATE TABLE log_cosignatures (
  size         INTEGER NOT NULL REFERENCES log_checkpoints (size),
  kid          TEXT NOT NULL REFERENCES principal_keys (kid),
  principal_id TEXT NOT NULL REFERENCES principals (id),
  -- The cosigner name of the note signature line (`cbm-witness/<state>`).
  witness_name TEXT NOT NULL,
  -- timestamped_signature.timestamp: POSIX seconds, as signed.
  cosigned_at  INTEGER NOT NULL,
  -- The whole note signature line, without its newline, exactly as the witness made it.
  line         TEXT NOT NULL,
  received_at  TEXT NOT NULL,
  PRIMARY KEY (size, kid)
);
-- The latest size each witness key cosigned: the "old size" its next submission must name.
CREATE INDEX log_cosignatures_by_kid ON log_cosignatures (kid, size);
