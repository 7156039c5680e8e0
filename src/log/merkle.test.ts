/**
 * The server's proof shapes against the RFC 6962 reference tree: computing every proof
 * over an in-memory tree of the 8 reference leaves must give the published roots and the
 * published happy-path proofs.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  consistencyRanges,
  decompose,
  emptyRoot,
  foldRange,
  inclusionRanges,
  leafHash,
  nodeHash,
  type Hash,
  type Range,
} from './merkle.ts';

const LEAVES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map(
  (hex) => Buffer.from(hex, 'hex'),
);
const ROOTS = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
const hex = (hash: Hash) => Buffer.from(hash).toString('hex');
const b64 = (hash: Hash) => Buffer.from(hash).toString('base64');

/** The RFC's recursive definition, straight from the text, as the reference. */
async function mth(leaves: Buffer[]): Promise<Hash> {
  if (leaves.length === 0) return emptyRoot();
  if (leaves.length === 1) return leafHash(leaves[0]!);
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return nodeHash(await mth(leaves.slice(0, k)), await mth(leaves.slice(k)));
}

/** Range hashes the way the log computes them: from complete subtrees, folded. */
async function rangeHash(range: Range): Promise<Hash> {
  const subtrees = decompose(range);
  const hashes = await Promise.all(
    subtrees.map(({ level, index }) => mth(LEAVES.slice(index * 2 ** level, (index + 1) * 2 ** level))),
  );
  return foldRange(hashes);
}

describe('Merkle tree hashing', () => {
  it('gives the published roots of the reference tree for every size', async () => {
    for (let size = 0; size <= 8; size += 1) {
      expect(hex(await mth(LEAVES.slice(0, size)))).toBe(ROOTS[size]);
      if (size > 0) expect(hex(await rangeHash({ start: 0, end: size }))).toBe(ROOTS[size]);
    }
  });

  it('decomposes ranges into aligned complete subtrees', () => {
    expect(decompose({ start: 0, end: 7 })).toEqual([
      { level: 2, index: 0 },
      { level: 1, index: 2 },
      { level: 0, index: 6 },
    ]);
    expect(decompose({ start: 4, end: 6 })).toEqual([{ level: 1, index: 2 }]);
    expect(decompose({ start: 0, end: 1_000_000 }).length).toBe(7); // one per set bit of 1,000,000
  });

  it('produces the published inclusion proofs', async () => {
    for (const folder of ['0', '1', '2', '3', '4']) {
      const vector = JSON.parse(
        readFileSync(
          new URL(
            `../../clients/typescript/test/fixtures/rfc6962/inclusion/${folder}/happy-path.json`,
            import.meta.url,
          ),
          'utf8',
        ),
      ) as {
        leafIdx: number;
        treeSize: number;
        proof: string[] | null;
      };
      const proof = await Promise.all(inclusionRanges(vector.leafIdx, vector.treeSize).map(rangeHash));
      expect(proof.map(b64)).toEqual(vector.proof ?? []);
    }
  });

  it('produces the published consistency proofs', async () => {
    for (const folder of ['0', '1', '2', '3', '4']) {
      const vector = JSON.parse(
        readFileSync(
          new URL(
            `../../clients/typescript/test/fixtures/rfc6962/consistency/${folder}/happy-path.json`,
            import.meta.url,
          ),
          'utf8',
        ),
      ) as {
        size1: number;
        size2: number;
        proof: string[] | null;
      };
      const proof = await Promise.all(consistencyRanges(vector.size1, vector.size2).map(rangeHash));
      expect(proof.map(b64)).toEqual(vector.proof ?? []);
    }
  });
});
