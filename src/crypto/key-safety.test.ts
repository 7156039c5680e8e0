/**
 * Unsafe public keys (issue 9 item 2), checked the same way by the portal
 * (src/crypto/key-safety.ts) and by the partner client (clients/typescript/src/keys.ts):
 * the known small-order Ed25519 encodings, canonical and not, mixed-order points,
 * non-canonical base64url, and P-256 points off the curve.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { p256 } from '@noble/curves/nist.js';
import { base64url, exportJWK, generateKeyPair, type JWK } from 'jose';
import { createPublicKey, verify } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { assertSafePublicJwk, UnsafeKeyError } from '../../clients/typescript/src/keys.ts';
import { LogVerificationError, verifyCheckpoint } from '../../clients/typescript/src/log.ts';
import {
  verifyAttestation,
  verifyEvidence,
  type AttestationClaims,
  type Evidence,
} from '../../clients/typescript/src/verify.ts';
import { parseWorkerConfig, type WorkerEnv } from '../worker-config.ts';
import { publicKeyFlaw } from './key-safety.ts';

const hex = (text: string) => Uint8Array.from(text.match(/../g)!.map((byte) => parseInt(byte, 16)));
const okp = (bytes: Uint8Array): JWK => ({ kty: 'OKP', crv: 'Ed25519', x: base64url.encode(bytes) });

/**
 * The 14 encodings of small-order points that decode under lax rules (as in the
 * libsodium and "Taming the many EdDSAs" blocklists): the 8 canonical points of order
 * 1, 2, 4 and 8, and 6 non-canonical spellings (y >= p, or x = 0 with the sign bit set).
 */
const SMALL_ORDER_ENCODINGS = [
  [
    'identity (order 1)',
    '0100000000000000000000000000000000000000000000000000000000000000',
    'small-order Ed25519 point',
  ],
  ['order 2', 'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', 'small-order Ed25519 point'],
  ['order 4', '0000000000000000000000000000000000000000000000000000000000000080', 'small-order Ed25519 point'],
  [
    'order 4, other sign',
    '0000000000000000000000000000000000000000000000000000000000000000',
    'small-order Ed25519 point',
  ],
  ['order 8', 'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a', 'small-order Ed25519 point'],
  [
    'order 8, other sign',
    'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa',
    'small-order Ed25519 point',
  ],
  [
    'order 8, second pair',
    '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
    'small-order Ed25519 point',
  ],
  [
    'order 8, second pair, other sign',
    '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85',
    'small-order Ed25519 point',
  ],
  [
    'identity with the sign bit',
    '0100000000000000000000000000000000000000000000000000000000000080',
    'non-canonical encoding of an Ed25519 point',
  ],
  [
    'order 2 with the sign bit',
    'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
    'non-canonical encoding of an Ed25519 point',
  ],
  [
    'y = p + 1 (the identity)',
    'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
    'non-canonical encoding of an Ed25519 point',
  ],
  [
    'y = p + 1 with the sign bit',
    'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
    'non-canonical encoding of an Ed25519 point',
  ],
  [
    'y = p (order 4)',
    'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
    'non-canonical encoding of an Ed25519 point',
  ],
  [
    'y = p with the sign bit',
    'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
    'non-canonical encoding of an Ed25519 point',
  ],
] as const;

/** Both implementations, so they cannot drift apart. */
function clientReason(jwk: JWK): string | null {
  try {
    assertSafePublicJwk(jwk);
    return null;
  } catch (error) {
    expect(error).toBeInstanceOf(UnsafeKeyError);
    return (error as UnsafeKeyError).reason;
  }
}

