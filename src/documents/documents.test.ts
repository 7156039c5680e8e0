import { describe, expect, it } from 'vitest';
import { sha256b64u } from '../../clients/typescript/src/index.ts';
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
} from '../../test/support/documents.ts';
import { count, createTestPortal, ORIGIN, START, type TestClient, type TestPortal } from '../../test/support/portal.ts';
import { problem, type ProblemBody } from '../../test/support/problem.ts';

const DAY_MS = 24 * 3600 * 1000;
const UNKNOWN = '019ac1e2-0000-7000-8000-000000000000';

const pointers = (body: ProblemBody) => (body.errors ?? []).map((error) => error.pointer ?? error.parameter).sort();

/** Every table a document write touches, to show that a refusal wrote nothing. */
const TABLES = [
  'documents',
  'document_versions',
  'document_files',
  'glossary_terms',
  'glossary_fts',
  'record_recipients',
  'attestations',
  'log_leaves',
  'idempotency_keys',
];
const snapshot = (portal: TestPortal) =>
  Object.fromEntries(TABLES.map((table) => [table, count(portal.sqlite, table)]));

async function list(client: TestClient, query = ''): Promise<DocumentData[]> {
  const res = await client.get(`/documents${query}`);
  expect(res.status).toBe(200);
  return ((await res.json()) as Page<DocumentData>).items;
}

async function setup() {
  const portal = await createTestPortal();
  const at = await registerPublisher(portal, 'AT');
  return { portal, at };
}

