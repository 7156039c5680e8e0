/**
 * The request-target `htu` is compared with, each form alone: the raw target of the
 * request line where the runtime hands it over (Node), the parsed URL otherwise, and an
 * absolute-form target reduced to its path and query. The HTTP-level refusals are in
 * authenticate.security.test.ts.
 */
import type { Context } from 'hono';
import { describe, expect, it } from 'vitest';
import { contactBody, createTestPortal, ORIGIN } from '../../test/support/portal.ts';
import { requestTarget } from './authenticate.ts';

/** A context as the middleware sees it: the runtime's raw target (if any) and the parsed URL. */
const context = (raw: unknown, url = 'http://portal.test/parsed?x=1') =>
  ({ env: raw === undefined ? undefined : { incoming: { url: raw } }, req: { url } }) as unknown as Context;

describe('requestTarget', () => {
  it('takes the raw target as sent, not re-encoded', () => {
    expect(requestTarget(context("/contacts?state='AT'", 'http://portal.test/contacts?state=%27AT%27'))).toBe(
      "/contacts?state='AT'",
    );
    expect(requestTarget(context('/a%2Fb//c?'))).toBe('/a%2Fb//c?');
  });

  it('falls back on the parsed URL where the runtime has no raw target', () => {
    expect(requestTarget({ env: {}, req: { url: 'http://portal.test/a?b' } } as unknown as Context)).toBe('/a?b');
    expect(requestTarget(context(undefined, 'http://portal.test/contacts?state=%27AT%27'))).toBe(
      '/contacts?state=%27AT%27',
    );
    expect(requestTarget(context(7, 'http://portal.test/contacts'))).toBe('/contacts');
    expect(
      requestTarget({ env: { incoming: {} }, req: { url: 'https://portal.test:8443/x?y' } } as unknown as Context),
    ).toBe('/x?y');
    expect(requestTarget({ req: { url: 'http://portal.test/' } } as unknown as Context)).toBe('/');
  });

  it.each([
    ['http://portal.test/contacts?limit=1', '/contacts?limit=1'],
    ['HTTPS://portal.test:8443/a/b', '/a/b'],
    ['coap+tcp.v-1://host/a', '/a'],
    ['http://portal.test?x=1', '/?x=1'],
    ['http://portal.test', '/'],
    ['http://portal.test#f/x', '/#f/x'],
    ['http://user@portal.test/a', '/a'],
  ])('reads the absolute-form target %s as %s', (raw, target) => {
    expect(requestTarget(context(raw))).toBe(target);
  });

  it.each([
    // Not a scheme: kept whole, under a slash, so it matches no token signed for a path.
    ['1http://portal.test/a', '/1http://portal.test/a'],
    ['http:/portal.test/a', '/http:/portal.test/a'],
    ['*', '/*'],
    ['contacts', '/contacts'],
    [' http://portal.test/a', '/ http://portal.test/a'],
  ])('keeps %s, which is no absolute-form target, as %s', (raw, target) => {
    expect(requestTarget(context(raw))).toBe(target);
  });
});

describe('authenticate, over HTTP', () => {
  const encoder = new TextEncoder();
  async function problemOf(res: Response) {
    return { status: res.status, ...((await res.json()) as { code: string; detail?: string; errors?: unknown[] }) };
  }

  it('says how to sign when the request is not signed, and what is wrong with the header', async () => {
    const portal = await createTestPortal();
    const at = await portal.registerState('AT');
    expect(await problemOf(await at.call('GET', '/contacts', { token: null }))).toMatchObject({
      status: 401,
      code: 'token-missing',
      detail: 'Sign the request: Authorization: Bearer <cbm-request+jwt>.',
    });
    const basic = await portal.fetch(new Request(`${ORIGIN}/contacts`, { headers: { authorization: 'Basic YTpi' } }));
    expect(await problemOf(basic)).toMatchObject({
      status: 401,
      code: 'malformed-token',
      detail: 'The Authorization header must be Bearer and a compact JWS.',
    });
  });

  it('refuses a path with dot segments, saying which parameter', async () => {
    const portal = await createTestPortal();
    const at = await portal.registerState('AT');
    const token = await at.sign('GET', '/contacts/../principals');
    const res = await portal.app.fetch(
      new Request(`${ORIGIN}/principals`, { headers: { authorization: `Bearer ${token}` } }),
      { incoming: { url: '/contacts/../principals' } },
    );
    expect(await problemOf(res)).toMatchObject({
      status: 400,
      code: 'request-target-ambiguous',
      detail: 'The request path has dot segments or backslashes; send the path it resolves to.',
      errors: [{ parameter: 'request-target', detail: 'not a normalised path' }],
    });
  });

  it.each(['/contacts/a.', '/contacts/.a', '/contacts/...', '/contacts?next=../x'])(
    'takes %s, which has no dot segment, as it is',
    async (target) => {
      const portal = await createTestPortal();
      const at = await portal.registerState('AT');
      const token = await at.sign('GET', target);
      const res = await portal.app.fetch(
        new Request(`${ORIGIN}${target}`, { headers: { authorization: `Bearer ${token}` } }),
        { incoming: { url: target } },
      );
      // Refused, if at all, for what the contract says of the path, never as ambiguous or unsigned.
      const code = res.ok ? null : ((await res.json()) as { code: string }).code;
      expect(code === null || !['request-target-ambiguous', 'url-mismatch', 'token-missing'].includes(code)).toBe(true);
      expect(res.status).not.toBe(401);
    },
  );

  it('lets a HEAD token be used again, like a GET token', async () => {
    const portal = await createTestPortal();
    const at = await portal.registerState('AT');
    const token = await at.sign('HEAD', '/contacts');
    for (let i = 0; i < 2; i += 1) expect((await at.call('HEAD', '/contacts', { token })).status).toBe(200);
  });

  it('does not spend a write token on a body refused as too large: the signer may still send its own', async () => {
    const portal = await createTestPortal({ maxBodyBytes: 2048 });
    const at = await portal.registerState('AT');
    const body = encoder.encode(JSON.stringify(contactBody()));
    const token = await at.sign('POST', '/contacts', body);
    const tooLarge = encoder.encode(JSON.stringify(contactBody({ notes: 'x'.repeat(3000) })));
    expect((await problemOf(await at.call('POST', '/contacts', { rawBody: tooLarge, token }))).code).toBe(
      'payload-too-large',
    );
    expect((await at.call('POST', '/contacts', { rawBody: body, token })).status).toBe(201);
  });
});
