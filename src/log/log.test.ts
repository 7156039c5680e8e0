/**
 * The log's storage and clock on Node: integration in any number of steps gives the RFC
 * root, proofs at every size verify, checkpoints follow the cadence. Tampering is in
 * test/shared/log.cases.ts (both runtimes).
 */
import type { JSONWebKeySet } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  verifyCheckpoint,
  verifyInclusion,
  verifyConsistency,
  type Checkpoint,
} from '../../clients/typescript/src/index.ts';
import { contactBody, createTestPortal, ORIGIN, type TestPortal } from '../../test/support/portal.ts';
import { consistencyRanges, emptyRoot, inclusionRanges, leafHash, nodeHash, type Hash } from './merkle.ts';
import { publishCheckpoint } from './checkpoint.ts';
import { LogIntegrityError } from './integrity.ts';
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
    `INSERT INTO attestations (id, subject, principal_id, kid, operation, issued_at, token, method, path,
      content_type, request_token, body, body_sha256)
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
    expect(nodes).toBe(
      all.length -
        all.length
          .toString(2)
          .split('')
          .filter((bit) => bit === '1').length,
    );
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

  it('signs one checkpoint per size, the empty log first, and none while the log does not grow', async () => {
    const portal = await createTestPortal();
    const empty = await checkpointOf(portal);
    expect(empty.size).toBe(0);
    expect(hex(empty.root)).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    await portal.logClock.tick();
    expect((await checkpointOf(portal)).note).toBe(empty.note);
    await portal.registerState('AT'); // two writes, a tick after each
    expect((await checkpointOf(portal)).size).toBe(2);
    await portal.logClock.tick();
    expect(portal.sqlite.prepare('SELECT size FROM log_checkpoints ORDER BY size').pluck().all()).toEqual([0, 1, 2]);
  });
});

describe('log clock', () => {
  it('signs at most one checkpoint per interval, only when the log grew, on its own clock', async () => {
    const portal = await createTestPortal({ logClock: 'manual', checkpointIntervalMs: 1000 });
    const at = await portal.registerState('AT');
    for (let i = 0; i < 3; i += 1)
      expect((await at.post('/contacts', contactBody({ name: `Contact ${i}` }))).status).toBe(201);
    // Signed at start (size 0) at this very instant: nothing is due yet, whatever was written.
    expect(await portal.logClock.tick()).toEqual({ size: 5 });
    expect((await checkpointOf(portal)).size).toBe(0);
    portal.clock.advance(1000);
    expect((await portal.logClock.tick())?.signed?.size).toBe(5);
    expect((await checkpointOf(portal)).size).toBe(5);
    // Grown again, but the interval since that checkpoint has not passed.
    expect((await at.post('/contacts', contactBody({ name: 'Contact 3' }))).status).toBe(201);
    portal.clock.advance(999);
    expect((await portal.logClock.tick())?.signed).toBeUndefined();
    // Proofs reach the integrated size already; the checkpoint follows on the next tick.
    expect((await at.get('/log/proofs/inclusion?leaf_index=5&tree_size=6')).status).toBe(200);
    portal.clock.advance(1);
    expect((await portal.logClock.tick())?.signed?.size).toBe(6);
    portal.clock.advance(60_000);
    expect((await portal.logClock.tick())?.signed).toBeUndefined(); // nothing new
    expect(portal.sqlite.prepare('SELECT size FROM log_checkpoints ORDER BY size').pluck().all()).toEqual([0, 5, 6]);
  });

  it('refuses a second root for a size already signed', async () => {
    const portal = await createTestPortal({ logClock: 'manual' });
    const at = await portal.registerState('AT');
    await portal.logClock.tick();
    const { root } = await checkpointOf(portal);
    const other = await publishCheckpoint(
      portal.db,
      portal.keys,
      'portal.test/log',
      2,
      root,
      portal.clock.now(),
      0,
    ).catch((error: Error) => error);
    expect(other).toBeUndefined(); // the same root again: nothing new, nothing wrong
    const forged = await publishCheckpoint(
      portal.db,
      portal.keys,
      'portal.test/log',
      2,
      new Uint8Array(32),
      portal.clock.now(),
      0,
    ).catch((error: Error) => error);
    expect(forged).toBeInstanceOf(LogIntegrityError);
    expect(at).toBeDefined();
  });
});
