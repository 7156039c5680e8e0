/**
 * Security suite for signed requests (DESIGN.md section 3): every way a request token can
 * be refused, and the authorisation refusals that follow a valid signature. Each refusal
 * is checked for its status, problem+json rendering, stable `code`, that the token is
 * never echoed, and that nothing was written. Real SQLite, real keys, no mocks.
 */
import { base64url, exportJWK, generateKeyPair, importJWK, SignJWT } from 'jose';
import { describe, expect, test } from 'vitest';
import { createRequestSigner, generateSigningKey } from '../../clients/typescript/src/index.ts';
import {
  contactBody,
  count,
  createTestPortal,
  ORIGIN,
  type TestClient,
  type TestPortal,
} from '../../test/support/portal.ts';
import { purgeExpiredJtis } from './replay-store.ts';
import type { ProblemBody as Problem } from '../../test/support/problem.ts';

/** Tables a refused request must leave as they were. */
const RECORD_TABLES = [
  'contacts',
  'contact_versions',
  'attestations',
  'contact_confirmations',
  'principals',
  'principal_keys',
];
/** A request refused before authentication completes must not even consume a jti. */
const ALL_TABLES = [...RECORD_TABLES, 'request_jtis'];

const pick = (counts: Record<string, number>, tables: string[]) =>
  Object.fromEntries(tables.map((table) => [table, counts[table]]));

function snapshot(portal: TestPortal, tables = ALL_TABLES): Record<string, number> {
  return Object.fromEntries(tables.map((table) => [table, count(portal.sqlite, table)]));
}

const encoder = new TextEncoder();
const bytesOf = (body: unknown) => encoder.encode(JSON.stringify(body));

interface Attempt {
  body?: unknown;
  rawBody?: Uint8Array | string;
  claims?: Record<string, unknown>;
  header?: Record<string, unknown>;
  /** Send this token instead of signing one. */
  token?: string;
  headers?: Record<string, string>;
}

/** Signs with the client's key (through the partner client code) and sends; returns the token sent. */
async function attempt(client: TestClient, method: string, path: string, options: Attempt = {}) {
  const bytes =
    options.rawBody !== undefined
      ? typeof options.rawBody === 'string'
        ? encoder.encode(options.rawBody)
        : options.rawBody
      : options.body !== undefined
        ? bytesOf(options.body)
        : undefined;
  const token =
    options.token ??
    (await client.signer.signWith(
      { method, pathAndQuery: path, body: bytes },
      { claims: options.claims, header: options.header },
    ));
  const res = await client.call(method, path, { rawBody: bytes, token, headers: options.headers });
  return { res, token };
}

