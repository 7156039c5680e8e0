-- Migration number: 0006 	 incident notifications (staged reports, acknowledgements) and
-- consultation requests (responses). Frozen once landed: later changes go into new files.
-- Times are RFC 3339 UTC with milliseconds, so text comparison is time order. Recipients
-- of TLP:AMBER, TLP:AMBER+STRICT and TLP:RED records are in record_recipients (0004), the
-- author listed too: acknowledgements and responses are attested by the recipient who
-- answers, and the author must see them (src/visibility/recipients.ts).

-- The head row of an incident: who notified it, its TLP (fixed when it opens), which
-- report is current, and the deadlines as they became known. Deadlines, not flags: whether
-- one is overdue is computed when read, with the clock of that moment.
--   notification_due_at  aware_at + 72 h
--   notified_at          when the notification report was filed
--   final_due_at         notified_at + one calendar month (UTC)
--   final_met_at         when the first final or progress report was filed
--   closed_at            when the final report was filed
CREATE TABLE incidents (
  seq                 INTEGER PRIMARY KEY AUTOINCREMENT,
  id                  TEXT NOT NULL UNIQUE,
  state_id            TEXT NOT NULL REFERENCES principals (id),
  tlp                 TEXT NOT NULL CHECK (tlp IN ('TLP:CLEAR', 'TLP:GREEN', 'TLP:AMBER', 'TLP:AMBER+STRICT', 'TLP:RED')),
  aware_at            TEXT NOT NULL,
  opened_at           TEXT NOT NULL,
  updated_at          TEXT NOT NULL,
  report_count        INTEGER NOT NULL CHECK (report_count >= 1),
  notification_due_at TEXT NOT NULL,
  notified_at         TEXT,
  final_due_at        TEXT,
  final_met_at        TEXT,
  closed_at           TEXT
);
CREATE INDEX incidents_by_state ON incidents (state_id, seq);

-- Reports are immutable; the incident's fields as they stood after each one. The primary
-- key is the optimistic-concurrency guard: two reports based on the same version cannot
-- both take the next number.
CREATE TABLE incident_reports (
  incident_id         TEXT NOT NULL REFERENCES incidents (id),
  report_no           INTEGER NOT NULL CHECK (report_no >= 1),
  stage               TEXT NOT NULL CHECK (stage IN ('early-warning', 'notification', 'intermediate', 'progress', 'final')),
  summary             TEXT NOT NULL,
  title               TEXT NOT NULL,
  rsit_class          TEXT NOT NULL,
  rsit_type           TEXT,
  severity_scale      TEXT NOT NULL,
  severity_value      TEXT NOT NULL,
  suspected_malicious INTEGER NOT NULL CHECK (suspected_malicious IN (0, 1)),
  cross_border_impact TEXT NOT NULL CHECK (cross_border_impact IN ('yes', 'no', 'unknown')),
  sectors             TEXT NOT NULL CHECK (json_valid(sectors)),
  indicators          TEXT NOT NULL CHECK (json_valid(indicators)),
  reported_at         TEXT NOT NULL,
  attestation_id      TEXT NOT NULL REFERENCES attestations (id),
  PRIMARY KEY (incident_id, report_no)
) WITHOUT ROWID;
-- One notification and one final report per incident.
CREATE UNIQUE INDEX incident_reports_one_notification ON incident_reports (incident_id) WHERE stage = 'notification';
CREATE UNIQUE INDEX incident_reports_one_final ON incident_reports (incident_id) WHERE stage = 'final';

