/**
 * Key handling in the client (keys.ts), each rule alone with its exact reason: which key
 * types and curves are supported, and that assertSafePublicJwk checks a key's kind before
 * its coordinates, and each coordinate's spelling and range. The curve cases themselves
 * (small-order, mixed-order, off-curve points) are in src/crypto/key-safety.test.ts, beside
 * the server's own checks.
 */
import { p256 } from '@noble/curves/nist.js';
import { base64url, type JWK } from 'jose';
import { describe, expect, it } from 'vitest';
import { algorithmOf, assertSafePublicJwk, generateSigningKey, thumbprint, UnsafeKeyError } from '../src/keys.ts';

function reason(jwk: unknown): string | null {
  try {
    assertSafePublicJwk(jwk as JWK);
    return null;
  } catch (error) {
    expect(error).toBeInstanceOf(UnsafeKeyError);
    expect(error).toMatchObject({
      name: 'UnsafeKeyError',
      code: 'key-unsafe',
      message: `unsafe public key: ${(error as UnsafeKeyError).reason}`,
    });
    return (error as UnsafeKeyError).reason;
  }
}

const be = (value: bigint) =>
  base64url.encode(Uint8Array.from(Buffer.from(value.toString(16).padStart(64, '0'), 'hex')));

describe('algorithmOf', () => {
  it.each([
    [{ kty: 'OKP', crv: 'Ed25519' }, 'EdDSA'],
    [{ kty: 'EC', crv: 'P-256' }, 'ES256'],
  ])('maps %j to %s', (jwk, alg) => {
    expect(algorithmOf(jwk as JWK)).toBe(alg);
  });

  it.each([
    { kty: 'OKP', crv: 'X25519' },
    { kty: 'EC', crv: 'Ed25519' },
    { kty: 'OKP', crv: 'P-256' },
    { kty: 'EC', crv: 'P-384' },
  ])('refuses %j', (jwk) => {
    expect(() => algorithmOf(jwk as JWK)).toThrow(
      `unsupported key: kty ${jwk.kty}, crv ${jwk.crv} (use Ed25519 or P-256)`,
    );
  });
});

describe('keys made here', () => {
  it('makes Ed25519 and P-256 pairs whose kid is the thumbprint of the public half', async () => {
    const ed = await generateSigningKey();
    expect(ed.publicJwk).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig', kid: ed.kid });
    expect(ed.publicJwk).not.toHaveProperty('d');
    expect(ed.kid).toBe(await thumbprint(ed.publicJwk));
    const ec = await generateSigningKey('ES256');
    expect(ec.publicJwk).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', kid: ec.kid });
    expect(ec.kid).toBe(await thumbprint({ kty: 'EC', crv: 'P-256', x: ec.publicJwk.x, y: ec.publicJwk.y }));
    expect(reason(ed.publicJwk)).toBeNull();
    expect(reason(ec.publicJwk)).toBeNull();
  });
});

describe('assertSafePublicJwk: the kind of key', () => {
  it('refuses every other kind, even with coordinates of a sound key', async () => {
    const ed = (await generateSigningKey()).publicJwk;
    const ec = (await generateSigningKey('ES256')).publicJwk;
    for (const jwk of [
      { kty: 'OKP', crv: 'X25519', x: ed.x },
      { kty: 'EC', crv: 'Ed25519', x: ed.x },
      { kty: 'EC', crv: 'P-384', x: ec.x, y: ec.y },
      { kty: 'OKP', crv: 'P-256', x: ec.x, y: ec.y },
      { kty: 'RSA', n: 'AQAB', e: 'AQAB' },
    ]) {
      expect(reason(jwk)).toBe(`unsupported key: kty ${jwk.kty}, crv ${jwk.crv} (use Ed25519 or P-256)`);
    }
  });
});

describe('assertSafePublicJwk: coordinates', () => {
  it.each([
    ['a number', 7],
    ['missing', undefined],
    ['an array of a sound spelling', 'array'],
    ['a character before a sound spelling', 'before'],
    ['a character after a sound spelling', 'after'],
    ['42 characters', 'short'],
  ])('refuses an Ed25519 x that is %s', async (_name, kind) => {
    const { x } = (await generateSigningKey()).publicJwk;
    const value =
      kind === 'array'
        ? [x]
        : kind === 'before'
          ? `*${x}`
          : kind === 'after'
            ? `${x}*`
            : kind === 'short'
              ? x!.slice(1)
              : kind;
    expect(reason({ kty: 'OKP', crv: 'Ed25519', x: value })).toBe(
      'non-canonical encoding: x must be 32 bytes in unpadded base64url',
    );
  });

  it('names the P-256 coordinate that is not spelled canonically', async () => {
    const { x, y } = (await generateSigningKey('ES256')).publicJwk;
    expect(reason({ kty: 'EC', crv: 'P-256', x: `${x}=`, y })).toBe(
      'non-canonical encoding: x must be 32 bytes in unpadded base64url',
    );
    expect(reason({ kty: 'EC', crv: 'P-256', x, y: `${y}=` })).toBe(
      'non-canonical encoding: y must be 32 bytes in unpadded base64url',
    );
  });

  it('refuses a P-256 coordinate at the field prime, x or y alone', () => {
    const prime = p256.Point.Fp.ORDER;
    const { x, y } = p256.Point.BASE.toAffine();
    const below = 'non-canonical encoding: a coordinate is not below the P-256 field prime';
    expect(reason({ kty: 'EC', crv: 'P-256', x: be(x), y: be(y) })).toBeNull();
    expect(reason({ kty: 'EC', crv: 'P-256', x: be(prime), y: be(y) })).toBe(below);
    expect(reason({ kty: 'EC', crv: 'P-256', x: be(x), y: be(prime) })).toBe(below);
    // Below the prime but not the y of this x: refused as off the curve.
    expect(reason({ kty: 'EC', crv: 'P-256', x: be(x), y: be(prime - 1n) })).toBe('not on P-256');
  });
});
