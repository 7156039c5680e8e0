/**
 * The request-target `htu` is compared with, each form alone: the raw target of the
 * request line where the runtime hands it over (Node), the parsed URL otherwise, and an
 * absolute-form target reduced to its path and query. The HTTP-level refusals are in
 * authenticate.security.test.ts.
 */
import type { Context } from 'hono';
import { describe, expect, it } from 'vitest';
import { requestTarget } from './authenticate.ts';

/** A context as the middleware sees it: the runtime's raw target (if any) and the parsed URL. */
const context = (raw: unknown, url = 'http://portal.test/parsed?x=1') => ({ env: raw === undefined ? undefined : { incoming: { url: raw } }, req: { url } }) as unknown as Context;

describe('requestTarget', () => {
  it('takes the raw target as sent, not re-encoded', () => {
    expect(requestTarget(context("/contacts?state='AT'", "http://portal.test/contacts?state=%27AT%27"))).toBe("/contacts?state='AT'");
    expect(requestTarget(context('/a%2Fb//c?'))).toBe('/a%2Fb//c?');
  });

  it('falls back on the parsed URL where the runtime has no raw target', () => {
    expect(requestTarget(context(undefined, 'http://portal.test/contacts?state=%27AT%27'))).toBe('/contacts?state=%27AT%27');
    expect(requestTarget(context(7, 'http://portal.test/contacts'))).toBe('/contacts');
    expect(requestTarget({ env: { incoming: {} }, req: { url: 'https://portal.test:8443/x?y' } } as unknown as Context)).toBe('/x?y');
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
