/**
 * HTTP as RFC 9110 says (issue 12 item 3), on every runtime: conditional GET on every
 * resource that sends an ETag, 405 with Allow for a method a path lacks, the bare Bearer
 * challenge without credentials (RFC 6750 section 3.1), and the evidence body served in
 * the media types the contract declares.
 */
import { describe, expect, it } from 'vitest';
import { documentBody, fileContent, pdfBytes, publish, registerPublisher, upload } from '../support/documents.ts';
import { contactBody, ORIGIN, type PortalHarness, type HarnessOptions, type TestClient } from '../support/harness.ts';
import { INCIDENT_SCOPES, incidentBody } from '../support/incidents.ts';
import { problem } from '../support/problem.ts';

type MakePortal = (options?: HarnessOptions) => Promise<PortalHarness>;

/** GET as `who` (a signing client) or unsigned, with extra headers. */
function getter(portal: PortalHarness, who?: TestClient) {
  return (path: string, headers: Record<string, string> = {}) =>
    who ? who.get(path, { headers }) : portal.fetch(new Request(`${ORIGIN}${path}`, { headers }));
}

/** The resource answers its ETag, and If-None-Match naming it (strong, weak, in a list, `*`) with 304. */
async function expectConditional(get: ReturnType<typeof getter>, path: string, headers: Record<string, string> = {}) {
  const first = await get(path, headers);
  expect({ path, status: first.status }).toEqual({ path, status: 200 });
  const etag = first.headers.get('etag');
  expect(etag, `${path} sends an ETag`).toMatch(/^"[^"]+"$/);
  const body = await first.arrayBuffer();
  expect(body.byteLength).toBeGreaterThan(0);
  for (const named of [etag!, `W/${etag}`, `"other", ${etag}`, '*']) {
    const again = await get(path, { ...headers, 'if-none-match': named });
    expect({ path, named, status: again.status }).toEqual({ path, named, status: 304 });
    expect(again.headers.get('etag')).toBe(etag);
    expect(again.headers.get('content-type')).toBeNull();
    expect((await again.arrayBuffer()).byteLength).toBe(0);
  }
  const stale = await get(path, { ...headers, 'if-none-match': '"not-this-one"' });
  expect(stale.status).toBe(200);
  expect(new Uint8Array(await stale.arrayBuffer())).toEqual(new Uint8Array(body));
  return etag!;
}

