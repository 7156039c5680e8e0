/**
 * The tamper-evident log, end to end, on every runtime: each write's attestation gets the
 * next leaf index in its own commit, and everything the portal serves verifies with the
 * client's independent verifiers against a signed checkpoint. Driven through the typed
 * client (openapi-fetch over the generated types, signing middleware), as partners do.
 */
import type { JSONWebKeySet } from 'jose';
import { describe, expect, it } from 'vitest';
import { fromBase64, hashLeaf, ok, toBase64, verifyCheckpoint, verifyConsistency, verifyInclusion, type Schemas } from '../../clients/typescript/src/index.ts';
import { contactBody, type PortalHarness } from '../support/harness.ts';
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
      const attestation = await ok(at.GET('/attestations/{attestationId}', { params: { path: { attestationId: written[0]!.attestation.id } } }));
      expect(attestation.log_index).toBe(2);

      const jwks = (await ok(anonymous.GET('/.well-known/jwks.json'))) as unknown as JSONWebKeySet;
      const checkpoint = () => anonymous.GET('/log/checkpoint', { parseAs: 'text', headers: { Accept: 'text/plain' } });
      const checkpointRes = await checkpoint();
      expect(checkpointRes.response.status).toBe(200);
      expect(checkpointRes.response.headers.get('content-type')).toMatch(/^text\/plain/);
      const first = await verifyCheckpoint(checkpointRes.data as string, jwks.keys[0]!, 'portal.test/log');
      expect(first.size).toBe(7);

      for (const w of written) {
        const proof = await ok(at.GET('/log/proofs/inclusion', { params: { query: { leaf_index: w.attestation.log_index, tree_size: first.size } } }));
        const leaf = await hashLeaf(new TextEncoder().encode(w.attestation.token));
        expect(proof.leaf_hash).toBe(toBase64(leaf));
        await verifyInclusion(leaf, w.attestation.log_index, first.size, proof.proof.map(fromBase64), first.root);
      }

      // The log grows; the new checkpoint is consistent with the old one.
      await ok(at.POST('/states/{stateId}/confirmations', { params: { path: { stateId: 'AT' } }, body: {} }));
      await ok(at.POST('/contacts', { body: contact('Contact 5') }));
      const second = await verifyCheckpoint((await ok(checkpoint())) as string, jwks.keys[0]!);
      expect(second.size).toBe(9);
      const consistency = await ok(at.GET('/log/proofs/consistency', { params: { query: { first: first.size, second: second.size } } }));
      await verifyConsistency(first.size, second.size, consistency.proof.map(fromBase64), first.root, second.root);
      await expect(verifyConsistency(first.size, second.size, consistency.proof.map(fromBase64), second.root, second.root)).rejects.toThrow();

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
        const page = (await (await client.get('/log/entries?start=6&end=7')).json()) as { entries: { leaf_hash: string; token: string | null; attestation_id?: string }[] };
        return page.entries[0]!;
      };
      expect(await entryFor(at)).toEqual({ index: 6, leaf_hash: leaf, token: null });
      expect(await entryFor(cz)).toEqual({ index: 6, leaf_hash: leaf, token: attestation.token, attestation_id: attestation.id });
      expect((await entryFor(be)).token).toBe(attestation.token);
    });

    it('refuses proofs beyond the log and bad ranges with problem+json', async () => {
      const portal = await makePortal();
      const at = await typedClient(portal, await portal.registerState('AT'));
      const inclusion = (leaf_index: number, tree_size: number) => at.GET('/log/proofs/inclusion', { params: { query: { leaf_index, tree_size } } });
      const beyond = await inclusion(0, 50);
      expect(beyond.response.status).toBe(422);
      expect(beyond.response.headers.get('content-type')).toBe('application/problem+json');
      expect(beyond.error?.code).toBe('validation-failed');
      expect((await inclusion(2, 2)).response.status).toBe(422);
      expect((await at.GET('/log/proofs/consistency', { params: { query: { first: 2, second: 1 } } })).response.status).toBe(422);
      expect((await at.GET('/log/entries', { params: { query: { start: 0, end: 0 } } })).response.status).toBe(400);
      const negative = await inclusion(-1, 1);
      expect(negative.response.status).toBe(400);
      expect(negative.error?.errors?.[0]?.parameter).toBe('leaf_index');
      expect(portal.logged).toEqual([]);
    });
  });
}
