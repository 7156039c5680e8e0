/**
 * Verifying the portal's Merkle log without trusting the portal: inclusion and consistency
 * proofs (RFC 9162 sections 2.1.3.2 and 2.1.4.2) and C2SP signed checkpoints. Separate
 * from the server's code on purpose: a bug shared by both could not be caught.
 */
import { base64url, type JWK } from 'jose';
import { fromBase64, toBase64 } from './base64.ts';
import { assertSafePublicJwk } from './keys.ts';

export type Hash = Uint8Array;

const encoder = new TextEncoder();

export class LogVerificationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LogVerificationError';
  }
}

async function sha256(...parts: Uint8Array[]): Promise<Hash> {
  const input = new Uint8Array(parts.reduce((length, part) => length + part.byteLength, 0));
  let offset = 0;
  for (const part of parts) {
    input.set(part, offset);
    offset += part.byteLength;
  }
  return new Uint8Array(await crypto.subtle.digest('SHA-256', input));
}

export const hashLeaf = (data: Uint8Array): Promise<Hash> => sha256(new Uint8Array([0x00]), data);
const hashChildren = (left: Hash, right: Hash): Promise<Hash> => sha256(new Uint8Array([0x01]), left, right);

export { fromBase64, toBase64 };

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && a.every((byte, index) => byte === b[index]);
}

function checkHashes(hashes: Uint8Array[], what: string) {
  for (const hash of hashes)
    if (hash.byteLength !== 32) throw new LogVerificationError(`${what}: a hash is not 32 bytes`);
}

/** Throws unless `proof` shows the leaf at `index` is in the tree of `size` with `root`. */
export async function verifyInclusion(
  leafHash: Hash,
  index: number,
  size: number,
  proof: Hash[],
  root: Hash,
): Promise<void> {
  checkHashes([leafHash, root, ...proof], 'inclusion proof');
  if (!(index >= 0 && index < size))
    throw new LogVerificationError(`inclusion proof: index ${index} is not below size ${size}`);
  let fn = BigInt(index);
  let sn = BigInt(size - 1);
  let r = leafHash;
  for (const p of proof) {
    if (sn === 0n) throw new LogVerificationError('inclusion proof: longer than the tree is deep');
    if ((fn & 1n) === 1n || fn === sn) {
      r = await hashChildren(p, r);
      if ((fn & 1n) === 0n) {
        while ((fn & 1n) === 0n && fn !== 0n) {
          fn >>= 1n;
          sn >>= 1n;
        }
      }
    } else {
      r = await hashChildren(r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  if (sn !== 0n) throw new LogVerificationError('inclusion proof: shorter than the tree is deep');
  if (!equal(r, root)) throw new LogVerificationError('inclusion proof: does not lead to the root');
}

/**
 * Throws unless `proof` shows the tree of `size1` with `root1` is a prefix of the tree of
 * `size2` with `root2`: the log was only appended to in between, never rewritten.
 */
export async function verifyConsistency(
  size1: number,
  size2: number,
  proof: Hash[],
  root1: Hash,
  root2: Hash,
): Promise<void> {
  if (size1 < 1) throw new LogVerificationError('consistency proof: the first tree must not be empty');
  if (size2 < size1) throw new LogVerificationError('consistency proof: the second tree is smaller than the first');
  if (size1 === size2) {
    if (proof.length) throw new LogVerificationError('consistency proof: must be empty for equal sizes');
    if (!equal(root1, root2)) throw new LogVerificationError('consistency proof: equal sizes with different roots');
    return;
  }
  checkHashes([root1, root2, ...proof], 'consistency proof');
  if (!proof.length) throw new LogVerificationError('consistency proof: empty');
  const path = (size1 & (size1 - 1)) === 0 ? [root1, ...proof] : [...proof];
  let fn = BigInt(size1 - 1);
  let sn = BigInt(size2 - 1);
  while ((fn & 1n) === 1n) {
    fn >>= 1n;
    sn >>= 1n;
  }
  let fr = path[0]!;
  let sr = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0n) throw new LogVerificationError('consistency proof: longer than the tree is deep');
    if ((fn & 1n) === 1n || fn === sn) {
      fr = await hashChildren(c, fr);
      sr = await hashChildren(c, sr);
      if ((fn & 1n) === 0n) {
        while ((fn & 1n) === 0n && fn !== 0n) {
          fn >>= 1n;
          sn >>= 1n;
        }
      }
    } else {
      sr = await hashChildren(sr, c);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  if (sn !== 0n) throw new LogVerificationError('consistency proof: shorter than the tree is deep');
  if (!equal(fr, root1)) throw new LogVerificationError('consistency proof: does not lead to the first root');
  if (!equal(sr, root2)) throw new LogVerificationError('consistency proof: does not lead to the second root');
}

export interface Checkpoint {
  origin: string;
  size: number;
  root: Hash;
  /** The signed text, for storing and comparing later. */
  note: string;
}

/**
 * Parses a C2SP `tlog-checkpoint` and verifies its Ed25519 signature by the portal key
 * (the JWK from /.well-known/jwks.json). Throws on any deviation.
 */
export async function verifyCheckpoint(note: string, portalKey: JWK, expectedOrigin?: string): Promise<Checkpoint> {
  const separator = note.indexOf('\n\n');
  if (separator < 0) throw new LogVerificationError('checkpoint: no signature block');
  const body = note.slice(0, separator + 1);
  const lines = body.split('\n');
  const [origin, sizeText, rootText] = lines;
  if (lines.length < 4 || !origin || !sizeText || !rootText || !/^\d+$/.test(sizeText))
    throw new LogVerificationError('checkpoint: malformed body');
  if (expectedOrigin !== undefined && origin !== expectedOrigin)
    throw new LogVerificationError(`checkpoint: origin ${origin} is not ${expectedOrigin}`);
  if (portalKey.kty !== 'OKP' || portalKey.crv !== 'Ed25519' || !portalKey.x)
    throw new LogVerificationError('checkpoint: the portal key must be an Ed25519 JWK');
  try {
    assertSafePublicJwk(portalKey);
  } catch (error) {
    throw new LogVerificationError(`checkpoint: ${(error as Error).message}`);
  }
  const publicKey = new Uint8Array(base64url.decode(portalKey.x));
  const keyId = (await sha256(encoder.encode(origin), new Uint8Array([0x0a, 0x01]), publicKey)).slice(0, 4);
  const key = await crypto.subtle.importKey('raw', publicKey, { name: 'Ed25519' }, false, ['verify']);
  const signatureLines = note
    .slice(separator + 2)
    .split('\n')
    .filter(Boolean);
  for (const line of signatureLines) {
    const match = /^— (\S+) ([A-Za-z0-9+/=]+)$/.exec(line);
    if (!match || match[1] !== origin) continue;
    const blob = fromBase64(match[2]!);
    if (blob.byteLength !== 68 || !equal(blob.slice(0, 4), keyId)) continue;
    if (await crypto.subtle.verify({ name: 'Ed25519' }, key, new Uint8Array(blob.slice(4)), encoder.encode(body))) {
      const root = fromBase64(rootText);
      checkHashes([root], 'checkpoint');
      return { origin, size: Number(sizeText), root, note };
    }
    throw new LogVerificationError('checkpoint: the signature does not verify');
  }
  throw new LogVerificationError('checkpoint: no signature by the portal key');
}
