/**
 * The deployed Worker itself (src/worker.ts through SELF): configuration from bindings,
 * bootstrapping the Secretariat from SECRETARIAT_PUBLIC_JWK on an empty D1, a signed
 * flow end to end, and the cron trigger's housekeeping.
 */
import { createExecutionContext, createScheduledController, env, SELF, waitOnExecutionContext } from 'cloudflare:test';
import type { JSONWebKeySet, JWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createRequestSigner,
  generateSigningKey,
  signedFetch,
  verifyAttestation,
} from '../../clients/typescript/src/index.ts';
import worker from '../../src/worker.ts';
import { contactBody } from '../support/harness.ts';
import { emptyD1 } from './support.ts';

const ORIGIN = 'http://portal.test';
const selfFetch = (request: Request) =>
  SELF.fetch(request as unknown as Parameters<typeof SELF.fetch>[0]) as unknown as Promise<Response>;

async function as(principal: string, privateJwk: JWK) {
  return signedFetch(await createRequestSigner({ principal, privateJwk, audience: ORIGIN }), selfFetch);
}

describe('the Worker entry', () => {
  beforeAll(async () => {
    await emptyD1();
  });

  it('serves the public documents', async () => {
    const health = await SELF.fetch(`${ORIGIN}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok' });
    const jwks = (await (await SELF.fetch(`${ORIGIN}/.well-known/jwks.json`)).json()) as JSONWebKeySet;
    const portalKey = JSON.parse(env.PORTAL_SIGNING_KEY) as JWK;
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: 'OKP', crv: 'Ed25519', x: portalKey.x });
    expect(jwks.keys[0]).not.toHaveProperty('d');
    const spec = (await (await SELF.fetch(`${ORIGIN}/openapi.json`)).json()) as { openapi: string };
    expect(spec.openapi).toBe('3.1.0');
  });

  it('bootstraps the Secretariat from its public key and runs a signed flow on D1', async () => {
    const secretariat = await as('secretariat', JSON.parse(env.TEST_SECRETARIAT_PRIVATE_JWK) as JWK);
    const registered = await secretariat(`${ORIGIN}/principals`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'AT', name: 'Austria' }),
    });
    expect(registered.status).toBe(201);

    const key = await generateSigningKey('ES256');
    const keyAdded = await secretariat(`${ORIGIN}/principals/AT/keys`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jwk: key.publicJwk, scopes: ['read', 'contacts:write'] }),
    });
    expect(keyAdded.status).toBe(201);

    const austria = await as('AT', key.privateJwk);
    const created = await austria(`${ORIGIN}/contacts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(contactBody()),
    });
    expect(created.status).toBe(201);
    const { attestation } = (await created.json()) as { attestation: { token: string } };
    const jwks = (await (await SELF.fetch(`${ORIGIN}/.well-known/jwks.json`)).json()) as JSONWebKeySet;
    expect((await verifyAttestation(attestation.token, jwks, { issuer: ORIGIN })).principal).toBe('AT');

    const stored = await env.DB.prepare("SELECT count(*) AS n FROM contact_versions WHERE state_id = 'AT'").first<{
      n: number;
    }>();
    expect(stored?.n).toBe(1);
  });

  it('purges expired replay entries and signs a log checkpoint from the cron trigger', async () => {
    const now = Math.floor(Date.now() / 1000);
    await env.DB.batch([
      env.DB.prepare('INSERT INTO request_jtis (issuer, jti, expires_at) VALUES (?, ?, ?)').bind(
        'AT',
        'expired-entry-000001',
        now - 10,
      ),
      env.DB.prepare('INSERT INTO request_jtis (issuer, jti, expires_at) VALUES (?, ?, ?)').bind(
        'AT',
        'current-entry-000001',
        now + 300,
      ),
    ]);
    const ctx = createExecutionContext();
    await worker.scheduled(
      createScheduledController({ cron: '*/5 * * * *', scheduledTime: Date.now() }) as never,
      env,
      ctx as never,
    );
    await waitOnExecutionContext(ctx);
    const left = await env.DB.prepare("SELECT jti FROM request_jtis WHERE jti LIKE '%-entry-000001'").all<{
      jti: string;
    }>();
    expect(left.results.map((row) => row.jti)).toEqual(['current-entry-000001']);
    const leaves = await env.DB.prepare('SELECT count(*) AS n FROM log_leaves').first<{ n: number }>();
    const checkpoint = await env.DB.prepare('SELECT max(size) AS size FROM log_checkpoints').first<{ size: number }>();
    expect(leaves?.n).toBeGreaterThan(0);
    expect(checkpoint?.size).toBe(leaves?.n);
  });
});
