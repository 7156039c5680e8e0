/**
 * RFC 9162 (RFC 6962) Merkle tree hashing and proof shapes, independent of storage.
 * leaf = SHA-256(0x00 || data), node = SHA-256(0x01 || left || right).
 *
 * Proofs are computed in two steps: the proof algorithms of RFC 9162 section 2.1 produce
 * the leaf ranges whose hashes make up the proof; each range is then folded from the
 * complete, aligned subtrees it decomposes into, which the log stores.
 */

import { sha256Bytes } from '../crypto/encoding.ts';

export type Hash = Uint8Array;

const LEAF_PREFIX = new Uint8Array([0x00]);
const NODE_PREFIX = new Uint8Array([0x01]);

export const leafHash = (data: Uint8Array): Promise<Hash> => sha256Bytes(LEAF_PREFIX, data);

export const nodeHash = (left: Hash, right: Hash): Promise<Hash> => sha256Bytes(NODE_PREFIX, left, right);

/** The root of the empty tree: SHA-256 of nothing. */
export const emptyRoot = (): Promise<Hash> => sha256Bytes();

/** A range of leaves [start, end). */
export interface Range {
  start: number;
  end: number;
}

/** A complete subtree: leaves [index * 2^level, (index + 1) * 2^level). */
export interface Subtree {
  level: number;
  index: number;
}

/** Largest power of two strictly smaller than n (n >= 2). */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/**
 * The complete subtrees that make up a range, left to right. Ranges from the proof
 * algorithms start at a multiple of a power of two at least as large as their size's
 * leading power, so the decomposition follows the binary digits of the size.
 */
export function decompose(range: Range): Subtree[] {
  const subtrees: Subtree[] = [];
  let start = range.start;
  let remaining = range.end - range.start;
  while (remaining > 0) {
    let size = 1;
    while (size * 2 <= remaining && start % (size * 2) === 0) size *= 2;
    subtrees.push({ level: Math.log2(size), index: start / size });
    start += size;
    remaining -= size;
  }
  return subtrees;
}

/** Folds the hashes of a range's subtrees (left to right) into the range's Merkle hash. */
export async function foldRange(hashes: Hash[]): Promise<Hash> {
  let root = hashes[hashes.length - 1];
  if (!root) throw new Error('empty range');
  for (let i = hashes.length - 2; i >= 0; i -= 1) root = await nodeHash(hashes[i]!, root);
  return root;
}

/** RFC 9162 2.1.3.1 PATH(m, D[n]): the ranges whose hashes form the inclusion proof. */
export function inclusionRanges(leafIndex: number, treeSize: number): Range[] {
  const ranges: Range[] = [];
  const path = (m: number, start: number, end: number) => {
    const n = end - start;
    if (n <= 1) return;
    const k = splitPoint(n);
    if (m < k) {
      path(m, start, start + k);
      ranges.push({ start: start + k, end });
    } else {
      path(m - k, start + k, end);
      ranges.push({ start, end: start + k });
    }
  };
  path(leafIndex, 0, treeSize);
  return ranges;
}

/** RFC 9162 2.1.4.1 PROOF(m, D[n]): the ranges whose hashes form the consistency proof. */
export function consistencyRanges(first: number, second: number): Range[] {
  const ranges: Range[] = [];
  const subproof = (m: number, start: number, end: number, complete: boolean) => {
    const n = end - start;
    if (m === n) {
      if (!complete) ranges.push({ start, end });
      return;
    }
    const k = splitPoint(n);
    if (m <= k) {
      subproof(m, start, start + k, complete);
      ranges.push({ start: start + k, end });
    } else {
      subproof(m - k, start + k, end, false);
      ranges.push({ start, end: start + k });
    }
  };
  if (first < second) subproof(first, 0, second, true);
  return ranges;
}