/** Asserts one refusal as the contract describes it and that the token is not echoed anywhere. */
async function expectRefused(res: Response, status: 401 | 403, code: string, token?: string | null): Promise<Problem> {
  const text = await res.text();
  expect({ status: res.status, body: text }).toMatchObject({ status });
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  const problem = JSON.parse(text) as Problem;
  expect(problem).toMatchObject({ status, code, type: `urn:cbm:problem:${code}` });
  expect(problem.title).toEqual(expect.any(String));
  expect(problem.instance).toMatch(/^urn:cbm:request:[0-9a-f-]{36}$/);
  if (status === 401) {
    // RFC 6750 section 3.1: no error code when the request carries no credentials.
    expect(res.headers.get('www-authenticate')).toBe(
      code === 'token-missing' ? 'Bearer' : `Bearer error="invalid_token", error_description="${code}"`,
    );
  }
  if (token) {
    const [header, payload, signature] = token.split('.');
    for (const part of [token, header, payload, signature].filter(
      (piece): piece is string => !!piece && piece.length >= 8,
    )) {
      expect(text).not.toContain(part);
      for (const [, value] of res.headers) expect(value).not.toContain(part);
    }
  }
  expect(text).not.toMatch(/\bat \S+ \(|\.ts:\d+|SQLITE/i);
  return problem;
}

/** A fresh portal with AT (EdDSA) registered, and the counts to compare against. */
async function setup(options: { now?: string } = {}) {
  const portal = await createTestPortal(options);
  const at = await portal.registerState('AT');
  return { portal, at };
}

const nowSeconds = (portal: TestPortal) => Math.floor(portal.clock.now().getTime() / 1000);

/** Hand-built compact JWS with any header: for what no honest signer produces. */
function compact(header: Record<string, unknown>, payload: Record<string, unknown>, signature = '') {
  const part = (value: unknown) => base64url.encode(encoder.encode(JSON.stringify(value)));
  return `${part(header)}.${part(payload)}.${signature}`;
}

/** The claims an honest signer would put in a token for POST /contacts with `body` at the portal's now. */
async function honestClaims(portal: TestPortal, principal: string, path: string, body: Uint8Array) {
  const iat = nowSeconds(portal);
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', body as Uint8Array<ArrayBuffer>));
  return {
    iss: principal,
    aud: ORIGIN,
    iat,
    exp: iat + 120,
    jti: crypto.randomUUID(),
    htm: 'POST',
    htu: path,
    body_sha256: base64url.encode(digest),
  };
}

describe('a signed request is required', () => {
  test('an unsigned write is refused with token-missing and writes nothing', async () => {
    const { portal, at } = await setup();
    const before = snapshot(portal);
    const res = await at.call('POST', '/contacts', { body: contactBody(), token: null });
    await expectRefused(res, 401, 'token-missing');
    expect(snapshot(portal)).toEqual(before);
    expect(portal.logged).toEqual([]);
  });

  test('an unsigned read is refused too', async () => {
    const { portal, at } = await setup();
    await expectRefused(await at.call('GET', '/contacts', { token: null }), 401, 'token-missing');
    await expectRefused(await at.call('GET', '/principals/AT/keys', { token: null }), 401, 'token-missing');
    expect(portal.logged).toEqual([]);
  });

  test.each([
    ['another scheme', (token: string) => `Basic ${token}`],
    ['no token', () => 'Bearer '],
    ['the bare token without a scheme', (token: string) => token],
    ['two segments', (token: string) => `Bearer ${token.split('.').slice(0, 2).join('.')}`],
    ['four segments', (token: string) => `Bearer ${token}.AAAA`],
    ['trailing text', (token: string) => `Bearer ${token} extra`],
    ['a token with characters outside base64url', (token: string) => `Bearer ${token.replace('.', '.+/')}`],
    ['two Authorization values', (token: string) => `Bearer ${token}, Bearer ${token}`],
  ])('a malformed Authorization header (%s) is refused with malformed-token', async (_name, build) => {
    const { portal, at } = await setup();
    const body = bytesOf(contactBody());
    const token = await at.sign('POST', '/contacts', body);
    const before = snapshot(portal);
    const res = await at.call('POST', '/contacts', {
      rawBody: body,
      token: null,
      headers: { authorization: build(token) },
    });
    await expectRefused(res, 401, 'malformed-token', token);
    expect(snapshot(portal)).toEqual(before);
    expect(portal.logged).toEqual([]);
  });

  test('the auth-scheme is case-insensitive (RFC 9110 section 11.1)', async () => {
    const { portal, at } = await setup();
    for (const scheme of ['bearer', 'BEARER']) {
      const body = bytesOf(contactBody());
      const token = await at.sign('POST', '/contacts', body);
      const res = await at.call('POST', '/contacts', {
        rawBody: body,
        token: null,
        headers: { authorization: `${scheme} ${token}` },
      });
      expect(res.status).toBe(201);
    }
    expect(count(portal.sqlite, 'contacts')).toBe(2);
  });

  test('three base64url segments that are not a JWS are refused with malformed-token', async () => {
    const { portal, at } = await setup();
    const before = snapshot(portal);
    const { res, token } = await attempt(at, 'POST', '/contacts', { body: contactBody(), token: 'abc.def.ghi' });
    await expectRefused(res, 401, 'malformed-token', token);
    expect(snapshot(portal)).toEqual(before);
  });
});

describe('time claims', () => {
  test('a token past exp + 60 s tolerance is refused with token-expired; within the tolerance it is accepted', async () => {
    const { portal, at } = await setup();
    const readToken = await at.sign('GET', '/contacts');
    const writeBody = bytesOf(contactBody());
    const writeToken = await at.sign('POST', '/contacts', writeBody);
    // The client signs for 120 s; the portal tolerates 60 s of skew.
    portal.clock.advance(179_000);
    expect((await at.call('GET', '/contacts', { token: readToken })).status).toBe(200);
    portal.clock.advance(2_000);
    const before = snapshot(portal);
    await expectRefused(await at.call('GET', '/contacts', { token: readToken }), 401, 'token-expired', readToken);
    await expectRefused(
      await at.call('POST', '/contacts', { rawBody: writeBody, token: writeToken }),
      401,
      'token-expired',
      writeToken,
    );
    expect(snapshot(portal)).toEqual(before);
    expect(portal.logged).toEqual([]);
  });

  test('a token issued more than 60 s in the future is refused with issued-in-future', async () => {
    const { portal, at } = await setup();
    const iat = nowSeconds(portal) + 61;
    const before = snapshot(portal);
    const { res, token } = await attempt(at, 'POST', '/contacts', {
      body: contactBody(),
      claims: { iat, exp: iat + 120 },
    });
    await expectRefused(res, 401, 'issued-in-future', token);
    expect(snapshot(portal)).toEqual(before);

    // At the edge of the tolerance it is still accepted.
    const edge = nowSeconds(portal) + 60;
    const accepted = await attempt(at, 'POST', '/contacts', {
      body: contactBody(),
      claims: { iat: edge, exp: edge + 120 },
    });
    expect(accepted.res.status).toBe(201);
    expect(portal.logged).toEqual([]);
  });

  test('a token not valid before a time more than 60 s away is refused with token-not-yet-valid', async () => {
    const { portal, at } = await setup();
    const before = snapshot(portal);
    const { res, token } = await attempt(at, 'POST', '/contacts', {
      body: contactBody(),
      claims: { nbf: nowSeconds(portal) + 120 },
    });
    await expectRefused(res, 401, 'token-not-yet-valid', token);
    expect(snapshot(portal)).toEqual(before);
  });

  test('a lifetime over 300 s is refused with lifetime-too-long; exactly 300 s is accepted', async () => {
    const { portal, at } = await setup();
    const iat = nowSeconds(portal);
    const before = snapshot(portal);
    const { res, token } = await attempt(at, 'POST', '/contacts', {
      body: contactBody(),
      claims: { iat, exp: iat + 301 },
    });
    await expectRefused(res, 401, 'lifetime-too-long', token);
    expect(snapshot(portal)).toEqual(before);

    // A long lifetime cannot be laundered by backdating iat either.
    const backdated = await attempt(at, 'POST', '/contacts', {
      body: contactBody(),
      claims: { iat: iat - 1000, exp: iat + 100 },
    });
    await expectRefused(backdated.res, 401, 'lifetime-too-long', backdated.token);
    expect(snapshot(portal)).toEqual(before);

    const accepted = await attempt(at, 'POST', '/contacts', { body: contactBody(), claims: { iat, exp: iat + 300 } });
    expect(accepted.res.status).toBe(201);
    expect(portal.logged).toEqual([]);
  });

  test('a token without exp is refused with claim-missing', async () => {
    const { portal, at } = await setup();
    const before = snapshot(portal);
    const { res, token } = await attempt(at, 'POST', '/contacts', { body: contactBody(), claims: { exp: undefined } });
    await expectRefused(res, 401, 'claim-missing', token);
    expect(snapshot(portal)).toEqual(before);
  });
});

describe('single use of write tokens', () => {
  test('the second use of an identical POST token is refused with jti-replayed, the first succeeded', async () => {
    const { portal, at } = await setup();
    const body = bytesOf(contactBody());
    const token = await at.sign('POST', '/contacts', body);
    const first = await at.call('POST', '/contacts', { rawBody: body, token });
    expect(first.status).toBe(201);
    expect(count(portal.sqlite, 'contacts')).toBe(1);
    expect(portal.sqlite.prepare("SELECT count(*) AS n FROM request_jtis WHERE issuer = 'AT'").get()).toEqual({ n: 1 });

    const before = snapshot(portal);
    const replay = await at.call('POST', '/contacts', { rawBody: body, token });
    await expectRefused(replay, 401, 'jti-replayed', token);
    expect(snapshot(portal)).toEqual(before);
    expect(count(portal.sqlite, 'contacts')).toBe(1);
    expect(portal.logged).toEqual([]);
  });

  test('a write token is spent even when its first use was refused after authentication', async () => {
    const { portal, at } = await setup();
    const body = bytesOf(contactBody({ email: 'not an email' }));
    const token = await at.sign('POST', '/contacts', body);
    expect((await at.call('POST', '/contacts', { rawBody: body, token })).status).toBe(422);
    const before = snapshot(portal);
    await expectRefused(await at.call('POST', '/contacts', { rawBody: body, token }), 401, 'jti-replayed', token);
    expect(snapshot(portal)).toEqual(before);
  });

  test('a fresh token with a reused jti is refused even though everything else differs', async () => {
    const { portal, at } = await setup();
    const jti = crypto.randomUUID();
    expect((await attempt(at, 'POST', '/contacts', { body: contactBody(), claims: { jti } })).res.status).toBe(201);
    const before = snapshot(portal);
    const { res, token } = await attempt(at, 'POST', '/contacts', {
      body: contactBody({ name: 'Other Person' }),
      claims: { jti },
    });
    await expectRefused(res, 401, 'jti-replayed', token);
    expect(snapshot(portal)).toEqual(before);
  });

  test('concurrent replays of one token: exactly one is accepted', async () => {
    const { portal, at } = await setup();
    const body = bytesOf(contactBody());
    const token = await at.sign('POST', '/contacts', body);
    const results = await Promise.all(
      Array.from({ length: 5 }, () => at.call('POST', '/contacts', { rawBody: body, token })),
    );
    const statuses = results.map((res) => res.status).sort();
    expect(statuses).toEqual([201, 401, 401, 401, 401]);
    for (const res of results.filter((r) => r.status === 401)) await expectRefused(res, 401, 'jti-replayed', token);
    expect(count(portal.sqlite, 'contacts')).toBe(1);
    expect(count(portal.sqlite, 'contact_versions')).toBe(1);
  });

  test('too short a jti is refused with jti-invalid', async () => {
    const { portal, at } = await setup();
    const before = snapshot(portal);
    const { res, token } = await attempt(at, 'POST', '/contacts', { body: contactBody(), claims: { jti: 'short' } });
    await expectRefused(res, 401, 'jti-invalid', token);
    expect(snapshot(portal)).toEqual(before);
  });

  test('a GET token may be reused until it expires, and reads never write to the replay store', async () => {
    const { portal, at } = await setup();
    await at.post('/contacts', contactBody());
    const before = snapshot(portal);
    const token = await at.sign('GET', '/contacts');
    for (let i = 0; i < 3; i++) {
      const res = await at.call('GET', '/contacts', { token });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { items: unknown[] }).items).toHaveLength(1);
    }
    expect(snapshot(portal)).toEqual(before);
    // ... but only for the read it was signed for.
    await expectRefused(await at.call('GET', '/contacts?state=AT', { token }), 401, 'url-mismatch', token);
  });

  test('purgeExpiredJtis deletes only entries whose tokens can no longer be accepted', async () => {
    const { portal, at } = await setup();
    const jtis = () =>
      portal.sqlite
        .prepare('SELECT jti, expires_at FROM request_jtis WHERE issuer = ? ORDER BY expires_at')
        .all('AT') as { jti: string; expires_at: number }[];
    const t0 = nowSeconds(portal);

    const oldBody = bytesOf(contactBody({ name: 'Old Token' }));
    const oldToken = await at.sign('POST', '/contacts', oldBody);
    expect((await at.call('POST', '/contacts', { rawBody: oldBody, token: oldToken })).status).toBe(201);
    portal.clock.advance(150_000);
    expect((await at.post('/contacts', contactBody({ name: 'New Token' }))).status).toBe(201);
    // Each entry lives until exp (iat + 120) plus the 60 s tolerance.
    expect(jtis().map((row) => row.expires_at)).toEqual([t0 + 180, t0 + 330]);
    const secretariatRows = count(portal.sqlite, 'request_jtis') - 2;

    // Up to and including the last second the old token could be accepted, its entry stays:
    // a replay at exp + 59 s is still refused as a replay.
    portal.clock.set(new Date((t0 + 179) * 1000));
    await expectRefused(
      await at.call('POST', '/contacts', { rawBody: oldBody, token: oldToken }),
      401,
      'jti-replayed',
      oldToken,
    );
    portal.clock.set(new Date((t0 + 180) * 1000));
    expect(await purgeExpiredJtis(portal.db, portal.clock.now())).toBe(0);
    expect(jtis()).toHaveLength(2);

    portal.clock.set(new Date((t0 + 181) * 1000));
    const purged = await purgeExpiredJtis(portal.db, portal.clock.now());
    expect(purged).toBe(1 + secretariatRows);
    expect(jtis().map((row) => row.expires_at)).toEqual([t0 + 330]);

    // Once its entry is gone the old token is refused as expired, never accepted again.
    const before = snapshot(portal);
    await expectRefused(
      await at.call('POST', '/contacts', { rawBody: oldBody, token: oldToken }),
      401,
      'token-expired',
      oldToken,
    );
    expect(snapshot(portal)).toEqual(before);
    expect(count(portal.sqlite, 'contacts')).toBe(2);
  });
});

