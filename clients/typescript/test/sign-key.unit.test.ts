/**
 * createRequestSignerFromKey: the browser's signer, a non-extractable WebCrypto key instead
 * of a private JWK, must give the same request tokens as createRequestSigner (one set of
 * token rules), and refuse keys it must not sign with, each with its reason.
 */
import { compactVerify, decodeProtectedHeader, importJWK, type JWK } from 'jose';
import { describe, expect, it } from 'vitest';
import { generateSigningKey, type KeyAlgorithm } from '../src/keys.ts';
import { createRequestSigner, createRequestSignerFromKey, SigningKeyError } from '../src/sign.ts';

const audience = 'http://portal.test';
const now = () => new Date('2026-03-01T10:00:00Z');
const request = { method: 'PUT', pathAndQuery: '/contacts/c-1?x=1', body: '{"name":"Desk"}' };
const fixed = { claims: { jti: '00000000-0000-4000-8000-000000000001' } };

const webcryptoParams = (alg: KeyAlgorithm) =>
  alg === 'EdDSA' ? { name: 'Ed25519' } : { name: 'ECDSA', namedCurve: 'P-256' };

async function importPrivate(privateJwk: JWK, alg: KeyAlgorithm, extractable = false, usages: KeyUsage[] = ['sign']) {
  return crypto.subtle.importKey('jwk', privateJwk as JsonWebKey, webcryptoParams(alg), extractable, usages);
}

async function payloadOf(token: string, publicJwk: JWK, alg: KeyAlgorithm) {
  const verified = await compactVerify(token, await importJWK(publicJwk, alg));
  return { header: verified.protectedHeader, claims: JSON.parse(new TextDecoder().decode(verified.payload)) };
}

describe('createRequestSignerFromKey', () => {
  it('gives byte-identical Ed25519 tokens to the JWK signer for the same claims', async () => {
    const { privateJwk, publicJwk, kid } = await generateSigningKey('EdDSA');
    const fromJwk = await createRequestSigner({ principal: 'AT', privateJwk, audience, now });
    const privateKey = await importPrivate(privateJwk, 'EdDSA');
    const fromKey = await createRequestSignerFromKey({ principal: 'AT', privateKey, publicJwk, audience, now });
    expect(fromKey).toMatchObject({ principal: 'AT', kid, alg: 'EdDSA' });
    const token = await fromKey.signWith(request, fixed);
    expect(token).toBe(await fromJwk.signWith(request, fixed));
    const { header, claims } = await payloadOf(token, publicJwk, 'EdDSA');
    expect(header).toEqual({ alg: 'EdDSA', typ: 'cbm-request+jwt', kid });
    expect(claims).toMatchObject({ iss: 'AT', aud: audience, htm: 'PUT', htu: '/contacts/c-1?x=1', iat: 1772359200 });
    expect(claims.body_sha256).toBeTypeOf('string');
  });

  it('gives P-256 tokens with the same header and claims as the JWK signer', async () => {
    const { privateJwk, publicJwk, kid } = await generateSigningKey('ES256');
    const fromJwk = await createRequestSigner({ principal: 'secretariat', privateJwk, audience, now });
    const privateKey = await importPrivate(privateJwk, 'ES256');
    const fromKey = await createRequestSignerFromKey({
      principal: 'secretariat',
      privateKey,
      publicJwk,
      audience,
      now,
    });
    expect(fromKey.kid).toBe(kid);
    const mine = await payloadOf(await fromKey.signWith(request, fixed), publicJwk, 'ES256');
    const theirs = await payloadOf(await fromJwk.signWith(request, fixed), publicJwk, 'ES256');
    expect(mine).toEqual(theirs);
    expect(mine.header.alg).toBe('ES256');
  });

  it('signs with a fresh jti each time and no body digest on GET', async () => {
    const { privateJwk, publicJwk } = await generateSigningKey('EdDSA');
    const privateKey = await importPrivate(privateJwk, 'EdDSA');
    const signer = await createRequestSignerFromKey({ principal: 'AT', privateKey, publicJwk, audience, now });
    const [a, b] = await Promise.all([1, 2].map(() => signer.sign({ method: 'get', pathAndQuery: '/contacts' })));
    const [ca, cb] = [
      (await payloadOf(a!, publicJwk, 'EdDSA')).claims,
      (await payloadOf(b!, publicJwk, 'EdDSA')).claims,
    ];
    expect(ca.jti).not.toBe(cb.jti);
    expect(ca.htm).toBe('GET');
    expect(ca).not.toHaveProperty('body_sha256');
    expect(decodeProtectedHeader(a!).typ).toBe('cbm-request+jwt');
  });

  async function refusal(promise: Promise<unknown>): Promise<string> {
    const error = await promise.then(
      () => null,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(SigningKeyError);
    expect((error as SigningKeyError).message).toBe(`signing key refused: ${(error as SigningKeyError).reason}`);
    return (error as SigningKeyError).reason;
  }

  it('refuses an extractable key', async () => {
    const { privateJwk, publicJwk } = await generateSigningKey('EdDSA');
    const privateKey = await importPrivate(privateJwk, 'EdDSA', true);
    expect(await refusal(createRequestSignerFromKey({ principal: 'AT', privateKey, publicJwk, audience }))).toBe(
      'the key is extractable: import it with extractable false so its secret cannot be read back',
    );
  });

  it('refuses a public key, a key of another algorithm, and a private JWK given as the public one', async () => {
    const ed = await generateSigningKey('EdDSA');
    const ec = await generateSigningKey('ES256');
    const publicKey = await crypto.subtle.importKey('jwk', ed.publicJwk as JsonWebKey, { name: 'Ed25519' }, false, [
      'verify',
    ]);
    expect(
      await refusal(
        createRequestSignerFromKey({ principal: 'AT', privateKey: publicKey, publicJwk: ed.publicJwk, audience }),
      ),
    ).toBe('a public key cannot sign');
    const ecKey = await importPrivate(ec.privateJwk, 'ES256');
    expect(
      await refusal(
        createRequestSignerFromKey({ principal: 'AT', privateKey: ecKey, publicJwk: ed.publicJwk, audience }),
      ),
    ).toBe('the key is ECDSA P-256, its public JWK EdDSA');
    const edKey = await importPrivate(ed.privateJwk, 'EdDSA');
    expect(
      await refusal(
        createRequestSignerFromKey({ principal: 'AT', privateKey: edKey, publicJwk: ed.privateJwk, audience }),
      ),
    ).toBe('publicJwk holds a private key member d');
  });

  it('refuses a private key that does not belong to the public JWK', async () => {
    const [mine, other] = [await generateSigningKey('EdDSA'), await generateSigningKey('EdDSA')];
    const privateKey = await importPrivate(mine.privateJwk, 'EdDSA');
    expect(
      await refusal(createRequestSignerFromKey({ principal: 'AT', privateKey, publicJwk: other.publicJwk, audience })),
    ).toBe('the private key does not belong to the public JWK');
  });
});
