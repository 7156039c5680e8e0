/**
 * Input-validation suite (DESIGN.md section 5): every malformed request is answered with
 * an RFC 9457 problem naming what is wrong (JSON pointer or parameter), with the right
 * status, never a 500, a stack trace or a database message, and nothing is written.
 * Every request here is correctly signed, so only the input itself is at fault.
 */
import { afterEach, describe, expect, test } from 'vitest';
import {
  contactBody,
  count,
  createTestPortal,
  ORIGIN,
  type TestClient,
  type TestPortal,
} from '../../test/support/portal.ts';
import type { ProblemBody as Problem } from '../../test/support/problem.ts';

const RECORD_TABLES = [
  'contacts',
  'contact_versions',
  'attestations',
  'contact_confirmations',
  'principals',
  'principal_keys',
];

const opened: TestPortal[] = [];
afterEach(() => {
  // No input in this file may reach the 500 handler, which is the only thing that logs.
  for (const portal of opened.splice(0)) expect(portal.logged).toEqual([]);
});

async function setup(options: { maxBodyBytes?: number } = {}) {
  const portal = await createTestPortal(options);
  opened.push(portal);
  const at = await portal.registerState('AT');
  return { portal, at };
}

function snapshot(portal: TestPortal): Record<string, number> {
  return Object.fromEntries(RECORD_TABLES.map((table) => [table, count(portal.sqlite, table)]));
}

const encoder = new TextEncoder();
const bytesOf = (body: unknown) => encoder.encode(JSON.stringify(body));

interface SendOptions {
  /** Body bytes; text is sent as UTF-8. */
  body?: Uint8Array | string;
  /** Content-Type to send; null sends none. Default application/json when there is a body. */
  contentType?: string | null;
  headers?: Record<string, string>;
}

/** A correctly signed request over exactly these bytes and headers. */
async function send(client: TestClient, portal: TestPortal, method: string, path: string, options: SendOptions = {}) {
  const bytes = typeof options.body === 'string' ? encoder.encode(options.body) : options.body;
  const token = await client.sign(method, path, bytes);
  const headers = new Headers(options.headers);
  const contentType = options.contentType === undefined ? (bytes ? 'application/json' : null) : options.contentType;
  if (contentType !== null) headers.set('content-type', contentType);
  headers.set('authorization', `Bearer ${token}`);
  return portal.fetch(new Request(`${ORIGIN}${path}`, { method, headers, body: bytes as BodyInit | undefined }));
}

/** Asserts a problem document with this status and code, free of internals. */
async function expectProblem(res: Response, status: number, code: string): Promise<Problem> {
  const text = await res.text();
  expect({ status: res.status, body: text }).toMatchObject({ status });
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  expectNoInternals(text);
  const problem = JSON.parse(text) as Problem;
  expect(problem).toMatchObject({ status, code, type: `urn:cbm:problem:${code}` });
  expect(problem.title).toEqual(expect.any(String));
  expect(problem.instance).toMatch(/^urn:cbm:request:[0-9a-f-]{36}$/);
  return problem;
}

