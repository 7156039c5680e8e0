/**
 * National documents and the terminology glossary on every runtime: Node + SQLite + the
 * data-dir blob store (test/core.test.ts) and workerd + D1 + R2 (test/workers/core.test.ts).
 * Publish, upload, download byte-identical, evidence by reference, FTS5 glossary search and
 * the TLP visibility rule. Deeper cases live in src/documents/*.test.ts (Node).
 */
import { base64url, type JSONWebKeySet } from 'jose';
import { describe, expect, it } from 'vitest';
import { sha256b64u, verifyAttestation, verifyEvidence, type Evidence } from '../../clients/typescript/src/index.ts';
import {
  documentBody,
  fileContent,
  pdfBytes,
  publish,
  registerPublisher,
  search,
  terminologyBody,
  upload,
  type DocumentData,
  type DocumentWritten,
  type Page,
} from '../support/documents.ts';
import { ORIGIN, type HarnessOptions, type PortalHarness, type TestClient } from '../support/harness.ts';

type MakePortal = (options?: HarnessOptions) => Promise<PortalHarness>;

const CRITICAL = 'Critical infrastructure';

function standardBase64(b64u: string): string {
  let binary = '';
  for (const byte of base64url.decode(b64u)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

async function json<T>(res: Response, status = 200): Promise<T> {
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
}

async function feedSubjects(client: TestClient): Promise<string[]> {
  const page = await json<{ items: { subject: string }[] }>(await client.get('/feed?limit=500'));
  return page.items.map((item) => item.subject);
}

export function documentsSuite(runtime: string, makePortal: MakePortal) {
  describe(`national documents on ${runtime}`, () => {
    it('publishes a strategy PDF: declared, uploaded to the blob store, downloaded byte-identical with Repr-Digest', async () => {
      const portal = await makePortal();
      const at = await registerPublisher(portal, 'AT');
      const be = await portal.registerState('BE');
      const bytes = pdfBytes('national-strategy', 40_000);
      const sha256 = await sha256b64u(bytes);

      const created = await publish(
        at,
        documentBody({
          content: await fileContent(bytes, 'application/pdf', 'strategie-österreich.pdf'),
          cbms: [7, 4],
        }),
      );
      expect(created.data).toMatchObject({
        version: 1,
        state: 'AT',
        cbms: [4, 7],
        content: { kind: 'file', sha256, size: 40_000, available: false },
      });
      expect((await be.get(`/documents/${created.data.id}/content`)).status).toBe(404);

      const uploaded = await upload(at, created.data.id, bytes);
      expect(uploaded.status).toBe(201);
      const receipt = (await uploaded.json()) as DocumentWritten;
      expect(receipt.data.content.available).toBe(true);
      expect(await portal.blobs.has(sha256)).toBe(true);

      const download = await be.get(`/documents/${created.data.id}/content`);
      expect(download.status).toBe(200);
      expect(download.headers.get('content-type')).toBe('application/pdf');
      expect(download.headers.get('repr-digest')).toBe(`sha-256=:${standardBase64(sha256)}:`);
      expect(download.headers.get('etag')).toBe(`"${sha256}"`);
      expect(download.headers.get('content-disposition')).toContain("filename*=UTF-8''strategie-%C3%B6sterreich.pdf");
      const downloaded = new Uint8Array(await download.arrayBuffer());
      expect(downloaded.byteLength).toBe(bytes.byteLength);
      expect(await sha256b64u(downloaded)).toBe(sha256);
      expect(
        (await be.get(`/documents/${created.data.id}/content`, { headers: { 'if-none-match': `"${sha256}"` } })).status,
      ).toBe(304);

      // The upload's evidence names the blob instead of embedding 40 kB; a third party
      // fetches the bytes and re-verifies Austria's signature over exactly them.
      const jwks = await json<JSONWebKeySet>(await portal.fetch(new Request(`${ORIGIN}/.well-known/jwks.json`)));
      const claims = await verifyAttestation(receipt.attestation.token, jwks, { issuer: ORIGIN });
      expect(claims).toMatchObject({
        sub: `urn:cbm:document:${created.data.id}:file:${sha256}`,
        operation: 'uploadDocumentContent',
        body_sha256: sha256,
      });
      const evidence = await json<Evidence & { body_blob_sha256: string | null; body_href: string }>(
        await be.get(`/attestations/${receipt.attestation.id}/evidence`),
      );
      expect(evidence).toMatchObject({
        body: '',
        body_sha256: sha256,
        body_blob_sha256: sha256,
        content_type: 'application/pdf',
      });
      const body = new Uint8Array(await (await be.get(evidence.body_href)).arrayBuffer());
      await expect(verifyEvidence(evidence, claims, at.publicJwk, { body })).resolves.toMatchObject({ body });
      const tampered = body.slice();
      tampered[100] = (tampered[100] ?? 0) ^ 1;
      await expect(verifyEvidence(evidence, claims, at.publicJwk, { body: tampered })).rejects.toThrow(
        /does not bind these body bytes/,
      );
      await expect(verifyEvidence(evidence, claims, at.publicJwk)).rejects.toThrow(/recorded by reference/);

      // The same file again: 200 with the first upload's attestation, nothing new written.
      const attestations = await portal.rows('attestations');
      const again = await upload(at, created.data.id, bytes);
      expect(again.status).toBe(200);
      expect(((await again.json()) as DocumentWritten).attestation.id).toBe(receipt.attestation.id);
      expect(await portal.rows('attestations')).toBe(attestations);
    });

    it('refuses a wrong media type, a digest mismatch and an oversize file, storing nothing', async () => {
      const portal = await makePortal({ maxUploadBytes: 8192 });
      const at = await registerPublisher(portal, 'AT');
      const bytes = pdfBytes('declared', 4096);
      const created = await publish(at, documentBody({ content: await fileContent(bytes) }));
      const before = { attestations: await portal.rows('attestations'), files: await portal.rows('document_files') };

      const wrongType = await upload(at, created.data.id, bytes, 'application/zip');
      expect(wrongType.status).toBe(415);
      const otherDeclared = await upload(at, created.data.id, bytes, 'text/plain');
      expect(otherDeclared.status).toBe(415);

      const other = pdfBytes('something else', 4096);
      const mismatch = await upload(at, created.data.id, other);
      expect(mismatch.status).toBe(422);
      expect(mismatch.headers.get('content-type')).toBe('application/problem+json');
      expect(((await mismatch.json()) as { code: string }).code).toBe('content-digest-mismatch');
      expect(await portal.blobs.has(await sha256b64u(other))).toBe(false);

      const oversize = await upload(at, created.data.id, pdfBytes('too big', 8193));
      expect(oversize.status).toBe(413);

      expect(await portal.rows('attestations')).toBe(before.attestations);
      expect(await portal.rows('document_files')).toBe(before.files);
      expect(await portal.blobs.has(await sha256b64u(bytes))).toBe(false);
    });

    it("searches every state's current glossary with FTS5, only what the caller may see", async () => {
      const portal = await makePortal();
      const at = await registerPublisher(portal, 'AT');
      const de = await registerPublisher(portal, 'DE');
      const fr = await registerPublisher(portal, 'FR');
      const be = await registerPublisher(portal, 'BE');

      await publish(
        at,
        terminologyBody([
          { term: CRITICAL, definition: 'Facilities whose failure would endanger public safety.' },
          { term: 'Incident', definition: 'An event compromising systems.' },
        ]),
      );
      await publish(
        de,
        terminologyBody(
          [
            {
              term: 'Kritische Infrastrukturen',
              definition: 'Organisationen mit wichtiger Bedeutung für das Gemeinwesen (critical infrastructure).',
              language: 'de',
            },
          ],
          { language: 'de' },
        ),
      );
      // A superseded version: only the current version's terms are found.
      const superseded = await publish(
        fr,
        terminologyBody([{ term: CRITICAL, definition: 'Old French definition.' }], { language: 'fr' }),
      );
      expect(
        (
          await fr.put(
            `/documents/${superseded.data.id}`,
            terminologyBody(
              [
                {
                  term: 'Infrastructure critique',
                  definition: 'Installations vitales (critical infrastructure), nouvelle définition.',
                },
              ],
              { language: 'fr' },
            ),
            { headers: { 'if-match': '"1"' } },
          )
        ).status,
      ).toBe(200);
      // TLP:RED to Austria only, and a withdrawn glossary.
      await publish(
        be,
        terminologyBody([{ term: CRITICAL, definition: 'Belgian restricted definition.' }], {
          tlp: 'TLP:RED',
          recipients: ['AT'],
        }),
      );
      const withdrawn = await publish(be, terminologyBody([{ term: CRITICAL, definition: 'Withdrawn definition.' }]));
      expect(
        (
          await be.post(
            `/documents/${withdrawn.data.id}/withdraw`,
            { reason: 'replaced' },
            { headers: { 'if-match': '"1"' } },
          )
        ).status,
      ).toBe(200);

      const q = 'q=%22critical%20infrastructure%22';
      const byState = (page: Page<{ state: string; definition: string }>) =>
        page.items.map((hit) => `${hit.state}: ${hit.definition}`).sort();
      expect(byState(await search(at, q))).toEqual([
        'AT: Facilities whose failure would endanger public safety.',
        'BE: Belgian restricted definition.',
        'DE: Organisationen mit wichtiger Bedeutung für das Gemeinwesen (critical infrastructure).',
        'FR: Installations vitales (critical infrastructure), nouvelle définition.',
      ]);
      const seenByGermany = await search(de, q);
      expect(seenByGermany.items.map((hit) => hit.state).sort()).toEqual(['AT', 'DE', 'FR']);
      expect(seenByGermany.items.find((hit) => hit.state === 'FR')).toMatchObject({
        document_id: superseded.data.id,
        document_version: 2,
        language: 'fr',
      });
      expect(seenByGermany.items.find((hit) => hit.state === 'AT')?.snippet).toContain('**Critical infrastructure**');
      expect((await search(portal.secretariat, q)).items.map((hit) => hit.state).sort()).toEqual(['AT', 'DE', 'FR']);

      // Diacritics and case fold; a prefix; filters by state and by language (RFC 4647).
      expect((await search(de, 'q=DEFINITION')).items.map((hit) => hit.state)).toEqual(['FR']);
      expect((await search(de, 'q=gemein*')).items.map((hit) => hit.term)).toEqual(['Kritische Infrastrukturen']);
      expect((await search(de, `${q}&state=AT`)).items.map((hit) => hit.state)).toEqual(['AT']);
      expect((await search(de, `${q}&language=de-DE`)).items).toEqual([]);
      expect((await search(de, `${q}&language=de`)).items.map((hit) => hit.state)).toEqual(['DE']);
    });

    for (const tlp of ['TLP:CLEAR', 'TLP:GREEN', 'TLP:AMBER', 'TLP:AMBER+STRICT', 'TLP:RED'] as const) {
      it(`shows a ${tlp} document exactly to whom TLP 2.0 and its recipients allow, everywhere`, async () => {
        const portal = await makePortal();
        const at = await registerPublisher(portal, 'AT');
        const recipient = await portal.registerState('BE');
        const other = await portal.registerState('DE');
        const restricted = ['TLP:AMBER', 'TLP:AMBER+STRICT', 'TLP:RED'].includes(tlp);
        const bytes = pdfBytes(tlp, 1024);
        const created = await publish(
          at,
          terminologyBody([{ term: CRITICAL, definition: `Defined under ${tlp}.` }], {
            tlp,
            content: await fileContent(bytes),
            ...(restricted ? { recipients: ['BE'] } : {}),
          }),
        );
        const uploaded = await json<DocumentWritten>(await upload(at, created.data.id, bytes), 201);
        const id = created.data.id;

        const sees: Record<string, boolean> = {
          author: true,
          recipient: true,
          'another state': !restricted,
          Secretariat: tlp === 'TLP:CLEAR',
        };
        const callers: [string, TestClient][] = [
          ['author', at],
          ['recipient', recipient],
          ['another state', other],
          ['Secretariat', portal.secretariat],
        ];
        for (const [who, client] of callers) {
          const visible = sees[who];
          const status = visible ? 200 : 404;
          expect([who, (await client.get(`/documents/${id}`)).status]).toEqual([who, status]);
          expect([who, (await client.get(`/documents/${id}/history`)).status]).toEqual([who, status]);
          expect([who, (await client.get(`/documents/${id}/content`)).status]).toEqual([who, status]);
          expect([who, (await client.get(`/documents/${id}/terms`)).status]).toEqual([who, status]);
          expect([who, (await client.get(`/attestations/${created.attestation.id}`)).status]).toEqual([who, status]);
          expect([who, (await client.get(`/attestations/${uploaded.attestation.id}/evidence/body`)).status]).toEqual([
            who,
            status,
          ]);
          const listed = (await json<Page<DocumentData>>(await client.get('/documents'))).items.map((item) => item.id);
          expect([who, listed.includes(id)]).toEqual([who, visible]);
          const hits = (await search(client, 'q=critical')).items.map((hit) => hit.document_id);
          expect([who, hits.includes(id)]).toEqual([who, visible]);
          const subjects = await feedSubjects(client);
          expect([who, subjects.filter((subject) => subject.startsWith(`urn:cbm:document:${id}:`)).length]).toEqual([
            who,
            visible ? 2 : 0,
          ]);
        }
      });
    }

    it('replays a create with the same Idempotency-Key (same record, same attestation) and refuses another body', async () => {
      const portal = await makePortal();
      const at = await registerPublisher(portal, 'AT');
      const headers = { 'idempotency-key': '"strategy-2026"' };
      const first = await at.post('/documents', documentBody(), { headers });
      expect(first.status).toBe(201);
      const firstBody = (await first.json()) as DocumentWritten;
      const retry = await at.post('/documents', documentBody(), { headers });
      expect(retry.status).toBe(201);
      expect(retry.headers.get('idempotent-replayed')).toBe('true');
      expect(retry.headers.get('location')).toBe(`/documents/${firstBody.data.id}`);
      expect(await retry.json()).toEqual(firstBody);
      const other = await at.post('/documents', documentBody({ title: 'Another strategy' }), { headers });
      expect(other.status).toBe(422);
      expect(await portal.rows('documents')).toBe(1);
      expect(await portal.rows('document_versions')).toBe(1);
    });
  });
}
