/**
 * The log's storage on Node: integration in any number of steps gives the RFC root, proofs
 * at every size verify, and a changed stored row is caught.
 */
import type { JSONWebKeySet } from 'jose';
import { describe, expect, it } from 'vitest';
import { fromBase64, hashLeaf, verifyCheckpoint, verifyConsistency, verifyInclusion, type Checkpoint } from '../../clients/typescript/src/index.ts';
import { contactBody, createTestPortal, ORIGIN, type TestPortal } from '../../test/support/portal.ts';
import { consistencyRanges, emptyRoot, inclusionRanges, leafHash, nodeHash, type Hash } from './merkle.ts';
import { integrate, rangeHashes } from './store.ts';

/** The RFC's recursive definition over leaf hashes, as the reference. */
async function referenceRoot(leaves: Hash[]): Promise<Hash> {
  if (leaves.length === 0) return emptyRoot();
  if (leaves.length === 1) return leaves[0]!;
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return nodeHash(await referenceRoot(leaves.slice(0, k)), await referenceRoot(leaves.slice(k)));
}

/** Appends synthetic attestations and their leaves straight into the tables. */
async function appendSynthetic(portal: TestPortal, from: number, count: number): Promise<Hash[]> {
  const insertAttestation = portal.sqlite.prepare(
    `INSERT INTO attestations (id, subject, principal_id, kid, operation, issued_at, token, method, path, content_type, request_token, body, body_sha256)
     VALUES (?, ?, 'secretariat', 'k', 'synthetic', '2026-11-27T09:00:00.000Z', ?, 'POST', '/', NULL, 't', x'', 'd')`,
  );
  const insertLeaf = portal.sqlite.prepare('INSERT INTO log_leaves (idx, attestation_id, leaf_hash) VALUES (?, ?, ?)');
  const hashes: Hash[] = [];
  for (let i = from; i < from + count; i += 1) {
    const id = `synthetic-${i}`;
    const token = `token-${i}`;
    const hash = await leafHash(new TextEncoder().encode(token));
    insertAttestation.run(id, `urn:cbm:synthetic:${i}`, token);
    insertLeaf.run(i, id, hash);
    hashes.push(hash);
  }
  return hashes;
}

const hex = (hash: Hash) => Buffer.from(hash).toString('hex');

async function checkpointOf(portal: TestPortal): Promise<Checkpoint> {
  const jwks = (await (await portal.fetch(new Request(`${ORIGIN}/.well-known/jwks.json`))).json()) as JSONWebKeySet;
  const res = await portal.fetch(new Request(`${ORIGIN}/log/checkpoint`));
  expect(res.status).toBe(200);
  return verifyCheckpoint(await res.text(), jwks.keys[0]!, 'portal.test/log');
}

