/**
 * The portal's core behaviour, written once and run on every runtime: Node + SQLite
 * (test/core.test.ts) and workerd + D1 (test/workers/core.test.ts). Deeper per-feature
 * tests live beside the code and run on Node.
 */
import { base64url, type JSONWebKeySet } from 'jose';
import { describe, expect, it } from 'vitest';
import { sha256b64u, verifyAttestation, verifyEvidence, type Evidence } from '../../clients/typescript/src/index.ts';
import { contactBody, ORIGIN, type PortalHarness } from '../support/harness.ts';
import { problem } from '../support/problem.ts';

type MakePortal = (options?: { maxBodyBytes?: number }) => Promise<PortalHarness>;

export function coreSuite(runtime: string, makePortal: MakePortal) {
  describe(`core on ${runtime}`, () => {
    describe('signed requests', () => {
      const refusals: [string, number, string, (portal: PortalHarness) => Promise<Response>][] = [
        [
          'unsigned',
          401,
          'token-missing',
          async (p) => (await p.registerState('AT')).post('/contacts', contactBody(), { token: null }),
        ],
        [
          'expired',
          401,
          'token-expired',
          async (p) => {
            const at = await p.registerState('AT');
            const token = await at.sign('GET', '/contacts');
            p.clock.advance(400_000);
            return at.get('/contacts', { token });
          },
        ],
        [
          'issued in the future',
          401,
          'issued-in-future',
          async (p) => {
            const at = await p.registerState('AT');
            const iat = Math.floor(p.clock.now().getTime() / 1000) + 600;
            return at.get('/contacts', { claims: { iat, exp: iat + 60 } });
          },
        ],
        [
          'wrong audience',
          401,
          'audience-invalid',
          async (p) => (await p.registerState('AT')).get('/contacts', { claims: { aud: 'https://elsewhere.example' } }),
        ],
        [
          'wrong method',
          401,
          'method-mismatch',
          async (p) => (await p.registerState('AT')).get('/contacts', { claims: { htm: 'DELETE' } }),
        ],
        [
          'wrong path',
          401,
          'url-mismatch',
          async (p) => (await p.registerState('AT')).get('/contacts?state=AT', { claims: { htu: '/contacts' } }),
        ],
        [
          'body changed after signing',
          401,
          'body-digest-mismatch',
          async (p) => {
            const at = await p.registerState('AT');
            const token = await at.sign('POST', '/contacts', JSON.stringify(contactBody()));
            return at.post('/contacts', contactBody({ name: 'Mallory' }), { token });
          },
        ],
        [
          'alg none (with a signature segment)',
          401,
          'alg-not-allowed',
          async (p) => {
            const at = await p.registerState('AT');
            const encode = (value: unknown) => base64url.encode(JSON.stringify(value));
            const iat = Math.floor(p.clock.now().getTime() / 1000);
            const header = encode({ alg: 'none', typ: 'cbm-request+jwt', kid: at.kid });
            const claims = encode({
              iss: 'AT',
              aud: ORIGIN,
              iat,
              exp: iat + 60,
              jti: crypto.randomUUID(),
              htm: 'GET',
              htu: '/contacts',
            });
            const token = `${header}.${claims}.${base64url.encode('forged')}`;
            return at.get('/contacts', { headers: { authorization: `Bearer ${token}` }, token: null });
          },
        ],
        [
          "another state's key",
          401,
          'key-unknown',
          async (p) => {
            const at = await p.registerState('AT');
            await p.registerState('BE');
            return at.get('/contacts', { claims: { iss: 'BE' } });
          },
        ],
        [
          'revoked key',
          401,
          'key-revoked',
          async (p) => {
            const at = await p.registerState('AT');
            const revoked = await p.secretariat.post(`/principals/AT/keys/${at.kid}/revoke`, { reason: 'compromised' });
            expect(revoked.status).toBe(200);
            return at.get('/contacts');
          },
        ],
        [
          'missing scope',
          403,
          'insufficient-scope',
          async (p) => (await p.registerState('AT', { scopes: ['read'] })).post('/contacts', contactBody()),
        ],
      ];
      for (const [name, status, code, send] of refusals) {
        it(`refuses ${name} (${status} ${code}) and writes nothing`, async () => {
          const portal = await makePortal();
          const before = await portal.rows('contact_versions');
          const res = await send(portal);
          expect(res.status).toBe(status);
          const body = await problem(res);
          expect(body.code).toBe(code);
          expect(await portal.rows('contact_versions')).toBe(before);
        });
      }

      it('refuses a replayed write token and accepts a reused read token', async () => {
        const portal = await makePortal();
        const at = await portal.registerState('AT');
        const bytes = JSON.stringify(contactBody());
        const token = await at.sign('POST', '/contacts', bytes);
        expect((await at.call('POST', '/contacts', { rawBody: bytes, token })).status).toBe(201);
        const replay = await at.call('POST', '/contacts', { rawBody: bytes, token });
        expect(replay.status).toBe(401);
        expect((await problem(replay)).code).toBe('jti-replayed');
        expect(await portal.rows('contacts')).toBe(1);

        const read = await at.sign('GET', '/contacts');
        expect((await at.get('/contacts', { token: read })).status).toBe(200);
        expect((await at.get('/contacts', { token: read })).status).toBe(200);
      });
    });

    describe('points of contact', () => {
      it('publishes, versions with If-Match, lists history and withdraws', async () => {
        const portal = await makePortal();
        const at = await portal.registerState('AT');
        const created = await at.post('/contacts', contactBody());
        expect(created.status).toBe(201);
        expect(created.headers.get('etag')).toBe('"1"');
        const { data } = (await created.json()) as { data: { id: string; version: number; state: string } };
        expect(data).toMatchObject({ version: 1, state: 'AT' });

        const updated = await at.put(`/contacts/${data.id}`, contactBody({ name: 'Bernd Huber' }), {
          headers: { 'if-match': '"1"' },
        });
        expect(updated.status).toBe(200);
        expect(updated.headers.get('etag')).toBe('"2"');

        const stale = await at.put(`/contacts/${data.id}`, contactBody({ name: 'Too late' }), {
          headers: { 'if-match': '"1"' },
        });
        expect(stale.status).toBe(412);
        expect((await problem(stale)).code).toBe('precondition-failed');

        const history = (await (await at.get(`/contacts/${data.id}/history`)).json()) as {
          items: { version: number; name: string }[];
        };
        expect(history.items.map((item) => [item.version, item.name])).toEqual([
          [1, 'Anna Berger'],
          [2, 'Bernd Huber'],
        ]);

        const withdrawn = await at.post(
          `/contacts/${data.id}/withdraw`,
          { reason: 'left the post' },
          { headers: { 'if-match': '"2"' } },
        );
        expect(withdrawn.status).toBe(200);
        expect(((await withdrawn.json()) as { data: { status: string; version: number } }).data).toMatchObject({
          status: 'withdrawn',
          version: 3,
        });
        const directory = (await (await at.get('/contacts?state=AT')).json()) as { items: unknown[] };
        expect(directory.items).toHaveLength(0);
        expect(await portal.rows('contact_versions')).toBe(3);
      });

      it("refuses one state writing another state's contact", async () => {
        const portal = await makePortal();
        const at = await portal.registerState('AT');
        const be = await portal.registerState('BE');
        const { data } = (await (await be.post('/contacts', contactBody())).json()) as { data: { id: string } };
        const res = await at.put(`/contacts/${data.id}`, contactBody({ name: 'Hijacked' }), {
          headers: { 'if-match': '"1"' },
        });
        expect(res.status).toBe(403);
        expect((await problem(res)).code).toBe('not-owner');
        const current = (await (await be.get(`/contacts/${data.id}`)).json()) as { name: string; version: number };
        expect(current).toMatchObject({ name: 'Anna Berger', version: 1 });
      });

      it('pages through the directory with an opaque cursor', async () => {
        const portal = await makePortal();
        const at = await portal.registerState('AT');
        for (let index = 0; index < 5; index += 1) {
          expect((await at.post('/contacts', contactBody({ name: `Contact ${index}` }))).status).toBe(201);
        }
        const seen: string[] = [];
        let path = '/contacts?limit=2';
        for (;;) {
          const page = (await (await at.get(path)).json()) as { items: { name: string }[]; next_cursor: string | null };
          seen.push(...page.items.map((item) => item.name));
          if (!page.next_cursor) break;
          path = `/contacts?limit=2&cursor=${page.next_cursor}`;
        }
        expect(seen).toEqual(['Contact 0', 'Contact 1', 'Contact 2', 'Contact 3', 'Contact 4']);
      });

      it('computes compliance from the annual confirmation', async () => {
        const portal = await makePortal();
        const at = await portal.registerState('AT');
        const status = async () =>
          ((await (await at.get('/states/AT/compliance')).json()) as { status: string }).status;
        expect(await status()).toBe('confirmation-due');
        expect((await at.post('/states/AT/confirmations', {})).status).toBe(201);
        expect(await status()).toBe('current');
        portal.clock.advance(366 * 24 * 3600 * 1000);
        expect(await status()).toBe('confirmation-due');
      });
    });

    describe('bad input', () => {
      it('answers problem+json with pointers and writes nothing', async () => {
        const portal = await makePortal({ maxBodyBytes: 2048 });
        const at = await portal.registerState('AT');
        const unknown = await at.post('/contacts', { ...contactBody(), extra: true, email: 'not-an-email' });
        expect(unknown.status).toBe(422);
        const body = await problem(unknown);
        expect(body.errors?.map((error) => error.pointer).sort()).toEqual(['/email', '/extra']);

        const malformed = await at.call('POST', '/contacts', { rawBody: '{"role": "technical",' });
        expect(malformed.status).toBe(400);
        expect((await problem(malformed)).code).toBe('malformed-json');

        const oversize = await at.post('/contacts', contactBody({ notes: 'x'.repeat(3000) }));
        expect(oversize.status).toBe(413);

        const wrongType = await at.call('POST', '/contacts', {
          rawBody: JSON.stringify(contactBody()),
          headers: { 'content-type': 'text/plain' },
        });
        expect(wrongType.status).toBe(415);

        expect(await portal.rows('contacts')).toBe(0);
        expect(await portal.rows('attestations')).toBe(2); // the state and its key, registered above
        expect(portal.logged).toEqual([]);
      });
    });

    describe('blob store', () => {
      it('stores content-addressed bytes and returns them byte-identical', async () => {
        const portal = await makePortal();
        const bytes = new Uint8Array([0x25, 0x50, 0x44, 0x46, 0x2d, 0x00, 0xff, 0x0a]);
        const digest = await sha256b64u(bytes);
        expect(await portal.blobs.has(digest)).toBe(false);
        expect(await portal.blobs.get(digest)).toBeNull();
        await portal.blobs.put(digest, bytes, 'application/pdf');
        await portal.blobs.put(digest, bytes, 'application/pdf');
        expect(await portal.blobs.has(digest)).toBe(true);
        const stored = await portal.blobs.get(digest);
        expect(stored?.contentType).toBe('application/pdf');
        expect(Array.from(stored?.bytes ?? [])).toEqual(Array.from(bytes));
        await expect(portal.blobs.put('../../etc/passwd', bytes, 'text/plain')).rejects.toThrow(
          /not a base64url SHA-256/,
        );
      });
    });

    describe('attestations', () => {
      it('can be verified offline: the portal signature and the state signature over the exact bytes', async () => {
        const portal = await makePortal();
        const at = await portal.registerState('AT');
        const created = (await (await at.post('/contacts', contactBody())).json()) as {
          data: { id: string };
          attestation: { id: string; token: string };
        };
        const jwks = (await (
          await portal.fetch(new Request(`${ORIGIN}/.well-known/jwks.json`))
        ).json()) as JSONWebKeySet;
        const claims = await verifyAttestation(created.attestation.token, jwks, { issuer: ORIGIN });
        expect(claims).toMatchObject({
          sub: `urn:cbm:contact:${created.data.id}:v1`,
          principal: 'AT',
          operation: 'createContact',
          jti: created.attestation.id,
        });

        const evidence = (await (await at.get(`/attestations/${created.attestation.id}/evidence`)).json()) as Evidence;
        const { body } = await verifyEvidence(evidence, claims, at.publicJwk);
        expect(JSON.parse(new TextDecoder().decode(body))).toEqual(contactBody());

        const tampered = { ...evidence, body: base64url.encode(JSON.stringify(contactBody({ name: 'Mallory' }))) };
        await expect(verifyEvidence(tampered, claims, at.publicJwk)).rejects.toThrow(/does not bind these body bytes/);
      });
    });
  });
}