describe('documents: publishing and versions', () => {
  it('publishes a Markdown document as version 1 with ETag, Location, the stored rows and an attestation', async () => {
    const { portal, at } = await setup();
    const res = await at.post('/documents', documentBody({ cbms: [7, 1], language: 'EN-gb' }));
    expect(res.status).toBe(201);
    expect(res.headers.get('etag')).toBe('"1"');
    const body = (await res.json()) as DocumentWritten;
    const { id } = body.data;
    expect(res.headers.get('location')).toBe(`/documents/${id}`);
    const markdown = documentBody().content.markdown;
    expect(body.data).toEqual({
      id,
      state: 'AT',
      version: 1,
      status: 'active',
      type: 'strategy',
      cbms: [1, 7],
      title: 'National Cyber Security Strategy 2026',
      summary: 'Goals, institutions and measures for a secure cyberspace.',
      language: 'en-GB',
      tlp: 'TLP:CLEAR',
      recipients: [],
      content: {
        kind: 'markdown',
        media_type: 'text/markdown',
        sha256: await sha256b64u(markdown),
        size: new TextEncoder().encode(markdown).byteLength,
        filename: null,
        available: true,
        href: `/documents/${id}/content?version=1`,
      },
      term_count: 0,
      terms_href: null,
      published_at: START,
      withdrawal_reason: null,
      attestation_id: body.attestation.id,
      href: `/documents/${id}`,
    });
    expect(
      portal.sqlite.prepare('SELECT state_id, type, status, version, language FROM documents WHERE id = ?').get(id),
    ).toEqual({ state_id: 'AT', type: 'strategy', status: 'active', version: 1, language: 'en-GB' });
    expect(portal.sqlite.prepare('SELECT cbms, audience FROM document_versions WHERE document_id = ?').get(id)).toEqual(
      { cbms: '[1,7]', audience: `${id}:v1` },
    );
    // The attestation is visible by the version's own TLP and audience.
    expect(
      portal.sqlite
        .prepare('SELECT subject, principal_id, operation, record_id, tlp FROM attestations WHERE id = ?')
        .get(body.attestation.id),
    ).toEqual({
      subject: `urn:cbm:document:${id}:v1`,
      principal_id: 'AT',
      operation: 'createDocument',
      record_id: `${id}:v1`,
      tlp: 'TLP:CLEAR',
    });

    const current = await at.get(`/documents/${id}`);
    expect(current.status).toBe(200);
    expect(current.headers.get('etag')).toBe('"1"');
    expect(await current.json()).toEqual(body.data);
    expect((await at.get(`/documents/${UNKNOWN}`)).status).toBe(404);

    const content = await at.get(`/documents/${id}/content`);
    expect(content.headers.get('content-type')).toBe('text/markdown; charset=utf-8');
    expect(await content.text()).toBe(markdown);
  });

  it("supersedes with If-Match (412 stale, 428 missing), keeps every version's content, withdraws as a final version", async () => {
    const { portal, at } = await setup();
    const { data } = await publish(at, documentBody());
    const id = data.id;
    portal.clock.advance(DAY_MS);

    await problem(await at.put(`/documents/${id}`, documentBody({ title: 'No precondition' })), 428);
    const updated = await at.put(
      `/documents/${id}`,
      documentBody({ title: 'Strategy 2026 (revised)', content: { markdown: '# Revised' } }),
      { headers: { 'if-match': '"1"' } },
    );
    expect(updated.status).toBe(200);
    expect(updated.headers.get('etag')).toBe('"2"');
    expect(((await updated.json()) as DocumentWritten).data).toMatchObject({
      version: 2,
      title: 'Strategy 2026 (revised)',
      published_at: new Date(Date.parse(START) + DAY_MS).toISOString(),
    });
    expect(
      (await problem(await at.put(`/documents/${id}`, documentBody(), { headers: { 'if-match': '"1"' } }), 412)).code,
    ).toBe('precondition-failed');
    expect(
      pointers(
        await problem(
          await at.put(`/documents/${id}`, documentBody({ type: 'doctrine' }), { headers: { 'if-match': '"2"' } }),
          422,
        ),
      ),
    ).toEqual(['/type']);

    expect(await (await at.get(`/documents/${id}/content?version=1`)).text()).toContain(
      '# National Cyber Security Strategy',
    );
    expect(await (await at.get(`/documents/${id}/content`)).text()).toBe('# Revised');

    const withdrawn = await at.post(
      `/documents/${id}/withdraw`,
      { reason: 'Superseded by the 2030 strategy' },
      { headers: { 'if-match': '"2"' } },
    );
    expect(withdrawn.status).toBe(200);
    const final = ((await withdrawn.json()) as DocumentWritten).data;
    expect(final).toMatchObject({
      version: 3,
      status: 'withdrawn',
      withdrawal_reason: 'Superseded by the 2030 strategy',
      title: 'Strategy 2026 (revised)',
    });
    expect(
      portal.sqlite.prepare('SELECT operation FROM attestations WHERE id = ?').pluck().get(final.attestation_id),
    ).toBe('withdrawDocument');

    const history = (await (await at.get(`/documents/${id}/history`)).json()) as Page<DocumentData>;
    expect(history.items.map((item) => [item.version, item.status])).toEqual([
      [1, 'active'],
      [2, 'active'],
      [3, 'withdrawn'],
    ]);
    const paged = (await (await at.get(`/documents/${id}/history?limit=2`)).json()) as Page<DocumentData>;
    expect(paged.items).toHaveLength(2);
    const rest = (await (
      await at.get(`/documents/${id}/history?limit=2&cursor=${paged.next_cursor}`)
    ).json()) as Page<DocumentData>;
    expect(rest.items.map((item) => item.version)).toEqual([3]);
    expect((await at.get(`/documents/${UNKNOWN}/history`)).status).toBe(404);

    expect((await list(at)).map((item) => item.id)).not.toContain(id);
    expect((await list(at, '?status=all')).map((item) => item.id)).toContain(id);
    expect(
      (await problem(await at.put(`/documents/${id}`, documentBody(), { headers: { 'if-match': '"3"' } }), 409)).code,
    ).toBe('document-withdrawn');
  });

  it('lists current versions filtered by state, type, CBM and language (RFC 4647), paged by cursor', async () => {
    const { portal, at } = await setup();
    const de = await registerPublisher(portal, 'DE');
    await publish(at, documentBody({ title: 'AT strategy', language: 'de-AT' }));
    await publish(at, documentBody({ type: 'legislation', title: 'AT law', cbms: [6, 16], language: 'de-AT' }));
    await publish(de, documentBody({ type: 'threat-views', title: 'DE threats', language: 'de' }));
    await publish(
      de,
      terminologyBody([{ term: 'Cyberangriff', definition: 'Einwirkung auf IT-Systeme.' }], {
        title: 'DE glossary',
        language: 'en',
      }),
    );
    const titles = async (query: string) => (await list(at, query)).map((item) => item.title);

    expect(await titles('')).toEqual(['AT strategy', 'AT law', 'DE threats', 'DE glossary']);
    expect(await titles('?state=DE')).toEqual(['DE threats', 'DE glossary']);
    expect(await titles('?type=legislation')).toEqual(['AT law']);
    expect(await titles('?cbm=16')).toEqual(['AT law']);
    expect(await titles('?cbm=9')).toEqual(['DE glossary']);
    expect(await titles('?language=de')).toEqual(['AT strategy', 'AT law', 'DE threats']);
    expect(await titles('?language=de-AT')).toEqual(['AT strategy', 'AT law']);
    expect(await titles('?state=AT&cbm=7')).toEqual(['AT strategy']);

    const seen: string[] = [];
    let path = '/documents?limit=3';
    for (;;) {
      const page = (await (await at.get(path)).json()) as Page<DocumentData>;
      seen.push(...page.items.map((item) => item.title));
      if (!page.next_cursor) break;
      path = `/documents?limit=3&cursor=${page.next_cursor}`;
    }
    expect(seen).toEqual(['AT strategy', 'AT law', 'DE threats', 'DE glossary']);
    expect(pointers(await problem(await at.get('/documents?cbm=17'), 400))).toEqual(['cbm']);
    expect(pointers(await problem(await at.get('/documents?type=manifesto'), 400))).toEqual(['type']);
  });

  it('lists the glossary terms of a terminology version, paged', async () => {
    const { at } = await setup();
    const terms = Array.from({ length: 5 }, (_, index) => ({
      term: `Term ${index}`,
      definition: `Definition ${index}.`,
    }));
    const { data } = await publish(at, terminologyBody(terms, { language: 'en' }));
    expect(data).toMatchObject({ term_count: 5, terms_href: `/documents/${data.id}/terms?version=1`, cbms: [9] });
    const first = (await (await at.get(`/documents/${data.id}/terms?limit=3`)).json()) as Page<{
      term: string;
      language: string;
    }>;
    expect(first.items.map((item) => item.term)).toEqual(['Term 0', 'Term 1', 'Term 2']);
    const second = (await (
      await at.get(`/documents/${data.id}/terms?limit=3&cursor=${first.next_cursor}`)
    ).json()) as Page<{ term: string }>;
    expect(second).toEqual({
      items: [
        { term: 'Term 3', definition: 'Definition 3.', language: 'en' },
        { term: 'Term 4', definition: 'Definition 4.', language: 'en' },
      ],
      next_cursor: null,
    });
    expect((await at.get(`/documents/${data.id}/terms?version=2`)).status).toBe(404);
  });
});

