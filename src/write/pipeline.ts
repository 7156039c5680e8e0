import type { CompiledQuery, Insertable } from 'kysely';
import { signAttestation } from '../crypto/attestation-token.ts';
import { sha256b64u } from '../crypto/encoding.ts';
import type { AttestationsTable, Tlp } from '../db/schema.ts';
import { insertStatement } from '../db/statement.ts';
import type { Deps } from '../deps.ts';
import type { Caller, IdempotencyClaim } from '../http/app-env.ts';
import { jtiReplayed, recordJtiQuery } from '../http/replay-store.ts';
import { logLeafRefused } from '../log/integrity.ts';
import { appendLeafQuery } from '../log/leaves.ts';
import { attestationHref, type AttestationRef } from './attestation-ref.ts';
import { commitQueries, type Conflicts } from './commit.ts';
import { completeClaimQuery, duplicateInFlight } from './idempotency.ts';

export type { AttestationRef } from './attestation-ref.ts';

const insertAttestation = insertStatement<Insertable<AttestationsTable>>('attestations', [
  'id',
  'subject',
  'principal_id',
  'kid',
  'operation',
  'issued_at',
  'token',
  'method',
  'path',
  'content_type',
  'request_token',
  'body',
  'body_sha256',
  'record_id',
  'tlp',
  'body_in_blob',
]);

/** One accepted write as a plain value: who asked, for what, with which exact bytes. No HTTP framework in sight. */
export interface WriteInput {
  deps: Deps;
  caller: Caller;
  /** The contract's operationId, recorded in the attestation. */
  operationId: string;
  method: string;
  /** The request-target as sent and signed (htu), so the evidence re-verifies byte for byte. */
  target: string;
  contentType: string | null;
  /** The exact body bytes the caller signed (body_sha256). */
  body: Uint8Array;
  /** An Idempotency-Key this request claimed (write/idempotency.ts): its answer is stored in the same commit. */
  idempotency?: IdempotencyClaim;
}

/** What a feature decided to write, and the attestation it gets. */
export interface Write {
  /** The record's URN, the attestation's subject, e.g. urn:cbm:contact:<id>:v2. */
  subject: string;
  /** For TLP-shared records: the record the attestation belongs to, and who may see its evidence. */
  recordId?: string;
  tlp?: Tlp | null;
  /**
   * The body (an uploaded file, up to 25 MiB) is already in the blob store under its
   * SHA-256, so the attestation row names it instead of copying it (D1 rows stay small).
   */
  bodyInBlob?: boolean;
  /** The constraints this write may be refused by at commit time, by name, each with its problem. */
  conflicts?: Conflicts;
}

/** The record's statements (from the feature's repo.ts) and the answer, made once the attestation's id is known. */
export interface Records<T> {
  records: CompiledQuery[];
  /** Without an answer the write commits and answers nothing (the handler decides what follows). */
  answer?: Answer<T>;
}

export interface Answer<T> {
  status: 200 | 201;
  data: T;
  headers?: Record<string, string>;
}

/** The committed write: the attestation reference (with its log index) and the answer to send. */
export interface Written<T> {
  attestation: AttestationRef;
  answer: Answer<T> | undefined;
}

/**
 * The one write pipeline. The feature has validated and decided; this signs the portal's
 * attestation over the caller's exact request (token and body bytes kept as evidence),
 * and commits at once, all or nothing:
 *
 *   the token's jti (a replay loses here) · the attestation row · its log leaf (the index
 *   is the next at commit time) · the feature's record statements · the Idempotency-Key
 *   with its answer (a retry replays exactly this answer)
 *
 * A constraint that refuses the commit becomes the problem the write declared for it by
 * name; the pipeline's own (jti, leaf, key) are declared here.
 */
export async function commitWrite<T>(
  input: WriteInput,
  write: Write,
  records: (attestationId: string) => Records<T> | Promise<Records<T>>,
): Promise<Written<T>> {
  const { deps, caller } = input;
  const { db } = deps;
  const id = deps.ids();
  const issuedAt = deps.clock.now();
  // The caller's body_sha256 was checked against these bytes by authenticate.
  const bodySha256 = caller.claims.body_sha256 ?? (await sha256b64u(input.body));
  const token = await signAttestation(deps.keys, deps.config.publicOrigin, issuedAt, {
    jti: id,
    sub: write.subject,
    principal: caller.principalId,
    principal_kid: caller.kid,
    operation: input.operationId,
    body_sha256: bodySha256,
    request_sha256: await sha256b64u(caller.token),
  });
  const attestationRow = insertAttestation({
    id,
    subject: write.subject,
    principal_id: caller.principalId,
    kid: caller.kid,
    operation: input.operationId,
    issued_at: issuedAt.toISOString(),
    token,
    method: input.method,
    path: input.target,
    content_type: input.contentType,
    request_token: caller.token,
    body: write.bodyInBlob ? new Uint8Array() : input.body,
    body_sha256: bodySha256,
    record_id: write.recordId ?? null,
    tlp: write.tlp ?? null,
    body_in_blob: write.bodyInBlob ? 1 : 0,
  });

  const replay = caller.replay;
  const jti = replay ? [recordJtiQuery(db, replay.issuer, replay.jti, replay.expiresAt)] : [];
  const decided = await records(id);
  const answer = decided.answer;
  const claim = answer ? input.idempotency : undefined;
  const idempotencyKey =
    claim && answer ? [completeClaimQuery(db, claim, id, answer.status, answer.headers ?? {}, answer.data)] : [];
  const results = await commitQueries(
    db,
    [...jti, attestationRow, await appendLeafQuery(id, token), ...decided.records, ...idempotencyKey],
    {
      ...write.conflicts,
      request_jtis_issuer_jti: jtiReplayed,
      log_leaves_integrity: logLeafRefused,
      // A duplicate that raced this one committed first: its key row is there now.
      ...(claim ? { idempotency_keys_principal_key: duplicateInFlight } : {}),
    },
  );
  if (replay) replay.recorded = true;
  const logIndex = Number(results[jti.length + 1]?.rows[0]?.idx);
  if (!Number.isSafeInteger(logIndex)) throw new Error('the log leaf insert returned no index');
  return { attestation: { id, token, log_index: logIndex, href: attestationHref(id) }, answer };
}
