/**
 * The typed client (clients/typescript: openapi-fetch over the generated types, signing
 * middleware) bound to an in-process test portal, on every runtime: tests that use it
 * exercise the contract exactly as partner systems do, so client and server cannot drift.
 */
import {
  createPortalClient,
  createVerifier,
  ok,
  type PinnedJwks,
  type PortalClient,
} from '../../clients/typescript/src/index.ts';
import { ORIGIN, type PortalHarness, type TestClient } from './harness.ts';

/** A typed client signing as `who` (a harness client), or unsigned for the public documents. */
export function typedClient(
  portal: Pick<PortalHarness, 'fetch'>,
  who?: Pick<TestClient, 'signer'>,
): Promise<PortalClient> {
  return createPortalClient({ baseUrl: ORIGIN, signer: who?.signer, fetch: portal.fetch });
}

/**
 * A verifier over a typed client, trusting nothing but the portal's JWKS, pinned here at
 * first contact (as `cbm init` pins it) and never fetched again.
 */
export async function typedVerifier(client: PortalClient) {
  const jwks = (await ok(client.GET('/.well-known/jwks.json'))) as PinnedJwks;
  return createVerifier(client, { issuer: ORIGIN, jwks });
}