describe('Ed25519', () => {
  test("the issue's key AQAAAA... is the identity, and Node verifies the R = identity, S = 0 forgery under it for any message", () => {
    const x = 'AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
    expect(base64url.decode(x)).toEqual(hex(SMALL_ORDER_ENCODINGS[0][1]));
    const forged = new Uint8Array(64);
    forged[0] = 1; // R = encoding of the identity, S = 0
    const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' });
    for (const message of ['any', 'message at all']) expect(verify(null, Buffer.from(message), key, forged)).toBe(true);
    expect(publicKeyFlaw({ kty: 'OKP', crv: 'Ed25519', x })).toEqual({
      member: 'x',
      reason: 'small-order Ed25519 point',
    });
  });

  test.each(SMALL_ORDER_ENCODINGS)('%s is refused: %s', (_name, encoding, reason) => {
    const jwk = okp(hex(encoding));
    expect(publicKeyFlaw(jwk)).toEqual({ member: 'x', reason });
    expect(clientReason(jwk)).toBe(reason);
  });

  test('every non-canonical y (p .. 2^255 - 1) is refused, whether or not it names a point', () => {
    for (let excess = 0n; excess < 19n; excess++) {
      for (const sign of [0, 0x80]) {
        const y = 2n ** 255n - 19n + excess;
        const bytes = hex(y.toString(16).padStart(64, '0')).reverse();
        bytes[31] = (bytes[31]! & 0x7f) | sign;
        expect(publicKeyFlaw(okp(bytes))?.reason).toBe('non-canonical encoding of an Ed25519 point');
        expect(clientReason(okp(bytes))).toBe('non-canonical encoding of an Ed25519 point');
      }
    }
  });

  test('a mixed-order point (a real key plus a point of order 8) is refused', () => {
    const honest = ed25519.Point.fromBytes(ed25519.getPublicKey(ed25519.utils.randomSecretKey()));
    const mixed = honest.add(ed25519.Point.fromBytes(hex(SMALL_ORDER_ENCODINGS[4][1]))).toBytes();
    const reason = 'mixed-order Ed25519 point (outside the prime-order subgroup)';
    expect(publicKeyFlaw(okp(mixed))?.reason).toBe(reason);
    expect(clientReason(okp(mixed))).toBe(reason);
  });

  test('y that is not on the curve is refused', () => {
    // y = 2: x^2 = (y^2 - 1) / (d y^2 + 1) has no square root.
    const bytes = new Uint8Array(32);
    bytes[0] = 2;
    expect(publicKeyFlaw(okp(bytes))?.reason).toBe('not a point on Ed25519');
    expect(clientReason(okp(bytes))).toBe('not a point on Ed25519');
  });

  test('x spelled in non-canonical base64url (padding, trailing bits, other length) is refused: one key, one kid', async () => {
    const { publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
    const { x } = await exportJWK(publicKey);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    // 43 characters carry 258 bits: the last character's two low bits must be zero.
    const trailingBits = x!.slice(0, -1) + alphabet[alphabet.indexOf(x!.at(-1)!) | 1];
    for (const spelling of [`${x}=`, trailingBits, `${x}A`, x!.slice(0, -1), `${x!.slice(0, -1)}+`]) {
      const jwk = { kty: 'OKP', crv: 'Ed25519', x: spelling };
      expect(publicKeyFlaw(jwk)?.reason, spelling).toMatch(/^non-canonical encoding/);
      expect(clientReason(jwk), spelling).toMatch(/^non-canonical encoding/);
    }
    expect(publicKeyFlaw({ kty: 'OKP', crv: 'Ed25519', x })).toBeNull();
    expect(clientReason({ kty: 'OKP', crv: 'Ed25519', x })).toBeNull();
  });
});

describe('P-256', () => {
  test('a generated key passes', async () => {
    const { publicKey } = await generateKeyPair('ES256', { extractable: true });
    const jwk = await exportJWK(publicKey);
    expect(publicKeyFlaw(jwk)).toBeNull();
    expect(clientReason(jwk)).toBeNull();
  });

  test('a point off the curve is refused: not on P-256', async () => {
    const { publicKey } = await generateKeyPair('ES256', { extractable: true });
    const jwk = await exportJWK(publicKey);
    const y = base64url.decode(jwk.y!);
    y[31]! ^= 1;
    const off = { ...jwk, y: base64url.encode(y) };
    expect(publicKeyFlaw(off)).toEqual({ member: 'y', reason: 'not on P-256' });
    expect(clientReason(off)).toBe('not on P-256');
  });

  test('coordinates at or past the field prime, and short coordinates, are refused as non-canonical', () => {
    const prime = hex(p256.Point.Fp.ORDER.toString(16).padStart(64, '0'));
    const generator = p256.Point.BASE.toAffine();
    const y = base64url.encode(hex(generator.y.toString(16).padStart(64, '0')));
    expect(publicKeyFlaw({ kty: 'EC', crv: 'P-256', x: base64url.encode(prime), y })?.reason).toMatch(
      /^non-canonical encoding: x/,
    );
    expect(clientReason({ kty: 'EC', crv: 'P-256', x: base64url.encode(prime), y })).toMatch(/^non-canonical encoding/);
    const shortX = base64url.encode(hex(generator.x.toString(16).padStart(64, '0')).slice(1));
    expect(publicKeyFlaw({ kty: 'EC', crv: 'P-256', x: shortX, y })?.reason).toMatch(/^non-canonical encoding: x/);
    expect(clientReason({ kty: 'EC', crv: 'P-256', x: shortX, y })).toMatch(/^non-canonical encoding/);
  });

  test('the point (0, 0) and a missing y are refused', () => {
    const zero = base64url.encode(new Uint8Array(32));
    expect(publicKeyFlaw({ kty: 'EC', crv: 'P-256', x: zero, y: zero })).toEqual({
      member: 'y',
      reason: 'not on P-256',
    });
    expect(clientReason({ kty: 'EC', crv: 'P-256', x: zero, y: zero })).toBe('not on P-256');
    expect(publicKeyFlaw({ kty: 'EC', crv: 'P-256', x: zero })?.member).toBe('y');
  });
});

test('other curves and key types are refused', () => {
  expect(publicKeyFlaw({ kty: 'EC', crv: 'P-384', x: 'a', y: 'b' })?.member).toBe('crv');
  expect(publicKeyFlaw({ kty: 'OKP', crv: 'X25519', x: 'a' })?.member).toBe('crv');
  expect(clientReason({ kty: 'RSA', n: 'a', e: 'AQAB' })).toMatch(/^unsupported key/);
});

describe("the client's verifiers refuse a small-order key before verifying (the forgery would pass otherwise)", () => {
  const x = 'AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
  const key: JWK = { kty: 'OKP', crv: 'Ed25519', x, kid: 'small', alg: 'EdDSA' };
  const part = (value: unknown) => base64url.encode(new TextEncoder().encode(JSON.stringify(value)));
  const forged = new Uint8Array(64);
  forged[0] = 1;
  const forge = (header: Record<string, unknown>, claims: Record<string, unknown>) =>
    `${part(header)}.${part(claims)}.${base64url.encode(forged)}`;
  const iat = 1_795_770_000;

  test('verifyAttestation: a portal JWKS holding such a key', async () => {
    const token = forge(
      { alg: 'EdDSA', typ: 'cbm-attestation+jwt', kid: 'small' },
      {
        iss: 'https://portal.example',
        sub: 'urn:cbm:x',
        iat,
        jti: 'j',
        principal: 'AT',
        operation: 'createContact',
        body_sha256: 'b',
        request_sha256: 'r',
      },
    );
    await expect(verifyAttestation(token, { keys: [key] }, { issuer: 'https://portal.example' })).rejects.toThrow(
      UnsafeKeyError,
    );
  });

  test("verifyEvidence: a state's key that is small-order", async () => {
    const token = forge(
      { alg: 'EdDSA', typ: 'cbm-request+jwt', kid: 'small' },
      {
        iss: 'AT',
        aud: 'https://portal.example',
        iat,
        exp: iat + 60,
        jti: 'j'.repeat(16),
        htm: 'POST',
        htu: '/contacts',
        body_sha256: '47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU',
      },
    );
    const evidence = {
      attestation_id: 'a',
      principal: 'AT',
      kid: 'small',
      method: 'POST',
      path: '/contacts',
      request_token: token,
      body: '',
      body_sha256: '47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU',
    } as Evidence;
    const attestation = { principal: 'AT', iat, body_sha256: evidence.body_sha256 } as AttestationClaims;
    const refusal = verifyEvidence(evidence, attestation, { kty: 'OKP', crv: 'Ed25519', x });
    await expect(refusal).rejects.toThrow(UnsafeKeyError);
    await expect(refusal).rejects.toThrow(/small-order Ed25519 point/);
  });

  test('verifyCheckpoint: a portal key that is small-order', async () => {
    const zeros = (bytes: number) => Buffer.alloc(bytes).toString('base64');
    const note = `portal.example/log\n1\n${zeros(32)}\n\n— portal.example/log ${zeros(68)}\n`;
    const refusal = verifyCheckpoint(note, { kty: 'OKP', crv: 'Ed25519', x });
    await expect(refusal).rejects.toThrow(LogVerificationError);
    await expect(refusal).rejects.toThrow(/small-order Ed25519 point/);
  });
});

test('the Worker refuses to start with a small-order SECRETARIAT_PUBLIC_JWK (it would be the anchor of every key)', async () => {
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const env = {
    PORTAL_SIGNING_KEY: JSON.stringify(await exportJWK(privateKey)),
    SECRETARIAT_PUBLIC_JWK: JSON.stringify({
      kty: 'OKP',
      crv: 'Ed25519',
      x: 'AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
    }),
    PUBLIC_ORIGIN: 'https://portal.example',
  } as unknown as WorkerEnv;
  expect(() => parseWorkerConfig(env)).toThrow(/SECRETARIAT_PUBLIC_JWK is not a safe key: small-order Ed25519 point/);
  expect(
    parseWorkerConfig({ ...env, SECRETARIAT_PUBLIC_JWK: JSON.stringify(await exportJWK(publicKey)) } as WorkerEnv)
      .secretariatPublicJwk.crv,
  ).toBe('Ed25519');
});