describe('log storage', () => {
  it('integrates in uneven steps to the same roots as the RFC definition, for every size', async () => {
    const portal = await createTestPortal();
    const all: Hash[] = [];
    for (const step of [1, 2, 5, 1, 8, 31, 1, 64, 100]) {
      all.push(...(await appendSynthetic(portal, all.length, step)));
      expect(await integrate(portal.db)).toBe(all.length);
    }
    for (const size of [1, 2, 3, 7, 8, 9, 100, 128, 129, 200, all.length]) {
      const [root] = await rangeHashes(portal.db, [{ start: 0, end: size }]);
      expect(hex(root!)).toBe(hex(await referenceRoot(all.slice(0, size))));
    }
    // Every stored node above the leaves exists exactly once: n - popcount(n) of them.
    const nodes = portal.sqlite.prepare('SELECT count(*) FROM log_nodes').pluck().get();
    expect(nodes).toBe(all.length - all.length.toString(2).split('').filter((bit) => bit === '1').length);
  });

  it('serves proofs that verify at every index and between every pair of sizes', async () => {
    const portal = await createTestPortal();
    const leaves = await appendSynthetic(portal, 0, 37);
    await integrate(portal.db);
    const roots = await Promise.all(Array.from({ length: 38 }, (_, size) => referenceRoot(leaves.slice(0, size))));
    for (const size of [1, 2, 5, 16, 17, 37]) {
      for (let index = 0; index < size; index += 1) {
        const proof = await rangeHashes(portal.db, inclusionRanges(index, size));
        await verifyInclusion(leaves[index]!, index, size, proof, roots[size]!);
      }
      for (let first = 1; first <= size; first += 1) {
        const proof = await rangeHashes(portal.db, consistencyRanges(first, size));
        await verifyConsistency(first, size, proof, roots[first]!, roots[size]!);
      }
    }
  });

  it('is caught when one stored row changes', async () => {
    const portal = await createTestPortal();
    const at = await portal.registerState('AT');
    const written: { attestation: { token: string; log_index: number } }[] = [];
    for (let i = 0; i < 6; i += 1) written.push((await (await at.post('/contacts', contactBody({ name: `Contact ${i}` }))).json()) as (typeof written)[number]);
    const saved = await checkpointOf(portal);
    expect(saved.size).toBe(8);

    // A rewritten attestation no longer hashes to the leaf the signed checkpoint commits to.
    const target = written[2]!.attestation;
    portal.sqlite.prepare('UPDATE attestations SET token = ? WHERE token = ?').run(`${target.token.slice(0, -2)}AA`, target.token);
    const entries = (await (await at.get('/log/entries?start=0&end=8')).json()) as { entries: { index: number; token: string }[] };
    const served = entries.entries.find((entry) => entry.index === target.log_index)!;
    const proof = (await (await at.get(`/log/proofs/inclusion?leaf_index=${target.log_index}&tree_size=8`)).json()) as { proof: string[] };
    const rewrittenLeaf = await hashLeaf(new TextEncoder().encode(served.token));
    await expect(verifyInclusion(rewrittenLeaf, target.log_index, 8, proof.proof.map(fromBase64), saved.root)).rejects.toThrow(/does not lead to the root/);
    const honestLeaf = await hashLeaf(new TextEncoder().encode(target.token));
    await verifyInclusion(honestLeaf, target.log_index, 8, proof.proof.map(fromBase64), saved.root);

    // A changed subtree hash breaks the proofs of its neighbours, and the portal refuses to
    // sign a checkpoint that would contradict the one it signed before.
    portal.sqlite.prepare('UPDATE log_nodes SET hash = zeroblob(32) WHERE level = 1 AND idx = 0').run();
    const neighbour = (await (await at.get('/log/proofs/inclusion?leaf_index=3&tree_size=8')).json()) as { proof: string[] };
    const leaf3 = await hashLeaf(new TextEncoder().encode(written[1]!.attestation.token));
    await expect(verifyInclusion(leaf3, 3, 8, neighbour.proof.map(fromBase64), saved.root)).rejects.toThrow();
    await at.post('/contacts', contactBody({ name: 'After the tampering' }));
    // (1, 0) is not part of any root; the hash of all eight leaves (3, 0) is.
    portal.sqlite.prepare('UPDATE log_nodes SET hash = zeroblob(32) WHERE level = 3 AND idx = 0').run();
    const refused = await portal.fetch(new Request(`${ORIGIN}/log/checkpoint`));
    expect(refused.status).toBe(500);
    expect(await refused.text()).not.toMatch(/log_nodes|stored hashes/);
    expect(portal.logged.join('\n')).toMatch(/refusing to sign/);
    expect(portal.sqlite.prepare('SELECT max(size) FROM log_checkpoints').pluck().get()).toBe(8);
  });

  it('signs one checkpoint per size and signs the empty log', async () => {
    const portal = await createTestPortal();
    const empty = await checkpointOf(portal);
    expect(empty.size).toBe(0);
    expect(hex(empty.root)).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    const again = await checkpointOf(portal);
    expect(again.note).toBe(empty.note);
    await portal.registerState('AT');
    expect((await checkpointOf(portal)).size).toBe(2);
    expect(portal.sqlite.prepare('SELECT size FROM log_checkpoints ORDER BY size').pluck().all()).toEqual([0, 2]);
  });
});
