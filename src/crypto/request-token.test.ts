/**
 * verifyRequestToken called directly, each check alone with its exact code and detail:
 * strict decoding (length, segments, canonical base64url, one reading of the JSON), the
 * header (typ, alg, key members, kid), the issuer, the key and its algorithm, the claims
 * (single audience, iat, lifetime, jti, htm, htu, body_sha256), and the remembered read
 * tokens (reused only for the same key and audience, and only until they expire).
 * authenticate.security.test.ts drives the same checks over HTTP; these are fast enough for
 * mutation testing (`npm run test:mutation`), where a check removed or weakened fails here.
 */
import { base64url, calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { Problem } from '../http/problem.ts';
import {
  checkBodyDigest,
  MAX_TOKEN_LENGTH,
  verifyRequestToken,
  type RegisteredKey,
  type RequestClaims,
  type VerifyOptions,
} from './request-token.ts';

const ORIGIN = 'http://portal.test';
const NOW = new Date('2026-11-27T09:00:00.000Z');
const T = NOW.getTime() / 1000;
const EMPTY_SHA256 = '47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU';

async function principal(alg: 'EdDSA' | 'ES256' = 'EdDSA') {
  const { privateKey, publicKey } = await generateKeyPair(alg, {
    extractable: true,
    ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}),
  });
  const jwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(jwk, 'sha256');
  const key: RegisteredKey = { kid, principalId: 'AT', alg, jwk, scopes: ['read'], principalKind: 'state' };
  /** A token with these claims and header members changed (undefined removes one). */
  const sign = (claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}) =>
    new SignJWT({
      iss: 'AT',
      aud: ORIGIN,
      iat: T,
      exp: T + 60,
      jti: crypto.randomUUID(),
      htm: 'GET',
      htu: '/contacts',
      ...claims,
    })
      .setProtectedHeader({ alg, typ: 'cbm-request+jwt', kid, ...header } as never)
      .sign(privateKey);
  return { key, kid, sign, privateKey };
}

function options(key: RegisteredKey, change: Partial<VerifyOptions> = {}): VerifyOptions {
  return {
    audience: ORIGIN,
    now: NOW,
    findActiveKey: async (issuer, kid) => (issuer === key.principalId && kid === key.kid ? key : null),
    ...change,
  };
}

const read = (token: string, target = '/contacts') => ({ token, method: 'GET', target });
const write = (token: string, target = '/contacts') => ({ token, method: 'POST', target });

/** The 401 a verification throws, as code and detail. */
async function refusal(promise: Promise<unknown>): Promise<{ code: string; detail: string | undefined }> {
  try {
    await promise;
  } catch (error) {
    if (!(error instanceof Problem)) throw error;
    expect(error.status).toBe(401);
    return { code: error.code, detail: error.detail };
  }
  throw new Error('expected a refusal, but the token verified');
}

const seg = (value: unknown) => base64url.encode(typeof value === 'string' ? value : JSON.stringify(value));
const SIGNATURE = base64url.encode(new Uint8Array(64));
const MALFORMED = { code: 'malformed-token', detail: 'The request token is not a valid compact JWS.' };

