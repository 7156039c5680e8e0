/**
 * Request bodies (issue 9 items 5, 6, 7): nothing is read before the token verifies,
 * uploads stream and are capped, the signed bytes read one way only (I-JSON), and the
 * work per body is bounded before schema validation. Real SQLite, real blob store, real
 * keys; the portal in process (the real-HTTP side is test/bounded-requests.test.ts).
 */
import { describe, expect, test } from 'vitest';
import { sha256b64u } from '../../clients/typescript/src/index.ts';
import {
  documentBody,
  fileContent,
  pdfBytes,
  publish,
  registerPublisher,
  upload,
} from '../../test/support/documents.ts';
import {
  contactBody,
  count,
  createTestPortal,
  ORIGIN,
  type TestClient,
  type TestPortal,
} from '../../test/support/portal.ts';
import { problem } from '../../test/support/problem.ts';

const encoder = new TextEncoder();
const TABLES = ['contacts', 'contact_versions', 'attestations', 'request_jtis', 'document_files'];
const snapshot = (portal: TestPortal) =>
  Object.fromEntries(TABLES.map((table) => [table, count(portal.sqlite, table)]));

async function setup() {
  const portal = await createTestPortal();
  const at = await portal.registerState('AT');
  return { portal, at };
}

/** A body stream that records how much of it was pulled; `release` lets it finish. */
function watchedStream(bytes: Uint8Array, options: { hold?: boolean } = {}) {
  let pulled = 0;
  let release: () => void = () => undefined;
  const held = new Promise<void>((resolve) => (release = resolve));
  const stream = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (options.hold && pulled > 0) await held;
        const chunk = bytes.slice(pulled, pulled + 1024);
        pulled += chunk.byteLength;
        if (chunk.byteLength) controller.enqueue(chunk);
        if (pulled >= bytes.byteLength) controller.close();
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, pulled: () => pulled, release };
}

function send(
  portal: TestPortal,
  method: string,
  path: string,
  body: ReadableStream<Uint8Array>,
  headers: Record<string, string>,
) {
  return portal.fetch(new Request(`${ORIGIN}${path}`, { method, headers, body, duplex: 'half' } as RequestInit));
}

describe('no body is read before its token verifies (item 6)', () => {
  test.each([
    ['no token', null],
    ['a malformed token', 'Bearer x.y.z'],
    ['a token of an unknown key', 'forged'],
  ])(
    'with %s, a 1 MiB JSON body and a 200 KiB upload are refused 401 without a byte pulled',
    async (_name, authorization) => {
      const { portal, at } = await setup();
      const publisher = await registerPublisher(portal, 'BE');
      const bytes = pdfBytes('declared', 200 * 1024);
      const { data } = await publish(publisher, documentBody({ content: await fileContent(bytes) }));
      const before = snapshot(portal);
      for (const [path, method, type, body] of [
        [
          '/contacts',
          'POST',
          'application/json',
          encoder.encode(JSON.stringify(contactBody({ notes: 'x'.repeat(1024 * 1024) }))),
        ],
        [`/documents/${data.id}/content`, 'PUT', 'application/pdf', bytes],
      ] as const) {
        const watched = watchedStream(body);
        const headers: Record<string, string> = { 'content-type': type };
        if (authorization === 'forged') {
          const stranger = await at.signer.signWith(
            { method, pathAndQuery: path, body },
            { header: { kid: 'A'.repeat(43) } },
          );
          headers.authorization = `Bearer ${stranger}`;
        } else if (authorization) headers.authorization = authorization;
        const res = await send(portal, method, path, watched.stream, headers);
        expect(res.status).toBe(401);
        expect((await problem(res)).code).toMatch(/^(token-missing|malformed-token|key-unknown)$/);
        expect(watched.pulled()).toBe(0);
      }
      expect(snapshot(portal)).toEqual(before);
    },
  );

  test('a signed JSON body is read and checked after: other bytes are 401 body-digest-mismatch and do not spend the token', async () => {
    const { portal, at } = await setup();
    const signed = encoder.encode(JSON.stringify(contactBody()));
    const token = await at.sign('POST', '/contacts', signed);
    const before = snapshot(portal);
    const other = encoder.encode(JSON.stringify(contactBody({ name: 'Someone else' })));
    expect((await problem(await at.call('POST', '/contacts', { rawBody: other, token }), 401)).code).toBe(
      'body-digest-mismatch',
    );
    expect(snapshot(portal)).toEqual(before);
    expect((await at.call('POST', '/contacts', { rawBody: signed, token })).status).toBe(201);
  });
});