/** No stack frames, source locations or database messages. */
function expectNoInternals(text: string) {
  expect(text).not.toMatch(/\n\s+at /);
  expect(text).not.toMatch(/\bat (?:async )?\S+ \(/);
  expect(text).not.toMatch(/\.(?:ts|js|mjs):\d+/);
  expect(text).not.toMatch(/node_modules/);
  expect(text).not.toMatch(/SQLITE/i);
  expect(text).not.toMatch(/constraint failed/i);
}

const pointers = (problem: Problem) => (problem.errors ?? []).map((error) => error.pointer);
const parameters = (problem: Problem) => (problem.errors ?? []).map((error) => [error.parameter, error.in]);

async function createContact(client: TestClient, overrides: Record<string, unknown> = {}) {
  const res = await client.post('/contacts', contactBody(overrides));
  expect(res.status).toBe(201);
  return ((await res.json()) as { data: { id: string } }).data.id;
}

describe('JSON bodies', () => {
  test.each([
    ['truncated JSON', '{"role":'],
    ['unquoted keys', '{role: "technical"}'],
    ['trailing garbage', '{}x'],
    ['an empty body', ''],
    ['single quotes', "{'role':'technical'}"],
  ])('%s is refused with 400 malformed-json', async (_name, body) => {
    const { portal, at } = await setup();
    const before = snapshot(portal);
    const problem = await expectProblem(await send(at, portal, 'POST', '/contacts', { body }), 400, 'malformed-json');
    expect(problem.errors).toEqual([{ pointer: '', detail: expect.any(String) }]);
    expect(snapshot(portal)).toEqual(before);
  });

  test('invalid UTF-8 is refused with 400 malformed-json', async () => {
    const { portal, at } = await setup();
    const before = snapshot(portal);
    const body = new Uint8Array([...encoder.encode('{"name":"'), 0xff, 0xfe, ...encoder.encode('"}')]);
    await expectProblem(await send(at, portal, 'POST', '/contacts', { body }), 400, 'malformed-json');
    expect(snapshot(portal)).toEqual(before);
  });

  test('an unknown body field is refused with 422 and the pointer /extra', async () => {
    const { portal, at } = await setup();
    const before = snapshot(portal);
    const res = await send(at, portal, 'POST', '/contacts', { body: bytesOf(contactBody({ extra: 'x' })) });
    const problem = await expectProblem(res, 422, 'validation-failed');
    expect(problem.errors).toEqual([{ pointer: '/extra', detail: 'unknown field' }]);
    expect(snapshot(portal)).toEqual(before);
  });

  test('a __proto__ member is an unknown field like any other', async () => {
    const { portal, at } = await setup();
    const before = snapshot(portal);
    const body = JSON.stringify(contactBody()).replace(/^\{/, '{"__proto__":{"admin":true},');
    const problem = await expectProblem(
      await send(at, portal, 'POST', '/contacts', { body }),
      422,
      'validation-failed',
    );
    expect(pointers(problem)).toEqual(['/__proto__']);
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
    expect(snapshot(portal)).toEqual(before);
  });

  test('pointers escape / and ~ in member names (RFC 6901)', async () => {
    const { portal, at } = await setup();
    const before = snapshot(portal);
    const body = bytesOf({ ...contactBody(), 'a/b': 1, 'c~d': 2 });
    const problem = await expectProblem(
      await send(at, portal, 'POST', '/contacts', { body }),
      422,
      'validation-failed',
    );
    expect([...pointers(problem)].sort()).toEqual(['/a~1b', '/c~0d']);
    expect(snapshot(portal)).toEqual(before);
  });

  test('several bad fields give one error per pointer', async () => {
    const { portal, at } = await setup();
    const before = snapshot(portal);
    const body = contactBody({
      role: 'chief',
      name: 42,
      email: 'not-an-email',
      phone_24x7: '0800 123',
      languages: ['en', 'not a tag!'],
      effective_at: 'yesterday',
      extra: true,
    });
    const problem = await expectProblem(
      await send(at, portal, 'POST', '/contacts', { body: bytesOf(body) }),
      422,
      'validation-failed',
    );
    expect([...pointers(problem)].sort()).toEqual([
      '/effective_at',
      '/email',
      '/extra',
      '/languages/1',
      '/name',
      '/phone_24x7',
      '/role',
    ]);
    for (const error of problem.errors!) expect(error.detail).toEqual(expect.any(String));
    expect(snapshot(portal)).toEqual(before);
  });

  test('missing required fields are named each by its pointer', async () => {
    const { portal, at } = await setup();
    const before = snapshot(portal);
    const { email: _email, phone_24x7: _phone, ...rest } = contactBody();
    const problem = await expectProblem(
      await send(at, portal, 'POST', '/contacts', { body: bytesOf(rest) }),
      422,
      'validation-failed',
    );
    expect(problem.errors).toEqual(
      expect.arrayContaining([
        { pointer: '/email', detail: 'required field is missing' },
        { pointer: '/phone_24x7', detail: 'required field is missing' },
      ]),
    );
    expect(problem.errors).toHaveLength(2);
    expect(snapshot(portal)).toEqual(before);
  });

  test.each([
    ['an array', '[]'],
    ['null', 'null'],
    ['a string', '"contact"'],
    ['a number', '42'],
  ])('%s where an object is expected is refused with 422 at the root pointer', async (_name, body) => {
    const { portal, at } = await setup();
    const before = snapshot(portal);
    const problem = await expectProblem(
      await send(at, portal, 'POST', '/contacts', { body }),
      422,
      'validation-failed',
    );
    expect(pointers(problem)).toContain('');
    expect(snapshot(portal)).toEqual(before);
  });

  test('deeply nested JSON within the size limit is refused with 400 json-too-deep before validation, without a crash', async () => {
    const { portal, at } = await setup();
    const before = snapshot(portal);
    const deep = `${'['.repeat(5000)}${']'.repeat(5000)}`;
    for (const [body, pointer] of [
      [deep, ''],
      [`{"notes":${deep}}`, '/notes/0/0'],
      [`{"extra":${deep}}`, '/extra/0/0'],
    ] as const) {
      const res = await send(at, portal, 'POST', '/contacts', { body });
      const problem = await expectProblem(res, 400, 'json-too-deep');
      expect(problem.errors?.[0]?.pointer?.startsWith(pointer)).toBe(true);
      expectNoInternals(JSON.stringify(problem));
    }
    expect(snapshot(portal)).toEqual(before);
  });

  test('a field that passes the schema but fails a domain rule is refused with its pointer', async () => {
    const { portal, at } = await setup();
    const before = snapshot(portal);
    const res = await send(at, portal, 'POST', '/contacts', {
      body: bytesOf(contactBody({ time_zone: 'Mars/Olympus_Mons' })),
    });
    const problem = await expectProblem(res, 422, 'validation-failed');
    expect(pointers(problem)).toEqual(['/time_zone']);
    expect(snapshot(portal)).toEqual(before);
  });
});

describe('query parameters', () => {
  test.each([
    ['limit=0', 'limit'],
    ['limit=abc', 'limit'],
    ['limit=501', 'limit'],
    ['limit=1.5', 'limit'],
    ['limit=-1', 'limit'],
    ['limit=1&limit=2', 'limit'],
    ['state=at', 'state'],
    ['role=boss', 'role'],
    ['status=deleted', 'status'],
    ['cursor=!!!', 'cursor'],
    ['unknown=1', 'unknown'],
  ])('GET /contacts?%s is refused with 400 naming the parameter', async (query, parameter) => {
    const { portal, at } = await setup();
    const problem = await expectProblem(await send(at, portal, 'GET', `/contacts?${query}`), 400, 'invalid-parameter');
    expect(parameters(problem)).toEqual([[parameter, 'query']]);
    expect(problem.errors![0]!.detail).toEqual(expect.any(String));
  });

  test('several bad parameters give one error each', async () => {
    const { portal, at } = await setup();
    const problem = await expectProblem(
      await send(at, portal, 'GET', '/contacts?limit=0&role=boss&page=2'),
      400,
      'invalid-parameter',
    );
    expect(parameters(problem).sort()).toEqual([
      ['limit', 'query'],
      ['page', 'query'],
      ['role', 'query'],
    ]);
  });

  test('a cursor the portal did not issue is refused with 400 invalid-cursor', async () => {
    const { portal, at } = await setup();
    const negative = Buffer.from(JSON.stringify({ s: -1 })).toString('base64url');
    for (const cursor of ['zzzz', negative, Buffer.from('{"s":"1"}').toString('base64url')]) {
      const problem = await expectProblem(
        await send(at, portal, 'GET', `/contacts?cursor=${cursor}`),
        400,
        'invalid-cursor',
      );
      expect(parameters(problem)).toEqual([['cursor', 'query']]);
    }
  });

  test('a query parameter on a write is refused and nothing is written', async () => {
    const { portal, at } = await setup();
    const before = snapshot(portal);
    const problem = await expectProblem(
      await send(at, portal, 'POST', '/contacts?dry_run=1', { body: bytesOf(contactBody()) }),
      400,
      'invalid-parameter',
    );
    expect(parameters(problem)).toEqual([['dry_run', 'query']]);
    expect(snapshot(portal)).toEqual(before);
  });

  test('valid parameters are accepted (control)', async () => {
    const { portal, at } = await setup();
    await createContact(at);
    const res = await send(at, portal, 'GET', '/contacts?state=AT&role=technical&status=all&limit=500');
    expect(res.status).toBe(200);
    expect(((await res.json()) as { items: unknown[] }).items).toHaveLength(1);
  });
});

describe('path parameters', () => {
  test.each([
    ['GET', '/contacts/not-a-uuid', 'contactId'],
    ['GET', '/contacts/0191e5a0-0000-4000-8000-000000000000', 'contactId'], // UUIDv4, not v7
    ['GET', '/contacts/0191E5A0-0000-7000-8000-000000000000', 'contactId'], // upper case
    ['GET', '/contacts/not-a-uuid/history', 'contactId'],
    ['GET', '/principals/austria', 'principalId'],
    ['GET', '/principals/AT/keys/short', 'kid'],
    ['GET', '/states/at/compliance', 'stateId'],
    ['GET', '/attestations/42', 'attestationId'],
  ])('%s %s is refused with 400 naming %s', async (method, path, parameter) => {
    const { portal, at } = await setup();
    const problem = await expectProblem(await send(at, portal, method, path), 400, 'invalid-parameter');
    expect(parameters(problem)).toEqual([[parameter, 'path']]);
  });

  test('a write to a malformed contact id is refused with 400 and writes nothing', async () => {
    const { portal, at } = await setup();
    await createContact(at);
    const before = snapshot(portal);
    const update = await send(at, portal, 'PUT', '/contacts/not-a-uuid', {
      body: bytesOf(contactBody()),
      headers: { 'if-match': '*' },
    });
    expect(parameters(await expectProblem(update, 400, 'invalid-parameter'))).toEqual([['contactId', 'path']]);
    const withdraw = await send(at, portal, 'POST', '/contacts/not-a-uuid/withdraw', {
      body: '{}',
      headers: { 'if-match': '*' },
    });
    expect(parameters(await expectProblem(withdraw, 400, 'invalid-parameter'))).toEqual([['contactId', 'path']]);
    expect(snapshot(portal)).toEqual(before);
  });

  test('a well-formed id that does not exist is a 404 problem', async () => {
    const { portal, at } = await setup();
    const missing = '0191e5a0-0000-7000-8000-000000000000';
    await expectProblem(await send(at, portal, 'GET', `/contacts/${missing}`), 404, 'not-found');
    const before = snapshot(portal);
    const res = await send(at, portal, 'PUT', `/contacts/${missing}`, {
      body: bytesOf(contactBody()),
      headers: { 'if-match': '*' },
    });
    await expectProblem(res, 404, 'not-found');
    expect(snapshot(portal)).toEqual(before);
  });
});

describe('media types', () => {
  test.each([
    ['text/plain', 'text/plain'],
    ['a form', 'application/x-www-form-urlencoded'],
    ['a JSON-looking type', 'application/json-patch+json'],
    ['no content type', null],
  ])('a JSON body sent as %s is refused with 415', async (_name, contentType) => {
    const { portal, at } = await setup();
    const before = snapshot(portal);
    const res = await send(at, portal, 'POST', '/contacts', { body: bytesOf(contactBody()), contentType });
    await expectProblem(res, 415, 'unsupported-media-type');
    expect(snapshot(portal)).toEqual(before);
  });

  test('application/json with parameters or in another case is accepted (control)', async () => {
    const { portal, at } = await setup();
    for (const contentType of ['application/json; charset=utf-8', 'Application/JSON']) {
      const res = await send(at, portal, 'POST', '/contacts', { body: bytesOf(contactBody()), contentType });
      expect(res.status).toBe(201);
    }
    expect(count(portal.sqlite, 'contacts')).toBe(2);
  });

  test.each(['text/html', 'application/xml, text/html;q=0.9', 'application/json;q=0'])(
    'Accept: %s is refused with 406 and nothing is written',
    async (accept) => {
      const { portal, at } = await setup();
      const before = snapshot(portal);
      await expectProblem(await send(at, portal, 'GET', '/contacts', { headers: { accept } }), 406, 'not-acceptable');
      const res = await send(at, portal, 'POST', '/contacts', { body: bytesOf(contactBody()), headers: { accept } });
      await expectProblem(res, 406, 'not-acceptable');
      expect(snapshot(portal)).toEqual(before);
    },
  );

  test('Accept ranges that include JSON are served (control)', async () => {
    const { portal, at } = await setup();
    for (const accept of ['application/json', 'application/*', '*/*', 'text/html, application/json;q=0.1']) {
      expect((await send(at, portal, 'GET', '/contacts', { headers: { accept } })).status).toBe(200);
    }
  });
});

describe('body size limit', () => {
  const LIMIT = 2048;
  /** A valid contact body padded with notes to exactly `size` bytes. */
  function contactOfSize(size: number) {
    const base = JSON.stringify(contactBody({ notes: '' }));
    const body = JSON.stringify(contactBody({ notes: 'n'.repeat(size - base.length) }));
    expect(body.length).toBe(size);
    return encoder.encode(body);
  }

  test('a 3000-byte body is refused with 413 when Content-Length declares it', async () => {
    const { portal, at } = await setup({ maxBodyBytes: LIMIT });
    const body = contactOfSize(3000);
    const before = snapshot(portal);
    const res = await send(at, portal, 'POST', '/contacts', {
      body,
      headers: { 'content-length': String(body.byteLength) },
    });
    const problem = await expectProblem(res, 413, 'payload-too-large');
    expect(problem.detail).toContain(String(LIMIT));
    expect(snapshot(portal)).toEqual(before);
  });

  test('a 3000-byte body is refused with 413 without Content-Length, and when Content-Length lies', async () => {
    const { portal, at } = await setup({ maxBodyBytes: LIMIT });
    const body = contactOfSize(3000);
    const before = snapshot(portal);
    await expectProblem(await send(at, portal, 'POST', '/contacts', { body }), 413, 'payload-too-large');
    const lying = await send(at, portal, 'POST', '/contacts', { body, headers: { 'content-length': '100' } });
    await expectProblem(lying, 413, 'payload-too-large');
    expect(snapshot(portal)).toEqual(before);
  });

  test('a chunked, streamed body past the limit is refused with 413 without reading it all', async () => {
    const { portal, at } = await setup({ maxBodyBytes: LIMIT });
    const chunk = encoder.encode('n'.repeat(512));
    let pulled = 0;
    let cancelled = false;
    // About 10 MB on demand; the portal must stop after the limit.
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled += 1;
        if (pulled > 20_000) controller.close();
        else controller.enqueue(chunk);
      },
      cancel() {
        cancelled = true;
      },
    });
    const token = await at.sign('POST', '/contacts', contactOfSize(3000));
    const before = snapshot(portal);
    const request = new Request(`${ORIGIN}/contacts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: stream,
      duplex: 'half',
    } as RequestInit & { duplex: 'half' });
    expect(request.headers.get('content-length')).toBeNull();
    await expectProblem(await portal.fetch(request), 413, 'payload-too-large');
    expect(pulled).toBeLessThan(10);
    expect(cancelled).toBe(true);
    expect(snapshot(portal)).toEqual(before);
  });

  test('a streamed body within the limit is accepted, and exactly the limit is allowed (control)', async () => {
    const { portal, at } = await setup({ maxBodyBytes: LIMIT });
    const body = contactOfSize(LIMIT);
    const token = await at.sign('POST', '/contacts', body);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let offset = 0; offset < body.byteLength; offset += 500)
          controller.enqueue(body.slice(offset, offset + 500));
        controller.close();
      },
    });
    const res = await portal.fetch(
      new Request(`${ORIGIN}/contacts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: stream,
        duplex: 'half',
      } as RequestInit & { duplex: 'half' }),
    );
    expect(res.status).toBe(201);
    expect(count(portal.sqlite, 'contacts')).toBe(1);
    await expectProblem(
      await send(at, portal, 'POST', '/contacts', { body: contactOfSize(LIMIT + 1) }),
      413,
      'payload-too-large',
    );
    expect(count(portal.sqlite, 'contacts')).toBe(1);
  });
});

