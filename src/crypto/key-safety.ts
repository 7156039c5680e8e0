import { ed25519 } from '@noble/curves/ed25519.js';
import { p256 } from '@noble/curves/nist.js';
import { base64url, type JWK } from 'jose';

/** Why a public key must not be trusted, and which JWK member says so. */
export interface KeyFlaw {
  member: 'x' | 'y' | 'crv';
  reason: string;
}

const ED25519_P = 2n ** 255n - 19n;
const P256_P = p256.Point.Fp.ORDER;

/**
 * A coordinate as exactly 32 bytes in canonical base64url: 43 characters whose unused
 * trailing bits are zero. Other spellings of the same bytes would give the same key a
 * second RFC 7638 thumbprint, so a second kid.
 */
function coordinate(value: unknown): Uint8Array | null {
  if (typeof value !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(value)) return null;
  const bytes = base64url.decode(value);
  return bytes.byteLength === 32 && base64url.encode(bytes) === value ? bytes : null;
}

const bigEndian = (bytes: Uint8Array) =>
  BigInt(`0x${Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('')}`);

function ed25519Flaw(x: unknown): KeyFlaw | null {
  const bytes = coordinate(x);
  if (!bytes) return { member: 'x', reason: 'non-canonical encoding: x must be 32 bytes in unpadded base64url' };
  const y = bigEndian(bytes.slice().reverse()) & (2n ** 255n - 1n);
  const signBit = (bytes[31]! & 0x80) !== 0;
  // RFC 8032 section 5.1.3: y >= p, or the sign bit set on x = 0 (y = 1 or p - 1), are
  // second encodings of points that have a canonical one.
  if (y >= ED25519_P || (signBit && (y === 1n || y === ED25519_P - 1n)))
    return { member: 'x', reason: 'non-canonical encoding of an Ed25519 point' };
  let point: ReturnType<typeof ed25519.Point.fromBytes>;
  try {
    point = ed25519.Point.fromBytes(bytes);
  } catch {
    return { member: 'x', reason: 'not a point on Ed25519' };
  }
  // With a point of order 1, 2, 4 or 8 as the key, R = identity and S = 0 verify for every
  // message: anyone can sign, and its holder can deny any signature.
  if (point.isSmallOrder()) return { member: 'x', reason: 'small-order Ed25519 point' };
  // A key with a small-order component verifies some signatures under cofactored checks
  // and not under cofactorless ones: verifiers would disagree. Honest keys (a * B) never have one.
  if (!point.isTorsionFree())
    return { member: 'x', reason: 'mixed-order Ed25519 point (outside the prime-order subgroup)' };
  return null;
}

function p256Flaw(x: unknown, y: unknown): KeyFlaw | null {
  const xBytes = coordinate(x);
  if (!xBytes) return { member: 'x', reason: 'non-canonical encoding: x must be 32 bytes in unpadded base64url' };
  const yBytes = coordinate(y);
  if (!yBytes) return { member: 'y', reason: 'non-canonical encoding: y must be 32 bytes in unpadded base64url' };
  const [px, py] = [bigEndian(xBytes), bigEndian(yBytes)];
  if (px >= P256_P) return { member: 'x', reason: 'non-canonical encoding: x is not below the P-256 field prime' };
  if (py >= P256_P) return { member: 'y', reason: 'non-canonical encoding: y is not below the P-256 field prime' };
  try {
    p256.Point.fromAffine({ x: px, y: py }).assertValidity();
  } catch {
    return { member: 'y', reason: 'not on P-256' };
  }
  return null;
}

/**
 * The flaw that makes a public key unsafe to verify with, or null for a sound key:
 * Ed25519 keys must be canonical encodings of points in the prime-order subgroup (no
 * small-order or mixed-order points), P-256 keys canonical points on the curve. Checked
 * at registration and rotation, and again before any verification, since keys stored
 * before these checks existed may be unsafe.
 */
export function publicKeyFlaw(jwk: JWK): KeyFlaw | null {
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') return ed25519Flaw(jwk.x);
  if (jwk.kty === 'EC' && jwk.crv === 'P-256') return p256Flaw(jwk.x, jwk.y);
  return { member: 'crv', reason: 'only Ed25519 (kty OKP) and P-256 (kty EC) keys are accepted' };
}
