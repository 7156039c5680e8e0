import type { Context } from 'hono';
import type { CompiledQuery } from 'kysely';
import { signAttestation } from '../crypto/attestation-token.ts';
import { sha256b64u } from '../crypto/encoding.ts';
import type { components } from '../generated/openapi.ts';
import type { AppEnv } from '../http/app-env.ts';

export type AttestationRef = components['schemas']['AttestationRef'];

export interface Attested {
  ref: AttestationRef;
  /** The attestation row; commit it first, with the record it attests. */
  insert: CompiledQuery;
}

export const attestationHref = (id: string) => `/attestations/${id}`;

/**
 * Signs the portal's attestation for the write being handled and prepares its row with
 * the evidence: the caller's request token and the exact body bytes. The caller's
 * body_sha256 claim was checked against those bytes by `authenticate`, so it is reused.
 */
export async function attest<E extends AppEnv>(c: Context<E>, subject: string): Promise<Attested> {
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
  const url = new URL(c.req.url);
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
      path: url.pathname + url.search,
      content_type: c.req.header('content-type') ?? null,
      request_token: caller.token,
      body,
      body_sha256: bodySha256,
    })
    .compile();
  return { ref: { id, token, href: attestationHref(id) }, insert };
}
