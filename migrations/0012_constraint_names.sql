-- Conflicts by name (issue 13): every trigger that refuses a write raises a stable name,
-- `[cbm-constraint NAME]`, which src/db/constraints.ts maps to the constraint and the
-- feature to its problem; the SQLite-style wording that follows is kept for people reading
-- a log, and nothing parses it any more. Each trigger is dropped and created again with its
-- condition unchanged (copied from the schema as 0001-0011 left it); only the message differs.

DROP TRIGGER principal_keys_keep_a_secretariat_key;
CREATE TRIGGER principal_keys_keep_a_secretariat_key
BEFORE UPDATE OF revoked_at ON principal_keys
WHEN NEW.principal_id = 'secretariat' AND OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL
  AND NOT EXISTS (
    SELECT 1 FROM principal_keys AS other
    WHERE other.principal_id = 'secretariat' AND other.kid <> NEW.kid AND other.revoked_at IS NULL
      AND (other.expires_at IS NULL OR other.expires_at > NEW.revoked_at)
  )
BEGIN
  SELECT RAISE(ABORT, '[cbm-constraint principal_keys_last_secretariat_key] CHECK constraint failed: principal_keys.last_secretariat_key');
END;

DROP TRIGGER incident_reports_stage_order;
CREATE TRIGGER incident_reports_stage_order
BEFORE INSERT ON incident_reports
WHEN NEW.report_no <> (SELECT coalesce(max(report_no), 0) + 1 FROM incident_reports WHERE incident_id = NEW.incident_id)
  OR (NEW.report_no = 1 AND NEW.stage NOT IN ('early-warning', 'notification'))
  OR (NEW.report_no > 1 AND NEW.stage = 'early-warning')
  OR (NEW.stage IN ('intermediate', 'progress', 'final') AND NOT EXISTS (
    SELECT 1 FROM incident_reports WHERE incident_id = NEW.incident_id AND stage = 'notification'))
  OR EXISTS (SELECT 1 FROM incident_reports WHERE incident_id = NEW.incident_id AND stage = 'final')
BEGIN
  SELECT RAISE(ABORT, '[cbm-constraint incident_reports_stage_order] CHECK constraint failed: incident_reports.stage_order');
END;

DROP TRIGGER request_responses_order;
CREATE TRIGGER request_responses_order
BEFORE INSERT ON request_responses
WHEN NEW.response_no <> (SELECT coalesce(max(response_no), 0) + 1 FROM request_responses WHERE request_id = NEW.request_id AND state_id = NEW.state_id)
  OR (NEW.action IN ('accept', 'decline') AND NEW.response_no <> 1)
  OR EXISTS (SELECT 1 FROM request_responses WHERE request_id = NEW.request_id AND state_id = NEW.state_id AND action = 'decline')
BEGIN
  SELECT RAISE(ABORT, '[cbm-constraint request_responses_order] CHECK constraint failed: request_responses.response_order');
END;

DROP TRIGGER document_files_for_current_version;
CREATE TRIGGER document_files_for_current_version
BEFORE INSERT ON document_files
WHEN NEW.version IS NOT (SELECT version FROM documents WHERE id = NEW.document_id)
BEGIN
  SELECT RAISE(ABORT, '[cbm-constraint document_files_current_version] CHECK constraint failed: documents.current_version');
END;

DROP TRIGGER log_leaves_append_only;
CREATE TRIGGER log_leaves_append_only BEFORE INSERT ON log_leaves
WHEN NEW.idx < (SELECT integrated_size FROM log_state WHERE id = 1)
  OR (SELECT integrity_failure FROM log_state WHERE id = 1) IS NOT NULL
BEGIN
  SELECT RAISE(ABORT, '[cbm-constraint log_leaves_integrity] CHECK constraint failed: log_leaves.log_integrity');
END;

DROP TRIGGER check_acknowledgements_answering_contact;
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
  SELECT RAISE(ABORT, '[cbm-constraint check_acknowledgements_answering_contact] CHECK constraint failed: contacts.answering_contact');
END;
