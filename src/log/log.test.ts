/**
 * The log's storage on Node: integration in any number of steps gives the RFC root, proofs
 * at every size verify, and a changed stored row is caught.
 */
import type { JSONWebKeySet } from 'jose';
import { describe, expect, it } from 'vitest';
import { fromBase64, hashLeaf, verifyCheckpoint, verifyConsistency, verifyInclusion, type Checkpoint } from '../../clients/typescript/src/index.ts';
import { contactBody, createTestPortal, ORIGIN, type TestPortal } from '../../test/support/portal.ts';
import { consistencyRanges, emptyRoot, inclusionRanges, leafHash, nodeHash, type Hash } from './merkle.ts';
import { createApp } from '../app.ts';
import { createHealth } from '../health.ts';
import { START, type TestClient } from '../../test/support/harness.ts';
import { publishCheckpoint } from './checkpoint.ts';
import { createLogClock } from './clock.ts';
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
    for (let i = 0; i < 3; i += 1) expect((await at.post('/contacts', contactBody({ name: `Contact ${i}` }))).status).toBe(201);
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
    const other = await publishCheckpoint(portal.db, portal.keys, 'portal.test/log', 2, root, portal.clock.now(), 0).catch((error: Error) => error);
    expect(other).toBeUndefined(); // the same root again: nothing new, nothing wrong
    const forged = await publishCheckpoint(portal.db, portal.keys, 'portal.test/log', 2, new Uint8Array(32), portal.clock.now(), 0).catch((error: Error) => error);
    expect(forged).toBeInstanceOf(LogIntegrityError);
    expect(at).toBeDefined();
  });
});

/** The portal after tampering: no checkpoint signed, no write accepted, the old checkpoint served, the reason told. */
async function expectLatched(portal: TestPortal, at: TestClient, saved: Checkpoint, reason: RegExp) {
  const stored = () => portal.sqlite.prepare('SELECT count(*) FROM attestations').pluck().get();
  const before = stored();
  const refused = await at.post('/contacts', contactBody({ name: 'After the tampering' }));
  expect(refused.status).toBe(503);
  expect(refused.headers.get('content-type')).toBe('application/problem+json');
  const problem = (await refused.json()) as { code: string; detail: string };
  expect(problem.code).toBe('log-integrity-failed');
  expect(stored()).toBe(before);
  expect(await portal.logClock.tick()).toBeUndefined();
  expect(portal.sqlite.prepare('SELECT max(size) FROM log_checkpoints').pluck().get()).toBe(saved.size);
  expect((await checkpointOf(portal)).note).toBe(saved.note);
  expect(portal.sqlite.prepare('SELECT integrity_failure FROM log_state').pluck().get()).toMatch(reason);
  expect(portal.deps.health.conditions()).toEqual([expect.objectContaining({ code: 'log-integrity-failed', detail: expect.stringMatching(reason) })]);
  expect(portal.logged.join('\n')).toMatch(/log integrity check failed/);
  // Reads keep answering.
  expect((await at.get('/log/entries?start=0&end=2')).status).toBe(200);
  expect((await at.get('/contacts')).status).toBe(200);
}