describe('decoding, before any key is looked up', () => {
  it('refuses a token longer than the limit, and reads one of exactly the limit', async () => {
    const { key, sign } = await principal();
    const token = await sign();
    // Padded with a claim to exactly MAX_TOKEN_LENGTH characters: read and verified.
    let n = Math.floor(((MAX_TOKEN_LENGTH - token.length) * 3) / 4) - 12;
    let padded = await sign({ pad: 'x'.repeat(n) });
    while (padded.length < MAX_TOKEN_LENGTH) {
      n += 1;
      padded = await sign({ pad: 'x'.repeat(n) });
    }
    expect(padded.length).toBe(MAX_TOKEN_LENGTH);
    await expect(verifyRequestToken(read(padded), options(key))).resolves.toMatchObject({ key });
    const longer = `${padded.split('.').slice(0, 2).join('.')}.${SIGNATURE}A`;
    expect(await refusal(verifyRequestToken(read(longer), options(key)))).toEqual({
      code: 'malformed-token',
      detail: `The request token is longer than ${MAX_TOKEN_LENGTH} characters.`,
    });
  });

  it.each([
    ['two segments', (h: string, p: string) => `${h}.${p}`],
    ['four segments', (h: string, p: string) => `${h}.${p}.${SIGNATURE}.${SIGNATURE}`],
    ['an empty header', (_h: string, p: string) => `.${p}.${SIGNATURE}`],
    ['an empty payload', (h: string) => `${h}..${SIGNATURE}`],
    ['an empty signature', (h: string, p: string) => `${h}.${p}.`],
    ['a signature that is not base64url', (h: string, p: string) => `${h}.${p}.a+b`],
    ['a header that is not JSON', (_h: string, p: string) => `${seg('not json')}.${p}.${SIGNATURE}`],
    ['a header that is an array', (_h: string, p: string) => `${seg([1])}.${p}.${SIGNATURE}`],
    ['a header that is null', (_h: string, p: string) => `${seg('null')}.${p}.${SIGNATURE}`],
    ['claims that are a number', (h: string) => `${h}.${seg('7')}.${SIGNATURE}`],
    ['claims that are a string', (h: string) => `${h}.${seg('"x"')}.${SIGNATURE}`],
    [
      'claims that are not UTF-8',
      (h: string) => `${h}.${base64url.encode(new Uint8Array([0x7b, 0xff, 0x7d]))}.${SIGNATURE}`,
    ],
    ['a header that is not base64url', (_h: string, p: string) => `e30*.${p}.${SIGNATURE}`],
  ])('refuses %s as malformed', async (_name, make) => {
    const { key, kid } = await principal();
    const header = seg({ alg: 'EdDSA', typ: 'cbm-request+jwt', kid });
    const payload = seg({
      iss: 'AT',
      aud: ORIGIN,
      iat: T,
      exp: T + 60,
      jti: crypto.randomUUID(),
      htm: 'GET',
      htu: '/contacts',
    });
    expect(await refusal(verifyRequestToken(read(make(header, payload)), options(key)))).toEqual(MALFORMED);
  });

  it('refuses a segment spelled in non-canonical base64url, signature included', async () => {
    const { key, sign } = await principal();
    const [h, p, s] = (await sign()).split('.') as [string, string, string];
    // 64 bytes take 86 characters whose last carries 2 unused bits: set one of them.
    const last = s.at(-1)!;
    const loose =
      s.slice(0, -1) +
      'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'[
        'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.indexOf(last) | 1
      ];
    expect(await refusal(verifyRequestToken(read(`${h}.${p}.${loose}`), options(key)))).toEqual({
      code: 'malformed-token',
      detail: 'A token segment is not canonical base64url.',
    });
    expect(await refusal(verifyRequestToken(read(`${h}=.${p}.${s}`), options(key)))).toEqual(MALFORMED);
  });

  it('refuses JSON that reads more than one way, and says where', async () => {
    const { key, kid } = await principal();
    const header = `{"alg":"EdDSA","typ":"cbm-request+jwt","kid":"${kid}","kid":"other"}`;
    const payload = seg({
      iss: 'AT',
      aud: ORIGIN,
      iat: T,
      exp: T + 60,
      jti: crypto.randomUUID(),
      htm: 'GET',
      htu: '/contacts',
    });
    const refused = await refusal(verifyRequestToken(read(`${seg(header)}.${payload}.${SIGNATURE}`), options(key)));
    expect(refused.code).toBe('malformed-token');
    expect(refused.detail).toMatch(/^The token's JSON reads more than one way: .+ \(at \/kid\)\.$/);
    const claims = `{"iss":"AT","iss":"BE"}`;
    const top = await refusal(
      verifyRequestToken(
        read(`${seg({ alg: 'EdDSA', typ: 'cbm-request+jwt', kid })}.${seg(claims)}.${SIGNATURE}`),
        options(key),
      ),
    );
    expect(top.detail).toMatch(/^The token's JSON reads more than one way: .+ \(at \/iss\)\.$/);
    const surrogate = await refusal(
      verifyRequestToken(
        read(`${seg({ alg: 'EdDSA', typ: 'cbm-request+jwt', kid })}.${seg('"\\ud800"')}.${SIGNATURE}`),
        options(key),
      ),
    );
    expect(surrogate).toEqual({
      code: 'malformed-token',
      detail:
        "The token's JSON reads more than one way: a \\u escape of a high surrogate without its low surrogate (at the top).",
    });
    const deep = `{"a":{"b":{"c":{"d":{"e":1}}}}}`;
    const tooDeep = await refusal(
      verifyRequestToken(
        read(`${seg({ alg: 'EdDSA', typ: 'cbm-request+jwt', kid })}.${seg(deep)}.${SIGNATURE}`),
        options(key),
      ),
    );
    expect(tooDeep.detail).toMatch(/^The token's JSON reads more than one way: /);
  });
});

describe('the header', () => {
  it.each([
    ['another typ', { typ: 'JWT' }, { code: 'token-type-invalid', detail: "The token's typ must be cbm-request+jwt." }],
    ['no typ', { typ: undefined }, { code: 'token-type-invalid', detail: "The token's typ must be cbm-request+jwt." }],
    ['no kid', { kid: undefined }, { code: 'kid-missing', detail: 'The token header has no kid.' }],
    ['an empty kid', { kid: '' }, { code: 'kid-missing', detail: 'The token header has no kid.' }],
    ['a kid that is a number', { kid: 7 }, { code: 'kid-missing', detail: 'The token header has no kid.' }],
    [
      'a jku',
      { jku: 'https://keys.example' },
      {
        code: 'header-not-allowed',
        detail: 'Keys are looked up by kid only; jku, x5u, jwk, x5c and crit are refused.',
      },
    ],
    [
      'an x5u',
      { x5u: 'https://keys.example' },
      {
        code: 'header-not-allowed',
        detail: 'Keys are looked up by kid only; jku, x5u, jwk, x5c and crit are refused.',
      },
    ],
    [
      'a jwk',
      { jwk: { kty: 'OKP' } },
      {
        code: 'header-not-allowed',
        detail: 'Keys are looked up by kid only; jku, x5u, jwk, x5c and crit are refused.',
      },
    ],
    [
      'an x5c',
      { x5c: ['AAAA'] },
      {
        code: 'header-not-allowed',
        detail: 'Keys are looked up by kid only; jku, x5u, jwk, x5c and crit are refused.',
      },
    ],
  ])('refuses a header with %s', async (_name, header, expected) => {
    const { key, sign } = await principal();
    expect(await refusal(verifyRequestToken(read(await sign({}, header)), options(key)))).toEqual(expected);
  });

  it('refuses a header with a crit', async () => {
    const { key, kid } = await principal();
    const token = `${seg({ alg: 'EdDSA', typ: 'cbm-request+jwt', kid, crit: ['htm'] })}.${seg({ iss: 'AT', htm: 'GET' })}.${SIGNATURE}`;
    expect(await refusal(verifyRequestToken(read(token), options(key)))).toEqual({
      code: 'header-not-allowed',
      detail: 'Keys are looked up by kid only; jku, x5u, jwk, x5c and crit are refused.',
    });
  });

  it.each([['none'], ['HS256'], ['RS256'], ['ES384']])('refuses alg %s', async (alg) => {
    const { key, kid } = await principal();
    const claims = {
      iss: 'AT',
      aud: ORIGIN,
      iat: T,
      exp: T + 60,
      jti: crypto.randomUUID(),
      htm: 'GET',
      htu: '/contacts',
    };
    const token = `${seg({ alg, typ: 'cbm-request+jwt', kid })}.${seg(claims)}.${SIGNATURE}`;
    expect(await refusal(verifyRequestToken(read(token), options(key)))).toEqual({
      code: 'alg-not-allowed',
      detail: 'Only EdDSA and ES256 are accepted.',
    });
  });

  it('refuses an alg that is not a string', async () => {
    const { key, kid } = await principal();
    const token = `${seg({ alg: ['EdDSA'], typ: 'cbm-request+jwt', kid })}.${seg({ iss: 'AT' })}.${SIGNATURE}`;
    expect(await refusal(verifyRequestToken(read(token), options(key)))).toEqual({
      code: 'alg-not-allowed',
      detail: 'Only EdDSA and ES256 are accepted.',
    });
  });
});

describe('the issuer and its key', () => {
  it.each([
    ['no iss', { iss: undefined }],
    ['an empty iss', { iss: '' }],
    ['an iss that is a number', { iss: 7 }],
  ])('refuses a token with %s', async (_name, claims) => {
    const { key, sign } = await principal();
    expect(await refusal(verifyRequestToken(read(await sign(claims)), options(key)))).toEqual({
      code: 'issuer-missing',
      detail: 'The token has no iss.',
    });
  });

  it('refuses a kid that is no active key of the issuer, whether or not another principal holds it', async () => {
    const { key, sign, kid } = await principal();
    const unknown = (issuer: string) => ({
      code: 'key-unknown',
      detail: `${issuer} has no active key ${kid}: hand its public key to the Secretariat, or sign as the principal it belongs to.`,
    });
    expect(await refusal(verifyRequestToken(read(await sign({ iss: 'BE' })), options(key)))).toEqual(unknown('BE'));
    expect(
      await refusal(verifyRequestToken(read(await sign()), options(key, { findActiveKey: async () => null }))),
    ).toEqual(unknown('AT'));
  });

  it("refuses a token whose alg is not the registered key's", async () => {
    const { key, sign } = await principal();
    const token = await sign();
    const asP256 = { ...key, alg: 'ES256' as const };
    expect(await refusal(verifyRequestToken(read(token), options(asP256)))).toEqual({
      code: 'alg-key-mismatch',
      detail: 'The registered key is used with ES256, not EdDSA.',
    });
  });

  it('verifies the signature with the registered key, for both algorithms', async () => {
    for (const alg of ['EdDSA', 'ES256'] as const) {
      const { key, sign } = await principal(alg);
      await expect(verifyRequestToken(read(await sign()), options(key))).resolves.toMatchObject({
        claims: { iss: 'AT' },
        key,
      });
      // Signed by another key under the registered kid.
      const other = await principal(alg);
      const forged = await new SignJWT({
        iss: 'AT',
        aud: ORIGIN,
        iat: T,
        exp: T + 60,
        jti: crypto.randomUUID(),
        htm: 'GET',
        htu: '/contacts',
      })
        .setProtectedHeader({ alg, typ: 'cbm-request+jwt', kid: key.kid })
        .sign(other.privateKey);
      expect(await refusal(verifyRequestToken(read(forged), options(key)))).toEqual({
        code: 'signature-invalid',
        detail: 'The request token signature does not verify with the registered key.',
      });
    }
  });
});

describe('the claims', () => {
  const expectRefused = async (
    claims: Record<string, unknown>,
    expected: { code: string; detail?: string },
    request = read,
  ) => {
    const { key, sign } = await principal();
    const refused = await refusal(verifyRequestToken(request(await sign(claims)), options(key)));
    expect(expected.detail === undefined ? { code: refused.code } : refused).toEqual(expected);
  };
  const expectAccepted = async (claims: Record<string, unknown>, request = read) => {
    const { key, sign } = await principal();
    await expect(verifyRequestToken(request(await sign(claims)), options(key))).resolves.toMatchObject({ key });
  };

  it('takes the portal origin as the one audience', async () => {
    const refused = { code: 'audience-invalid', detail: "The token's aud is not this portal's origin." };
    await expectRefused({ aud: [ORIGIN] }, refused);
    await expectRefused({ aud: [ORIGIN, 'https://other.example'] }, refused);
    await expectRefused({ aud: 'https://other.example' }, refused);
    await expectRefused({ aud: undefined }, { code: 'claim-missing', detail: 'The token lacks the aud claim.' });
  });

  it('refuses each required claim missing', async () => {
    for (const claim of ['iat', 'exp', 'jti', 'htm', 'htu'])
      await expectRefused(
        { [claim]: undefined },
        { code: 'claim-missing', detail: `The token lacks the ${claim} claim.` },
      );
  });

  it('accepts an iat up to 60 s ahead of the clock, not more', async () => {
    await expectAccepted({ iat: T + 60, exp: T + 120 });
    await expectRefused(
      { iat: T + 61, exp: T + 120 },
      { code: 'issued-in-future', detail: 'The token is issued in the future.' },
    );
    await expectRefused({ iat: 'soon' }, { code: 'claim-invalid', detail: "The token's iat claim is not acceptable." });
  });

  it('accepts an exp up to 60 s past, not more', async () => {
    await expectAccepted({ iat: T - 120, exp: T - 59 });
    await expectRefused(
      { iat: T - 120, exp: T - 60 },
      { code: 'token-expired', detail: 'The request token has expired.' },
    );
  });

  it('needs exp after iat, and at most 300 s after', async () => {
    await expectRefused({ iat: T, exp: T }, { code: 'lifetime-invalid', detail: 'exp must be later than iat.' });
    await expectRefused({ iat: T, exp: T - 1 }, { code: 'lifetime-invalid', detail: 'exp must be later than iat.' });
    await expectAccepted({ iat: T, exp: T + 1 });
    await expectAccepted({ iat: T, exp: T + 300 });
    await expectRefused(
      { iat: T, exp: T + 301 },
      { code: 'lifetime-too-long', detail: 'exp may be at most 300 s after iat.' },
    );
  });

  it('needs a jti of 16 to 128 characters', async () => {
    const refused = { code: 'jti-invalid', detail: 'jti must be a string of 16 to 128 characters.' };
    await expectAccepted({ jti: 'a'.repeat(16) });
    await expectAccepted({ jti: 'b'.repeat(128) });
    await expectRefused({ jti: 'c'.repeat(15) }, refused);
    await expectRefused({ jti: 'd'.repeat(129) }, refused);
    await expectRefused({ jti: 1234567890123456.5 }, refused);
    await expectRefused({ jti: ['e'.repeat(16)] }, refused);
  });

  it('binds the method and the target exactly as sent', async () => {
    await expectRefused(
      { htm: 'POST' },
      { code: 'method-mismatch', detail: 'The token was signed for another HTTP method (htm).' },
    );
    await expectRefused(
      { htm: 'get' },
      { code: 'method-mismatch', detail: 'The token was signed for another HTTP method (htm).' },
    );
    const other = {
      code: 'url-mismatch',
      detail: 'The token was signed for another path or query (htu must be the request-target exactly as sent).',
    };
    await expectRefused({ htu: '/contacts/' }, other);
    await expectRefused({ htu: '/contacts?state=AT' }, other);
    await expectRefused({ htu: 'http://portal.test/contacts' }, other);
    await expectAccepted({ htu: "/contacts?state='AT'" }, (token) => read(token, "/contacts?state='AT'"));
  });

  it('needs a well-formed body_sha256 on a write, and none on a read', async () => {
    const missing = {
      code: 'body-digest-mismatch',
      detail: 'A POST token must carry body_sha256, the base64url SHA-256 of the exact body bytes (empty or not).',
    };
    await expectAccepted({ htm: 'POST', body_sha256: EMPTY_SHA256 }, write);
    await expectRefused({ htm: 'POST' }, missing, write);
    await expectRefused({ htm: 'POST', body_sha256: EMPTY_SHA256.slice(1) }, missing, write);
    await expectRefused({ htm: 'POST', body_sha256: `${EMPTY_SHA256}A` }, missing, write);
    await expectRefused({ htm: 'POST', body_sha256: `+${EMPTY_SHA256.slice(1)}` }, missing, write);
    await expectRefused({ htm: 'POST', body_sha256: 7 }, missing, write);
    await expectRefused(
      { body_sha256: EMPTY_SHA256 },
      { code: 'body-digest-mismatch', detail: 'The token carries body_sha256 but the request has no body.' },
    );
    await expectRefused(
      { body_sha256: null },
      { code: 'body-digest-mismatch', detail: 'The token carries body_sha256 but the request has no body.' },
    );
  });

  it('checks the contract last: an htm the contract does not know is claim-invalid', async () => {
    await expectRefused({ htm: 'TRACE' }, { code: 'claim-invalid' }, (token) => ({
      token,
      method: 'TRACE',
      target: '/contacts',
    }));
  });

  it('compares the body digest once the body is read', () => {
    const claims = { body_sha256: EMPTY_SHA256 } as RequestClaims;
    expect(() => checkBodyDigest(claims, EMPTY_SHA256)).not.toThrow();
    let thrown: unknown;
    try {
      checkBodyDigest(claims, 'A'.repeat(43));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({
      status: 401,
      code: 'body-digest-mismatch',
      detail: 'body_sha256 does not match the body received.',
    });
  });
});

describe('remembered read tokens', () => {
  it('reuses a read token until it expires, with the time checked again', async () => {
    const { key, sign } = await principal();
    const token = await sign({ iat: T, exp: T + 60 });
    await verifyRequestToken(read(token), options(key));
    const later = (seconds: number) => options(key, { now: new Date(NOW.getTime() + seconds * 1000) });
    await expect(verifyRequestToken(read(token), later(119))).resolves.toMatchObject({ claims: { exp: T + 60 } });
    expect(await refusal(verifyRequestToken(read(token), later(120)))).toEqual({
      code: 'token-expired',
      detail: 'The request token has expired.',
    });
  });

  it('checks method and target again for a remembered token', async () => {
    const { key, sign } = await principal();
    const token = await sign();
    await verifyRequestToken(read(token), options(key));
    expect((await refusal(verifyRequestToken(read(token, '/contacts?page=2'), options(key)))).code).toBe(
      'url-mismatch',
    );
    expect((await refusal(verifyRequestToken({ token, method: 'HEAD', target: '/contacts' }, options(key)))).code).toBe(
      'method-mismatch',
    );
  });

  it('verifies the signature again under another key or another audience', async () => {
    const { key, sign } = await principal();
    const token = await sign();
    await verifyRequestToken(read(token), options(key));
    // The issuer's key under that kid is now another key: the signature no longer verifies.
    const other = await principal();
    const replaced = { ...other.key, kid: `${key.kid.slice(0, -2)}zz` };
    expect(
      await refusal(verifyRequestToken(read(token), options(key, { findActiveKey: async () => replaced }))),
    ).toEqual({
      code: 'signature-invalid',
      detail: 'The request token signature does not verify with the registered key.',
    });
    // A portal under another origin does not take the token remembered for this one.
    expect((await refusal(verifyRequestToken(read(token), options(key, { audience: 'http://other.test' })))).code).toBe(
      'audience-invalid',
    );
  });

  it('refuses a remembered token once its key is no longer active', async () => {
    const { key, sign } = await principal();
    const token = await sign();
    await verifyRequestToken(read(token), options(key));
    expect(
      (await refusal(verifyRequestToken(read(token), options(key, { findActiveKey: async () => null })))).code,
    ).toBe('key-unknown');
  });

  it('never remembers a write token', async () => {
    const { key, sign } = await principal();
    const token = await sign({ htm: 'POST', body_sha256: EMPTY_SHA256 });
    await verifyRequestToken(write(token), options(key));
    // Verified in full again: a later time past its expiry is refused by jose, as a first sight would be.
    expect(
      await refusal(verifyRequestToken(write(token), options(key, { now: new Date(NOW.getTime() + 120_000) }))),
    ).toEqual({ code: 'token-expired', detail: 'The request token has expired.' });
  });
});

describe('a key that is not active', () => {
  async function inactive(status: 'expired' | 'revoked', replacedBy: string | null) {
    const { key, sign } = await principal();
    const token = await sign();
    const info = { kid: key.kid, alg: key.alg, jwk: key.jwk, status, at: '2026-11-20T09:00:00.000Z', replacedBy };
    const found: [string, string][] = [];
    const findInactiveKey = async (issuer: string, kid: string) => {
      found.push([issuer, kid]);
      return info;
    };
    return { key, token, info, found, opts: options(key, { findActiveKey: async () => null, findInactiveKey }) };
  }

  async function problemOf(promise: Promise<unknown>) {
    try {
      await promise;
    } catch (error) {
      if (error instanceof Problem) return { code: error.code, detail: error.detail, extensions: error.extensions };
      throw error;
    }
    throw new Error('expected a refusal');
  }

  it('tells the holder of a revoked key when, and which key replaced it', async () => {
    const { key, token, opts, found } = await inactive('revoked', 'next-kid');
    expect(await problemOf(verifyRequestToken(read(token), opts))).toEqual({
      code: 'key-revoked',
      detail: `Key ${key.kid} of AT was revoked at 2026-11-20T09:00:00.000Z; it was replaced by key next-kid.`,
      extensions: { kid: key.kid, revoked_at: '2026-11-20T09:00:00.000Z', replaced_by: 'next-kid' },
    });
    expect(found).toEqual([['AT', key.kid]]);
  });

  it('tells the holder of an expired key when, without a replacement', async () => {
    const { key, token, opts } = await inactive('expired', null);
    expect(await problemOf(verifyRequestToken(read(token), opts))).toEqual({
      code: 'key-expired',
      detail: `Key ${key.kid} of AT expired at 2026-11-20T09:00:00.000Z.`,
      extensions: { kid: key.kid, expired_at: '2026-11-20T09:00:00.000Z', replaced_by: null },
    });
  });

  it('tells anyone else only that the key is unknown', async () => {
    const { key, info, opts } = await inactive('revoked', 'next-kid');
    const other = await principal();
    const forged = await new SignJWT({
      iss: 'AT',
      aud: ORIGIN,
      iat: T,
      exp: T + 60,
      jti: crypto.randomUUID(),
      htm: 'GET',
      htu: '/contacts',
    })
      .setProtectedHeader({ alg: 'EdDSA', typ: 'cbm-request+jwt', kid: key.kid })
      .sign(other.privateKey);
    const unknown = {
      code: 'key-unknown',
      detail: `AT has no active key ${key.kid}: hand its public key to the Secretariat, or sign as the principal it belongs to.`,
      extensions: undefined,
    };
    expect(await problemOf(verifyRequestToken(read(forged), opts))).toEqual(unknown);
    // Without a lookup of inactive keys, or when there is none, the same.
    expect(
      await problemOf(verifyRequestToken(read(forged), options(key, { findActiveKey: async () => null }))),
    ).toEqual(unknown);
    expect(
      await problemOf(
        verifyRequestToken(
          read(forged),
          options(key, { findActiveKey: async () => null, findInactiveKey: async () => null }),
        ),
      ),
    ).toEqual(unknown);
    // A key recorded with another algorithm than the token's does not verify it either.
    const asP256 = options(key, {
      findActiveKey: async () => null,
      findInactiveKey: async () => ({ ...info, kid: `${info.kid}-p`, alg: 'ES256' as const }),
    });
    expect(await problemOf(verifyRequestToken(read(forged), asP256))).toEqual(unknown);
  });
});

describe('each refusal keeps its own code', () => {
  it.each(['PUT', 'PATCH', 'DELETE'])('needs body_sha256 on a %s token', async (method) => {
    const { key, sign } = await principal();
    const token = await sign({ htm: method });
    expect(await refusal(verifyRequestToken({ token, method, target: '/contacts' }, options(key)))).toEqual({
      code: 'body-digest-mismatch',
      detail: `A ${method} token must carry body_sha256, the base64url SHA-256 of the exact body bytes (empty or not).`,
    });
  });

  it('refuses a token not valid yet (nbf)', async () => {
    const { key, sign } = await principal();
    expect(await refusal(verifyRequestToken(read(await sign({ nbf: T + 120 })), options(key)))).toEqual({
      code: 'token-not-yet-valid',
      detail: 'The token is not valid yet.',
    });
  });

  it('refuses claims that are not UTF-8 even inside a string, and a byte order mark', async () => {
    const { key, kid } = await principal();
    const header = seg({ alg: 'EdDSA', typ: 'cbm-request+jwt', kid });
    const bytes = (text: string, insert: number[], at: number) => {
      const encoded = [...new TextEncoder().encode(text)];
      encoded.splice(at, 0, ...insert);
      return base64url.encode(new Uint8Array(encoded));
    };
    const claims = '{"iss":"AT","htm":"GET"}';
    // 0xff inside the iss string: a lax decoder would read "A\uFFFDT".
    expect(
      await refusal(verifyRequestToken(read(`${header}.${bytes(claims, [0xff], 9)}.${SIGNATURE}`), options(key))),
    ).toEqual(MALFORMED);
    expect(
      await refusal(
        verifyRequestToken(read(`${header}.${bytes(claims, [0xef, 0xbb, 0xbf], 0)}.${SIGNATURE}`), options(key)),
      ),
    ).toEqual(MALFORMED);
  });

  it('says a header segment is not canonical base64url', async () => {
    const { key, sign } = await principal();
    const [h, p, s] = (await sign()).split('.') as [string, string, string];
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const bits = h.length % 4 === 2 ? 15 : 3;
    const loose = h.slice(0, -1) + alphabet[alphabet.indexOf(h.at(-1)!) | bits];
    expect(loose).not.toBe(h);
    expect(await refusal(verifyRequestToken(read(`${loose}.${p}.${s}`), options(key)))).toEqual({
      code: 'malformed-token',
      detail: 'A token segment is not canonical base64url.',
    });
  });

  it('refuses a registered key that fails the curve checks as key-unsafe, not as an unverifiable token', async () => {
    const { key, sign } = await principal();
    const unsafe = {
      ...key,
      kid: 'unsafe-registered-key',
      jwk: { kty: 'OKP', crv: 'Ed25519', x: 'AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' },
    };
    const token = await sign({}, { kid: unsafe.kid });
    expect(await refusal(verifyRequestToken(read(token), options(unsafe)))).toEqual({
      code: 'key-unsafe',
      detail: 'The registered key is refused: small-order Ed25519 point.',
    });
  });

  it('refuses what jose cannot verify for a reason of its own as token-invalid', async () => {
    // A sound P-256 key registered for EdDSA: the runtime will not import it for that algorithm.
    const { key, sign } = await principal();
    const p256 = await principal('ES256');
    const mismatched = { ...key, kid: `mismatched-${key.kid}`, jwk: p256.key.jwk };
    const token = await sign({}, { kid: mismatched.kid });
    expect(await refusal(verifyRequestToken(read(token), options(mismatched)))).toEqual({
      code: 'token-invalid',
      detail: 'The request token could not be verified.',
    });
  });
});
