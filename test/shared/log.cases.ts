/**
 * The tamper-evident log, end to end, on every runtime: each write's attestation gets the
 * next leaf index in its own commit, and everything the portal serves verifies with the
 * client's independent verifiers against a signed checkpoint. Driven through the typed
 * client (openapi-fetch over the generated types, signing middleware), as partners do.
 */
import type { JSONWebKeySet } from 'jose';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import {
  fromBase64,
  hashLeaf,
  ok,
  toBase64,
  verifyCheckpoint,
  verifyConsistency,
  verifyInclusion,
  type Schemas,
} from '../../clients/typescript/src/index.ts';
import { createApp } from '../../src/app.ts';
import { createHealth } from '../../src/health.ts';
import { createLogClock } from '../../src/log/clock.ts';
import { contactBody, ORIGIN, START, type PortalHarness, type TestClient } from '../support/harness.ts';
import { INCIDENT_SCOPES, incidentBody, type Written } from '../support/incidents.ts';
import { typedClient } from '../support/typed.ts';

type MakePortal = () => Promise<PortalHarness>;

const contact = (name: string) => contactBody({ name }) as Schemas['ContactInput'];

export function logSuite(runtime: string, makePortal: MakePortal) {
  describe(`log on ${runtime}`, () => {
    it('assigns dense leaf indexes in commit order and proves inclusion and consistency against signed checkpoints', async () => {
      const portal = await makePortal();
      const at = await typedClient(portal, await portal.registerState('AT')); // leaves 0 (principal) and 1 (key)
      const anonymous = await typedClient(portal);
      const written: Schemas['ContactResult'][] = [];
      for (let i = 0; i < 5; i += 1) written.push(await ok(at.POST('/contacts', { body: contact(`Contact ${i}`) })));
      expect(written.map((w) => w.attestation.log_index)).toEqual([2, 3, 4, 5, 6]);
      const attestation = await ok(
        at.GET('/attestations/{attestationId}', { params: { path: { attestationId: written[0]!.attestation.id } } }),
      );
      expect(attestation.log_index).toBe(2);

      const jwks = (await ok(anonymous.GET('/.well-known/jwks.json'))) as unknown as JSONWebKeySet;
      const checkpoint = () => anonymous.GET('/log/checkpoint', { parseAs: 'text', headers: { Accept: 'text/plain' } });
      const checkpointRes = await checkpoint();
      expect(checkpointRes.response.status).toBe(200);
      expect(checkpointRes.response.headers.get('content-type')).toMatch(/^text\/plain/);
      const first = await verifyCheckpoint(checkpointRes.data as string, jwks.keys[0]!, 'portal.test/log');
      expect(first.size).toBe(7);

      for (const w of written) {
        const proof = await ok(
          at.GET('/log/proofs/inclusion', {
            params: { query: { leaf_index: w.attestation.log_index, tree_size: first.size } },
          }),
        );
        const leaf = await hashLeaf(new TextEncoder().encode(w.attestation.token));
        expect(proof.leaf_hash).toBe(toBase64(leaf));
        await verifyInclusion(leaf, w.attestation.log_index, first.size, proof.proof.map(fromBase64), first.root);
      }

      // The log grows; the new checkpoint is consistent with the old one.
      await ok(at.POST('/states/{stateId}/confirmations', { params: { path: { stateId: 'AT' } }, body: {} }));
      await ok(at.POST('/contacts', { body: contact('Contact 5') }));
      const second = await verifyCheckpoint((await ok(checkpoint())) as string, jwks.keys[0]!);
      expect(second.size).toBe(9);
      const consistency = await ok(
        at.GET('/log/proofs/consistency', { params: { query: { first: first.size, second: second.size } } }),
      );
      await verifyConsistency(first.size, second.size, consistency.proof.map(fromBase64), first.root, second.root);
      await expect(
        verifyConsistency(first.size, second.size, consistency.proof.map(fromBase64), second.root, second.root),
      ).rejects.toThrow();

      const entries = await ok(at.GET('/log/entries', { params: { query: { start: 0, end: 9 } } }));
      expect(entries.tree_size).toBe(9);
      expect(entries.entries.map((entry) => entry.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
      for (const entry of entries.entries) {
        expect(toBase64(await hashLeaf(new TextEncoder().encode(entry.token!)))).toBe(entry.leaf_hash);
      }
    });

    it('withholds the token of a leaf whose record the caller may not see, and keeps its hash', async () => {
      const portal = await makePortal();
      const be = await portal.registerState('BE', { scopes: INCIDENT_SCOPES });
      const cz = await portal.registerState('CZ', { scopes: INCIDENT_SCOPES });
      const at = await portal.registerState('AT'); // leaves 0-5: three states and their keys
      const red = await be.post('/incidents', incidentBody({ tlp: 'TLP:RED', recipients: ['CZ'] }));
      expect(red.status).toBe(201);
      const { attestation } = (await red.json()) as Written;
      expect(attestation.log_index).toBe(6);
      const leaf = toBase64(await hashLeaf(new TextEncoder().encode(attestation.token)));

      const entryFor = async (client: typeof at) => {
        const page = (await (await client.get('/log/entries?start=6&end=7')).json()) as {
          entries: { leaf_hash: string; token: string | null; attestation_id?: string }[];
        };
        return page.entries[0]!;
      };
      expect(await entryFor(at)).toEqual({ index: 6, leaf_hash: leaf, token: null });
      expect(await entryFor(cz)).toEqual({
        index: 6,
        leaf_hash: leaf,
        token: attestation.token,
        attestation_id: attestation.id,
      });
      expect((await entryFor(be)).token).toBe(attestation.token);
    });

    it('refuses proofs beyond the log and bad ranges with problem+json', async () => {
      const portal = await makePortal();
      const at = await typedClient(portal, await portal.registerState('AT'));
      const inclusion = (leaf_index: number, tree_size: number) =>
        at.GET('/log/proofs/inclusion', { params: { query: { leaf_index, tree_size } } });
      const beyond = await inclusion(0, 50);
      expect(beyond.response.status).toBe(422);
      expect(beyond.response.headers.get('content-type')).toBe('application/problem+json');
      expect(beyond.error?.code).toBe('validation-failed');
      expect((await inclusion(2, 2)).response.status).toBe(422);
      expect(
        (await at.GET('/log/proofs/consistency', { params: { query: { first: 2, second: 1 } } })).response.status,
      ).toBe(422);
      expect((await at.GET('/log/entries', { params: { query: { start: 0, end: 0 } } })).response.status).toBe(400);
      const negative = await inclusion(-1, 1);
      expect(negative.response.status).toBe(400);
      expect(negative.error?.errors?.[0]?.parameter).toBe('leaf_index');
      expect(portal.logged).toEqual([]);
    });
  });
}

/** What the portal serves as its latest signed checkpoint. */
async function servedCheckpoint(portal: PortalHarness) {
  const res = await portal.fetch(new Request(`${ORIGIN}/log/checkpoint`));
  expect(res.status).toBe(200);
  return res.text();
}

const one = async <T>(portal: PortalHarness, query: ReturnType<typeof sql<T>>) =>
  (await query.execute(portal.db.kysely)).rows[0]!;

/** After tampering: no checkpoint signed, no write accepted, the old checkpoint served, the reason told. */
async function expectLatched(
  portal: PortalHarness,
  at: TestClient,
  saved: { size: number; note: string },
  reason: RegExp,
) {
  const attestations = await portal.rows('attestations');
  const refused = await at.post('/contacts', contactBody({ name: 'After the tampering' }));
  expect(refused.status).toBe(503);
  expect(refused.headers.get('content-type')).toBe('application/problem+json');
  expect(((await refused.json()) as { code: string }).code).toBe('log-integrity-failed');
  expect(await portal.rows('attestations')).toBe(attestations);
  expect(await portal.logClock.tick()).toBeUndefined();
  expect(Number((await one(portal, sql<{ size: number }>`SELECT max(size) AS size FROM log_checkpoints`)).size)).toBe(
    saved.size,
  );
  expect(await servedCheckpoint(portal)).toBe(saved.note);
  expect(
    (await one(portal, sql<{ reason: string }>`SELECT integrity_failure AS reason FROM log_state`)).reason,
  ).toMatch(reason);
  const health = (await (await portal.fetch(new Request(`${ORIGIN}/healthz`))).json()) as {
    status: string;
    conditions?: { code: string; detail: string }[];
  };
  expect(health.status).toBe('degraded');
  expect(health.conditions).toEqual([
    expect.objectContaining({ code: 'log-integrity-failed', detail: expect.stringMatching(reason) }),
  ]);
  expect(portal.logged.join('\n')).toMatch(/log integrity check failed/);
  // Reads keep answering.
  expect((await at.get('/log/entries?start=0&end=2')).status).toBe(200);
  expect((await at.get('/contacts')).status).toBe(200);
}

/**
 * Tampering underneath the portal, on every runtime: the portal re-derives what it signed
 * from the leaves (each from its attestation), and on a mismatch stops signing and stops
 * accepting writes, instead of attesting writes that no checkpoint will cover.
 */
export function logIntegritySuite(runtime: string, makePortal: MakePortal) {
  describe(`log integrity on ${runtime}`, () => {
    async function loggedPortal() {
      const portal = await makePortal();
      const at = await portal.registerState('AT');
      const written: Schemas['ContactResult'][] = [];
      for (let i = 0; i < 6; i += 1)
        written.push((await (await at.post('/contacts', contact(`Contact ${i}`))).json()) as Schemas['ContactResult']);
      const note = await servedCheckpoint(portal);
      expect(note.split('\n')[1]).toBe('8');
      return { portal, at, written, saved: { size: 8, note } };
    }

    it('re-derives a sound log from its leaves and records when', async () => {
      const { portal } = await loggedPortal();
      expect(await portal.logClock.verify()).toMatchObject({ checkpointSize: 8, leaves: 8, checkpoints: 9, nodes: 7 });
      expect(await one(portal, sql`SELECT verified_at, verified_size FROM log_state`)).toEqual({
        verified_at: START,
        verified_size: 8,
      });
      expect(await portal.logClock.verifyIfDue()).toBeUndefined(); // not due again yet
      expect(portal.deps.health.conditions()).toEqual([]);
    });

    it('catches a flipped leaf hash already folded into stored subtree hashes', async () => {
      const { portal, at, saved } = await loggedPortal();
      // Leaf 3 is folded into nodes 1:1, 2:0 and 3:0, which proofs and new roots come from.
      await sql`UPDATE log_leaves SET leaf_hash = randomblob(32) WHERE idx = 3`.execute(portal.db.kysely);
      expect(await portal.logClock.tick()).toEqual({ size: 8 }); // a tick checks new leaves only ...
      expect(await portal.logClock.verify()).toBeUndefined(); // ... the full check sees it
      await expectLatched(portal, at, saved, /leaf 3 is not the hash of its stored attestation/);
    });

    it('catches a rewritten attestation, and a changed subtree hash', async () => {
      const rewritten = await loggedPortal();
      const target = rewritten.written[2]!.attestation;
      // Change one character of the signature for certain (a fixed replacement could equal the original).
      const at = target.token.length - 10;
      const changed = `${target.token.slice(0, at)}${target.token[at] === 'A' ? 'B' : 'A'}${target.token.slice(at + 1)}`;
      await sql`UPDATE attestations SET token = ${changed} WHERE id = ${target.id}`.execute(rewritten.portal.db.kysely);
      await rewritten.portal.logClock.verify();
      await expectLatched(
        rewritten.portal,
        rewritten.at,
        rewritten.saved,
        new RegExp(`leaf ${target.log_index} is not the hash of its stored attestation`),
      );

      const node = await loggedPortal();
      await sql`UPDATE log_nodes SET hash = zeroblob(32) WHERE level = 1 AND idx = 1`.execute(node.portal.db.kysely);
      await node.portal.logClock.verify();
      await expectLatched(
        node.portal,
        node.at,
        node.saved,
        /stored hash of subtree 1:1 is not the one its leaves give/,
      );
    });

    it('refuses to reuse the index of a deleted last leaf, and latches', async () => {
      const { portal, at, saved } = await loggedPortal();
      await sql`DELETE FROM log_leaves WHERE idx = 7`.execute(portal.db.kysely);
      // The next write would take index 7 again, under a checkpoint that commits to another
      // leaf 7: its whole commit is refused, before any check has run.
      const refused = await at.post('/contacts', contact('Index reuse'));
      expect(refused.status).toBe(503);
      expect(((await refused.json()) as { code: string }).code).toBe('log-integrity-failed');
      expect(Number((await one(portal, sql<{ last: number }>`SELECT max(idx) AS last FROM log_leaves`)).last)).toBe(6);
      await expectLatched(portal, at, saved, /the log holds 7 leaves, but 8 were integrated/);
    });

    it('is latched in the database, for every other process and isolate', async () => {
      const { portal, at, saved } = await loggedPortal();
      await sql`UPDATE log_leaves SET leaf_hash = randomblob(32) WHERE idx = 0`.execute(portal.db.kysely);
      await portal.logClock.verify();
      // Another process (or isolate) on the same database that ran no check: the commit of
      // its next write refuses the leaf, and its first tick learns why.
      const elsewhere = { ...portal.deps, health: createHealth() };
      const app = createApp(elsewhere);
      const body = JSON.stringify(contact('Elsewhere'));
      const token = await at.sign('POST', '/contacts', body);
      const res = await app.fetch(
        new Request(`${ORIGIN}/contacts`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body,
        }),
      );
      expect(res.status).toBe(503);
      expect(((await res.json()) as { code: string }).code).toBe('log-integrity-failed');
      expect(elsewhere.health.conditions()).toEqual([]);
      expect(await createLogClock(elsewhere).tick()).toBeUndefined();
      expect(elsewhere.health.conditions()).toEqual([
        expect.objectContaining({
          code: 'log-integrity-failed',
          detail: expect.stringMatching(/leaf 0 is not the hash/),
        }),
      ]);
      expect(await servedCheckpoint(portal)).toBe(saved.note);
    });
  });
}