describe('optimistic concurrency', () => {
  test('an update without If-Match is refused with 428 and writes nothing', async () => {
    const { portal, at } = await setup();
    const id = await createContact(at);
    const before = snapshot(portal);
    await expectProblem(
      await send(at, portal, 'PUT', `/contacts/${id}`, { body: bytesOf(contactBody({ name: 'New Name' })) }),
      428,
      'precondition-required',
    );
    await expectProblem(
      await send(at, portal, 'POST', `/contacts/${id}/withdraw`, { body: '{}' }),
      428,
      'precondition-required',
    );
    expect(snapshot(portal)).toEqual(before);
  });

  test('a stale If-Match is refused with 412 and writes nothing', async () => {
    const { portal, at } = await setup();
    const id = await createContact(at);
    const updated = await send(at, portal, 'PUT', `/contacts/${id}`, {
      body: bytesOf(contactBody({ name: 'Second Version' })),
      headers: { 'if-match': '"1"' },
    });
    expect(updated.status).toBe(200);
    expect(updated.headers.get('etag')).toBe('"2"');

    const before = snapshot(portal);
    for (const ifMatch of ['"1"', '"3"', 'W/"2"', '"1", "3"']) {
      const stale = await send(at, portal, 'PUT', `/contacts/${id}`, {
        body: bytesOf(contactBody({ name: 'Lost Update' })),
        headers: { 'if-match': ifMatch },
      });
      const problem = await expectProblem(stale, 412, 'precondition-failed');
      expect(problem.detail).toContain('"2"');
    }
    const withdraw = await send(at, portal, 'POST', `/contacts/${id}/withdraw`, {
      body: '{}',
      headers: { 'if-match': '"1"' },
    });
    await expectProblem(withdraw, 412, 'precondition-failed');
    expect(snapshot(portal)).toEqual(before);

    const current = (await (await at.get(`/contacts/${id}`)).json()) as {
      version: number;
      name: string;
      status: string;
    };
    expect(current).toMatchObject({ version: 2, name: 'Second Version', status: 'active' });
  });
});

