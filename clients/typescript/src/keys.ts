import { ed25519 } from '@noble/curves/ed25519.js';
import { p256 } from '@noble/curves/nist.js';
import { base64url, calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';

export type KeyAlgorithm = 'EdDSA' | 'ES256';

export interface KeyPair {
  /** Keep secret: signs requests. */
  privateJwk: JWK;
  /** Hand to the Secretariat for registration. */
  publicJwk: JWK;
  kid: string;
}

/** The RFC 7638 thumbprint the portal uses as `kid`. */
export function thumbprint(jwk: JWK): Promise<string> {
  const members =
    jwk.kty === 'EC' ? { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y } : { kty: jwk.kty, crv: jwk.crv, x: jwk.x };
  return calculateJwkThumbprint(members as JWK, 'sha256');
}

/** A new key pair: Ed25519 (`EdDSA`, the default) or P-256 (`ES256`). */
export async function generateSigningKey(alg: KeyAlgorithm = 'EdDSA'): Promise<KeyPair> {
  const { privateKey } = await generateKeyPair(
    alg,
    alg === 'EdDSA' ? { crv: 'Ed25519', extractable: true } : { extractable: true },
  );
  const jwk = await exportJWK(privateKey);
  const kid = await thumbprint(jwk);
  const privateJwk = { ...jwk, kid, alg, use: 'sig' };
  const { d: _secret, ...publicJwk } = privateJwk;
  return { privateJwk, publicJwk, kid };
}

export function algorithmOf(jwk: JWK): KeyAlgorithm {
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') return 'EdDSA';
  if (jwk.kty === 'EC' && jwk.crv === 'P-256') return 'ES256';
  throw new Error(`unsupported key: kty ${jwk.kty}, crv ${jwk.crv} (use Ed25519 or P-256)`);
}

/** Thrown for a public key that must not be verified with; `reason` says why. */
export class UnsafeKeyError extends Error {
  readonly code = 'key-unsafe';
  constructor(readonly reason: string) {
    super(`unsafe public key: ${reason}`);
    this.name = 'UnsafeKeyError';
  }
}

const ED25519_P = 2n ** 255n - 19n;

/** Exactly 32 bytes in canonical unpadded base64url (another spelling is another kid). */
function coordinate(value: unknown, name: string): Uint8Array {
  const bytes = typeof value === 'string' && /^[A-Za-z0-9_-]{43}$/.test(value) ? base64url.decode(value) : null;
  if (bytes?.byteLength !== 32 || base64url.encode(bytes) !== value) {
    throw new UnsafeKeyError(`non-canonical encoding: ${name} must be 32 bytes in unpadded base64url`);
  }
  return bytes;
}

const bigEndian = (bytes: Uint8Array) =>
  BigInt(`0x${Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('')}`);

/**
 * Refuses (UnsafeKeyError) a public key no signature should be trusted under: an Ed25519
 * key that is not the canonical encoding of a point in the prime-order subgroup (with a
 * small-order key, R = identity and S = 0 "verify" for every message), or a P-256 key that
 * is not a canonical point on the curve. Call it wherever a JWK is imported to verify.
 */
export function assertSafePublicJwk(jwk: JWK): void {
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') {
    const bytes = coordinate(jwk.x, 'x');
    const y = bigEndian(bytes.slice().reverse()) & (2n ** 255n - 1n);
    const signBit = (bytes[31]! & 0x80) !== 0;
    if (y >= ED25519_P || (signBit && (y === 1n || y === ED25519_P - 1n)))
      throw new UnsafeKeyError('non-canonical encoding of an Ed25519 point');
    let point: ReturnType<typeof ed25519.Point.fromBytes>;
    try {
      point = ed25519.Point.fromBytes(bytes);
    } catch {
      throw new UnsafeKeyError('not a point on Ed25519');
    }
    if (point.isSmallOrder()) throw new UnsafeKeyError('small-order Ed25519 point');
    if (!point.isTorsionFree())
      throw new UnsafeKeyError('mixed-order Ed25519 point (outside the prime-order subgroup)');
    return;
  }
  if (jwk.kty === 'EC' && jwk.crv === 'P-256') {
    const [x, y] = [bigEndian(coordinate(jwk.x, 'x')), bigEndian(coordinate(jwk.y, 'y'))];
    if (x >= p256.Point.Fp.ORDER || y >= p256.Point.Fp.ORDER)
      throw new UnsafeKeyError('non-canonical encoding: a coordinate is not below the P-256 field prime');
    try {
      p256.Point.fromAffine({ x, y }).assertValidity();
    } catch {
      throw new UnsafeKeyError('not on P-256');
    }
    return;
  }
  throw new UnsafeKeyError(`unsupported key: kty ${jwk.kty}, crv ${jwk.crv} (use Ed25519 or P-256)`);
}
