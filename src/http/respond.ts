import type { Context } from 'hono';
import type { AttestationRef } from '../attestations/attest.ts';
import type { AppEnv } from './app-env.ts';

/** The answer to every accepted write: the stored record and the portal's attestation. */
export function written<T, E extends AppEnv>(
  c: Context<E>,
  status: 200 | 201,
  data: T,
  attestation: AttestationRef,
  headers: Record<string, string> = {},
) {
  for (const [name, value] of Object.entries(headers)) c.header(name, value);
  return c.json({ data, attestation }, status);
}
