/**
 * The client's verifiers hold tokens to the contract's schemas (issue 12 item 2): a token
 * whose signature verifies but whose header or claims are not the contract's is refused,
 * so a partner's verifier built from the contract and this one agree.
 */
import { base64url, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { describe, expect, test } from 'vitest';
import {
  createRequestSigner,
  generateSigningKey,
  sha256b64u,
  TokenShapeError,
  verifyAttestation,
  verifyEvidence,
  type AttestationClaims,
} from '../src/index.ts';

const ORIGIN = 'http://portal.test';
const IAT = 1_795_770_000;

async function portalKey() {
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: 'portal-1', alg: 'EdDSA' };
  return { privateKey, jwks: { keys: [jwk] } };
}

const claims = async (overrides: Record<string, unknown> = {}) => ({
  iss: ORIGIN,
  sub: 'urn:cbm:contact:019ac1e2-0000-7000-8000-000000000000:v1',
  iat: IAT,
  jti: '019ac1e2-0000-7000-8000-000000000001',
  principal: 'AT',
  principal_kid: 'kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k',
  operation: 'createContact',
  body_sha256: await sha256b64u('{}'),
  request_sha256: await sha256b64u('token'),
  ...overrides,
});

describe('verifiers against the contract', () => {
  test("an attestation the portal signed but whose claims are not the contract's is refused", async () => {
    const { privateKey, jwks } = await portalKey();
    const sign = async (body: Record<string, unknown>, header: Record<string, unknown> = {}) =>
      new SignJWT(body)
        .setProtectedHeader({ alg: 'EdDSA', typ: 'cbm-attestation+jwt', kid: 'portal-1', ...header })
        .sign(privateKey);

    const good = await verifyAttestation(await sign(await claims()), jwks, { issuer: ORIGIN });
    expect(good.principal_kid satisfies AttestationClaims['principal_kid']).toBe(
      'kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k',
    );

    const { principal_kid: _kid, ...withoutKid } = await claims();
    for (const [body, header, pointer] of [
      [withoutKid, {}, '/principal_kid'],
      [await claims({ principal: 'Austria' }), {}, '/principal'],
      [await claims({ sub: 'contact 1' }), {}, '/sub'],
      [await claims({ body_sha256: 'not a digest' }), {}, '/body_sha256'],
      [await claims({ note: 'extra' }), {}, ''],
      [await claims(), { cty: 'JWT' }, ''],
    ] as const) {
      const refused = await verifyAttestation(await sign(body, header), jwks, { issuer: ORIGIN }).catch(
        (error: unknown) => error,
      );
      expect(refused).toBeInstanceOf(TokenShapeError);
      if (pointer) expect((refused as TokenShapeError).pointer).toBe(pointer);
    }
  });

  test('evidence whose request token the principal signed with claims off the contract is refused', async () => {
    const key = await generateSigningKey();
    const signer = await createRequestSigner({
      principal: 'AT',
      privateJwk: key.privateJwk,
      audience: ORIGIN,
      now: () => new Date(IAT * 1000),
    });
    const body = new TextEncoder().encode('{}');
    const evidenceOf = async (token: string) => ({
      attestation_id: '019ac1e2-0000-7000-8000-000000000001',
      principal: 'AT',
      kid: key.kid,
      method: 'POST',
      path: '/contacts',
      request_token: token,
      body: base64url.encode(body),
      body_sha256: await sha256b64u(body),
    });
    const attestationFor = async (token: string) =>
      (await claims({ principal_kid: key.kid, request_sha256: await sha256b64u(token) })) as AttestationClaims;

    const good = await signer.sign({ method: 'POST', pathAndQuery: '/contacts', body });
    await expect(
      verifyEvidence(await evidenceOf(good), await attestationFor(good), key.publicJwk),
    ).resolves.toBeTruthy();

    const oddTime = await signer.signWith(
      { method: 'POST', pathAndQuery: '/contacts', body },
      { claims: { iat: IAT + 0.5 } },
    );
    await expect(
      verifyEvidence(await evidenceOf(oddTime), await attestationFor(oddTime), key.publicJwk),
    ).rejects.toThrow(/RequestTokenClaims at \/iat/);
    const foreignHeader = await signer.signWith(
      { method: 'POST', pathAndQuery: '/contacts', body },
      { header: { x5t: 'abc' } },
    );
    await expect(
      verifyEvidence(await evidenceOf(foreignHeader), await attestationFor(foreignHeader), key.publicJwk),
    ).rejects.toBeInstanceOf(TokenShapeError);
  });
});
