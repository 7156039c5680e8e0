/**
 * The tokens' shapes are the contract's schemas (issue 12 item 2): what the client signs
 * and the portal attests matches them, the portal refuses a request token that does not,
 * and the schemas say what a partner's verifier must refuse.
 */
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { describe, expect, test } from 'vitest';
import { contactBody, count, createTestPortal } from '../../test/support/portal.ts';
import { problem } from '../../test/support/problem.ts';
import { attestationShapeError, requestTokenShapeError } from './token-schemas.ts';

const claimsOf = (token: string) => decodeJwt(token) as Record<string, unknown>;

describe('token schemas of the contract', () => {
  test("the client's request tokens and the portal's attestations match them", async () => {
    const portal = await createTestPortal();
    const at = await portal.registerState('AT');
    const read = await at.sign('GET', '/contacts?state=AT');
    expect(requestTokenShapeError(decodeProtectedHeader(read), decodeJwt(read))).toBeNull();
    const write = await at.sign('POST', '/contacts', '{}');
    expect(requestTokenShapeError(decodeProtectedHeader(write), decodeJwt(write))).toBeNull();

    const res = await at.post('/contacts', contactBody());
    expect(res.status).toBe(201);
    const { attestation } = (await res.json()) as { attestation: { token: string } };
    expect(attestationShapeError(decodeProtectedHeader(attestation.token), decodeJwt(attestation.token))).toBeNull();
  });

  test('say what a verifier refuses: body_sha256 on writes only, known methods, integer times, no foreign header members', async () => {
    const portal = await createTestPortal();
    const at = await portal.registerState('AT');
    const write = await at.sign('POST', '/contacts', '{}');
    const header = decodeProtectedHeader(write);
    const claims = claimsOf(write);
    const { body_sha256: digest, ...withoutDigest } = claims;

    expect(requestTokenShapeError(header, withoutDigest)).toMatchObject({
      part: 'claims',
      pointer: '/body_sha256',
      detail: 'required field is missing',
    });
    expect(requestTokenShapeError(header, { ...claims, htm: 'GET' })).toMatchObject({
      part: 'claims',
      pointer: '/body_sha256',
    });
    expect(requestTokenShapeError(header, { ...withoutDigest, htm: 'GET' })).toBeNull();
    expect(requestTokenShapeError(header, { ...withoutDigest, htm: 'TRACE' })).toMatchObject({
      part: 'claims',
      pointer: '/htm',
    });
    expect(requestTokenShapeError(header, { ...claims, iat: 1.5 })).toMatchObject({ part: 'claims', pointer: '/iat' });
    expect(requestTokenShapeError(header, { ...claims, body_sha256: `${digest}=` })).toMatchObject({
      part: 'claims',
      pointer: '/body_sha256',
    });
    expect(requestTokenShapeError(header, { ...claims, jti: 'short' })).toMatchObject({
      part: 'claims',
      pointer: '/jti',
    });
    expect(requestTokenShapeError({ ...header, cty: 'JWT' }, claims)).toMatchObject({
      part: 'header',
      schema: 'RequestTokenHeader',
    });
    expect(requestTokenShapeError({ ...header, alg: 'HS256' }, claims)).toMatchObject({
      part: 'header',
      pointer: '/alg',
    });

    const res = await at.post('/contacts', contactBody());
    const { attestation } = (await res.json()) as { attestation: { token: string } };
    const attested = claimsOf(attestation.token);
    expect(attestationShapeError(decodeProtectedHeader(attestation.token), { ...attested, extra: 1 })).toMatchObject({
      part: 'claims',
      schema: 'AttestationTokenClaims',
    });
    const { principal_kid: _kid, ...withoutKid } = attested;
    expect(attestationShapeError(decodeProtectedHeader(attestation.token), withoutKid)).toMatchObject({
      part: 'claims',
      pointer: '/principal_kid',
    });
  });

  test("the portal refuses a signed token whose header or claims are not the contract's, and writes nothing", async () => {
    const portal = await createTestPortal();
    const at = await portal.registerState('AT');
    const before = count(portal.sqlite, 'contacts');

    const foreignHeader = await at.post('/contacts', contactBody(), { header: { cty: 'JWT' } });
    const refused = await problem(foreignHeader, 401);
    expect(refused.code).toBe('header-invalid');
    expect(refused.detail).toContain('RequestTokenHeader');

    const fractionalTime = await at.post('/contacts', contactBody(), {
      claims: { iat: Math.floor(portal.clock.now().getTime() / 1000) + 0.5 },
    });
    const refusedClaims = await problem(fractionalTime, 401);
    expect(refusedClaims.code).toBe('claim-invalid');
    expect(refusedClaims.detail).toContain('/iat');

    const read = await at.get('/contacts', { header: { x5t: 'abc' } });
    expect((await problem(read, 401)).code).toBe('header-invalid');
    expect(count(portal.sqlite, 'contacts')).toBe(before);

    // The same requests, signed as the contract says, are taken.
    expect((await at.post('/contacts', contactBody())).status).toBe(201);
    expect((await at.get('/contacts')).status).toBe(200);
  });
});
