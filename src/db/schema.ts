import type { Generated } from 'kysely';
import type { components } from '../generated/openapi.ts';

// Enumerated columns hold the contract's values: their types are the generated ones.
type Schemas = components['schemas'];

/** Row shapes of migrations/*.sql, as Kysely sees them. Used only inside `Database`. */
export interface PrincipalsTable {
  seq: Generated<number>;
  id: string;
  kind: 'state' | 'secretariat';
  name: string;
  created_at: string;
}

export interface PrincipalKeysTable {
  kid: string;
  principal_id: string;
  alg: 'EdDSA' | 'ES256';
  public_jwk: string;
  scopes: string;
  label: string | null;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
  revocation_reason: string | null;
  replaces: string | null;
}

export interface RequestJtisTable {
  issuer: string;
  jti: string;
  expires_at: number;
}

export interface AttestationsTable {
  seq: Generated<number>;
  id: string;
  subject: string;
  principal_id: string;
  kid: string;
  operation: string;
  issued_at: string;
  token: string;
  method: string;
  path: string;
  content_type: string | null;
  request_token: string;
  body: Uint8Array;
  body_sha256: string;
  record_id: string | null;
  tlp: Tlp | null;
  /** 1: the body is recorded by reference, as the blob named body_sha256 (body is empty). */
  body_in_blob: Generated<0 | 1>;
}

export type Tlp = Schemas['Tlp'];

export interface RecordRecipientsTable {
  record_id: string;
  principal_id: string;
}

export interface IdempotencyKeysTable {
  principal_id: string;
  key: string;
  fingerprint: string;
  expires_at: string;
  attestation_id: string;
  status: number;
  /** The answer's own headers (Location, ETag), JSON. */
  headers: string;
  /** The answer's `data` member as sent; the attestation part is read from `attestation_id`. */
  data: string;
}

export interface ContactsTable {
  seq: Generated<number>;
  id: string;
  state_id: string;
  role: ContactRoleColumn;
  status: 'active' | 'withdrawn';
  version: number;
  created_at: string;
  updated_at: string;
}

export interface ContactVersionsTable {
  contact_id: string;
  version: number;
  state_id: string;
  status: 'active' | 'withdrawn';
  role: ContactRoleColumn;
  name: string;
  position: string | null;
  organisation: string;
  email: string;
  phone_24x7: string;
  languages: string;
  time_zone: string;
  notes: string | null;
  effective_at: string;
  filed_at: string;
  late: 0 | 1;
  withdrawal_reason: string | null;
  attestation_id: string;
  /** JSON array of NIS2 sector names (migration 0011). */
  sectors: string;
  body_id: string | null;
}

/** Contact roles; `ci-authority` since migration 0011 (CBM 15). */
export type ContactRoleColumn = 'policy' | 'technical' | 'ci-authority';

/** Competent bodies, channels, expert meetings (migration 0011). */
export type EntryKind = 'body' | 'channel' | 'meeting';

export interface EntriesTable {
  seq: Generated<number>;
  id: string;
  kind: EntryKind;
  owner_id: string;
  status: 'active' | 'withdrawn';
  version: number;
  created_at: string;
  updated_at: string;
}

export interface EntryVersionsTable {
  entry_id: string;
  version: number;
  kind: EntryKind;
  owner_id: string;
  status: 'active' | 'withdrawn';
  data: string;
  published_at: string;
  withdrawal_reason: string | null;
  attestation_id: string;
}

export interface MeetingParticipationsTable {
  seq: Generated<number>;
  meeting_id: string;
  state_id: string;
  confirmed_at: string;
  note: string | null;
  attestation_id: string;
}

export interface ContactConfirmationsTable {
  seq: Generated<number>;
  id: string;
  state_id: string;
  confirmed_at: string;
  note: string | null;
  active_contacts: number;
  attestation_id: string;
}

export interface LogLeavesTable {
  idx: number;
  attestation_id: string;
  leaf_hash: Uint8Array;
}

export interface LogNodesTable {
  level: number;
  idx: number;
  hash: Uint8Array;
}

export interface LogStateTable {
  id: number;
  integrated_size: number;
  /** Why the log clock stopped signing and writes are refused; NULL while the log is sound (0009). */
  integrity_failure: string | null;
  /** The last full re-derivation of the log that passed, and its size (0009). */
  verified_at: string | null;
  verified_size: Generated<number>;
}

export interface LogCheckpointsTable {
  size: number;
  root_hash: Uint8Array;
  note: string;
  signed_at: string;
}

export interface LogCosignaturesTable {
  size: number;
  kid: string;
  principal_id: string;
  witness_name: string;
  cosigned_at: number;
  line: string;
  received_at: string;
}

export interface ChecksTable {
  seq: Generated<number>;
  id: string;
  started_at: string;
  deadline: string;
  /** JSON array of the addressed contact roles. */
  roles: string;
  message: string | null;
  attestation_id: string;
}

export interface CheckAddresseesTable {
  check_id: string;
  state_id: string;
}

