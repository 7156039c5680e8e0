/**
 * Key proofs against the real app: every key that signs is proven by the attested write
 * that registered it, whatever way it came (registration, rotation, a Secretariat key
 * registered by an earlier one), down to the Secretariat's first key in the JWKS.
 */
import { describe, expect, it } from 'vitest';
import {
  generateSigningKey,
  ok,
  verifyBundle,
  type PinnedJwks,
  type Schemas,
} from '../clients/typescript/src/index.ts';
import { contactBody, createTestPortal } from './support/portal.ts';
import { typedClient, typedVerifier } from './support/typed.ts';

describe('key proofs', () => {
  it('proves a rotated key by its rotation, and a second Secretariat key by its registration', async () => {
    const portal = await createTestPortal();
    const first = await typedClient(portal, portal.secretariat);
    // A second Secretariat key, registered by the first; it then registers Austria and its key.
    const spare = await generateSigningKey();
    await ok(
      first.POST('/principals/{principalId}/keys', {
        params: { path: { principalId: 'secretariat' } },
        body: { jwk: spare.publicJwk as Schemas['PublicJwk'], scopes: ['read', 'principals:write'] },
      }),
    );
    const second = await typedClient(portal, await portal.client('secretariat', spare.privateJwk));
    await ok(second.POST('/principals', { body: { id: 'AT', name: 'Austria' } }));
    const old = await generateSigningKey();
    await ok(
      second.POST('/principals/{principalId}/keys', {
        params: { path: { principalId: 'AT' } },
        body: { jwk: old.publicJwk as Schemas['PublicJwk'], scopes: ['read', 'contacts:write'] },
      }),
    );
    const next = await generateSigningKey('ES256');
    const rotation = await ok(
      second.POST('/principals/{principalId}/keys/{kid}/rotate', {
        params: { path: { principalId: 'AT', kid: old.kid } },
        body: { jwk: next.publicJwk as Schemas['PublicJwk'], overlap_seconds: 3600 },
      }),
    );
    const austria = await typedClient(portal, await portal.client('AT', next.privateJwk));
    const written = await ok(austria.POST('/contacts', { body: contactBody() as Schemas['ContactInput'] }));

    const verifier = await typedVerifier(austria);
    const { report, bundle } = await verifier.record(written.attestation.id);
    expect(
      report.keys.map((key) => [key.principal, key.kid, key.proven_by.replace(/ \(log index \d+\)$/, '')]),
    ).toEqual([
      ['secretariat', portal.secretariat.kid, 'pinned Secretariat key'],
      ['secretariat', spare.kid, expect.stringMatching(/^registration /)],
      ['AT', next.kid, `registration ${rotation.attestation.id}`],
    ]);
    // Without the Secretariat's first key pinned, nothing below it is proven.
    const portalOnly: PinnedJwks = { keys: verifier.jwks.keys };
    await expect(verifyBundle(bundle, { jwks: portalOnly })).rejects.toThrow(
      `key ${portal.secretariat.kid} of secretariat is not proven`,
    );
  });
});