describe('documents: files', () => {
  it('declares a file, takes its exact bytes once, serves them byte-identical, and names them by reference in the evidence', async () => {
    const { portal, at } = await setup();
    const bytes = pdfBytes('strategy', 100_000);
    const sha256 = await sha256b64u(bytes);
    const { data } = await publish(
      at,
      documentBody({ content: await fileContent(bytes, 'application/pdf', 'strategy.pdf') }),
    );
    expect(data.content).toMatchObject({
      kind: 'file',
      media_type: 'application/pdf',
      sha256,
      size: 100_000,
      filename: 'strategy.pdf',
      available: false,
    });
    expect((await at.get(`/documents/${data.id}/content`)).status).toBe(404);

    const res = await upload(at, data.id, bytes);
    expect(res.status).toBe(201);
    const written = (await res.json()) as DocumentWritten;
    const row = portal.sqlite
      .prepare(
        'SELECT subject, operation, length(body) AS body_length, body_sha256, body_in_blob, content_type, ' +
          'record_id FROM attestations WHERE id = ?',
      )
      .get(written.attestation.id);
    expect(row).toEqual({
      subject: `urn:cbm:document:${data.id}:file:${sha256}`,
      operation: 'uploadDocumentContent',
      body_length: 0,
      body_sha256: sha256,
      body_in_blob: 1,
      content_type: 'application/pdf',
      record_id: `${data.id}:v1`,
    });
    expect(
      portal.sqlite.prepare('SELECT version FROM document_files WHERE document_id = ?').pluck().all(data.id),
    ).toEqual([1]);

    const download = await at.get(`/documents/${data.id}/content`, { headers: { accept: 'application/pdf' } });
    expect(download.status).toBe(200);
    expect(await sha256b64u(new Uint8Array(await download.arrayBuffer()))).toBe(sha256);
    expect((await at.get(`/documents/${data.id}/content`, { headers: { accept: 'application/json' } })).status).toBe(
      406,
    );

    const evidenceBody = await at.get(`/attestations/${written.attestation.id}/evidence/body`);
    expect(evidenceBody.headers.get('content-type')).toBe('application/pdf');
    expect(await sha256b64u(new Uint8Array(await evidenceBody.arrayBuffer()))).toBe(sha256);
    // Inline evidence bodies are served the same way.
    const created = await at.get(`/attestations/${data.attestation_id}/evidence/body`);
    expect(created.headers.get('content-type')).toBe('application/json');
    expect(JSON.parse(await created.text())).toMatchObject({ type: 'strategy' });

    // A metadata-only new version keeps the uploaded file available; a new file is pending.
    const revised = await at.put(
      `/documents/${data.id}`,
      documentBody({ summary: 'Revised summary.', content: await fileContent(bytes) }),
      { headers: { 'if-match': '"1"' } },
    );
    expect(((await revised.json()) as DocumentWritten).data.content.available).toBe(true);
    const odt = new TextEncoder().encode('PK odt bytes');
    const third = await at.put(
      `/documents/${data.id}`,
      documentBody({ content: await fileContent(odt, 'application/vnd.oasis.opendocument.text', 'strategie.odt') }),
      { headers: { 'if-match': '"2"' } },
    );
    expect(((await third.json()) as DocumentWritten).data.content.available).toBe(false);
    expect((await upload(at, data.id, odt, 'application/vnd.oasis.opendocument.text')).status).toBe(201);
    expect(await (await at.get(`/documents/${data.id}/content`)).text()).toBe('PK odt bytes');
    expect(
      await sha256b64u(new Uint8Array(await (await at.get(`/documents/${data.id}/content?version=1`)).arrayBuffer())),
    ).toBe(sha256);
  });

  it('refuses an upload past maxUploadBytes with 413 without reading more than the limit, also without Content-Length', async () => {
    const portal = await createTestPortal({ maxUploadBytes: 4096 });
    const at = await registerPublisher(portal, 'AT');
    expect(
      pointers(
        await problem(
          await at.post('/documents', documentBody({ content: await fileContent(pdfBytes('big', 5000)) })),
          422,
        ),
      ),
    ).toEqual(['/content/file/size']);
    const bytes = pdfBytes('small', 4096);
    const { data } = await publish(at, documentBody({ content: await fileContent(bytes) }));
    const before = snapshot(portal);

    expect((await problem(await upload(at, data.id, pdfBytes('big', 4097)), 413)).code).toBe('payload-too-large');

    // A chunked upload (no Content-Length) is counted as it streams and cut off at the limit.
    let pulled = 0;
    const chunk = new Uint8Array(1024);
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled += chunk.byteLength;
        controller.enqueue(chunk);
        if (pulled >= 1024 * 1024) controller.close();
      },
    });
    const path = `/documents/${data.id}/content`;
    const token = await at.sign('PUT', path, new Uint8Array(0));
    const request = new Request(`${ORIGIN}${path}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/pdf' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(request.headers.get('content-length')).toBeNull();
    expect((await portal.fetch(request)).status).toBe(413);
    expect(pulled).toBeLessThanOrEqual(4096 + 2 * 1024);

    // JSON bodies keep their own, smaller limit.
    expect(
      (
        await at.post(
          '/documents',
          documentBody({ summary: 'x'.repeat(4000), content: { markdown: 'y'.repeat(70_000) } }),
        )
      ).status,
    ).toBe(413);
    expect(snapshot(portal)).toEqual(before);
    expect((await upload(at, data.id, bytes)).status).toBe(201);
  });

  it('refuses uploads to a Markdown version, to a withdrawn document, with a wrong type or digest, writing nothing', async () => {
    const { portal, at } = await setup();
    const bytes = pdfBytes('declared', 3000);
    const markdown = await publish(at, documentBody());
    const file = await publish(at, documentBody({ content: await fileContent(bytes) }));
    const before = snapshot(portal);

    expect((await problem(await upload(at, markdown.data.id, bytes), 409)).code).toBe('no-file-declared');
    expect((await problem(await upload(at, file.data.id, bytes, 'application/octet-stream'), 415)).code).toBe(
      'unsupported-media-type',
    );
    expect((await problem(await upload(at, file.data.id, bytes, 'text/plain'), 415)).code).toBe(
      'unsupported-media-type',
    );
    const truncated = await problem(await upload(at, file.data.id, bytes.slice(0, 2999)), 422);
    expect(truncated.code).toBe('content-digest-mismatch');
    expect(truncated.errors?.[0]?.pointer).toBe('');
    expect((await problem(await upload(at, UNKNOWN, bytes), 404)).code).toBe('not-found');
    expect(await portal.blobs.has(await sha256b64u(bytes))).toBe(false);
    expect(snapshot(portal)).toEqual(before);

    expect((await at.post(`/documents/${file.data.id}/withdraw`, {}, { headers: { 'if-match': '"1"' } })).status).toBe(
      200,
    );
    expect((await problem(await upload(at, file.data.id, bytes), 409)).code).toBe('document-withdrawn');
  });
});

describe('documents: bad input', () => {
  const cases: [string, Record<string, unknown>, string[]][] = [
    ['an unknown field and a bad enum', { ...documentBody({ type: 'manifesto' }), extra: 1 }, ['/extra', '/type']],
    [
      'a missing title and a bad language tag',
      { ...documentBody({ language: 'english!' }), title: undefined },
      ['/language', '/title'],
    ],
    ['CBMs without the type’s own', documentBody({ cbms: [1, 4] }), ['/cbms']],
    ['a CBM out of range', documentBody({ cbms: [7, 17] }), ['/cbms/1']],
    ['terms on a strategy', documentBody({ terms: [{ term: 'a', definition: 'b' }] }), ['/terms']],
    ['terminology without terms', documentBody({ type: 'terminology' }), ['/terms']],
    [
      'both Markdown and a file',
      documentBody({
        content: { markdown: '#', file: { media_type: 'application/pdf', sha256: 'A'.repeat(43), size: 1 } },
      }),
      ['/content'],
    ],
    ['no content', documentBody({ content: {} }), ['/content']],
    [
      'a file of another media type',
      documentBody({ content: { file: { media_type: 'application/zip', sha256: 'A'.repeat(43), size: 1 } } }),
      ['/content/file/media_type'],
    ],
    [
      'a malformed digest and a path in the file name',
      documentBody({
        content: { file: { media_type: 'application/pdf', sha256: 'abc', size: 1, filename: '../etc/passwd' } },
      }),
      ['/content/file/filename', '/content/file/sha256'],
    ],
    ['recipients on TLP:GREEN', documentBody({ tlp: 'TLP:GREEN', recipients: ['BE'] }), ['/recipients']],
    ['TLP:AMBER without recipients', documentBody({ tlp: 'TLP:AMBER' }), ['/recipients']],
    ['TLP:RED with an empty list', documentBody({ tlp: 'TLP:RED', recipients: [] }), ['/recipients']],
    [
      'an unknown recipient and the author listed',
      documentBody({ tlp: 'TLP:RED', recipients: ['BE', 'ZZ', 'AT'] }),
      ['/recipients/1', '/recipients/2'],
    ],
    ['TLP 1.0 WHITE', documentBody({ tlp: 'TLP:WHITE' }), ['/tlp']],
  ];
  for (const [name, body, expected] of cases) {
    it(`refuses ${name} with 422 pointers and writes nothing`, async () => {
      const { portal, at } = await setup();
      await portal.registerState('BE');
      const before = snapshot(portal);
      const body422 = await problem(await at.post('/documents', body), 422);
      expect(pointers(body422)).toEqual(expected);
      expect(snapshot(portal)).toEqual(before);
    });
  }

  it('refuses malformed JSON, another content type and a body on a read', async () => {
    const { portal, at } = await setup();
    const before = snapshot(portal);
    expect((await problem(await at.call('POST', '/documents', { rawBody: '{"type": "strategy",' }), 400)).code).toBe(
      'malformed-json',
    );
    expect(
      (
        await problem(
          await at.call('POST', '/documents', {
            rawBody: JSON.stringify(documentBody()),
            headers: { 'content-type': 'text/plain' },
          }),
          415,
        )
      ).code,
    ).toBe('unsupported-media-type');
    expect(snapshot(portal)).toEqual(before);
  });
});

describe('documents: who may write', () => {
  it("refuses another state's document (403 not-owner), a key without documents:write, and Secretariat keys with the scope", async () => {
    const { portal, at } = await setup();
    const de = await registerPublisher(portal, 'DE');
    const bytes = pdfBytes('at', 1000);
    const { data } = await publish(at, documentBody({ content: await fileContent(bytes) }));
    const before = snapshot(portal);

    expect(
      (
        await problem(
          await de.put(`/documents/${data.id}`, documentBody({ title: 'Hijacked' }), {
            headers: { 'if-match': '"1"' },
          }),
          403,
        )
      ).code,
    ).toBe('not-owner');
    expect(
      (await problem(await de.post(`/documents/${data.id}/withdraw`, {}, { headers: { 'if-match': '"1"' } }), 403))
        .code,
    ).toBe('not-owner');
    expect((await problem(await upload(de, data.id, bytes), 403)).code).toBe('not-owner');
    expect(snapshot(portal)).toEqual(before);

    const contactsOnly = await portal.addKey('AT', { scopes: ['read', 'contacts:write'] });
    const withKey = snapshot(portal);
    expect((await problem(await contactsOnly.post('/documents', documentBody()), 403)).code).toBe('insufficient-scope');
    expect((await problem(await portal.secretariat.post('/documents', documentBody()), 403)).code).toBe(
      'insufficient-scope',
    );
    expect(snapshot(portal)).toEqual(withKey);

    const { generateSigningKey } = await import('../../clients/typescript/src/index.ts');
    const key = await generateSigningKey('EdDSA');
    const refused = await problem(
      await portal.secretariat.post('/principals/secretariat/keys', {
        jwk: key.publicJwk,
        scopes: ['read', 'documents:write'],
      }),
      422,
    );
    expect(pointers(refused)).toEqual(['/scopes/1']);
  });

  it('hides a restricted document from a state that may not see it: 404 on write, not 403', async () => {
    const { portal, at } = await setup();
    await portal.registerState('BE');
    const de = await registerPublisher(portal, 'DE');
    const { data } = await publish(at, documentBody({ tlp: 'TLP:RED', recipients: ['BE'] }));
    expect(
      (await problem(await de.put(`/documents/${data.id}`, documentBody(), { headers: { 'if-match': '"1"' } }), 404))
        .code,
    ).toBe('not-found');
  });
});

describe('documents: visibility belongs to each version', () => {
  const history = async (client: TestClient, id: string) => {
    const res = await client.get(`/documents/${id}/history`);
    return res.status === 200
      ? ((await res.json()) as Page<DocumentData>).items.map((item) => item.version)
      : res.status;
  };
  const feedSubjects = async (client: TestClient) =>
    ((await (await client.get('/feed?limit=500')).json()) as { items: { subject: string }[] }).items.map(
      (item) => item.subject,
    );

  it('re-addressing a document never widens an earlier version: its text, file and evidence stay with its own recipients', async () => {
    // The case of the issue: v1 TLP:RED for France, v2 TLP:AMBER for Belgium.
    const { portal, at } = await setup();
    const be = await portal.registerState('BE');
    const fr = await registerPublisher(portal, 'FR');
    const de = await portal.registerState('DE');
    const bytes = pdfBytes('for-france', 1500);
    const v1 = await publish(
      at,
      documentBody({ tlp: 'TLP:RED', recipients: ['FR'], title: 'For France', content: await fileContent(bytes) }),
    );
    const id = v1.data.id;
    const uploaded = (await (await upload(at, id, bytes)).json()) as DocumentWritten;
    const res = await at.put(
      `/documents/${id}`,
      documentBody({
        tlp: 'TLP:AMBER',
        recipients: ['BE'],
        title: 'For Belgium',
        content: { markdown: '# For Belgium' },
      }),
      { headers: { 'if-match': '"1"' } },
    );
    expect(res.status).toBe(200);
    const v2 = (await res.json()) as DocumentWritten;
    expect(
      portal.sqlite.prepare('SELECT record_id, principal_id FROM record_recipients ORDER BY record_id').raw().all(),
    ).toEqual([
      [`${id}:v1`, 'FR'],
      [`${id}:v2`, 'BE'],
    ]);

    // Belgium: version 2 and its evidence, nothing of version 1.
    expect(((await (await be.get(`/documents/${id}`)).json()) as DocumentData).version).toBe(2);
    expect(await history(be, id)).toEqual([2]);
    for (const path of [
      `/documents/${id}/content?version=1`,
      `/attestations/${v1.attestation.id}`,
      `/attestations/${v1.attestation.id}/evidence`,
      `/attestations/${v1.attestation.id}/evidence/body`,
      `/attestations/${uploaded.attestation.id}/evidence/body`,
    ]) {
      expect([path, (await be.get(path)).status]).toEqual([path, 404]);
    }
    expect((await be.get(`/attestations/${v2.attestation.id}/evidence`)).status).toBe(200);
    expect((await feedSubjects(be)).filter((subject) => subject.startsWith(`urn:cbm:document:${id}`))).toEqual([
      `urn:cbm:document:${id}:v2`,
    ]);

    // France keeps version 1, shown as the document (the latest version it may see), and
    // learns nothing of version 2.
    const shown = await fr.get(`/documents/${id}`);
    expect(shown.headers.get('etag')).toBe('"1"');
    expect((await shown.json()) as DocumentData).toMatchObject({
      version: 1,
      title: 'For France',
      tlp: 'TLP:RED',
      recipients: ['FR'],
      content: { available: true },
    });
    expect(await history(fr, id)).toEqual([1]);
    expect(await sha256b64u(new Uint8Array(await (await fr.get(`/documents/${id}/content`)).arrayBuffer()))).toBe(
      await sha256b64u(bytes),
    );
    expect((await list(fr)).map((item) => [item.id, item.version])).toEqual([[id, 1]]);
    expect((await fr.get(`/documents/${id}/content?version=2`)).status).toBe(404);
    expect((await fr.get(`/attestations/${v2.attestation.id}`)).status).toBe(404);
    expect((await feedSubjects(fr)).filter((subject) => subject.startsWith(`urn:cbm:document:${id}`))).toEqual([
      `urn:cbm:document:${id}:v1`,
      `urn:cbm:document:${id}:file:${await sha256b64u(bytes)}`,
    ]);

    // Germany sees none of it; the author every version.
    expect(await history(de, id)).toBe(404);
    expect((await de.get(`/documents/${id}`)).status).toBe(404);
    expect(await history(at, id)).toEqual([1, 2]);
    // A reader that is not the author is refused on the version it is shown: 403, as before version 2.
    expect(
      (await problem(await fr.put(`/documents/${id}`, documentBody(), { headers: { 'if-match': '"1"' } }), 403)).code,
    ).toBe('not-owner');
  });

  it('a TLP:GREEN version reaches every state; the restricted versions before it keep their own recipients', async () => {
    const { portal, at } = await setup();
    const be = await portal.registerState('BE');
    const de = await portal.registerState('DE');
    const fr = await portal.registerState('FR');
    const nl = await portal.registerState('NL');
    const { data } = await publish(at, documentBody({ tlp: 'TLP:AMBER', recipients: ['BE', 'DE'] }));
    expect(
      (
        await at.put(`/documents/${data.id}`, documentBody({ tlp: 'TLP:RED', recipients: ['FR'] }), {
          headers: { 'if-match': '"1"' },
        })
      ).status,
    ).toBe(200);
    expect(await history(de, data.id)).toEqual([1]);
    expect(await history(fr, data.id)).toEqual([2]);
    expect(await history(nl, data.id)).toBe(404);

    expect(
      (await at.put(`/documents/${data.id}`, documentBody({ tlp: 'TLP:GREEN' }), { headers: { 'if-match': '"2"' } }))
        .status,
    ).toBe(200);
    expect(await history(be, data.id)).toEqual([1, 3]);
    expect(await history(de, data.id)).toEqual([1, 3]);
    expect(await history(fr, data.id)).toEqual([2, 3]);
    expect(await history(nl, data.id)).toEqual([3]);
    expect(await history(at, data.id)).toEqual([1, 2, 3]);
    expect((await be.get(`/documents/${data.id}/content?version=2`)).status).toBe(404);
    // TLP:GREEN goes to the participating states, not to the Secretariat (see visibility.ts).
    expect((await portal.secretariat.get(`/documents/${data.id}`)).status).toBe(404);
    expect(await history(portal.secretariat, data.id)).toBe(404);
  });

  it('shows each reader the latest version it may see and filters the list, the terms and the search by that version', async () => {
    const { portal, at } = await setup();
    const be = await portal.registerState('BE');
    const fr = await portal.registerState('FR');
    const v1 = await publish(
      at,
      terminologyBody([{ term: 'Cyberangriff', definition: 'Angriff auf IT-Systeme.' }], {
        tlp: 'TLP:AMBER',
        recipients: ['BE'],
        language: 'de',
      }),
    );
    const id = v1.data.id;
    const v2 = terminologyBody([{ term: 'Cyberattaque', definition: 'Attaque contre des systèmes.' }], {
      tlp: 'TLP:RED',
      recipients: ['FR'],
      language: 'fr',
      cbms: [9, 12],
    });
    expect((await at.put(`/documents/${id}`, v2, { headers: { 'if-match': '"1"' } })).status).toBe(200);
    expect(
      (await at.post(`/documents/${id}/withdraw`, { reason: 'replaced' }, { headers: { 'if-match': '"2"' } })).status,
    ).toBe(200);

    // Belgium still has version 1: active, in German, answering CBM 9 only.
    const ids = async (client: TestClient, query: string) =>
      (await list(client, query)).map((item) => `${item.version}:${item.status}`);
    expect(await ids(be, '')).toEqual(['1:active']);
    expect(await ids(be, '?language=de')).toEqual(['1:active']);
    expect(await ids(be, '?language=fr&status=all')).toEqual([]);
    expect(await ids(be, '?cbm=12&status=all')).toEqual([]);
    expect(
      ((await (await be.get(`/documents/${id}/terms`)).json()) as Page<{ term: string }>).items.map(
        (item) => item.term,
      ),
    ).toEqual(['Cyberangriff']);
    expect((await search(be, 'q=angriff')).items.map((hit) => [hit.term, hit.document_version])).toEqual([
      ['Cyberangriff', 1],
    ]);
    expect((await search(be, 'q=attaque')).items).toEqual([]);

    // France: version 3, withdrawn (it keeps version 2's TLP and recipients).
    expect(await ids(fr, '')).toEqual([]);
    expect(await ids(fr, '?status=all&language=fr&cbm=12')).toEqual(['3:withdrawn']);
    expect((await search(fr, 'q=attaque')).items).toEqual([]);
    expect(await history(fr, id)).toEqual([2, 3]);
    expect(
      portal.sqlite
        .prepare('SELECT version, audience FROM document_versions WHERE document_id = ? ORDER BY version')
        .raw()
        .all(id),
    ).toEqual([
      [1, `${id}:v1`],
      [2, `${id}:v2`],
      [3, `${id}:v2`],
    ]);
  });

  it('counts a file as available for the version it was uploaded for and the later ones, never for an earlier one', async () => {
    const { portal, at } = await setup();
    const be = await portal.registerState('BE');
    const fr = await portal.registerState('FR');
    const bytes = pdfBytes('shared', 1200);
    const file = await fileContent(bytes);
    const { data } = await publish(at, documentBody({ tlp: 'TLP:AMBER', recipients: ['BE'], content: file }));
    expect(
      (
        await at.put(`/documents/${data.id}`, documentBody({ tlp: 'TLP:RED', recipients: ['FR'], content: file }), {
          headers: { 'if-match': '"1"' },
        })
      ).status,
    ).toBe(200);
    expect((await upload(at, data.id, bytes)).status).toBe(201);

    // Uploaded for version 2 (France's): Belgium's version 1 still has no file.
    expect(((await (await be.get(`/documents/${data.id}`)).json()) as DocumentData).content.available).toBe(false);
    expect((await be.get(`/documents/${data.id}/content`)).status).toBe(404);
    expect(((await (await fr.get(`/documents/${data.id}`)).json()) as DocumentData).content.available).toBe(true);
    const availability = async () =>
      ((await (await at.get(`/documents/${data.id}/history`)).json()) as Page<DocumentData>).items.map(
        (item) => item.content.available,
      );
    expect(await availability()).toEqual([false, true]);

    // A later version declaring the same file has it at once (fixed when it is published).
    const v3 = await at.put(
      `/documents/${data.id}`,
      documentBody({ tlp: 'TLP:AMBER', recipients: ['BE'], content: file }),
      { headers: { 'if-match': '"2"' } },
    );
    expect(((await v3.json()) as DocumentWritten).data.content.available).toBe(true);
    expect(await availability()).toEqual([false, true, true]);
    expect((await be.get(`/documents/${data.id}/content`)).status).toBe(200);

    // An upload lands only while the version it was made for is current (commit time).
    const other = pdfBytes('late', 900);
    expect(
      (
        await at.put(`/documents/${data.id}`, documentBody({ content: await fileContent(other) }), {
          headers: { 'if-match': '"3"' },
        })
      ).status,
    ).toBe(200);
    const late = () =>
      portal.sqlite
        .prepare(
          'INSERT INTO document_files (document_id, sha256, media_type, size, uploaded_at, attestation_id, ' +
            "version) VALUES (?, ?, 'application/pdf', 900, ?, ?, 3)",
        )
        .run(data.id, 'x'.repeat(43), START, data.attestation_id);
    expect(late).toThrow('CHECK constraint failed: documents.current_version');
  });

  it('shows a restricted document to the Secretariat only when it is listed', async () => {
    const { portal, at } = await setup();
    await portal.registerState('BE');
    const { data } = await publish(at, documentBody({ tlp: 'TLP:AMBER+STRICT', recipients: ['secretariat', 'BE'] }));
    expect(data.recipients).toEqual(['BE', 'secretariat']);
    expect((await portal.secretariat.get(`/documents/${data.id}`)).status).toBe(200);
    expect((await list(portal.secretariat)).map((item) => item.id)).toEqual([data.id]);
  });
});

describe('documents: idempotency and the feed', () => {
  it('replays a create under the same key once it committed, and feeds record hrefs', async () => {
    const { portal, at } = await setup();
    const headers = { 'idempotency-key': 'strategy-upload-1' };
    const first = await at.post('/documents', documentBody(), { headers });
    const retried = await at.post('/documents', documentBody(), { headers });
    expect(retried.headers.get('idempotent-replayed')).toBe('true');
    const a = (await first.json()) as DocumentWritten;
    const b = (await retried.json()) as DocumentWritten;
    expect(b.attestation).toEqual(a.attestation);
    expect(b.data.id).toBe(a.data.id);
    expect(count(portal.sqlite, 'documents')).toBe(1);
    expect(
      (await problem(await at.post('/documents', documentBody({ title: 'Other' }), { headers }), 422)).errors?.[0]
        ?.parameter,
    ).toBe('Idempotency-Key');

    const feed = (await (await at.get('/feed')).json()) as {
      items: { subject: string; record_href: string | null; tlp: string | null }[];
    };
    expect(feed.items.at(-1)).toMatchObject({
      subject: `urn:cbm:document:${a.data.id}:v1`,
      record_href: `/documents/${a.data.id}`,
      tlp: 'TLP:CLEAR',
    });
  });
});

describe('documents: concurrent writers', () => {
  it('lets one of two updates based on the same version through; the glossary holds the winner’s terms only', async () => {
    const { portal, at } = await setup();
    const { data } = await publish(at, terminologyBody([{ term: 'Original', definition: 'First.' }]));
    const [a, b] = await Promise.all([
      at.put(`/documents/${data.id}`, terminologyBody([{ term: 'Alpha', definition: 'From writer A.' }]), {
        headers: { 'if-match': '"1"' },
      }),
      at.put(`/documents/${data.id}`, terminologyBody([{ term: 'Beta', definition: 'From writer B.' }]), {
        headers: { 'if-match': '"1"' },
      }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 412]);
    const winner = a.status === 200 ? 'Alpha' : 'Beta';
    // Every version's terms stay indexed; the search shows the current version's only.
    expect(portal.sqlite.prepare('SELECT term FROM glossary_fts').pluck().all()).toEqual(['Original', winner]);
    const loser = winner === 'Alpha' ? 'Beta' : 'Alpha';
    expect((await search(at, 'q=original')).items).toEqual([]);
    expect((await search(at, `q=${loser}`)).items).toEqual([]);
    expect((await search(at, `q=${winner}`)).items.map((hit) => [hit.term, hit.document_version])).toEqual([
      [winner, 2],
    ]);
    expect(count(portal.sqlite, 'document_versions')).toBe(2);
    expect(portal.sqlite.prepare('SELECT version FROM documents WHERE id = ?').pluck().get(data.id)).toBe(2);
  });

  it('stores and attests a file once when the same upload races with itself', async () => {
    const { portal, at } = await setup();
    const bytes = pdfBytes('race', 5000);
    const { data } = await publish(at, documentBody({ content: await fileContent(bytes) }));
    const statuses = (await Promise.all([upload(at, data.id, bytes), upload(at, data.id, bytes)]))
      .map((res) => res.status)
      .sort();
    expect([
      [200, 201],
      [201, 409],
    ]).toContainEqual(statuses);
    expect(count(portal.sqlite, 'document_files')).toBe(1);
    expect(
      portal.sqlite
        .prepare("SELECT count(*) FROM attestations WHERE operation = 'uploadDocumentContent'")
        .pluck()
        .get(),
    ).toBe(1);
  });
});
