import type { Context } from 'hono';
import type { CompiledQuery } from 'kysely';
import { signAttestation } from '../crypto/attestation-token.ts';
import { sha256b64u } from '../crypto/encoding.ts';
import type { components } from '../generated/openapi.ts';
import type { AppEnv } from '../http/app-env.ts';
import { commitWrite, type ConflictProblems } from '../http/commit.ts';
import type { Tlp } from '../db/schema.ts';
import { completeClaimQuery, duplicateInFlight } from '../http/idempotency.ts';
import { jtiReplayed, recordJtiQuery } from '../http/replay-store.ts';
import { written } from '../http/respond.ts';
import { logLeafRefused } from '../log/integrity.ts';
import { appendLeafQuery } from '../log/leaves.ts';

export type AttestationRef = components['schemas']['AttestationRef'];

/** A signed attestation whose rows are not committed yet. */
export interface Attested {
  id: string;
  token: string;
  /** The attestation row and its log leaf: commit them first, with the record they attest. */
  queries: [attestation: CompiledQuery, leaf: CompiledQuery];
}

export const attestationHref = (id: string) => `/attestations/${id}`;

/**
 * Signs the portal's attestation for the write being handled and prepares its row with
 * the evidence: the caller's request token and the exact body bytes. The caller's
 * body_sha256 claim was checked against those bytes by `authenticate`, so it is reused.
 *
 * `bodyInBlob`: the body (an uploaded file, up to 25 MiB) is already in the blob store
 * under its SHA-256, so the row records it by reference instead of copying it (D1 rows
 * stay small); the evidence then names the blob and serves its bytes.
 */
export async function attest<E extends AppEnv>(
  c: Context<E>,
  subject: string,
  visibility: { recordId?: string; tlp?: Tlp | null; bodyInBlob?: boolean } = {},
): Promise<Attested> {
  const { deps, caller, operationId } = c.var;
  const id = deps.ids();
  const issuedAt = deps.clock.now();
  const body = c.var.rawBody ?? new Uint8Array();
  const bodySha256 = caller.claims.body_sha256 ?? (await sha256b64u(body));
  const token = await signAttestation(deps.keys, deps.config.publicOrigin, issuedAt, {
    jti: id,
    sub: subject,
    principal: caller.principalId,
    principal_kid: caller.kid,
    operation: operationId,
    body_sha256: bodySha256,
    request_sha256: await sha256b64u(caller.token),
  });
  const insert = deps.db.kysely
    .insertInto('attestations')
    .values({
      id,
      subject,
      principal_id: caller.principalId,
      kid: caller.kid,
      operation: operationId,
      issued_at: issuedAt.toISOString(),
      token,
      method: c.req.method,
      // As sent and signed (htu), so the evidence re-verifies byte for byte.
      path: c.var.target,
      content_type: c.req.header('content-type') ?? null,
      request_token: caller.token,
      body: visibility.bodyInBlob ? new Uint8Array() : body,
      body_sha256: bodySha256,
      record_id: visibility.recordId ?? null,
      tlp: visibility.tlp ?? null,
      ...(visibility.bodyInBlob ? { body_in_blob: 1 as const } : {}),
    })
    .compile();
  return { id, token, queries: [insert, await appendLeafQuery(deps.db, id, token)] };
}

/**
 * Commits a write with its attestation and log leaf, atomically, and answers the
 * attestation reference with the leaf index the commit assigned. Conflicts map as in
 * `commitWrite`.
 */
export async function commitAttested<E extends AppEnv>(
  c: Context<E>,
  attested: Attested,
  recordQueries: CompiledQuery[],
  conflicts: ConflictProblems = {},
): Promise<AttestationRef> {
  const { db } = c.var.deps;
  const replay = c.var.caller.replay;
  // The token's jti goes into the same commit: of two concurrent replays, one commits.
  const jti = replay ? [recordJtiQuery(db, replay.issuer, replay.jti, replay.expiresAt)] : [];
  const results = await commitWrite(db, [...jti, ...attested.queries, ...recordQueries], {
    ...conflicts,
    request_jtis: jtiReplayed,
    log_leaves: logLeafRefused,
  });
  if (replay) replay.recorded = true;
  const logIndex = Number(results[jti.length + 1]?.rows[0]?.idx);
  if (!Number.isSafeInteger(logIndex)) throw new Error('the log leaf insert returned no index');
  return { id: attested.id, token: attested.token, log_index: logIndex, href: attestationHref(attested.id) };
}

/**
 * Commits a write with its attestation and answers it: the usual ending of a handler.
 * Under an Idempotency-Key the answer is stored in the same commit, so a retry replays
 * exactly this answer (same record, same attestation) and a crash can never leave a write
 * without its stored answer.
 */
export async function commitAndAnswer<E extends AppEnv, T>(
  c: Context<E>,
  attested: Attested,
  recordQueries: CompiledQuery[],
  answer: { status: 200 | 201; data: T; headers?: Record<string, string> },
  conflicts: ConflictProblems = {},
) {
  const claim = c.var.idempotency;
  const queries = claim
    ? [
        ...recordQueries,
        completeClaimQuery(c.var.deps.db, claim, attested.id, answer.status, answer.headers ?? {}, answer.data),
      ]
    : recordQueries;
  // A duplicate that raced this one committed first: its key row is there now.
  const ref = await commitAttested(
    c,
    attested,
    queries,
    claim ? { ...conflicts, idempotency_keys: duplicateInFlight } : conflicts,
  );
  return written(c, answer.status, answer.data, ref, answer.headers);
}
