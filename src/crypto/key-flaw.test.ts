/**
 * publicKeyFlaw names the JWK member at fault and the exact reason, for each check alone;
 * key-safety.test.ts holds the curve cases (small-order, mixed-order, off-curve points).
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { p256 } from '@noble/curves/nist.js';
import { base64url, exportJWK, generateKeyPair, type JWK } from 'jose';
import { describe, expect, it } from 'vitest';
import { publicKeyFlaw } from './key-safety.ts';

const be = (value: bigint) =>
  base64url.encode(Uint8Array.from(Buffer.from(value.toString(16).padStart(64, '0'), 'hex')));
const SPELLING = (member: 'x' | 'y') => ({
  member,
  reason: `non-canonical encoding: ${member} must be 32 bytes in unpadded base64url`,
});

async function sound(alg: 'EdDSA' | 'ES256'): Promise<JWK> {
  const { publicKey } = await generateKeyPair(alg, {
    extractable: true,
    ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}),
  });
  return exportJWK(publicKey);
}

describe('publicKeyFlaw', () => {
  it('finds none in sound keys', async () => {
    expect(publicKeyFlaw(await sound('EdDSA'))).toBeNull();
    expect(publicKeyFlaw(await sound('ES256'))).toBeNull();
  });

  it.each([
    ['a number', () => 7],
    ['an array of a sound spelling', (x: string) => [x]],
    ['a character before a sound spelling', (x: string) => `*${x}`],
    ['a character after a sound spelling', (x: string) => `${x}*`],
    ['padded', (x: string) => `${x}=`],
    ['missing', () => undefined],
  ])('refuses an Ed25519 x that is %s, naming x', async (_name, spell) => {
    const { x } = await sound('EdDSA');
    expect(publicKeyFlaw({ kty: 'OKP', crv: 'Ed25519', x: spell(x!) as string })).toEqual(SPELLING('x'));
  });

  it('names x for every flaw of an Ed25519 key', () => {
    const y2 = new Uint8Array(32);
    y2[0] = 2;
    expect(publicKeyFlaw({ kty: 'OKP', crv: 'Ed25519', x: base64url.encode(y2) })).toEqual({
      member: 'x',
      reason: 'not a point on Ed25519',
    });
    const p = new Uint8Array(32).fill(0xff);
    p[0] = 0xed;
    p[31] = 0x7f;
    expect(publicKeyFlaw({ kty: 'OKP', crv: 'Ed25519', x: base64url.encode(p) })).toEqual({
      member: 'x',
      reason: 'non-canonical encoding of an Ed25519 point',
    });
    const order8 = ed25519.Point.fromBytes(
      Uint8Array.from(Buffer.from('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a', 'hex')),
    );
    const mixed = ed25519.Point.fromBytes(ed25519.getPublicKey(ed25519.utils.randomSecretKey())).add(order8).toBytes();
    expect(publicKeyFlaw({ kty: 'OKP', crv: 'Ed25519', x: base64url.encode(mixed) })).toEqual({
      member: 'x',
      reason: 'mixed-order Ed25519 point (outside the prime-order subgroup)',
    });
  });

  it('names the P-256 coordinate at fault', async () => {
    const { x, y } = await sound('ES256');
    expect(publicKeyFlaw({ kty: 'EC', crv: 'P-256', x: `${x}=`, y })).toEqual(SPELLING('x'));
    expect(publicKeyFlaw({ kty: 'EC', crv: 'P-256', x, y: `${y}=` })).toEqual(SPELLING('y'));
    const prime = p256.Point.Fp.ORDER;
    const base = p256.Point.BASE.toAffine();
    expect(publicKeyFlaw({ kty: 'EC', crv: 'P-256', x: be(prime), y: be(base.y) })).toEqual({
      member: 'x',
      reason: 'non-canonical encoding: x is not below the P-256 field prime',
    });
    expect(publicKeyFlaw({ kty: 'EC', crv: 'P-256', x: be(base.x), y: be(prime) })).toEqual({
      member: 'y',
      reason: 'non-canonical encoding: y is not below the P-256 field prime',
    });
    expect(publicKeyFlaw({ kty: 'EC', crv: 'P-256', x: be(base.x), y: be(base.y) })).toBeNull();
    expect(publicKeyFlaw({ kty: 'EC', crv: 'P-256', x: be(base.x), y: be(prime - 1n) })).toEqual({
      member: 'y',
      reason: 'not on P-256',
    });
  });

  it('refuses every other kind of key as the curve, even with the coordinates of a sound key', async () => {
    const ed = await sound('EdDSA');
    const ec = await sound('ES256');
    for (const jwk of [
      { kty: 'EC', crv: 'Ed25519', x: ed.x },
      { kty: 'OKP', crv: 'X25519', x: ed.x },
      { kty: 'OKP', crv: 'P-256', x: ec.x, y: ec.y },
      { kty: 'EC', crv: 'P-384', x: ec.x, y: ec.y },
      { kty: 'RSA', n: 'AQAB', e: 'AQAB' },
    ]) {
      expect(publicKeyFlaw(jwk as JWK)).toEqual({
        member: 'crv',
        reason: 'only Ed25519 (kty OKP) and P-256 (kty EC) keys are accepted',
      });
    }
  });
});
