import { Hono } from 'hono';
import { b64u } from '../crypto/encoding.ts';
import type { components } from '../generated/openapi.ts';
import type { AppEnv } from '../http/app-env.ts';
import { operation } from '../http/operation.ts';
import { problems } from '../http/problem.ts';
import { attestationHref } from './attest.ts';
import { findAttestation } from './repo.ts';

/**
 * An attestation and its evidence are visible exactly when the record they attest is:
 * the evidence carries the record's own bytes.
 */
export const attestations = new Hono<AppEnv>()
  .get('/:attestationId', operation('getAttestation', { scope: 'read' }), async (c) => {
    const row = await findAttestation(c.var.deps.db, c.var.input.path.attestationId, c.var.caller);
    if (!row) throw problems.notFound('No such attestation.');
    return c.json({
      id: row.id,
      subject: row.subject,
      principal: row.principal_id,
      operation: row.operation,
      issued_at: row.issued_at,
      token: row.token,
      log_index: row.log_index,
      evidence_href: `${attestationHref(row.id)}/evidence`,
    } satisfies components['schemas']['Attestation']);
  })
  .get('/:attestationId/evidence', operation('getAttestationEvidence', { scope: 'read' }), async (c) => {
    const row = await findAttestation(c.var.deps.db, c.var.input.path.attestationId, c.var.caller);
    if (!row) throw problems.notFound('No such attestation.');
    return c.json({
      attestation_id: row.id,
      principal: row.principal_id,
      kid: row.kid,
      method: row.method,
      path: row.path,
      content_type: row.content_type,
      request_token: row.request_token,
      body: b64u.encode(new Uint8Array(row.body)),
      body_sha256: row.body_sha256,
    } satisfies components['schemas']['Evidence']);
  });