describe('binding to the portal and to this request', () => {
  test('a token for another audience is refused with audience-invalid', async () => {
    const { portal, at } = await setup();
    const before = snapshot(portal);
    for (const aud of [
      'https://other-portal.example',
      `${ORIGIN}/`,
      ['https://other-portal.example'],
      [ORIGIN, 'https://other-portal.example'],
    ]) {
      const { res, token } = await attempt(at, 'POST', '/contacts', { body: contactBody(), claims: { aud } });
      await expectRefused(res, 401, 'audience-invalid', token);
    }
    expect(snapshot(portal)).toEqual(before);
  });

  test('a token for another method is refused with method-mismatch', async () => {
    const { portal, at } = await setup();
    const created = await at.post('/contacts', contactBody());
    const id = ((await created.json()) as { data: { id: string } }).data.id;
    const before = snapshot(portal);
    const body = bytesOf(contactBody({ name: 'Changed' }));
    // Signed as a POST, sent as a PUT to the same path.
    const postToken = await at.sign('POST', `/contacts/${id}`, body);
    const res = await at.call('PUT', `/contacts/${id}`, {
      rawBody: body,
      token: postToken,
      headers: { 'if-match': '"1"' },
    });
    await expectRefused(res, 401, 'method-mismatch', postToken);
    // Or a read token used for a write.
    const { res: viaClaims, token } = await attempt(at, 'POST', '/contacts', {
      body: contactBody(),
      claims: { htm: 'GET' },
    });
    await expectRefused(viaClaims, 401, 'method-mismatch', token);
    expect(snapshot(portal)).toEqual(before);
  });

  test('a token for another path is refused with url-mismatch', async () => {
    const { portal, at } = await setup();
    const before = snapshot(portal);
    const body = bytesOf({ note: 'confirmed' });
    const token = await at.sign('POST', '/states/AT/confirmations', body);
    await expectRefused(await at.call('POST', '/contacts', { rawBody: body, token }), 401, 'url-mismatch', token);
    const viaClaims = await attempt(at, 'POST', '/contacts', { body: contactBody(), claims: { htu: '/contacts/' } });
    await expectRefused(viaClaims.res, 401, 'url-mismatch', viaClaims.token);
    const absolute = await attempt(at, 'POST', '/contacts', {
      body: contactBody(),
      claims: { htu: `${ORIGIN}/contacts` },
    });
    await expectRefused(absolute.res, 401, 'url-mismatch', absolute.token);
    expect(snapshot(portal)).toEqual(before);
  });

  test('a token for another query is refused with url-mismatch', async () => {
    const { portal, at } = await setup();
    const token = await at.sign('GET', '/contacts?state=AT');
    await expectRefused(await at.call('GET', '/contacts?state=BE', { token }), 401, 'url-mismatch', token);
    await expectRefused(await at.call('GET', '/contacts', { token }), 401, 'url-mismatch', token);
    await expectRefused(await at.call('GET', '/contacts?state=AT&limit=1', { token }), 401, 'url-mismatch', token);
    expect((await at.call('GET', '/contacts?state=AT', { token })).status).toBe(200);
    expect(portal.logged).toEqual([]);
  });

  test('a body changed after signing is refused with body-digest-mismatch', async () => {
    const { portal, at } = await setup();
    const signed = bytesOf(contactBody());
    const token = await at.sign('POST', '/contacts', signed);
    const before = snapshot(portal);
    const tampered = bytesOf(contactBody({ email: 'attacker@evil.example' }));
    await expectRefused(
      await at.call('POST', '/contacts', { rawBody: tampered, token }),
      401,
      'body-digest-mismatch',
      token,
    );
    // One byte of whitespace is a change too: the signature covers the exact bytes.
    const reformatted = encoder.encode(`${new TextDecoder().decode(signed)} `);
    await expectRefused(
      await at.call('POST', '/contacts', { rawBody: reformatted, token }),
      401,
      'body-digest-mismatch',
      token,
    );
    // So is dropping the body.
    await expectRefused(await at.call('POST', '/contacts', { token }), 401, 'body-digest-mismatch', token);
    expect(snapshot(portal)).toEqual(before);
    // The untouched request still goes through: the refusals did not spend the token.
    expect((await at.call('POST', '/contacts', { rawBody: signed, token })).status).toBe(201);
  });

  test('a write token without body_sha256 is refused with body-digest-mismatch', async () => {
    const { portal, at } = await setup();
    const before = snapshot(portal);
    const { res, token } = await attempt(at, 'POST', '/contacts', {
      body: contactBody(),
      claims: { body_sha256: undefined },
    });
    await expectRefused(res, 401, 'body-digest-mismatch', token);
    expect(snapshot(portal)).toEqual(before);
  });

  test('a read token carrying body_sha256 is refused with body-digest-mismatch', async () => {
    const { portal, at } = await setup();
    const { res, token } = await attempt(at, 'GET', '/contacts', { claims: { body_sha256: 'x'.repeat(43) } });
    await expectRefused(res, 401, 'body-digest-mismatch', token);
    expect(portal.logged).toEqual([]);
  });
});

