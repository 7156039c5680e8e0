/**
 * Keys as the portal reads them, each rule alone: which key types and curves map to which
 * algorithm, the members that define a key (and so its RFC 7638 kid), importing only keys
 * that pass the curve checks, the portal's own keys, and the attestation it signs with them.
 */
import { calculateJwkThumbprint, decodeProtectedHeader, exportJWK, generateKeyPair, jwtVerify, type JWK } from 'jose';
import { describe, expect, it } from 'vitest';
import { Problem } from '../http/problem.ts';
import { signAttestation } from './attestation-token.ts';
import { algForJwk, ALLOWED_ALGS, canonicalPublicJwk, isImportablePublicJwk, jwkThumbprint } from './jwk.ts';
import { nodeSignatures } from './node-signatures.ts';
import { generatePrivateJwk, loadPortalKeys, publicPart } from './portal-keys.ts';
import { webSignatures } from './signatures.ts';
import { createVerifyKeyCache } from './verify-keys.ts';

// The verify-key cache as the app holds it (Deps.trust.verifyKeys), one per test file here.
const verifyKeys = createVerifyKeyCache(webSignatures);
const importVerifyKey = verifyKeys.get;

const SMALL_ORDER_X = 'AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

async function publicJwk(alg: 'EdDSA' | 'ES256'): Promise<JWK> {
  const { publicKey } = await generateKeyPair(alg, {
    extractable: true,
    ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}),
  });
  return exportJWK(publicKey);
}

describe('algForJwk', () => {
  it.each([
    [{ kty: 'OKP', crv: 'Ed25519' }, 'EdDSA'],
    [{ kty: 'EC', crv: 'P-256' }, 'ES256'],
    [{ kty: 'EC', crv: 'Ed25519' }, null],
    [{ kty: 'OKP', crv: 'P-256' }, null],
    [{ kty: 'OKP', crv: 'X25519' }, null],
    [{ kty: 'EC', crv: 'P-384' }, null],
    [{ kty: 'RSA' }, null],
    [{ kty: 'OKP', crv: 'toString' }, null],
  ])('maps %j to %s', (jwk, alg) => {
    expect(algForJwk(jwk as JWK)).toBe(alg);
  });

  it('accepts exactly EdDSA and ES256', () => {
    expect(ALLOWED_ALGS).toEqual(['EdDSA', 'ES256']);
  });
});

describe('the members that define a key', () => {
  it('keeps kty, crv, x (and y for EC), nothing else, so the kid is the RFC 7638 thumbprint', async () => {
    const ed = await publicJwk('EdDSA');
    const ec = await publicJwk('ES256');
    const extras = { kid: 'chosen', alg: 'EdDSA', use: 'sig', d: 'secret', ext: true };
    expect(canonicalPublicJwk({ ...ed, ...extras })).toEqual({ kty: 'OKP', crv: 'Ed25519', x: ed.x });
    expect(canonicalPublicJwk({ ...ec, ...extras })).toEqual({ kty: 'EC', crv: 'P-256', x: ec.x, y: ec.y });
    expect(await jwkThumbprint({ ...ed, ...extras })).toBe(await calculateJwkThumbprint(ed, 'sha256'));
    expect(await jwkThumbprint({ ...ec, ...extras })).toBe(await calculateJwkThumbprint(ec, 'sha256'));
  });
});