describe('routes', () => {
  test('an unknown route is a 404 problem', async () => {
    const { portal, at } = await setup();
    const before = snapshot(portal);
    for (const [method, path] of [
      ['GET', '/nope'],
      ['GET', '/contacts/0191e5a0-0000-7000-8000-000000000000/nope'],
      ['POST', '/nope'],
    ] as const) {
      const res = await send(at, portal, method, path, method === 'POST' ? { body: bytesOf(contactBody()) } : {});
      const problem = await expectProblem(res, 404, 'not-found');
      expect(problem.detail).toContain(path.split('?')[0]);
    }
    expect(snapshot(portal)).toEqual(before);
  });

  test('a method a route does not have is refused with a 4xx problem, never a 500', async () => {
    const { portal, at } = await setup();
    const id = await createContact(at);
    const before = snapshot(portal);
    for (const [method, path] of [
      ['DELETE', `/contacts/${id}`],
      ['PATCH', `/contacts/${id}`],
      ['PUT', '/contacts'],
    ] as const) {
      const res = await send(at, portal, method, path, method === 'DELETE' ? {} : { body: bytesOf(contactBody()) });
      expect([404, 405]).toContain(res.status);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expectNoInternals(await res.text());
    }
    expect(snapshot(portal)).toEqual(before);
  });
});

describe('internal failures', () => {
  test('a database failure is a bare 500: logged with the request id, no SQL, stack or message in the body', async () => {
    // Not in `opened`: this is the one test where a log line is expected.
    const portal = await createTestPortal();
    const at = await portal.registerState('AT');
    const id = await createContact(at);
    portal.sqlite.exec('DROP TABLE contact_versions');

    for (const res of [
      await send(at, portal, 'GET', `/contacts/${id}`),
      await send(at, portal, 'PUT', `/contacts/${id}`, {
        body: bytesOf(contactBody()),
        headers: { 'if-match': '"1"' },
      }),
    ]) {
      const problem = await expectProblem(res, 500, 'internal-error');
      expect(JSON.stringify(problem)).not.toMatch(/contact_versions|no such table/i);
      const requestId = problem.instance.replace('urn:cbm:request:', '');
      expect(res.headers.get('x-request-id')).toBe(requestId);
      expect(portal.logged.some((line) => line.includes(requestId))).toBe(true);
    }
    expect(portal.logged).toHaveLength(2);
  });
});
