import type { Generated } from 'kysely';

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
}

export type Tlp = 'TLP:CLEAR' | 'TLP:GREEN' | 'TLP:AMBER' | 'TLP:AMBER+STRICT' | 'TLP:RED';

export interface RecordRecipientsTable {
  record_id: string;
  principal_id: string;
}

export interface IdempotencyKeysTable {
  principal_id: string;
  key: string;
  fingerprint: string;
  created_at: string;
  expires_at: string;
  attestation_id: string | null;
  response_status: number | null;
  response_headers: string | null;
  response_body: string | null;
}

export interface ContactsTable {
  seq: Generated<number>;
  id: string;
  state_id: string;
  role: 'policy' | 'technical';
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
  role: 'policy' | 'technical';
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
}

export interface LogCheckpointsTable {
  size: number;
  root_hash: Uint8Array;
  note: string;
  signed_at: string;
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
  checks: ChecksTable;
  check_addressees: CheckAddresseesTable;
  check_acknowledgements: CheckAcknowledgementsTable;
}
