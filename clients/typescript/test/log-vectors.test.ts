/**
 * The client's verifiers against the published RFC 6962 test vectors
 * (transparency-dev/merkle testdata, copied into fixtures/ with its licence): every
 * happy path verifies, every mutation of it is rejected.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { fromBase64, hashLeaf, toBase64, verifyConsistency, verifyInclusion } from '../src/log.ts';

const fixtures = fileURLToPath(new URL('./fixtures/rfc6962/', import.meta.url));

function vectors<T>(folder: string): [string, T][] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.json')) files.push(path);
    }
  };
  walk(join(fixtures, folder));
  return files.sort().map((path) => [path.slice(fixtures.length), JSON.parse(readFileSync(path, 'utf8')) as T]);
}

interface InclusionVector {
  leafIdx: number;
  treeSize: number;
  root: string;
  leafHash: string;
  proof: string[] | null;
  wantErr: boolean;
}
interface ConsistencyVector {
  size1: number;
  size2: number;
  root1: string;
  root2: string;
  proof: string[] | null;
  wantErr: boolean;
}

describe('RFC 6962 inclusion vectors', () => {
  const all = vectors<InclusionVector>('inclusion');
  it('has both happy paths and mutations to check', () => {
    expect(all.filter(([, v]) => !v.wantErr).length).toBeGreaterThanOrEqual(5);
    expect(all.filter(([, v]) => v.wantErr).length).toBeGreaterThanOrEqual(50);
  });
  for (const [name, v] of all) {
    it(`${name}: ${v.wantErr ? 'rejected' : 'verifies'}`, async () => {
      const attempt = verifyInclusion(
        fromBase64(v.leafHash),
        v.leafIdx,
        v.treeSize,
        (v.proof ?? []).map(fromBase64),
        fromBase64(v.root),
      );
      if (v.wantErr) await expect(attempt).rejects.toThrow();
      else await expect(attempt).resolves.toBeUndefined();
    });
  }
});

describe('RFC 6962 consistency vectors', () => {
  const all = vectors<ConsistencyVector>('consistency');
  it('has both happy paths and mutations to check', () => {
    expect(all.filter(([, v]) => !v.wantErr).length).toBeGreaterThanOrEqual(5);
    expect(all.filter(([, v]) => v.wantErr).length).toBeGreaterThanOrEqual(50);
  });
  for (const [name, v] of all) {
    it(`${name}: ${v.wantErr ? 'rejected' : 'verifies'}`, async () => {
      const attempt = verifyConsistency(
        v.size1,
        v.size2,
        (v.proof ?? []).map(fromBase64),
        fromBase64(v.root1),
        fromBase64(v.root2),
      );
      if (v.wantErr) await expect(attempt).rejects.toThrow();
      else await expect(attempt).resolves.toBeUndefined();
    });
  }
});

describe('leaf hashing', () => {
  it('hashes the reference leaves as the README of the vectors gives', async () => {
    // Leaf 0 of the reference tree is the empty string; the root of a 1-leaf tree is its leaf hash.
    expect(Buffer.from(await hashLeaf(new Uint8Array())).toString('hex')).toBe(
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
    );
    expect(toBase64(fromBase64('bjQLnP+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB0='))).toBe(
      'bjQLnP+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB0=',
    );
  });
});
