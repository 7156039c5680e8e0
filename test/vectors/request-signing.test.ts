/**
 * The request-signing test vectors partners test their signers on
 * (test/vectors/request-signing.json): recomputed from first principles, reproduced by
 * the client library's signer byte for byte, and accepted by the portal at the vectors'
 * clock. If this fails after a change, the vectors and the README must change with it.
 */
import { base64url, type JWK } from 'jose';
import { createHash, createPublicKey, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { createRequestSigner, thumbprint } from '../../clients/typescript/src/index.ts';
import { contactBody } from '../support/harness.ts';
import { createTestPortal } from '../support/portal.ts';

interface Vector {
  name: string;
  request: { method: string; target: string; body_utf8: string | null; content_type: string | null };
  claims: { iat: number; exp: number; jti: string };
  expected: { body_sha256: string | null; header_json: string; claims_json: string; signing_input: string; signature: string; token: string; authorization: string };
}
interface VectorFile {
  key: { private_jwk: JWK; public_jwk: JWK; kid: string; principal: string };
  portal: { aud: string; now: string };
  vectors: Vector[];
}

const file = JSON.parse(readFileSync(new URL('./request-signing.json', import.meta.url), 'utf8')) as VectorFile;
const utf8 = (text: string) => new TextEncoder().encode(text);

test('the key is RFC 8032 TEST 1 and its kid is its RFC 7638 thumbprint', async () => {
  expect(Buffer.from(base64url.decode(file.key.public_jwk.x!)).toString('hex')).toBe('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');
  expect(await thumbprint(file.key.public_jwk)).toBe(file.key.kid);
});

describe.each(file.vectors)('$name', (vector) => {
  test('recomputed from first principles: digest, JSON texts, signing input, signature', () => {
    const { request, expected, claims } = vector;
    if (request.body_utf8 !== null) expect(createHash('sha256').update(request.body_utf8).digest('base64url')).toBe(expected.body_sha256);
    expect(JSON.parse(expected.header_json)).toEqual({ alg: 'EdDSA', typ: 'cbm-request+jwt', kid: file.key.kid });
    expect(JSON.parse(expected.claims_json)).toEqual({
      iss: file.key.principal,
      aud: file.portal.aud,
      ...claims,
      htm: request.method,
      htu: request.target,
      ...(expected.body_sha256 === null ? {} : { body_sha256: expected.body_sha256 }),
    });
    expect(expected.signing_input).toBe(`${base64url.encode(utf8(expected.header_json))}.${base64url.encode(utf8(expected.claims_json))}`);
    expect(expected.token).toBe(`${expected.signing_input}.${expected.signature}`);
    expect(expected.authorization).toBe(`Bearer ${expected.token}`);
    const publicKey = createPublicKey({ key: file.key.public_jwk as never, format: 'jwk' });
    expect(verify(null, Buffer.from(expected.signing_input), publicKey, Buffer.from(base64url.decode(expected.signature)))).toBe(true);
  });

  test("the client library's signer produces exactly this token", async () => {
    const signer = await createRequestSigner({
      principal: file.key.principal,
      privateJwk: file.key.private_jwk,
      audience: file.portal.aud,
      lifetimeSeconds: vector.claims.exp - vector.claims.iat,
      now: () => new Date(vector.claims.iat * 1000),
    });
    const token = await signer.signWith(
      { method: vector.request.method, pathAndQuery: vector.request.target, body: vector.request.body_utf8 ?? undefined },
      { claims: { jti: vector.claims.jti } },
    );
    expect(token).toBe(vector.expected.token);
  });

  test('the portal accepts it at the vectors\' clock, with the target as sent', async () => {
    const portal = await createTestPortal({ now: file.portal.now });
    const created = await portal.secretariat.post('/principals', { id: file.key.principal, name: 'Austria' });
    expect(created.status).toBe(201);
    const registered = await portal.secretariat.post(`/principals/${file.key.principal}/keys`, { jwk: file.key.public_jwk, scopes: ['read', 'contacts:write'] });
    expect(registered.status).toBe(201);
    // A directory entry to confirm, for the write that needs one.
    const at = await portal.addKey(file.key.principal);
    expect((await at.post('/contacts', contactBody())).status).toBe(201);

    const { request, expected } = vector;
    const headers: Record<string, string> = { authorization: expected.authorization };
    if (request.content_type) headers['content-type'] = request.content_type;
    // As @hono/node-server hands the app a request: the parsed URL, and the raw target of
    // the request line in env.incoming.url (which the portal reads htu against).
    const res = await portal.app.fetch(
      new Request(`${file.portal.aud}${request.target}`, { method: request.method, headers, body: request.body_utf8 ?? undefined }),
      { incoming: { url: request.target } },
    );
    expect({ status: res.status, body: res.status < 300 ? '' : await res.text() }).toEqual({ status: request.method === 'POST' ? 201 : 200, body: '' });
  });
});
