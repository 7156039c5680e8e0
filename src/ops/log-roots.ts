/**
 * The Merkle roots of a stored log at chosen sizes, re-derived from the attestation tokens
 * themselves (leaf = SHA-256(0x00 || token)), in one streaming pass over the leaves: the
 * restore check does not trust stored subtree hashes, or even stored leaf hashes, of a
 * backup it is about to serve from.
 */
import type BetterSqlite3 from 'better-sqlite3';
import { toBase64 } from '../../clients/typescript/src/base64.ts';
import { emptyRoot, leafHash, nodeHash, type Hash } from '../log/merkle.ts';

export class LogMismatch extends Error {
  override name = 'LogMismatch';
}

/** Root hash (base64) of the first `size` leaves, for each size asked; sizes beyond the log are left out. */
export async function rootsAt(sqlite: BetterSqlite3.Database, sizes: readonly number[]): Promise<Map<number, string>> {
  const wanted = new Set(sizes);
  const roots = new Map<number, string>();
  if (wanted.has(0)) roots.set(0, toBase64(await emptyRoot()));
  const largest = Math.max(0, ...sizes);
  // The complete subtrees of the leaves so far, largest first: the log's right frontier.
  const stack: { size: number; hash: Hash }[] = [];
  let count = 0;
  const rows = sqlite
    .prepare(
      `SELECT log_leaves.idx AS idx, log_leaves.leaf_hash AS stored, attestations.token AS token
         FROM log_leaves LEFT JOIN attestations ON attestations.id = log_leaves.attestation_id
        WHERE log_leaves.idx < ? ORDER BY log_leaves.idx`,
    )
    .iterate(largest) as IterableIterator<{ idx: number; stored: Uint8Array; token: string | null }>;
  const encoder = new TextEncoder();
  for (const row of rows) {
    if (row.idx !== count) throw new LogMismatch(`the log has a gap: leaf ${count} is missing`);
    if (row.token === null) throw new LogMismatch(`leaf ${row.idx} names an attestation that is not stored`);
    const hash = await leafHash(encoder.encode(row.token));
    if (toBase64(hash) !== toBase64(new Uint8Array(row.stored)))
      throw new LogMismatch(`leaf ${row.idx}'s stored hash is not the hash of its attestation`);
    stack.push({ size: 1, hash });
    while (stack.length >= 2 && stack[stack.length - 1]!.size === stack[stack.length - 2]!.size) {
      const right = stack.pop()!;
      const left = stack.pop()!;
      stack.push({ size: left.size * 2, hash: await nodeHash(left.hash, right.hash) });
    }
    count += 1;
    if (wanted.has(count)) {
      let root = stack[stack.length - 1]!.hash;
      for (let i = stack.length - 2; i >= 0; i -= 1) root = await nodeHash(stack[i]!.hash, root);
      roots.set(count, toBase64(root));
    }
  }
  return roots;
}

export { toBase64 };
