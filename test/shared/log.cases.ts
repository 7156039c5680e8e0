/**
 * The tamper-evident log, end to end, on every runtime: each write's attestation gets the
 * next leaf index in its own commit, and everything the portal serves verifies with the
 * client's independent verifiers against a signed checkpoint.
 */
import type { JSONWebKeySet } from 'jose';
import { describe, expect, it } from 'vitest';
import { fromBase64, hashLeaf, toBase64, verifyCheckpoint, verifyConsistency, verifyInclusion } from '../../clients/typescript/src/index.ts';
import { contactBody, ORIGIN, type PortalHarness } from '../support/harness.ts';

type MakePortal = () => Promise<PortalHarness>;

interface Written {
  data: { id: string };
  attestation: { id: string; token: string; log_index: number };
}

export function logSuite(runtime: string, makePortal: MakePortal) {
  describe(`log on ${runtime}`, () => {
    it('assigns dense leaf indexes in commit order and proves inclusion and consistency against signed checkpoints', async () => {
      const portal = await makePortal();
      const at = await portal.registerState('AT'); // leaves 0 (principal) and 1 (key)
      const written: Written[] = [];
      for (let i = 0; i < 5; i += 1) written.push((await (await at.post('/contacts', contactBody({ name: `Contact ${i}` }))).json()) as Written);
      expect(written.map((w) => w.attestation.log_index)).toEqual([2, 3, 4, 5, 6]);
      const attestation = (await (await at.get(`/attestations/${written[0]!.attestation.id}`)).json()) as { log_index: number };
      expect(attestation.log_index).toBe(2);

      const jwks = (await (await portal.fetch(new Request(`${ORIGIN}/.well-known/jwks.json`))).json()) as JSONWebKeySet;
      const checkpointRes = await portal.fetch(new Request(`${ORIGIN}/log/checkpoint`));
      expect(checkpointRes.status).toBe(200);
      expect(checkpointRes.headers.get('content-type')).toMatch(/^text\/plain/);
      const first = await verifyCheckpoint(await checkpointRes.text(), jwks.keys[0]!, 'portal.test/log');
      expect(first.size).toBe(7);

      for (const w of written) {
        const res = await at.get(`/log/proofs/inclusion?leaf_index=${w.attestation.log_index}&tree_size=${first.size}`);
        expect(res.status).toBe(200);
        const proof = (await res.json()) as { leaf_hash: string; proof: string[] };
        const leaf = await hashLeaf(new TextEncoder().encode(w.attestation.token));
        expect(proof.leaf_hash).toBe(toBase64(leaf));
        await verifyInclusion(leaf, w.attestation.log_index, first.size, proof.proof.map(fromBase64), first.root);
      }

      // The log grows; the new checkpoint is consistent with the old one.
      await at.post('/states/AT/confirmations', {});
      await at.post('/contacts', contactBody({ name: 'Contact 5' }));
      const second = await verifyCheckpoint(await (await portal.fetch(new Request(`${ORIGIN}/log/checkpoint`))).text(), jwks.keys[0]!);
      expect(second.size).toBe(9);
      const consistency = (await (await at.get(`/log/proofs/consistency?first=${first.size}&second=${second.size}`)).json()) as { proof: string[] };
      await verifyConsistency(first.size, second.size, consistency.proof.map(fromBase64), first.root, second.root);
      await expect(verifyConsistency(first.size, second.size, consistency.proof.map(fromBase64), second.root, second.root)).rejects.toThrow();

      const entries = (await (await at.get('/log/entries?start=0&end=9')).json()) as { tree_size: number; entries: { index: number; token: string; leaf_hash: string }[] };
      expect(entries.tree_size).toBe(9);
      expect(entries.entries.map((entry) => entry.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
      for (const entry of entries.entries) {
        expect(toBase64(await hashLeaf(new TextEncoder().encode(entry.token)))).toBe(entry.leaf_hash);
      }
    });

    it('refuses proofs beyond the log and bad ranges with problem+json', async () => {
      const portal = await makePortal();
      const at = await portal.registerState('AT');
      const beyond = await at.get('/log/proofs/inclusion?leaf_index=0&tree_size=50');
      expect(beyond.status).toBe(422);
      expect(((await beyond.json()) as { code: string }).code).toBe('validation-failed');
      expect((await at.get('/log/proofs/inclusion?leaf_index=2&tree_size=2')).status).toBe(422);
      expect((await at.get('/log/proofs/consistency?first=2&second=1')).status).toBe(422);
      expect((await at.get('/log/entries?start=0&end=0')).status).toBe(400);
      expect((await at.get('/log/proofs/inclusion?leaf_index=-1&tree_size=1')).status).toBe(400);
      expect(portal.logged).toEqual([]);
    });
  });
}