export interface CheckAcknowledgementsTable {
  check_id: string;
  state_id: string;
  contact_id: string;
  acknowledged_at: string;
  response_seconds: number;
  late: 0 | 1;
  note: string | null;
  attestation_id: string;
}

export interface IncidentsTable {
  seq: Generated<number>;
  id: string;
  state_id: string;
  tlp: Tlp;
  aware_at: string;
  opened_at: string;
  updated_at: string;
  report_count: number;
  notification_due_at: string;
  notified_at: string | null;
  final_due_at: string | null;
  final_met_at: string | null;
  closed_at: string | null;
}

export type IncidentStage = Schemas['IncidentStage'];

export interface IncidentReportsTable {
  incident_id: string;
  report_no: number;
  stage: IncidentStage;
  summary: string;
  title: string;
  rsit_class: string;
  rsit_type: string | null;
  severity_scale: string;
  severity_value: string;
  suspected_malicious: 0 | 1;
  cross_border_impact: 'yes' | 'no' | 'unknown';
  /** JSON array of sectors. */
  sectors: string;
  /** JSON array of { type, value }. */
  indicators: string;
  reported_at: string;
  attestation_id: string;
}

export interface IncidentAcknowledgementsTable {
  seq: Generated<number>;
  incident_id: string;
  state_id: string;
  acknowledged_at: string;
  report_no: number;
  note: string | null;
  attestation_id: string;
}

export interface ConsultationRequestsTable {
  seq: Generated<number>;
  id: string;
  state_id: string;
  type: Schemas['RequestType'];
  subject: string;
  body: string;
  related_incident_id: string | null;
  urgency: Schemas['RequestUrgency'];
  reply_by: string | null;
  tlp: Tlp;
  created_at: string;
  attestation_id: string;
}

export interface RequestResponsesTable {
  seq: Generated<number>;
  request_id: string;
  state_id: string;
  response_no: number;
  action: 'accept' | 'decline' | 'answer';
  body: string | null;
  responded_at: string;
  attestation_id: string;
}

export type DocumentType = Schemas['DocumentType'];

export interface DocumentsTable {
  seq: Generated<number>;
  id: string;
  state_id: string;
  type: DocumentType;
  status: 'active' | 'withdrawn';
  version: number;
  language: string;
  created_at: string;
  updated_at: string;
}

export interface DocumentVersionsTable {
  document_id: string;
  version: number;
  state_id: string;
  status: 'active' | 'withdrawn';
  type: DocumentType;
  /** JSON array of CBM numbers. */
  cbms: string;
  title: string;
  summary: string;
  language: string;
  tlp: Tlp;
  /** JSON array of the recipients this version was published to. */
  recipients: string;
  content_kind: 'markdown' | 'file';
  markdown: string | null;
  media_type: string;
  content_sha256: string;
  content_size: number;
  filename: string | null;
  term_count: number;
  published_at: string;
  withdrawal_reason: string | null;
  attestation_id: string;
  /** The key of the recipient list this version is visible by (record_recipients.record_id; 0007). */
  audience: string;
}

export interface DocumentFilesTable {
  document_id: string;
  sha256: string;
  media_type: string;
  size: number;
  uploaded_at: string;
  attestation_id: string;
  /** The version the file was uploaded for (NULL only for rows 0007 could not place). */
  version: number | null;
}

export interface GlossaryTermsTable {
  id: Generated<number>;
  document_id: string;
  version: number;
  ord: number;
  term: string;
  definition: string;
  language: string;
}

/** FTS5 index of the current glossary terms (rowid = glossary_terms.id). */
export interface GlossaryFtsTable {
  rowid: number;
  term: string;
  definition: string;
}

export interface PortalOriginsTable {
  seq: Generated<number>;
  origin: string;
  pinned_at: string;
  reason: string;
}

export interface Database {
  principals: PrincipalsTable;
  principal_keys: PrincipalKeysTable;
  request_jtis: RequestJtisTable;
  attestations: AttestationsTable;
  contacts: ContactsTable;
  contact_versions: ContactVersionsTable;
  contact_confirmations: ContactConfirmationsTable;
  record_recipients: RecordRecipientsTable;
  idempotency_keys: IdempotencyKeysTable;
  log_leaves: LogLeavesTable;
  log_nodes: LogNodesTable;
  log_state: LogStateTable;
  log_checkpoints: LogCheckpointsTable;
  log_cosignatures: LogCosignaturesTable;
  checks: ChecksTable;
  check_addressees: CheckAddresseesTable;
  check_acknowledgements: CheckAcknowledgementsTable;
  incidents: IncidentsTable;
  incident_reports: IncidentReportsTable;
  incident_acknowledgements: IncidentAcknowledgementsTable;
  consultation_requests: ConsultationRequestsTable;
  request_responses: RequestResponsesTable;
  documents: DocumentsTable;
  document_versions: DocumentVersionsTable;
  document_files: DocumentFilesTable;
  glossary_terms: GlossaryTermsTable;
  glossary_fts: GlossaryFtsTable;
  portal_origins: PortalOriginsTable;
  entries: EntriesTable;
  entry_versions: EntryVersionsTable;
  meeting_participations: MeetingParticipationsTable;
}
