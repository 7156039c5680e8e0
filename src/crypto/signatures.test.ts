/**
 * The two signature suites (WebCrypto, node:crypto's one-shot functions) are one: each
 * accepts what the other signs, refuses the same forgeries, and verifyRequestToken answers
 * the same with either, with the app's memory (imported keys, remembered read tokens) or
 * without it.
 */
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { Problem } from '../http/problem.ts';
import { createAppMemory } from '../memory.ts';
import { nodeSignatures } from './node-signatures.ts';
import { generatePrivateJwk } from './portal-keys.ts';
import { verifyRequestToken, type RegisteredKey } from './request-token.ts';
import { webSignatures, type SigningAlg } from './signatures.ts';

const ORIGIN = 'http://portal.test';
const NOW = new Date('2026-11-27T09:00:00.000Z');
const T = NOW.getTime() / 1000;
const suites = [
  ['WebCrypto', webSignatures],
  ['node:crypto', nodeSignatures],
] as const;

async function stateKey(alg: SigningAlg) {
  const { privateKey, publicKey } = await generateKeyPair(alg, {
    extractable: true,
    ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}),
  });
  const jwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(jwk, 'sha256');
  const key: RegisteredKey = { kid, principalId: 'AT', alg, jwk, scopes: ['read'], principalKind: 'state' };
  const token = await new SignJWT({
    iss: 'AT',
    aud: ORIGIN,
    iat: T,
    exp: T + 60,
    jti: crypto.randomUUID(),
    htm: 'GET',
    htu: '/contacts',
  })
    .setProtectedHeader({ alg, typ: 'cbm-request+jwt', kid })
    .sign(privateKey);
  return { key, token };
}

const flipLastSignatureChar = (token: string) => token.slice(0, -2) + (token.at(-2) === 'A' ? 'B' : 'A') + token.at(-1);

async function codeOf(promise: Promise<unknown>) {
  try {
    await promise;
    return 'verified';
  } catch (error) {
    if (error instanceof Problem) return error.code;
    throw error;
  }
}

describe('signature suites', () => {
  it.each(suites)(
    '%s signs Ed25519 as the other suite does, byte for byte, and verifies what the other signs',
    async (_name, suite) => {
      const jwk = await generatePrivateJwk();
      const other = suite === webSignatures ? nodeSignatures : webSignatures;
      const data = new TextEncoder().encode('attestation signing input');
      const ours = await suite.sign(
        await suite.importSigningKey({ kty: 'OKP', crv: 'Ed25519', x: jwk.x, d: jwk.d }),
        data,
      );
      const theirs = await other.sign(
        await other.importSigningKey({ kty: 'OKP', crv: 'Ed25519', x: jwk.x, d: jwk.d }),
        data,
      );
      expect(ours).toEqual(theirs);
      const publicKey = await other.importPublicKey({ kty: 'OKP', crv: 'Ed25519', x: jwk.x }, 'EdDSA');
      expect(await other.verify(publicKey, data, ours)).toBe(true);
      const tampered = ours.slice();
      tampered[0]! ^= 1;
      expect(await other.verify(publicKey, data, tampered)).toBe(false);
      expect(await other.verify(publicKey, data, ours.slice(0, 63))).toBe(false);
    },
  );

  for (const alg of ['EdDSA', 'ES256'] as const) {
    it.each(suites)(
      `%s verifies ${alg} request tokens and refuses a changed signature, with or without the app's memory`,
      async (_name, suite) => {
        const { key, token } = await stateKey(alg);
        for (const memory of [undefined, createAppMemory(suite)]) {
          const options = {
            audience: ORIGIN,
            now: NOW,
            findActiveKey: async () => key,
            signatures: suite,
            verifyKeys: memory?.verifyKeys,
            readTokens: memory?.readTokens,
          };
          const read = (t: string) => ({ token: t, method: 'GET', target: '/contacts' });
          await expect(verifyRequestToken(read(token), options)).resolves.toMatchObject({ key, claims: { iss: 'AT' } });
          // Twice: the second time from memory when there is one.
          await expect(verifyRequestToken(read(token), options)).resolves.toMatchObject({ key });
          expect(await codeOf(verifyRequestToken(read(flipLastSignatureChar(token)), options))).toBe(
            'signature-invalid',
          );
          const later = { ...options, now: new Date(NOW.getTime() + 120_000) };
          expect(await codeOf(verifyRequestToken(read(token), later))).toBe('token-expired');
        }
      },
    );
  }
});