export function httpSuite(runtime: string, makePortal: MakePortal) {
  describe(`HTTP semantics on ${runtime}`, () => {
    it('answers If-None-Match with 304 on every resource that sends an ETag, and 200 once it changed', async () => {
      const portal = await makePortal();
      const at = await portal.registerState('AT', {
        scopes: ['read', 'contacts:write', 'documents:write', 'incidents:write'],
      });
      await portal.registerState('BE', { scopes: INCIDENT_SCOPES });
      const get = getter(portal, at);

      const contact = (await (await at.post('/contacts', contactBody())).json()) as {
        data: { id: string };
        attestation: { id: string };
      };
      const contactEtag = await expectConditional(get, `/contacts/${contact.data.id}`);
      expect(
        (
          await at.put(`/contacts/${contact.data.id}`, contactBody({ name: 'Bernd Huber' }), {
            headers: { 'if-match': contactEtag },
          })
        ).status,
      ).toBe(200);
      const changed = await get(`/contacts/${contact.data.id}`, { 'if-none-match': contactEtag });
      expect(changed.status).toBe(200);
      expect(changed.headers.get('etag')).not.toBe(contactEtag);

      const bytes = pdfBytes('conditional');
      const document = await publish(at, documentBody({ content: await fileContent(bytes) }));
      const uploaded = await upload(at, document.data.id, bytes);
      expect(uploaded.status).toBe(201);
      const uploadAttestation = ((await uploaded.json()) as { attestation: { id: string } }).attestation.id;
      await expectConditional(get, `/documents/${document.data.id}`);
      await expectConditional(get, `/documents/${document.data.id}/content`);
      await expectConditional(get, `/attestations/${uploadAttestation}/evidence/body`);
      await expectConditional(get, `/attestations/${contact.attestation.id}/evidence/body`);

      const incident = (await (await at.post('/incidents', incidentBody())).json()) as { data: { id: string } };
      await expectConditional(get, `/incidents/${incident.data.id}`);

      // The public documents, unsigned.
      const anyone = getter(portal);
      await expectConditional(anyone, '/.well-known/jwks.json');
      await expectConditional(anyone, '/openapi.json');
      const yaml = await expectConditional(anyone, '/openapi.yaml');
      const asText = await expectConditional(anyone, '/openapi.yaml', { accept: 'text/plain' });
      expect(asText, 'another representation, another ETag').not.toBe(yaml);
      const checkpoint = await expectConditional(anyone, '/log/checkpoint');
      await at.post('/contacts', contactBody({ role: 'policy' }));
      await portal.logClock.tick();
      expect(
        (await anyone('/log/checkpoint', { 'if-none-match': checkpoint })).status,
        'a new checkpoint is another representation',
      ).toBe(200);
    });

    it('answers a method a path of the contract lacks with 405 and Allow, signed or not; an unknown path stays 404', async () => {
      const portal = await makePortal();
      const at = await portal.registerState('AT');
      const send = (method: string, path: string, signed: boolean) =>
        signed
          ? at.call(method, path, method === 'GET' ? {} : { rawBody: '{}' })
          : portal.fetch(new Request(`${ORIGIN}${path}`, { method }));
      const cases: [method: string, path: string, allow: string][] = [
        ['DELETE', '/contacts', 'GET, HEAD, POST'],
        ['PATCH', '/contacts/019ac1e2-0000-7000-8000-000000000000', 'GET, HEAD, PUT'],
        ['PUT', '/healthz', 'GET, HEAD'],
        ['POST', '/log/checkpoint', 'GET, HEAD'],
        ['GET', '/contacts/019ac1e2-0000-7000-8000-000000000000/withdraw', 'POST'],
        ['OPTIONS', '/documents/019ac1e2-0000-7000-8000-000000000000/content', 'GET, HEAD, PUT'],
      ];
      for (const [method, path, allow] of cases) {
        for (const signed of [false, true]) {
          const res = await send(method, path, signed);
          expect({ method, path, signed, status: res.status, allow: res.headers.get('allow') }).toEqual({
            method,
            path,
            signed,
            status: 405,
            allow,
          });
          if (method !== 'OPTIONS') expect((await problem(res)).code).toBe('method-not-allowed');
        }
      }
      expect(await portal.rows('contacts')).toBe(0);
      expect((await at.get('/nowhere')).status).toBe(404);
    });

    it('challenges a request without credentials with a bare Bearer, and names the failed check otherwise', async () => {
      const portal = await makePortal();
      const at = await portal.registerState('AT');
      const unsigned = await at.get('/contacts', { token: null });
      expect((await problem(unsigned, 401)).code).toBe('token-missing');
      expect(unsigned.headers.get('www-authenticate')).toBe('Bearer');
      const expired = await at.get('/contacts', {
        claims: {
          exp: Math.floor(portal.clock.now().getTime() / 1000) - 3600,
          iat: Math.floor(portal.clock.now().getTime() / 1000) - 3700,
        },
      });
      expect((await problem(expired, 401)).code).toBe('token-expired');
      expect(expired.headers.get('www-authenticate')).toBe(
        'Bearer error="invalid_token", error_description="token-expired"',
      );
    });

    it('serves an evidence body as it was sent or as application/octet-stream, and 406 for anything else', async () => {
      const portal = await makePortal();
      const at = await registerPublisher(portal, 'AT');
      const bytes = pdfBytes('evidence');
      const document = await publish(at, documentBody({ content: await fileContent(bytes) }));
      const uploaded = (await (await upload(at, document.data.id, bytes)).json()) as { attestation: { id: string } };
      const path = `/attestations/${uploaded.attestation.id}/evidence/body`;
      for (const [accept, served] of [
        [undefined, 'application/pdf'],
        ['application/pdf', 'application/pdf'],
        ['application/octet-stream', 'application/octet-stream'],
        ['application/json, application/octet-stream;q=0.5', 'application/octet-stream'],
      ] as const) {
        const res = await at.get(path, { headers: accept ? { accept } : {} });
        expect({
          accept,
          status: res.status,
          type: res.headers.get('content-type'),
          vary: res.headers.get('vary'),
        }).toEqual({ accept, status: 200, type: served, vary: 'Accept' });
        expect(new Uint8Array(await res.arrayBuffer())).toEqual(bytes);
      }
      const json = await at.get(`/attestations/${document.attestation.id}/evidence/body`, {
        headers: { accept: 'application/json' },
      });
      expect(json.headers.get('content-type')).toBe('application/json');
      expect(JSON.parse(await json.text())).toMatchObject({ type: 'strategy' });
      expect((await problem(await at.get(path, { headers: { accept: 'text/html' } }), 406)).code).toBe(
        'not-acceptable',
      );
    });
  });
}