describe('the verify-key cache', () => {
  it('imports a sound key once, by kid', async () => {
    const jwk = await publicJwk('EdDSA');
    const kid = await jwkThumbprint(jwk);
    const key = await importVerifyKey(kid, jwk, 'EdDSA');
    expect(await importVerifyKey(kid, jwk, 'EdDSA')).toBe(key);
    const ec = await publicJwk('ES256');
    expect((await importVerifyKey(await jwkThumbprint(ec), ec, 'ES256')).handle as CryptoKey).toMatchObject({
      type: 'public',
      algorithm: { name: 'ECDSA', namedCurve: 'P-256' },
    });
  });

  it('refuses an unsafe key with key-unsafe, every time (it is never cached)', async () => {
    for (let i = 0; i < 2; i += 1) {
      let thrown: unknown;
      try {
        await importVerifyKey('small-order', { kty: 'OKP', crv: 'Ed25519', x: SMALL_ORDER_X }, 'EdDSA');
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(Problem);
      expect(thrown).toMatchObject({
        status: 401,
        code: 'key-unsafe',
        detail: 'The registered key is refused: small-order Ed25519 point.',
      });
    }
  });

  it('tells whether the runtime imports a key', async () => {
    expect(await isImportablePublicJwk(await publicJwk('EdDSA'), 'EdDSA')).toBe(true);
    expect(await isImportablePublicJwk(await publicJwk('ES256'), 'ES256')).toBe(true);
    expect(await isImportablePublicJwk(await publicJwk('EdDSA'), 'ES256')).toBe(false);
  });
});

describe("the portal's keys", () => {
  it('loads the newest private key to sign and publishes every public half, signing key first', async () => {
    const [current, older] = [await generatePrivateJwk(), await generatePrivateJwk()];
    expect(current).toMatchObject({
      kty: 'OKP',
      crv: 'Ed25519',
      alg: 'EdDSA',
      use: 'sig',
      kid: await jwkThumbprint(current),
      d: expect.any(String),
    });
    const keys = await loadPortalKeys([current, older]);
    expect(keys.signing).toMatchObject({ kid: current.kid, alg: 'EdDSA' });
    expect(keys.jwks).toEqual([
      { kty: 'OKP', crv: 'Ed25519', x: current.x, kid: current.kid, alg: 'EdDSA', use: 'sig' },
      { kty: 'OKP', crv: 'Ed25519', x: older.x, kid: older.kid, alg: 'EdDSA', use: 'sig' },
    ]);
    expect(publicPart(current)).not.toHaveProperty('d');
    expect(publicPart(current)).toMatchObject({ x: current.x, kid: current.kid });
  });

  it('refuses to sign with anything but a private Ed25519 key', async () => {
    const current = await generatePrivateJwk();
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const message = 'the portal signing key must be a private Ed25519 JWK';
    await expect(loadPortalKeys([])).rejects.toThrow(message);
    await expect(loadPortalKeys([publicPart(current)])).rejects.toThrow(message);
    await expect(loadPortalKeys([await exportJWK(privateKey)])).rejects.toThrow(message);
  });

  it('keeps at most its bound of keys, the oldest leaving first', async () => {
    const bounded = createVerifyKeyCache(webSignatures, 2);
    const jwks = await Promise.all([publicJwk('EdDSA'), publicJwk('EdDSA'), publicJwk('EdDSA')]);
    const first = await bounded.get('k1', jwks[0]!, 'EdDSA');
    await bounded.get('k2', jwks[1]!, 'EdDSA');
    expect(await bounded.get('k1', jwks[0]!, 'EdDSA')).toBe(first);
    await bounded.get('k3', jwks[2]!, 'EdDSA');
    expect(bounded.size).toBe(2);
    expect(await bounded.get('k1', jwks[0]!, 'EdDSA')).not.toBe(first);
  });

  it.each([
    ['WebCrypto', webSignatures],
    ['node:crypto', nodeSignatures],
  ])('signs attestations as the contract says, at the injected time (%s)', async (_name, suite) => {
    const keys = await loadPortalKeys([await generatePrivateJwk()], suite);
    const claims = {
      jti: 'a1',
      sub: 'urn:cbm:x',
      principal: 'AT',
      principal_kid: 'k',
      operation: 'createContact',
      body_sha256: 'b',
      request_sha256: 'r',
    };
    const token = await signAttestation(keys, 'http://portal.test', new Date('2026-11-27T09:00:00.900Z'), claims);
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'EdDSA', typ: 'cbm-attestation+jwt', kid: keys.signing.kid });
    const { payload } = await jwtVerify(token, (await import('jose')).createLocalJWKSet({ keys: keys.jwks }), {
      issuer: 'http://portal.test',
      typ: 'cbm-attestation+jwt',
    });
    expect(payload).toEqual({ ...claims, iss: 'http://portal.test', iat: 1795770000 });
  });
});