describe('algorithms and keys', () => {
  test('an alg none token with an empty signature is refused', async () => {
    const { portal, at } = await setup();
    const body = bytesOf(contactBody());
    const claims = await honestClaims(portal, 'AT', '/contacts', body);
    const before = snapshot(portal);
    const unsigned = compact({ alg: 'none', typ: 'cbm-request+jwt', kid: at.kid }, claims);
    await expectRefused(
      await at.call('POST', '/contacts', { rawBody: body, token: unsigned }),
      401,
      'malformed-token',
      unsigned,
    );
    expect(snapshot(portal)).toEqual(before);
  });

  test.each(['none', 'None', 'NONE', 'nOnE'])(
    'alg %s with any signature is refused with alg-not-allowed',
    async (alg) => {
      const { portal, at } = await setup();
      const body = bytesOf(contactBody());
      const claims = await honestClaims(portal, 'AT', '/contacts', body);
      const before = snapshot(portal);
      const token = compact({ alg, typ: 'cbm-request+jwt', kid: at.kid }, claims, 'AAAAAAAAAAAA');
      await expectRefused(await at.call('POST', '/contacts', { rawBody: body, token }), 401, 'alg-not-allowed', token);
      expect(snapshot(portal)).toEqual(before);
    },
  );

  test('an HS256 token naming a real kid is refused with alg-not-allowed, even keyed with the public key', async () => {
    const { portal, at } = await setup();
    const body = bytesOf(contactBody());
    const before = snapshot(portal);
    // A random secret, and the classic confusion attack: the registered public key as the HMAC secret.
    for (const secret of [crypto.getRandomValues(new Uint8Array(32)), encoder.encode(JSON.stringify(at.publicJwk))]) {
      const token = await new SignJWT(await honestClaims(portal, 'AT', '/contacts', body))
        .setProtectedHeader({ alg: 'HS256', typ: 'cbm-request+jwt', kid: at.kid })
        .sign(secret);
      await expectRefused(await at.call('POST', '/contacts', { rawBody: body, token }), 401, 'alg-not-allowed', token);
    }
    expect(snapshot(portal)).toEqual(before);
  });

  test('an ES384 token from a P-384 key is refused with alg-not-allowed; such a key cannot be registered either', async () => {
    const { portal, at } = await setup();
    const body = bytesOf(contactBody());
    const { privateKey, publicKey } = await generateKeyPair('ES384', { extractable: true });
    const before = snapshot(portal);
    const token = await new SignJWT(await honestClaims(portal, 'AT', '/contacts', body))
      .setProtectedHeader({ alg: 'ES384', typ: 'cbm-request+jwt', kid: at.kid })
      .sign(privateKey);
    await expectRefused(await at.call('POST', '/contacts', { rawBody: body, token }), 401, 'alg-not-allowed', token);
    expect(snapshot(portal)).toEqual(before);

    const registered = await portal.secretariat.post('/principals/AT/keys', {
      jwk: await exportJWK(publicKey),
      scopes: ['read'],
    });
    expect(registered.status).toBe(422);
    expect(snapshot(portal, RECORD_TABLES)).toEqual(pick(before, RECORD_TABLES));
  });

  test('an ES256 token naming a registered Ed25519 key is refused with alg-key-mismatch', async () => {
    const { portal, at } = await setup();
    const p256 = await generateSigningKey('ES256');
    const signer = await createRequestSigner({
      principal: 'AT',
      privateJwk: p256.privateJwk,
      audience: ORIGIN,
      now: () => portal.clock.now(),
    });
    const body = bytesOf(contactBody());
    const token = await signer.signWith(
      { method: 'POST', pathAndQuery: '/contacts', body },
      { header: { kid: at.kid } },
    );
    const before = snapshot(portal);
    await expectRefused(await at.call('POST', '/contacts', { rawBody: body, token }), 401, 'alg-key-mismatch', token);
    expect(snapshot(portal)).toEqual(before);
  });

  test('an EdDSA token naming a registered P-256 key is refused with alg-key-mismatch', async () => {
    const { portal } = await setup();
    const be = await portal.registerState('BE', { alg: 'ES256' });
    const ed = await generateSigningKey('EdDSA');
    const signer = await createRequestSigner({
      principal: 'BE',
      privateJwk: ed.privateJwk,
      audience: ORIGIN,
      now: () => portal.clock.now(),
    });
    const body = bytesOf(contactBody());
    const token = await signer.signWith(
      { method: 'POST', pathAndQuery: '/contacts', body },
      { header: { kid: be.kid } },
    );
    const before = snapshot(portal);
    await expectRefused(await be.call('POST', '/contacts', { rawBody: body, token }), 401, 'alg-key-mismatch', token);
    expect(snapshot(portal)).toEqual(before);
    // The P-256 key itself works.
    expect((await be.post('/contacts', contactBody())).status).toBe(201);
  });

  test('a token signed by another Ed25519 key under a registered kid is refused with signature-invalid', async () => {
    const { portal, at } = await setup();
    const impostor = await generateSigningKey('EdDSA');
    const signer = await createRequestSigner({
      principal: 'AT',
      privateJwk: impostor.privateJwk,
      audience: ORIGIN,
      now: () => portal.clock.now(),
    });
    const body = bytesOf(contactBody());
    const token = await signer.signWith(
      { method: 'POST', pathAndQuery: '/contacts', body },
      { header: { kid: at.kid } },
    );
    const before = snapshot(portal);
    await expectRefused(await at.call('POST', '/contacts', { rawBody: body, token }), 401, 'signature-invalid', token);
    expect(snapshot(portal)).toEqual(before);
  });

  test('a genuine token whose payload was edited is refused with signature-invalid', async () => {
    const { portal, at } = await setup();
    const signedBody = bytesOf(contactBody());
    const token = await at.sign('POST', '/contacts', signedBody);
    const [header, , signature] = token.split('.') as [string, string, string];
    const tamperedBody = bytesOf(contactBody({ email: 'attacker@evil.example' }));
    const claims = await honestClaims(portal, 'AT', '/contacts', tamperedBody);
    const forged = `${header}.${base64url.encode(encoder.encode(JSON.stringify(claims)))}.${signature}`;
    const before = snapshot(portal);
    await expectRefused(
      await at.call('POST', '/contacts', { rawBody: tamperedBody, token: forged }),
      401,
      'signature-invalid',
      forged,
    );
    expect(snapshot(portal)).toEqual(before);
  });

  test.each([
    ['jku', { jku: 'https://attacker.example/jwks.json' }],
    ['x5u', { x5u: 'https://attacker.example/cert.pem' }],
    ['jwk', { jwk: { kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' } }],
    ['x5c', { x5c: ['MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA'] }],
  ])('a %s header is refused with header-not-allowed', async (_name, header) => {
    const { portal, at } = await setup();
    const before = snapshot(portal);
    // Signed by the registered key, so only the header member itself is at fault.
    const { res, token } = await attempt(at, 'POST', '/contacts', { body: contactBody(), header });
    await expectRefused(res, 401, 'header-not-allowed', token);
    expect(snapshot(portal)).toEqual(before);
  });

  test('a crit header is refused with header-not-allowed', async () => {
    const { portal, at } = await setup();
    const body = bytesOf(contactBody());
    // jose will not sign an unknown critical extension, so this one is built by hand.
    const token = compact(
      { alg: 'EdDSA', typ: 'cbm-request+jwt', kid: at.kid, crit: ['cbm-ext'], 'cbm-ext': 1 },
      await honestClaims(portal, 'AT', '/contacts', body),
      'AAAAAAAAAAAA',
    );
    const before = snapshot(portal);
    await expectRefused(await at.call('POST', '/contacts', { rawBody: body, token }), 401, 'header-not-allowed', token);
    expect(snapshot(portal)).toEqual(before);
  });

  test('a wrong or missing typ is refused with token-type-invalid', async () => {
    const { portal, at } = await setup();
    const before = snapshot(portal);
    for (const typ of ['JWT', 'cbm-attestation+jwt', undefined]) {
      const { res, token } = await attempt(at, 'POST', '/contacts', { body: contactBody(), header: { typ } });
      await expectRefused(res, 401, 'token-type-invalid', token);
    }
    expect(snapshot(portal)).toEqual(before);
  });

  test('a token without kid or iss is refused', async () => {
    const { portal, at } = await setup();
    const before = snapshot(portal);
    const noKid = await attempt(at, 'POST', '/contacts', { body: contactBody(), header: { kid: undefined } });
    await expectRefused(noKid.res, 401, 'kid-missing', noKid.token);
    const noIss = await attempt(at, 'POST', '/contacts', { body: contactBody(), claims: { iss: undefined } });
    await expectRefused(noIss.res, 401, 'issuer-missing', noIss.token);
    expect(snapshot(portal)).toEqual(before);
  });

  test('an unknown kid is refused with key-unknown', async () => {
    const { portal, at } = await setup();
    const before = snapshot(portal);
    const { res, token } = await attempt(at, 'POST', '/contacts', {
      body: contactBody(),
      header: { kid: 'A'.repeat(43) },
    });
    await expectRefused(res, 401, 'key-unknown', token);
    expect(snapshot(portal)).toEqual(before);
  });
});

describe('key lifecycle', () => {
  test('after revocation the key is refused with key-revoked, including tokens signed before it', async () => {
    const { portal, at } = await setup();
    expect((await at.post('/contacts', contactBody())).status).toBe(201);
    const body = bytesOf(contactBody({ name: 'Signed Before Revocation' }));
    const earlier = await at.sign('POST', '/contacts', body);

    const revoked = await portal.secretariat.post(`/principals/AT/keys/${at.kid}/revoke`, { reason: 'compromised' });
    expect(revoked.status).toBe(200);
    expect(((await revoked.json()) as { data: { status: string } }).data.status).toBe('revoked');

    const before = snapshot(portal);
    const fresh = await attempt(at, 'POST', '/contacts', { body: contactBody({ name: 'Signed After Revocation' }) });
    await expectRefused(fresh.res, 401, 'key-revoked', fresh.token);
    await expectRefused(
      await at.call('POST', '/contacts', { rawBody: body, token: earlier }),
      401,
      'key-revoked',
      earlier,
    );
    const read = await attempt(at, 'GET', '/contacts');
    expect(await expectRefused(read.res, 401, 'key-revoked', read.token)).toMatchObject({
      kid: at.kid,
      revoked_at: expect.any(String),
      replaced_by: null,
    });
    // Someone else naming the revoked kid (signing with another key) learns nothing about it.
    const forged = await attempt(portal.secretariat, 'GET', '/contacts', {
      claims: { iss: 'AT' },
      header: { kid: at.kid },
    });
    expect(JSON.stringify(await expectRefused(forged.res, 401, 'key-unknown', forged.token))).not.toContain('revoked');
    expect(snapshot(portal)).toEqual(before);
    expect(count(portal.sqlite, 'contacts')).toBe(1);
    expect(portal.logged).toEqual([]);
  });

  test('a rotated key stays valid beside the new one during the overlap and is refused after it', async () => {
    const { portal, at } = await setup();
    const next = await generateSigningKey('EdDSA');
    const rotated = await portal.secretariat.post(`/principals/AT/keys/${at.kid}/rotate`, {
      jwk: next.publicJwk,
      overlap_seconds: 600,
    });
    expect(rotated.status).toBe(201);
    const atNext = await portal.client('AT', next.privateJwk);

    expect((await at.post('/contacts', contactBody({ name: 'Old Key' }))).status).toBe(201);
    expect((await atNext.post('/contacts', contactBody({ name: 'New Key' }))).status).toBe(201);

    portal.clock.advance(599_000);
    expect((await at.get('/contacts')).status).toBe(200);

    portal.clock.advance(1_000);
    const before = snapshot(portal);
    const old = await attempt(at, 'POST', '/contacts', { body: contactBody({ name: 'Old Key Too Late' }) });
    await expectRefused(old.res, 401, 'key-expired', old.token);
    const oldRead = await attempt(at, 'GET', '/contacts');
    await expectRefused(oldRead.res, 401, 'key-expired', oldRead.token);
    expect(snapshot(portal)).toEqual(before);

    expect((await atNext.post('/contacts', contactBody({ name: 'New Key Later' }))).status).toBe(201);
    expect(count(portal.sqlite, 'contacts')).toBe(3);
    expect(portal.logged).toEqual([]);
  });

  test("a state's key cannot sign for another principal", async () => {
    const { portal, at } = await setup();
    await portal.registerState('BE');
    const before = snapshot(portal);
    for (const iss of ['BE', 'secretariat']) {
      const { res, token } = await attempt(at, 'POST', '/contacts', { body: contactBody(), claims: { iss } });
      await expectRefused(res, 401, 'key-unknown', token);
    }
    const escalate = await attempt(at, 'POST', '/principals', {
      body: { id: 'FR', name: 'France' },
      claims: { iss: 'secretariat' },
    });
    await expectRefused(escalate.res, 401, 'key-unknown', escalate.token);
    expect(snapshot(portal)).toEqual(before);
  });

  test("the Secretariat's key cannot sign for a state", async () => {
    const { portal, at } = await setup();
    const before = snapshot(portal);
    const { res, token } = await attempt(portal.secretariat, 'POST', '/contacts', {
      body: contactBody(),
      claims: { iss: at.principal },
    });
    await expectRefused(res, 401, 'key-unknown', token);
    expect(snapshot(portal)).toEqual(before);
  });
});

describe('authorisation after a valid signature', () => {
  test('a key without the contacts:write scope is refused with insufficient-scope', async () => {
    const portal = await createTestPortal();
    const reader = await portal.registerState('AT', { scopes: ['read'] });
    expect((await reader.get('/contacts')).status).toBe(200);
    const before = snapshot(portal, RECORD_TABLES);
    const { res, token } = await attempt(reader, 'POST', '/contacts', { body: contactBody() });
    await expectRefused(res, 403, 'insufficient-scope', token);
    const confirm = await attempt(reader, 'POST', '/states/AT/confirmations', { body: {} });
    await expectRefused(confirm.res, 403, 'insufficient-scope', confirm.token);
    expect(snapshot(portal, RECORD_TABLES)).toEqual(before);
    expect(portal.logged).toEqual([]);
  });

  test("a state cannot update or withdraw another state's contact: not-owner, and the contact is unchanged", async () => {
    const { portal, at } = await setup();
    const be = await portal.registerState('BE');
    const created = await be.post('/contacts', contactBody({ name: 'Bart Peeters', organisation: 'CERT.be' }));
    expect(created.status).toBe(201);
    const original = ((await created.json()) as { data: Record<string, unknown> }).data;
    const id = original.id as string;

    const before = snapshot(portal, RECORD_TABLES);
    const update = await attempt(at, 'PUT', `/contacts/${id}`, {
      body: contactBody({ name: 'Hijacked', email: 'attacker@evil.example' }),
      headers: { 'if-match': '"1"' },
    });
    const problem = await expectRefused(update.res, 403, 'not-owner', update.token);
    expect(problem.detail).toContain('BE');
    const wildcard = await attempt(at, 'PUT', `/contacts/${id}`, {
      body: contactBody({ name: 'Hijacked' }),
      headers: { 'if-match': '*' },
    });
    await expectRefused(wildcard.res, 403, 'not-owner', wildcard.token);
    const withdraw = await attempt(at, 'POST', `/contacts/${id}/withdraw`, {
      body: { reason: 'hostile takeover' },
      headers: { 'if-match': '"1"' },
    });
    await expectRefused(withdraw.res, 403, 'not-owner', withdraw.token);
    expect(snapshot(portal, RECORD_TABLES)).toEqual(before);

    const current = await be.get(`/contacts/${id}`);
    expect(current.status).toBe(200);
    expect(current.headers.get('etag')).toBe('"1"');
    expect(await current.json()).toEqual(original);
    const history = (await (await be.get(`/contacts/${id}/history`)).json()) as { items: unknown[] };
    expect(history.items).toHaveLength(1);
    expect(portal.logged).toEqual([]);
  });

  test("a state cannot confirm another state's directory entries", async () => {
    const { portal, at } = await setup();
    await portal.registerState('BE');
    const before = snapshot(portal, RECORD_TABLES);
    const { res, token } = await attempt(at, 'POST', '/states/BE/confirmations', { body: { note: 'all current' } });
    await expectRefused(res, 403, 'not-owner', token);
    expect(snapshot(portal, RECORD_TABLES)).toEqual(before);
  });

  test('a state key cannot call the Secretariat-only operations', async () => {
    const { portal, at } = await setup();
    const be = await portal.registerState('BE');
    const spare = await generateSigningKey('EdDSA');
    const before = snapshot(portal, RECORD_TABLES);
    const calls: [string, unknown][] = [
      ['/principals', { id: 'FR', name: 'France' }],
      ['/principals/AT/keys', { jwk: spare.publicJwk, scopes: ['read', 'contacts:write'] }],
      [`/principals/BE/keys/${be.kid}/rotate`, { jwk: spare.publicJwk }],
      [`/principals/BE/keys/${be.kid}/revoke`, { reason: 'compromised' }],
    ];
    for (const [path, body] of calls) {
      const { res, token } = await attempt(at, 'POST', path, { body });
      await expectRefused(res, 403, 'insufficient-scope', token);
    }
    expect(snapshot(portal, RECORD_TABLES)).toEqual(before);
    // BE's key is untouched and still works.
    const key = (await (await portal.secretariat.get(`/principals/BE/keys/${be.kid}`)).json()) as {
      status: string;
      expires_at: string | null;
    };
    expect(key).toMatchObject({ status: 'active', expires_at: null, revoked_at: null });
    expect((await be.get('/contacts')).status).toBe(200);
    expect(portal.logged).toEqual([]);
  });

  test('a state key cannot be given the principals:write scope', async () => {
    const { portal } = await setup();
    const spare = await generateSigningKey('EdDSA');
    const before = snapshot(portal, RECORD_TABLES);
    const res = await portal.secretariat.post('/principals/AT/keys', {
      jwk: spare.publicJwk,
      scopes: ['read', 'principals:write'],
    });
    expect(res.status).toBe(422);
    expect(((await res.json()) as { errors: { pointer: string }[] }).errors).toContainEqual(
      expect.objectContaining({ pointer: '/scopes/1' }),
    );
    expect(snapshot(portal, RECORD_TABLES)).toEqual(before);
  });

  test('even a state key wrongly holding principals:write is refused with secretariat-only', async () => {
    // Defence in depth: the registration path refuses such a key (above); a row put into the
    // database by other means must still not turn a state into the Secretariat.
    const { portal, at } = await setup();
    const rogue = await generateSigningKey('EdDSA');
    portal.sqlite
      .prepare(
        `INSERT INTO principal_keys (kid, principal_id, alg, public_jwk, scopes, label, created_at)
         VALUES (?, 'AT', 'EdDSA', ?, ?, 'rogue', ?)`,
      )
      .run(
        rogue.kid,
        JSON.stringify(rogue.publicJwk),
        JSON.stringify(['read', 'principals:write']),
        portal.clock.now().toISOString(),
      );
    const atRogue = await portal.client('AT', rogue.privateJwk);
    const before = snapshot(portal, RECORD_TABLES);
    const spare = await generateSigningKey('EdDSA');
    const calls: [string, unknown][] = [
      ['/principals', { id: 'FR', name: 'France' }],
      ['/principals/AT/keys', { jwk: spare.publicJwk, scopes: ['read'] }],
      [`/principals/AT/keys/${at.kid}/rotate`, { jwk: spare.publicJwk }],
      [`/principals/AT/keys/${at.kid}/revoke`, { reason: 'other' }],
    ];
    for (const [path, body] of calls) {
      const { res, token } = await attempt(atRogue, 'POST', path, { body });
      await expectRefused(res, 403, 'secretariat-only', token);
    }
    expect(snapshot(portal, RECORD_TABLES)).toEqual(before);
    expect(portal.logged).toEqual([]);
  });

  test('the Secretariat cannot publish contacts', async () => {
    const { portal } = await setup();
    const before = snapshot(portal, RECORD_TABLES);
    const { res, token } = await attempt(portal.secretariat, 'POST', '/contacts', { body: contactBody() });
    await expectRefused(res, 403, 'insufficient-scope', token);
    expect(snapshot(portal, RECORD_TABLES)).toEqual(before);
  });
});

/** Signs the exact header and claims JSON texts given (what no honest signer sends) with the client's key. */
async function signTexts(client: TestClient, header: string, payload: string): Promise<string> {
  const key = (await importJWK({ ...client.privateJwk, alg: 'EdDSA' }, 'EdDSA')) as CryptoKey;
  const input = `${base64url.encode(encoder.encode(header))}.${base64url.encode(encoder.encode(payload))}`;
  const signature = new Uint8Array(await crypto.subtle.sign('Ed25519', key, encoder.encode(input)));
  return `${input}.${base64url.encode(signature)}`;
}

describe('token rules as documented (README "How a request is signed"), each check alone', () => {
  test.each([
    ['exp before iat', -1],
    ['exp equal to iat', 0],
  ])('%s is refused with lifetime-invalid; exp one second after iat is accepted', async (_name, offset) => {
    const { portal, at } = await setup();
    const iat = nowSeconds(portal);
    const before = snapshot(portal);
    const { res, token } = await attempt(at, 'POST', '/contacts', {
      body: contactBody(),
      claims: { iat, exp: iat + offset },
    });
    await expectRefused(res, 401, 'lifetime-invalid', token);
    expect(snapshot(portal)).toEqual(before);
    expect(
      (await attempt(at, 'POST', '/contacts', { body: contactBody(), claims: { iat, exp: iat + 1 } })).res.status,
    ).toBe(201);
  });

  test('a token without iat is refused with claim-missing, not issued-in-future', async () => {
    const { portal, at } = await setup();
    const before = snapshot(portal);
    for (const method of ['GET', 'POST']) {
      const { res, token } = await attempt(at, method, '/contacts', {
        body: method === 'POST' ? contactBody() : undefined,
        claims: { iat: undefined },
      });
      await expectRefused(res, 401, 'claim-missing', token);
    }
    expect(snapshot(portal)).toEqual(before);
  });

  test.each(['iss', 'aud', 'jti', 'htm', 'htu'])(
    'a token without %s is refused with claim-missing (or issuer-missing)',
    async (claim) => {
      const { portal, at } = await setup();
      const before = snapshot(portal);
      const { res, token } = await attempt(at, 'GET', '/contacts', { claims: { [claim]: undefined } });
      await expectRefused(res, 401, claim === 'iss' ? 'issuer-missing' : 'claim-missing', token);
      expect(snapshot(portal)).toEqual(before);
    },
  );

  test.each([
    ['iat', 'soon'],
    ['exp', '2026-11-27T09:02:00Z'],
  ])('a %s that is not a number is refused with claim-invalid', async (claim, value) => {
    const { portal, at } = await setup();
    const before = snapshot(portal);
    const { res, token } = await attempt(at, 'GET', '/contacts', { claims: { [claim]: value } });
    await expectRefused(res, 401, 'claim-invalid', token);
    expect(snapshot(portal)).toEqual(before);
  });

  test('an aud array, even holding only this portal, is refused with audience-invalid', async () => {
    const { portal, at } = await setup();
    for (const aud of [[ORIGIN], [ORIGIN, 'https://other.example']]) {
      const { res, token } = await attempt(at, 'GET', '/contacts', { claims: { aud } });
      await expectRefused(res, 401, 'audience-invalid', token);
    }
    expect(portal.logged).toEqual([]);
  });

  test.each([
    ['a number', 1234567890123456],
    ['15 characters', 'a'.repeat(15)],
    ['129 characters', 'a'.repeat(129)],
    ['an object', { id: 'a'.repeat(20) }],
  ])('a jti that is %s is refused with jti-invalid', async (_name, jti) => {
    const { portal, at } = await setup();
    const before = snapshot(portal);
    const { res, token } = await attempt(at, 'POST', '/contacts', { body: contactBody(), claims: { jti } });
    await expectRefused(res, 401, 'jti-invalid', token);
    expect(snapshot(portal)).toEqual(before);
  });

  test('a jti of 16 and of 128 characters is accepted (control)', async () => {
    const { at } = await setup();
    for (const jti of ['b'.repeat(16), 'c'.repeat(128)]) {
      expect((await attempt(at, 'POST', '/contacts', { body: contactBody(), claims: { jti } })).res.status).toBe(201);
    }
  });

  test('htm must be the method exactly: lower case is another method', async () => {
    const { at } = await setup();
    const { res, token } = await attempt(at, 'GET', '/contacts', { claims: { htm: 'get' } });
    await expectRefused(res, 401, 'method-mismatch', token);
  });

  test('htu must be the target exactly: a trailing slash, the full URL, or a decoded query are other targets', async () => {
    const { at } = await setup();
    for (const htu of ['/contacts/', `${ORIGIN}/contacts?limit=5`, '/contacts?limit=05', '/contacts?limit=5&']) {
      const { res, token } = await attempt(at, 'GET', '/contacts?limit=5', { claims: { htu } });
      await expectRefused(res, 401, 'url-mismatch', token);
    }
    expect((await attempt(at, 'GET', '/contacts?limit=5')).res.status).toBe(200);
  });

  test.each([
    ['missing', undefined],
    ['not base64url', 'not a digest'],
    ['a hex digest', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
  ])(
    'a write token whose body_sha256 is %s is refused with body-digest-mismatch before the body is read',
    async (_name, digest) => {
      const { portal, at } = await setup();
      const before = snapshot(portal, RECORD_TABLES);
      const { res, token } = await attempt(at, 'POST', '/contacts', {
        body: contactBody(),
        claims: { body_sha256: digest },
      });
      await expectRefused(res, 401, 'body-digest-mismatch', token);
      expect(snapshot(portal, RECORD_TABLES)).toEqual(before);
    },
  );
});

describe('the signed token reads one way only', () => {
  const header = (kid: string) => `{"alg":"EdDSA","typ":"cbm-request+jwt","kid":"${kid}"}`;
  const claimsText = (claims: Record<string, unknown>) => JSON.stringify(claims).slice(1, -1);

  test('a genuinely signed token with a duplicate claim is refused with malformed-token', async () => {
    const { portal, at } = await setup();
    const iat = nowSeconds(portal);
    const base = { iss: 'AT', aud: ORIGIN, iat, exp: iat + 60, jti: crypto.randomUUID(), htm: 'GET', htu: '/contacts' };
    // jose (and JSON.parse) read the last htu; a first-wins parser would read /principals.
    const token = await signTexts(at, header(at.kid), `{"htu":"/principals",${claimsText(base)}}`);
    const problem = await expectRefused(await at.call('GET', '/contacts', { token }), 401, 'malformed-token', token);
    expect(problem.detail).toMatch(/more than one way/);
    // The same claims without the duplicate verify (control).
    const honest = await signTexts(at, header(at.kid), JSON.stringify(base));
    expect((await at.call('GET', '/contacts', { token: honest })).status).toBe(200);
  });

  test('a duplicate header member, and a lone surrogate in a claim, are refused with malformed-token', async () => {
    const { portal, at } = await setup();
    const iat = nowSeconds(portal);
    const base = { iss: 'AT', aud: ORIGIN, iat, exp: iat + 60, jti: crypto.randomUUID(), htm: 'GET', htu: '/contacts' };
    const duplicateHeader = await signTexts(
      at,
      `{"alg":"EdDSA","typ":"cbm-request+jwt","kid":"other","kid":"${at.kid}"}`,
      JSON.stringify(base),
    );
    await expectRefused(
      await at.call('GET', '/contacts', { token: duplicateHeader }),
      401,
      'malformed-token',
      duplicateHeader,
    );
    const surrogate = await signTexts(at, header(at.kid), `{${claimsText(base)},"note":"x\\ud800y"}`);
    expect(
      (await expectRefused(await at.call('GET', '/contacts', { token: surrogate }), 401, 'malformed-token', surrogate))
        .detail,
    ).toMatch(/surrogate/);
  });

  test('segments in non-canonical base64url, and tokens over 4096 characters, are refused with malformed-token', async () => {
    const { at } = await setup();
    const token = await at.sign('GET', '/contacts');
    const [h, p, sig] = token.split('.') as [string, string, string];
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    // 86 characters carry 516 bits of a 512-bit signature: the last one's low 4 bits are zero.
    const loose = `${h}.${p}.${sig.slice(0, -1)}${alphabet[alphabet.indexOf(sig.at(-1)!) | 1]}`;
    await expectRefused(await at.call('GET', '/contacts', { token: loose }), 401, 'malformed-token', loose);
    const long = await attempt(at, 'GET', '/contacts', { claims: { pad: 'x'.repeat(4000) } });
    await expectRefused(long.res, 401, 'malformed-token', long.token);
    expect((await at.call('GET', '/contacts', { token })).status).toBe(200);
  });
});

describe('each decoding check alone', () => {
  test('a header or claims segment in non-canonical base64url is refused with malformed-token, not signature-invalid', async () => {
    const { at } = await setup();
    const token = await at.sign('GET', '/contacts');
    const [h, p, sig] = token.split('.') as [string, string, string];
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const loosen = (segment: string) => {
      // Only a length that leaves spare bits has a second spelling: pad the JSON until it does.
      const spare = segment.length % 4;
      return spare === 0 ? null : segment.slice(0, -1) + alphabet[alphabet.indexOf(segment.at(-1)!) | 1];
    };
    const looseHeader = loosen(h);
    const loosePayload = loosen(p);
    for (const loose of [
      looseHeader && `${looseHeader}.${p}.${sig}`,
      loosePayload && `${h}.${loosePayload}.${sig}`,
    ].filter((t): t is string => !!t)) {
      await expectRefused(await at.call('GET', '/contacts', { token: loose }), 401, 'malformed-token', loose);
    }
    expect([looseHeader, loosePayload].some(Boolean)).toBe(true);
  });

  test('claims that are not a JSON object are refused with malformed-token', async () => {
    const { at } = await setup();
    for (const claims of ['[1,2]', '"AT"', 'null']) {
      const token = await signTexts(at, `{"alg":"EdDSA","typ":"cbm-request+jwt","kid":"${at.kid}"}`, claims);
      await expectRefused(await at.call('GET', '/contacts', { token }), 401, 'malformed-token', token);
    }
  });

  test('a target with dot segments is refused with request-target-ambiguous before the token is looked at', async () => {
    const { portal, at } = await setup();
    for (const target of ['/contacts/../principals', '/contacts/%2E%2e/principals', '/contacts/.']) {
      const token = await at.sign('GET', target);
      const res = await portal.app.fetch(
        new Request(`${ORIGIN}/principals`, { headers: { authorization: `Bearer ${token}` } }),
        { incoming: { url: target } },
      );
      expect(res.status).toBe(400);
      expect(((await res.json()) as Problem).code).toBe('request-target-ambiguous');
    }
  });

  test('an absolute-form target (GET http://host/path) is read as its path and query', async () => {
    const { portal, at } = await setup();
    const token = await at.sign('GET', '/contacts?limit=1');
    const res = await portal.app.fetch(
      new Request(`${ORIGIN}/contacts?limit=1`, { headers: { authorization: `Bearer ${token}` } }),
      { incoming: { url: `${ORIGIN}/contacts?limit=1` } },
    );
    expect(res.status).toBe(200);
  });
});

describe('unsafe keys are refused (issue 9 item 2)', () => {
  const SMALL_ORDER_X = 'AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

  test('registering or rotating to a small-order Ed25519 key is refused with 422 key-unsafe pointing at /jwk/x', async () => {
    const { portal, at } = await setup();
    const before = snapshot(portal, RECORD_TABLES);
    for (const path of ['/principals/AT/keys', `/principals/AT/keys/${at.kid}/rotate`]) {
      const res = await portal.secretariat.post(path, {
        jwk: { kty: 'OKP', crv: 'Ed25519', x: SMALL_ORDER_X },
        scopes: ['read'],
      });
      const problem = (await res.json()) as Problem;
      expect({ status: res.status, code: problem.code, errors: problem.errors }).toEqual({
        status: 422,
        code: 'key-unsafe',
        errors: [{ pointer: '/jwk/x', detail: 'small-order Ed25519 point' }],
      });
      expect(problem.detail).toContain('small-order Ed25519 point');
    }
    expect(snapshot(portal, RECORD_TABLES)).toEqual(before);
  });

  test('a P-256 key off the curve is refused with 422 key-unsafe pointing at /jwk/y', async () => {
    const { portal } = await setup();
    const { publicKey } = await generateKeyPair('ES256', { extractable: true });
    const jwk = await exportJWK(publicKey);
    const y = base64url.decode(jwk.y!);
    y[0]! ^= 0x40;
    const res = await portal.secretariat.post('/principals/AT/keys', {
      jwk: { ...jwk, y: base64url.encode(y) },
      scopes: ['read'],
    });
    const problem = (await res.json()) as Problem;
    expect({ status: res.status, code: problem.code, errors: problem.errors }).toEqual({
      status: 422,
      code: 'key-unsafe',
      errors: [{ pointer: '/jwk/y', detail: 'not on P-256' }],
    });
  });

  test(
    'end to end: the R = identity, S = 0 forgery under a small-order key stored before the checks is ' +
      'refused with key-unsafe',
    async () => {
      const { portal } = await setup();
      const jwk = { kty: 'OKP', crv: 'Ed25519', x: SMALL_ORDER_X };
      const { jwkThumbprint } = await import('../crypto/jwk.ts');
      const kid = await jwkThumbprint(jwk);
      // As the first version let the Secretariat register it.
      portal.sqlite
        .prepare(
          'INSERT INTO principal_keys (kid, principal_id, alg, public_jwk, scopes, label, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
        )
        .run(
          kid,
          'AT',
          'EdDSA',
          JSON.stringify({ ...jwk, kid, alg: 'EdDSA', use: 'sig' }),
          JSON.stringify(['read', 'contacts:write']),
          null,
          portal.clock.now().toISOString(),
        );
      const body = bytesOf(contactBody({ name: 'Forged' }));
      const forgedSignature = new Uint8Array(64);
      forgedSignature[0] = 1;
      const token = compact(
        { alg: 'EdDSA', typ: 'cbm-request+jwt', kid },
        await honestClaims(portal, 'AT', '/contacts', body),
        base64url.encode(forgedSignature),
      );
      const before = snapshot(portal);
      const problem = await expectRefused(
        await portal.secretariat.call('POST', '/contacts', { rawBody: body, token }),
        401,
        'key-unsafe',
        token,
      );
      expect(problem.detail).toContain('small-order Ed25519 point');
      expect(snapshot(portal)).toEqual(before);
      // Reads too: no principal's answer may rest on such a key.
      const read = compact(
        { alg: 'EdDSA', typ: 'cbm-request+jwt', kid },
        { ...(await honestClaims(portal, 'AT', '/contacts', body)), htm: 'GET', body_sha256: undefined },
        base64url.encode(forgedSignature),
      );
      await expectRefused(await portal.secretariat.call('GET', '/contacts', { token: read }), 401, 'key-unsafe', read);
    },
  );
});