-- Stage order, at commit time (on D1 as on SQLite), whatever raced in meanwhile: numbers
-- are dense; report 1 is an early warning or the notification, and an early warning is
-- only ever report 1; intermediate, progress and final reports need the notification;
-- nothing follows the final report.
CREATE TRIGGER incident_reports_stage_order
BEFORE INSERT ON incident_reports
WHEN NEW.report_no <> (SELECT coalesce(max(report_no), 0) + 1 FROM incident_reports WHERE incident_id = NEW.incident_id)
  OR (NEW.report_no = 1 AND NEW.stage NOT IN ('early-warning', 'notification'))
  OR (NEW.report_no > 1 AND NEW.stage = 'early-warning')
  OR (NEW.stage IN ('intermediate', 'progress', 'final') AND NOT EXISTS (
    SELECT 1 FROM incident_reports WHERE incident_id = NEW.incident_id AND stage = 'notification'))
  OR EXISTS (SELECT 1 FROM incident_reports WHERE incident_id = NEW.incident_id AND stage = 'final')
BEGIN
  SELECT RAISE(ABORT, 'CHECK constraint failed: incident_reports.stage_order');
END;

-- One acknowledgement of receipt per state and incident (UNIQUE: a concurrent second one
-- cannot land); seq orders the list and its cursor. report_no: the latest report then.
CREATE TABLE incident_acknowledgements (
  seq             INTEGER PRIMARY KEY AUTOINCREMENT,
  incident_id     TEXT NOT NULL REFERENCES incidents (id),
  state_id        TEXT NOT NULL REFERENCES principals (id),
  acknowledged_at TEXT NOT NULL,
  report_no       INTEGER NOT NULL,
  note            TEXT,
  attestation_id  TEXT NOT NULL REFERENCES attestations (id),
  UNIQUE (incident_id, state_id)
);

-- Consultation, assistance and information requests (CBMs 3 and 13). TLP and recipients
-- are fixed when the request is sent.
CREATE TABLE consultation_requests (
  seq                 INTEGER PRIMARY KEY AUTOINCREMENT,
  id                  TEXT NOT NULL UNIQUE,
  state_id            TEXT NOT NULL REFERENCES principals (id),
  type                TEXT NOT NULL CHECK (type IN ('consultation', 'assistance', 'information')),
  subject             TEXT NOT NULL,
  body                TEXT NOT NULL,
  related_incident_id TEXT REFERENCES incidents (id),
  urgency             TEXT NOT NULL CHECK (urgency IN ('low', 'normal', 'high', 'critical')),
  reply_by            TEXT,
  tlp                 TEXT NOT NULL CHECK (tlp IN ('TLP:CLEAR', 'TLP:GREEN', 'TLP:AMBER', 'TLP:AMBER+STRICT', 'TLP:RED')),
  created_at          TEXT NOT NULL,
  attestation_id      TEXT NOT NULL REFERENCES attestations (id)
);
CREATE INDEX consultation_requests_by_state ON consultation_requests (state_id, seq);

-- A recipient state's responses to a request, numbered per state (UNIQUE: two concurrent
-- responses cannot take the same number).
CREATE TABLE request_responses (
  seq            INTEGER PRIMARY KEY AUTOINCREMENT,
  request_id     TEXT NOT NULL REFERENCES consultation_requests (id),
  state_id       TEXT NOT NULL REFERENCES principals (id),
  response_no    INTEGER NOT NULL CHECK (response_no >= 1),
  action         TEXT NOT NULL CHECK (action IN ('accept', 'decline', 'answer')),
  body           TEXT,
  responded_at   TEXT NOT NULL,
  attestation_id TEXT NOT NULL REFERENCES attestations (id),
  UNIQUE (request_id, state_id, response_no)
);

-- At commit time: numbers are dense per state; a state decides (accept or decline) only
-- with its first response; nothing follows a decline.
CREATE TRIGGER request_responses_order
BEFORE INSERT ON request_responses
WHEN NEW.response_no <> (SELECT coalesce(max(response_no), 0) + 1 FROM request_responses WHERE request_id = NEW.request_id AND state_id = NEW.state_id)
  OR (NEW.action IN ('accept', 'decline') AND NEW.response_no <> 1)
  OR EXISTS (SELECT 1 FROM request_responses WHERE request_id = NEW.request_id AND state_id = NEW.state_id AND action = 'decline')
BEGIN
  SELECT RAISE(ABORT, 'CHECK constraint failed: request_responses.response_order');
END;