describe('log integrity', () => {
  async function loggedPortal() {
    const portal = await createTestPortal();
    const at = await portal.registerState('AT');
    const written: { attestation: { token: string; log_index: number } }[] = [];
    for (let i = 0; i < 6; i += 1) written.push((await (await at.post('/contacts', contactBody({ name: `Contact ${i}` }))).json()) as (typeof written)[number]);
    const saved = await checkpointOf(portal);
    expect(saved.size).toBe(8);
    return { portal, at, written, saved };
  }

  it('re-derives a sound log from its leaves and records when', async () => {
    const { portal } = await loggedPortal();
    const result = await portal.logClock.verify();
    expect(result).toMatchObject({ checkpointSize: 8, leaves: 8, checkpoints: 9, nodes: 7 });
    expect(portal.sqlite.prepare('SELECT verified_at, verified_size FROM log_state').get()).toEqual({ verified_at: START, verified_size: 8 });
    expect(await portal.logClock.verifyIfDue()).toBeUndefined(); // not due again yet
    expect(portal.deps.health.conditions()).toEqual([]);
  });

  it('catches a flipped leaf hash already folded into stored subtree hashes', async () => {
    const { portal, at, saved } = await loggedPortal();
    // Leaf 3 is folded into nodes (1,1), (2,0) and (3,0): proofs and new roots come from those.
    portal.sqlite.prepare("UPDATE log_leaves SET leaf_hash = randomblob(32) WHERE idx = 3").run();
    expect(await portal.logClock.tick()).toEqual({ size: 8 }); // the incremental tick cannot see it ...
    expect(await portal.logClock.verify()).toBeUndefined(); // ... the full check does
    await expectLatched(portal, at, saved, /leaf 3 is not the hash of its stored attestation/);
  });

  it('catches a rewritten attestation, and a changed subtree hash', async () => {
    const rewritten = await loggedPortal();
    const target = rewritten.written[2]!.attestation;
    rewritten.portal.sqlite.prepare('UPDATE attestations SET token = ? WHERE token = ?').run(`${target.token.slice(0, -2)}AA`, target.token);
    await rewritten.portal.logClock.verify();
    await expectLatched(rewritten.portal, rewritten.at, rewritten.saved, new RegExp(`leaf ${target.log_index} is not the hash of its stored attestation`));

    const node = await loggedPortal();
    node.portal.sqlite.prepare('UPDATE log_nodes SET hash = zeroblob(32) WHERE level = 1 AND idx = 1').run();
    await node.portal.logClock.verify();
    await expectLatched(node.portal, node.at, node.saved, /stored hash of subtree 1:1 is not the one its leaves give/);
  });

  it('refuses to reuse the index of a deleted last leaf, and latches', async () => {
    const { portal, at, saved } = await loggedPortal();
    portal.sqlite.prepare('DELETE FROM log_leaves WHERE idx = 7').run();
    // The next write would take index 7 again, under a checkpoint that commits to another
    // leaf 7: its commit fails whole, before any tick has noticed.
    const refused = await at.post('/contacts', contactBody({ name: 'Index reuse' }));
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { code: string }).code).toBe('log-integrity-failed');
    expect(portal.sqlite.prepare('SELECT max(idx) FROM log_leaves').pluck().get()).toBe(6);
    await expectLatched(portal, at, saved, /the log holds 7 leaves, but 8 were integrated/);
  });

  it('is latched in the database, for every other process and isolate', async () => {
    const { portal, at, saved } = await loggedPortal();
    portal.sqlite.prepare('UPDATE log_leaves SET leaf_hash = randomblob(32) WHERE idx = 0').run();
    await portal.logClock.verify();
    // Another process (or isolate) on the same database that never ran a check: the commit
    // of its next write refuses the leaf, and its first tick learns why.
    const elsewhere = { ...portal.deps, health: createHealth() };
    const app = createApp(elsewhere);
    const body = JSON.stringify(contactBody({ name: 'Elsewhere' }));
    const token = await at.sign('POST', '/contacts', body);
    const res = await app.fetch(new Request(`${ORIGIN}/contacts`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body }));
    expect(res.status).toBe(503);
    expect(((await res.json()) as { code: string }).code).toBe('log-integrity-failed');
    expect(elsewhere.health.conditions()).toEqual([]);
    expect(await createLogClock(elsewhere).tick()).toBeUndefined();
    expect(elsewhere.health.conditions()).toEqual([expect.objectContaining({ code: 'log-integrity-failed', detail: expect.stringMatching(/leaf 0 is not the hash/) })]);
    expect(portal.sqlite.prepare('SELECT max(size) FROM log_checkpoints').pluck().get()).toBe(saved.size);
  });
});
