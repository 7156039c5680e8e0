/**
 * The portal says what it does (issue 15 item 7): one line per request on stdout (method,
 * path, status, time, principal, request id; JSON lines with CBM_LOG_FORMAT=json), nothing
 * of the token or the body, and a line on shutdown. A real `npm start`-like process.
 */
import { readFileSync } from 'node:fs';
import type { JWK } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { createPortalClient } from '../clients/typescript/src/client.ts';
import { removeDataDir, startRealPortal, type RealPortal } from './support/real-portal.ts';

let portal: RealPortal | undefined;
afterEach(async () => {
  await portal?.stop();
  if (portal) removeDataDir(portal.dataDir);
  portal = undefined;
});

async function signedAndAnonymous(started: RealPortal) {
  const privateJwk = JSON.parse(readFileSync(started.secretariatKeyFile, 'utf8')) as JWK;
  const secretariat = await createPortalClient({ baseUrl: started.origin, principal: 'secretariat', privateJwk });
  expect((await secretariat.GET('/principals', { params: { query: {} } })).response.status).toBe(200);
  expect((await fetch(`${started.origin}/healthz`)).status).toBe(200);
  const refused = await fetch(`${started.origin}/contacts`, { headers: { Authorization: 'Bearer not.a.token' } });
  expect(refused.status).toBe(401);
  return refused.headers.get('x-request-id');
}

describe('request log', () => {
  it('writes one JSON line per request with the authenticated principal, never the token, and a line on shutdown', async () => {
    portal = await startRealPortal({ env: { CBM_LOG_FORMAT: 'json' } });
    const refusedId = await signedAndAnonymous(portal);
    await portal.stop();
    const lines = portal
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'));
    const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(entries.find((entry) => entry.path === '/principals')).toMatchObject({
      method: 'GET',
      status: 200,
      principal: 'secretariat',
      ms: expect.any(Number),
      request_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    expect(entries.find((entry) => entry.path === '/healthz')).toMatchObject({
      method: 'GET',
      status: 200,
      principal: null,
    });
    // A refused token names no principal: it was never authenticated.
    expect(entries.find((entry) => entry.path === '/contacts')).toMatchObject({
      status: 401,
      principal: null,
      request_id: refusedId,
    });
    expect(portal.output()).not.toContain('Bearer');
    expect(portal.output()).not.toContain('not.a.token');
    expect(portal.output()).toContain('cbm-portal: SIGTERM: stopping');
    expect(portal.output()).toMatch(/cbm-portal: stopped/);
  }, 60_000);

  it('writes text lines by default', async () => {
    portal = await startRealPortal();
    await signedAndAnonymous(portal);
    await portal.stop();
    expect(portal.output()).toMatch(/\n\S+Z GET \/principals 200 \d+\.\d ms secretariat [0-9a-f-]{36}\n/);
    expect(portal.output()).toMatch(/\n\S+Z GET \/contacts 401 \d+\.\d ms - [0-9a-f-]{36}\n/);
  }, 60_000);
});
