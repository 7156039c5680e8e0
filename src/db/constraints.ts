/**
 * Every constraint a commit may be refused by, under a stable name: what feature code
 * declares its conflicts by (write/commit.ts), never SQLite's wording. SQLite names a
 * failed UNIQUE or PRIMARY KEY constraint by its columns (`UNIQUE constraint failed:
 * t.a, t.b`, on Node as on D1), which identify it; each trigger raises its own name first
 * (`[cbm-constraint NAME] ...`, migration 0012).
 */
const UNIQUE = {
  attestations_subject: 'attestations(subject)',
  principals_id: 'principals(id)',
  principal_keys_kid: 'principal_keys(kid)',
  request_jtis_issuer_jti: 'request_jtis(issuer, jti)',
  idempotency_keys_principal_key: 'idempotency_keys(principal_id, key)',
  contact_versions_contact_version: 'contact_versions(contact_id, version)',
  entry_versions_entry_version: 'entry_versions(entry_id, version)',
  document_versions_document_version: 'document_versions(document_id, version)',
  document_files_document_sha256: 'document_files(document_id, sha256)',
  check_acknowledgements_check_state: 'check_acknowledgements(check_id, state_id)',
  incident_acknowledgements_incident_state: 'incident_acknowledgements(incident_id, state_id)',
  incident_reports_report_no: 'incident_reports(incident_id, report_no)',
  /** incident_reports_one_notification and incident_reports_one_final: one of each stage per incident. */
  incident_reports_one_stage: 'incident_reports(incident_id)',
  meeting_participations_meeting_state: 'meeting_participations(meeting_id, state_id)',
  request_responses_request_state_no: 'request_responses(request_id, state_id, response_no)',
  contact_confirmations_id: 'contact_confirmations(id)',
  log_cosignatures_size_kid: 'log_cosignatures(size, kid)',
} as const;

/** Trigger names as raised, with the table each guards (as the refusal's wording names it). */
const TRIGGERS = {
  principal_keys_last_secretariat_key: 'principal_keys',
  incident_reports_stage_order: 'incident_reports',
  request_responses_order: 'request_responses',
  document_files_current_version: 'documents',
  log_leaves_integrity: 'log_leaves',
  check_acknowledgements_answering_contact: 'contacts',
} as const;

export type ConstraintName = keyof typeof UNIQUE | keyof typeof TRIGGERS;

const byColumns = new Map<string, ConstraintName>(
  Object.entries(UNIQUE).map(([name, columns]) => [columns, name as ConstraintName]),
);
const UNIQUE_FAILED =
  /(?:UNIQUE|PRIMARY KEY) constraint failed: ([A-Za-z_]+)\.([A-Za-z_]+(?:, [A-Za-z_]+\.[A-Za-z_]+)*)/;
const TRIGGER_RAISED = /\[cbm-constraint ([a-z0-9_]+)\]/;

/**
 * The named constraint a driver's error reports, with its table; null for any other error.
 * A UNIQUE constraint not listed above keeps its columns as its name, so it is still one name.
 */
export function constraintOf(message: string): { name: ConstraintName; table: string } | null {
  const raised = TRIGGER_RAISED.exec(message)?.[1];
  if (raised && raised in TRIGGERS)
    return { name: raised as ConstraintName, table: TRIGGERS[raised as keyof typeof TRIGGERS] };
  const unique = UNIQUE_FAILED.exec(message);
  if (!unique) return null;
  const [, table, columns] = unique as unknown as [string, string, string];
  const key = `${table}(${columns.replaceAll(`${table}.`, '')})`;
  return { name: byColumns.get(key) ?? (key as ConstraintName), table };
}
