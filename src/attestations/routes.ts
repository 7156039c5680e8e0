import { Hono } from 'hono';
import { b64u } from '../crypto/encoding.ts';
import {
  decodeTokenParts,
  type AttestationTokenClaims,
  type AttestationTokenHeader,
  type RequestTokenClaims,
  type RequestTokenHeader,
} from '../crypto/token-schemas.ts';
import type { components } from '../generated/openapi.ts';
import type { AppEnv } from '../http/app-env.ts';
import { operation } from '../http/operation.ts';
import { problems } from '../http/problem.ts';
import { bytesResponse } from '../http/raw-bytes.ts';
import { attestationHref } from '../write/attestation-ref.ts';
import { findAttestation } from './repo.ts';

const OCTETS = 'application/octet-stream';

/**
 * An attestation and its evidence are visible exactly when the record they attest is:
 * the evidence carries the record's own bytes.
 */
export const attestations = new Hono<AppEnv>()
  .get('/:attestationId', operation('getAttestation'), async (c) => {
    const row = await findAttestation(c.get('deps').db, c.get('input').path.attestationId, c.get('caller'));
    if (!row) throw problems.notFound('No such attestation.');
    return c.json({
      id: row.id,
      subject: row.subject,
      principal: row.principal_id,
      operation: row.operation,
      issued_at: row.issued_at,
      token: row.token,
      ...decodeTokenParts<AttestationTokenHeader, AttestationTokenClaims>(row.token),
      log_index: row.log_index,
      evidence_href: `${attestationHref(row.id)}/evidence`,
    } satisfies components['schemas']['Attestation']);
  })
  .get('/:attestationId/evidence', operation('getAttestationEvidence'), async (c) => {
    const row = await findAttestation(c.get('deps').db, c.get('input').path.attestationId, c.get('caller'));
    if (!row) throw problems.notFound('No such attestation.');
    const request = decodeTokenParts<RequestTokenHeader, RequestTokenClaims>(row.request_token);
    return c.json({
      attestation_id: row.id,
      principal: row.principal_id,
      kid: row.kid,
      method: row.method,
      path: row.path,
      content_type: row.content_type,
      request_token: row.request_token,
      request_token_header: request.header,
      request_token_claims: request.claims,
      body: b64u.encode(new Uint8Array(row.body)),
      body_sha256: row.body_sha256,
      body_blob_sha256: row.body_in_blob ? row.body_sha256 : null,
      body_href: `${attestationHref(row.id)}/evidence/body`,
    } satisfies components['schemas']['Evidence']);
  })
  // The exact body bytes, also when the evidence records them by reference (an uploaded
  // file kept in the blob store under its digest).
  .get('/:attestationId/evidence/body', operation('getAttestationEvidenceBody'), async (c) => {
    const row = await findAttestation(c.get('deps').db, c.get('input').path.attestationId, c.get('caller'));
    if (!row) throw problems.notFound('No such attestation.');
    let bytes: Uint8Array = new Uint8Array(row.body);
    if (row.body_in_blob) {
      const blob = await c.get('deps').blobs.get(row.body_sha256);
      if (!blob) throw new Error(`blob ${row.body_sha256} of attestation ${row.id} is missing from the blob store`);
      bytes = blob.bytes;
    }
    // As sent, or as plain octets for a client that asks for those (any bytes are).
    const mediaTypes = [...new Set([row.content_type ?? OCTETS, OCTETS])];
    return bytesResponse(c, bytes, { mediaTypes, sha256: row.body_sha256 });
  });
