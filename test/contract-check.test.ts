/**
 * The harness's check of every answer against the contract (test/support/contract-check.ts)
 * refuses what the contract does not allow: it is what makes every other test fail when
 * the portal breaks its contract.
 */
import { describe, expect, test } from 'vitest';
import { checkResponse, ContractViolation } from './support/contract-check.ts';

const ID = '019ac1e2-0000-7000-8000-000000000000';
const request = (method: string, path: string) => new Request(`http://portal.test${path}`, { method });
const json = (status: number, body: unknown, type = 'application/json', headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': type, ...headers } });
const problem = (status: number, code: string) =>
  json(
    status,
    { type: `urn:cbm:problem:${code}`, title: 'x', status, code, instance: 'urn:cbm:request:x' },
    'application/problem+json',
  );
const bodied304 = () =>
  ({ status: 304, headers: new Headers(), clone: () => new Response('x') }) as unknown as Response;
const principal = {
  id: 'AT',
  kind: 'state',
  name: 'Austria',
  created_at: '2026-11-27T09:00:00.000Z',
  href: '/principals/AT',
};

describe('the contract check of answers', () => {
  test('passes what the contract declares', async () => {
    await checkResponse(request('GET', '/principals/AT'), json(200, principal));
    await checkResponse(request('GET', '/principals/AT'), problem(404, 'not-found'));
    await checkResponse(
      request('GET', `/contacts/${ID}`),
      new Response(null, { status: 304, headers: { etag: '"1"' } }),
    );
    await checkResponse(
      request('GET', '/log/checkpoint'),
      new Response('o\n1\nx=\n\n— o y\n', { status: 200, headers: { 'content-type': 'text/plain; charset=utf-8' } }),
    );
    await checkResponse(
      request('DELETE', '/contacts'),
      new Response(null, { status: 405, headers: { allow: 'GET, HEAD, POST' } }),
    );
    // Paths the contract does not have are not its business.
    await checkResponse(request('GET', '/nowhere'), problem(404, 'not-found'));
  });

  test.each([
    ['an undeclared status', request('GET', '/principals/AT'), problem(409, 'conflict'), /declares 200/],
    [
      'an undeclared media type',
      request('GET', '/principals/AT'),
      json(200, principal, 'text/html'),
      /declares application\/json/,
    ],
    ['a body off its schema', request('GET', '/principals/AT'), json(200, { ...principal, kind: 'robot' }), /\/kind/],
    [
      'a body missing a required member',
      request('GET', '/principals/AT'),
      json(200, { id: 'AT' }),
      /\/kind: required field is missing/,
    ],
    [
      'a problem off the Problem schema',
      request('GET', '/principals/AT'),
      json(404, { status: 404 }, 'application/problem+json'),
      /required field is missing/,
    ],
    // Runtimes refuse to build one, but a server could still write one: a stand-in.
    ['a 304 with a body', request('GET', `/contacts/${ID}`), bodied304(), /declares no body/],
    [
      'a 405 without the right Allow',
      request('DELETE', '/contacts'),
      new Response(null, { status: 405, headers: { allow: 'GET' } }),
      /Allow must be "GET, HEAD, POST"/,
    ],
    [
      'another status for a method the path lacks',
      request('DELETE', '/contacts'),
      problem(404, 'not-found'),
      /405 expected/,
    ],
    [
      'a 500 that says more than internal-error',
      request('GET', '/principals/AT'),
      json(500, { code: 'internal-error', stack: 'at ...' }),
      /bare internal-error/,
    ],
  ])('refuses %s', async (_name, req, res, message) => {
    const checked = checkResponse(req, res);
    await expect(checked).rejects.toBeInstanceOf(ContractViolation);
    await expect(checkResponse(req.clone(), res.status === 304 ? bodied304() : res.clone())).rejects.toThrow(message);
  });

  test("refuses an attestation whose claims are not the contract's", async () => {
    const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const header = { alg: 'EdDSA', typ: 'cbm-attestation+jwt', kid: 'k' };
    const token = `${part(header)}.${part({ iss: 'http://portal.test', sub: 'urn:cbm:principal:AT' })}.c2ln`;
    const written = json(201, {
      data: principal,
      attestation: { id: ID, token, log_index: 1, href: `/attestations/${ID}` },
    });
    await expect(checkResponse(request('POST', '/principals'), written)).rejects.toThrow(/AttestationTokenClaims/);
  });
});
