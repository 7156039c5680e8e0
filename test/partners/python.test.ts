/**
 * A partner in another language (issue 12 item 7): the Python signer of the README
 * (clients/python/cbm_sign.py, standard library and `cryptography`) reproduces the
 * request-signing test vectors byte for byte, and the portal takes its signed reads and
 * writes, with Ed25519 and P-256 keys. Skipped, saying so, where python3 or its
 * `cryptography` package is not installed.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JWK } from 'jose';
import { describe, expect, test } from 'vitest';
import { generateSigningKey } from '../../clients/typescript/src/index.ts';
import { contactBody, createTestPortal, ORIGIN, START } from '../support/portal.ts';
import { ROOT } from '../support/real-portal.ts';

interface Vectors {
  key: { private_jwk: JWK; public_jwk: JWK; principal: string };
  portal: { aud: string };
  vectors: {
    name: string;
    request: { method: string; target: string; body_utf8: string | null };
    claims: { iat: number; exp: number; jti: string };
    expected: { token: string };
  }[];
}
const vectors = JSON.parse(readFileSync(join(ROOT, 'test/vectors/request-signing.json'), 'utf8')) as Vectors;

interface ToSign {
  jwk: JWK;
  principal: string;
  audience: string;
  method: string;
  target: string;
  body: string | null;
  now: number;
  lifetime?: number;
  jti?: string;
}

const python = spawnSync('python3', ['-c', 'import cryptography'], { encoding: 'utf8' });
const missing = python.error
  ? 'python3 is not installed'
  : python.status !== 0
    ? "python3 has no 'cryptography' package"
    : null;
if (missing) console.warn(`skipping the Python signer: ${missing}`);

/** Tokens from clients/python/cbm_sign.py, one per request. */
function signInPython(requests: ToSign[]): string[] {
  const script = [
    'import json, sys',
    'from cbm_sign import sign_request',
    'for r in json.load(sys.stdin):',
    "    print(sign_request(r['jwk'], r['principal'], r['audience'], r['method'], r['target'], r['body'], " +
      "now=r['now'], lifetime=r.get('lifetime') or 120, jti=r.get('jti')))",
  ].join('\n');
  const run = spawnSync('python3', ['-c', script], {
    cwd: join(ROOT, 'clients/python'),
    input: JSON.stringify(requests),
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`python3 failed: ${run.stderr}`);
  return run.stdout.trim().split('\n');
}

describe.skipIf(missing)('the Python signer of the README', () => {
  test('reproduces every request-signing test vector byte for byte', () => {
    const tokens = signInPython(
      vectors.vectors.map(({ request, claims }) => ({
        jwk: vectors.key.private_jwk,
        principal: vectors.key.principal,
        audience: vectors.portal.aud,
        method: request.method,
        target: request.target,
        body: request.body_utf8,
        now: claims.iat,
        lifetime: claims.exp - claims.iat,
        jti: claims.jti,
      })),
    );
    expect(tokens).toEqual(vectors.vectors.map((vector) => vector.expected.token));
  });

  test('signs reads and writes the portal takes, with an Ed25519 and a P-256 key', async () => {
    const portal = await createTestPortal();
    const now = Date.parse(START) / 1000;
    const es256 = await generateSigningKey('ES256');
    expect((await portal.secretariat.post('/principals', { id: 'AT', name: 'Austria' })).status).toBe(201);
    expect((await portal.secretariat.post('/principals', { id: 'BE', name: 'Belgium' })).status).toBe(201);
    expect(
      (
        await portal.secretariat.post('/principals/AT/keys', {
          jwk: vectors.key.public_jwk,
          scopes: ['read', 'contacts:write'],
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await portal.secretariat.post('/principals/BE/keys', {
          jwk: es256.publicJwk,
          scopes: ['read', 'contacts:write'],
        })
      ).status,
    ).toBe(201);

    const body = JSON.stringify(contactBody());
    const requests: ToSign[] = [
      {
        jwk: vectors.key.private_jwk,
        principal: 'AT',
        audience: ORIGIN,
        method: 'POST',
        target: '/contacts',
        body,
        now,
      },
      {
        jwk: vectors.key.private_jwk,
        principal: 'AT',
        audience: ORIGIN,
        method: 'GET',
        target: '/contacts?state=AT',
        body: null,
        now,
      },
      { jwk: es256.privateJwk, principal: 'BE', audience: ORIGIN, method: 'POST', target: '/contacts', body, now },
      {
        jwk: es256.privateJwk,
        principal: 'BE',
        audience: ORIGIN,
        method: 'GET',
        target: '/principals/BE/keys?status=all',
        body: null,
        now,
      },
    ];
    const tokens = signInPython(requests);
    const answers: Response[] = [];
    for (const [index, request] of requests.entries()) {
      const headers = {
        authorization: `Bearer ${tokens[index]}`,
        ...(request.body ? { 'content-type': 'application/json' } : {}),
      };
      answers.push(
        await portal.fetch(
          new Request(`${ORIGIN}${request.target}`, {
            method: request.method,
            headers,
            body: request.body ?? undefined,
          }),
        ),
      );
    }
    expect(answers.map((res) => res.status)).toEqual([201, 200, 201, 200]);
    const written = (await answers[0]!.json()) as { data: { state: string } };
    expect(written.data.state).toBe('AT');
    expect(((await answers[1]!.json()) as { items: unknown[] }).items).toHaveLength(1);
    // A token is bound to its request: the same token for another body is refused.
    const replayed = await portal.fetch(
      new Request(`${ORIGIN}/contacts`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${signInPython([{ ...requests[0]!, jti: '7d1f3c2a-5b4e-4f6a-9c8d-0e1f2a3b4c5d' }])[0]}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify(contactBody({ name: 'Someone else' })),
      }),
    );
    expect(replayed.status).toBe(401);
  });
});