test('a body past the limit is refused 413 after the token verified, without spending the token', async () => {
  const portal = await createTestPortal({ maxBodyBytes: 2048 });
  const at = await portal.registerState('AT');
  const body = encoder.encode(JSON.stringify(contactBody({ notes: 'x'.repeat(3000) })));
  const token = await at.sign('POST', '/contacts', body);
  const before = snapshot(portal);
  expect((await problem(await at.call('POST', '/contacts', { rawBody: body, token }), 413)).code).toBe(
    'payload-too-large',
  );
  expect(snapshot(portal)).toEqual(before);
  // Its signer may still send what fits, with a new token.
  expect((await at.post('/contacts', contactBody())).status).toBe(201);
});

describe('uploads stream into the blob store and are capped (item 6)', () => {
  async function documentWithFile(client: TestClient, seed: string) {
    const bytes = pdfBytes(seed, 8 * 1024);
    const { data } = await publish(client, documentBody({ content: await fileContent(bytes) }));
    return { id: data.id, bytes, sha256: await sha256b64u(bytes) };
  }

  test('bytes that are not the signed ones are 401 body-digest-mismatch, leave no blob and do not spend the token', async () => {
    const portal = await createTestPortal();
    const at = await registerPublisher(portal, 'AT');
    const file = await documentWithFile(at, 'signed');
    const path = `/documents/${file.id}/content`;
    const token = await at.sign('PUT', path, file.bytes);
    const other = pdfBytes('other', file.bytes.byteLength);
    const res = await at.call('PUT', path, { rawBody: other, token, headers: { 'content-type': 'application/pdf' } });
    expect((await problem(res, 401)).code).toBe('body-digest-mismatch');
    expect(await portal.blobs.has(file.sha256)).toBe(false);
    expect(await portal.blobs.has(await sha256b64u(other))).toBe(false);
    expect(count(portal.sqlite, 'document_files')).toBe(0);
    const res2 = await at.call('PUT', path, {
      rawBody: file.bytes,
      token,
      headers: { 'content-type': 'application/pdf' },
    });
    expect(res2.status).toBe(201);
    expect(await portal.blobs.has(file.sha256)).toBe(true);
  });

  test(
    'past 4 uploads in flight a signed upload is refused 503 uploads-busy with Retry-After, unread; slots ' +
      'free when uploads end',
    async () => {
      const portal = await createTestPortal();
      const at = await registerPublisher(portal, 'AT');
      const files: Awaited<ReturnType<typeof documentWithFile>>[] = [];
      for (let i = 0; i < 6; i++) files.push(await documentWithFile(at, `file ${i}`));
      const uploadOf = async (file: { id: string; bytes: Uint8Array }, hold: boolean) => {
        const path = `/documents/${file.id}/content`;
        const token = await at.sign('PUT', path, file.bytes);
        const watched = watchedStream(file.bytes, { hold });
        const answer = send(portal, 'PUT', path, watched.stream, {
          authorization: `Bearer ${token}`,
          'content-type': 'application/pdf',
        });
        return { watched, answer };
      };
      const inFlight: Awaited<ReturnType<typeof uploadOf>>[] = [];
      for (const file of files.slice(0, 4)) inFlight.push(await uploadOf(file, true));
      // Each of the four has started streaming and waits for the rest of its bytes.
      await expect.poll(() => inFlight.every(({ watched }) => watched.pulled() > 0)).toBe(true);

      const fifth = await uploadOf(files[4]!, false);
      const busy = await fifth.answer;
      expect(busy.status).toBe(503);
      expect(busy.headers.get('retry-after')).toBe('5');
      expect((await problem(busy)).code).toBe('uploads-busy');
      expect(fifth.watched.pulled()).toBe(0);

      for (const { watched } of inFlight) watched.release();
      for (const { answer } of inFlight) expect((await answer).status).toBe(201);
      expect((await (await uploadOf(files[5]!, false)).answer).status).toBe(201);
      expect(count(portal.sqlite, 'document_files')).toBe(5);
    },
  );

  test('a repeated upload of a stored file is still read and checked, and answers the first receipt', async () => {
    const portal = await createTestPortal();
    const at = await registerPublisher(portal, 'AT');
    const file = await documentWithFile(at, 'again');
    expect((await upload(at, file.id, file.bytes)).status).toBe(201);
    const path = `/documents/${file.id}/content`;
    const token = await at.sign('PUT', path, file.bytes);
    const wrong = await at.call('PUT', path, {
      rawBody: pdfBytes('not it', file.bytes.byteLength),
      token,
      headers: { 'content-type': 'application/pdf' },
    });
    expect((await problem(wrong, 401)).code).toBe('body-digest-mismatch');
    expect((await upload(at, file.id, file.bytes)).status).toBe(200);
  });
});

describe('the signed bytes read one way only: I-JSON (item 7)', () => {
  const refusals: [string, string | Uint8Array, number, string, string][] = [
    ['a duplicate member', '{"role":"technical","name":"A","name":"B"}', 400, 'json-duplicate-member', '/name'],
    [
      'a duplicate member deep down, spelled with an escape',
      '{"severity":{"scale":"a","sc\\u0061le":"b"}}',
      400,
      'json-duplicate-member',
      '/severity/scale',
    ],
    ['an escaped lone surrogate', '{"name":"x\\ud800y"}', 400, 'json-lone-surrogate', '/name'],
    ['a lone surrogate in an array item', '{"languages":["en","\\udfff"]}', 400, 'json-lone-surrogate', '/languages/1'],
    ['a number beyond double', '{"name":"A","notes":1e400}', 400, 'json-number-out-of-range', '/notes'],
    ['an integer beyond 2^53', '{"name":"A","notes":9007199254740993}', 400, 'json-number-out-of-range', '/notes'],
    [
      'a surrogate encoded in UTF-8 (CESU)',
      new Uint8Array([...encoder.encode('{"name":"x'), 0xed, 0xa0, 0x80, ...encoder.encode('"}')]),
      400,
      'malformed-json',
      '',
    ],
    ['a byte-order mark', new Uint8Array([0xef, 0xbb, 0xbf, ...encoder.encode('{}')]), 400, 'malformed-json', ''],
  ];

  test.each(refusals)(
    '%s is refused with its code and pointer, nothing stored',
    async (_name, body, status, code, pointer) => {
      const { portal, at } = await setup();
      const before = snapshot(portal);
      const res = await at.call('POST', '/contacts', { rawBody: body });
      const answer = await problem(res, status);
      expect(answer.code).toBe(code);
      expect(answer.errors?.[0]?.pointer).toBe(pointer);
      expect(snapshot(portal)).toEqual({ ...before, request_jtis: before.request_jtis! + 1 });
    },
  );

  test('a charset other than UTF-8 is refused with 415: a reader honouring it would read other text', async () => {
    const { portal, at } = await setup();
    const before = snapshot(portal);
    const body = JSON.stringify(contactBody({ name: 'Zoë' }));
    for (const charset of ['iso-8859-1', 'utf-16', '"windows-1252"']) {
      const res = await at.call('POST', '/contacts', {
        rawBody: body,
        headers: { 'content-type': `application/json; charset=${charset}` },
      });
      expect((await problem(res, 415)).code).toBe('unsupported-media-type');
    }
    expect(snapshot(portal).contacts).toBe(before.contacts);
    expect(
      (
        await at.call('POST', '/contacts', {
          rawBody: body,
          headers: { 'content-type': 'application/json; charset=UTF-8' },
        })
      ).status,
    ).toBe(201);
  });

  test('the stored record is exactly what the signed bytes say (control: escapes and pairs are fine)', async () => {
    const { at } = await setup();
    const res = await at.call('POST', '/contacts', {
      rawBody: JSON.stringify(contactBody()).replace('"Anna Berger"', '"Anna \\u0042erger \\ud83d\\ude00"'),
    });
    expect(res.status).toBe(201);
    expect(((await res.json()) as { data: { name: string } }).data.name).toBe('Anna Berger 😀');
  });
});

describe('work per body is bounded before schema validation (item 5)', () => {
  test('87,000 distinct languages are refused at the 21st (the contract says 20): 422 at /languages, fast', async () => {
    // The body of the report is 0.9 MB: this portal takes 2 MiB bodies so the limit is not what refuses it.
    const portal = await createTestPortal({ maxBodyBytes: 2 * 1024 * 1024 });
    const at = await portal.registerState('AT');
    const body = JSON.stringify(
      contactBody({ languages: Array.from({ length: 87_000 }, (_, i) => `x${i.toString(36)}`) }),
    );
    const started = performance.now();
    const res = await at.call('POST', '/contacts', { rawBody: body });
    const ms = performance.now() - started;
    const answer = await problem(res, 422);
    expect(answer.code).toBe('validation-failed');
    expect(answer.errors).toEqual([{ pointer: '/languages', detail: 'must NOT have more than 20 items' }]);
    expect(ms).toBeLessThan(2000);
    expect(count(portal.sqlite, 'contacts')).toBe(0);
  });

  test('two 10,000-deep arrays are refused with 400 json-too-deep, not a 500', async () => {
    const { portal, at } = await setup();
    const deep = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
    const res = await at.call('POST', '/contacts', { rawBody: `{"languages":${deep},"notes":${deep}}` });
    const answer = await problem(res, 400);
    expect(answer.code).toBe('json-too-deep');
    expect(answer.errors?.[0]?.pointer).toMatch(/^\/languages(\/0)+$/);
    expect(portal.logged).toEqual([]);
  });

  test('a string past its maxLength is refused before validation with the pointer of the field', async () => {
    const { at } = await setup();
    const answer = await problem(
      await at.call('POST', '/contacts', { body: contactBody({ name: 'n'.repeat(201) }) }),
      422,
    );
    expect(answer.errors).toEqual([{ pointer: '/name', detail: 'must NOT have more than 200 characters' }]);
  });
});
