/**
 * The portal driven through the typed client partners use (clients/typescript:
 * openapi-fetch over the types generated from the contract, with the signing middleware
 * and the verifier), on every runtime. Paths, parameters, bodies and answers are checked
 * against openapi/openapi.yaml at compile time, so a change of the contract that the
 * server does not follow, or the other way round, fails here.
 */
import { base64url } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  generateSigningKey,
  ok,
  pages,
  PortalError,
  sha256b64u,
  verifyBundle,
  type PinnedJwks,
  type PortalClient,
  type Schemas,
} from '../../clients/typescript/src/index.ts';
import { contactBody, ORIGIN, START, type PortalHarness } from '../support/harness.ts';
import { typedClient, typedVerifier } from '../support/typed.ts';

type MakePortal = () => Promise<PortalHarness>;

const HOUR_MS = 3600 * 1000;
const contact = (overrides: Partial<Schemas['ContactInput']> = {}): Schemas['ContactInput'] =>
  contactBody(overrides) as Schemas['ContactInput'];

async function refusal(call: Promise<unknown>): Promise<PortalError> {
  const error = await call.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(PortalError);
  return error as PortalError;
}

/** A state with a key of the given scopes, as a typed client. */
async function state(portal: PortalHarness, id: string, scopes = ['read', 'contacts:write']): Promise<PortalClient> {
  return typedClient(portal, await portal.registerState(id, { scopes }));
}

export function clientSuite(runtime: string, makePortal: MakePortal) {
  describe(`typed client on ${runtime}`, () => {
    it('manages principals and keys as the Secretariat, every write attested', async () => {
      const portal = await makePortal();
      const secretariat = await typedClient(portal, portal.secretariat);
      const verifier = await typedVerifier(secretariat);

      const created = await secretariat.POST('/principals', { body: { id: 'AT', name: 'Austria' } });
      expect(created.response.status).toBe(201);
      expect(created.response.headers.get('location')).toBe('/principals/AT');
      expect(created.data?.data).toMatchObject({ id: 'AT', kind: 'state', name: 'Austria' });
      const claims = await verifier.attestation(created.data!.attestation.token);
      expect(claims).toMatchObject({
        sub: 'urn:cbm:principal:AT',
        principal: 'secretariat',
        operation: 'createPrincipal',
        body_sha256: await sha256b64u(JSON.stringify({ id: 'AT', name: 'Austria' })),
      });

      const twice = await secretariat.POST('/principals', { body: { id: 'AT', name: 'Austria' } });
      expect(twice.response.status).toBe(409);
      expect(twice.error).toMatchObject({ status: 409, code: 'principal-exists' });

      const first = await generateSigningKey();
      const registered = await ok(
        secretariat.POST('/principals/{principalId}/keys', {
          params: { path: { principalId: 'AT' } },
          body: {
            jwk: first.publicJwk as Schemas['PublicJwk'],
            scopes: ['read', 'contacts:write'],
            label: 'duty desk',
          },
        }),
      );
      expect(registered.data).toMatchObject({
        kid: first.kid,
        principal: 'AT',
        status: 'active',
        scopes: ['read', 'contacts:write'],
        label: 'duty desk',
      });

      const second = await generateSigningKey('ES256');
      const rotated = await ok(
        secretariat.POST('/principals/{principalId}/keys/{kid}/rotate', {
          params: { path: { principalId: 'AT', kid: first.kid } },
          body: { jwk: second.publicJwk as Schemas['PublicJwk'], overlap_seconds: 3600 },
        }),
      );
      expect(rotated.data).toMatchObject({
        kid: second.kid,
        alg: 'ES256',
        replaces: first.kid,
        scopes: ['read', 'contacts:write'],
      });
      const old = await ok(
        secretariat.GET('/principals/{principalId}/keys/{kid}', {
          params: { path: { principalId: 'AT', kid: first.kid } },
        }),
      );
      expect(old.expires_at).toBe(new Date(Date.parse(START) + HOUR_MS).toISOString());

      const revoked = await ok(
        secretariat.POST('/principals/{principalId}/keys/{kid}/revoke', {
          params: { path: { principalId: 'AT', kid: first.kid } },
          body: { reason: 'superseded' },
        }),
      );
      expect(revoked.data).toMatchObject({ kid: first.kid, status: 'revoked', revocation_reason: 'superseded' });
      const active = await ok(
        secretariat.GET('/principals/{principalId}/keys', { params: { path: { principalId: 'AT' } } }),
      );
      expect(active.items.map((key) => key.kid)).toEqual([second.kid]);
      const all = await ok(
        secretariat.GET('/principals/{principalId}/keys', {
          params: { path: { principalId: 'AT' }, query: { status: 'all' } },
        }),
      );
      expect(all.items.map((key) => key.kid).sort()).toEqual([first.kid, second.kid].sort());

      const states = await ok(secretariat.GET('/principals', { params: { query: { kind: 'state' } } }));
      expect(states.items.map((item) => item.id)).toEqual(['AT']);

      // A state may not register principals: the refusal is a typed problem document.
      const austria = await typedClient(portal, await portal.client('AT', second.privateJwk));
      const refused = await refusal(ok(austria.POST('/principals', { body: { id: 'BE', name: 'Belgium' } })));
      expect(refused.status).toBe(403);
      expect(refused.code).toBe('insufficient-scope');
    });

    it('publishes, versions, confirms and withdraws contacts, with ETags and Idempotency-Key', async () => {
      const portal = await makePortal();
      const austria = await state(portal, 'AT');
      const verifier = await typedVerifier(austria);

      const idempotency = { 'Idempotency-Key': '"contact-001"' };
      const created = await austria.POST('/contacts', { body: contact(), params: { header: idempotency } });
      expect(created.response.status).toBe(201);
      expect(created.response.headers.get('etag')).toBe('"1"');
      const { data: published, attestation } = created.data!;
      expect(published).toMatchObject({ state: 'AT', version: 1, status: 'active', name: 'Anna Berger' });
      const replay = await austria.POST('/contacts', { body: contact(), params: { header: idempotency } });
      expect(replay.response.headers.get('idempotent-replayed')).toBe('true');
      expect(replay.data).toEqual(created.data);

      const claims = await verifier.attestation(attestation.token);
      expect(claims).toMatchObject({
        sub: `urn:cbm:contact:${published.id}:v1`,
        principal: 'AT',
        operation: 'createContact',
      });
      // The middleware signed exactly the bytes openapi-fetch sent.
      expect(claims.body_sha256).toBe(await sha256b64u(JSON.stringify(contact())));

      const path = { contactId: published.id };
      const updated = await ok(
        austria.PUT('/contacts/{contactId}', {
          params: { path, header: { 'If-Match': '"1"' } },
          body: contact({ name: 'Bernd Huber' }),
        }),
      );
      expect(updated.data).toMatchObject({ version: 2, name: 'Bernd Huber' });
      const stale = await austria.PUT('/contacts/{contactId}', {
        params: { path, header: { 'If-Match': '"1"' } },
        body: contact({ name: 'Too late' }),
      });
      expect(stale.response.status).toBe(412);
      expect(stale.error?.code).toBe('precondition-failed');

      const current = await austria.GET('/contacts/{contactId}', { params: { path } });
      expect(current.response.headers.get('etag')).toBe('"2"');
      expect(current.data).toMatchObject({ version: 2, name: 'Bernd Huber' });
      const history = await ok(austria.GET('/contacts/{contactId}/history', { params: { path } }));
      expect(history.items.map((item) => [item.version, item.name])).toEqual([
        [1, 'Anna Berger'],
        [2, 'Bernd Huber'],
      ]);

      const compliance = async () =>
        (await ok(austria.GET('/states/{stateId}/compliance', { params: { path: { stateId: 'AT' } } }))).status;
      expect(await compliance()).toBe('confirmation-due');
      const confirmation = await austria.POST('/states/{stateId}/confirmations', {
        params: { path: { stateId: 'AT' } },
        body: {},
      });
      expect(confirmation.response.status).toBe(201);
      expect(await compliance()).toBe('current');
      const confirmations = await ok(
        austria.GET('/states/{stateId}/confirmations', { params: { path: { stateId: 'AT' } } }),
      );
      expect(confirmations.items).toHaveLength(1);

      const withdrawn = await ok(
        austria.POST('/contacts/{contactId}/withdraw', {
          params: { path, header: { 'If-Match': '"2"' } },
          body: { reason: 'left the post' },
        }),
      );
      expect(withdrawn.data).toMatchObject({ status: 'withdrawn', version: 3 });
      expect((await ok(austria.GET('/contacts', { params: { query: { state: 'AT' } } }))).items).toEqual([]);
      expect(
        (await ok(austria.GET('/contacts', { params: { query: { state: 'AT', status: 'all' } } }))).items,
      ).toHaveLength(1);

      // Validation refusals carry the pointer of each bad field.
      const bad = await refusal(ok(austria.POST('/contacts', { body: contact({ email: 'not-an-email' }) })));
      expect(bad.status).toBe(422);
      expect(bad.problem.errors?.map((error) => error.pointer)).toEqual(['/email']);
    });

    it('runs a communication check: start, acknowledge, report', async () => {
      const portal = await makePortal();
      const secretariat = await typedClient(portal, portal.secretariat);
      const austria = await state(portal, 'AT');
      const belgium = await state(portal, 'BE');
      const { data: atContact } = await ok(austria.POST('/contacts', { body: contact() }));
      await ok(belgium.POST('/contacts', { body: contact({ name: 'Bart Peeters' }) }));

      const deadline = new Date(Date.parse(START) + HOUR_MS).toISOString();
      const { data: check } = await ok(
        secretariat.POST('/checks', { body: { deadline, roles: ['technical'], message: 'Please acknowledge.' } }),
      );
      expect(check).toMatchObject({
        states: ['AT', 'BE'],
        roles: ['technical'],
        status: 'open',
        message: 'Please acknowledge.',
      });

      portal.clock.advance(10 * 60 * 1000);
      const answer = await ok(
        austria.POST('/checks/{checkId}/acknowledgements', {
          params: { path: { checkId: check.id } },
          body: { contact_id: atContact.id, note: 'on shift' },
        }),
      );
      expect(answer.data).toMatchObject({ state: 'AT', late: false, response_seconds: 600 });
      const again = await refusal(
        ok(
          austria.POST('/checks/{checkId}/acknowledgements', {
            params: { path: { checkId: check.id } },
            body: { contact_id: atContact.id },
          }),
        ),
      );
      expect(again.code).toBe('already-acknowledged');

      const report = await ok(belgium.GET('/checks/{checkId}/report', { params: { path: { checkId: check.id } } }));
      expect(report).toMatchObject({
        addressed: 2,
        answered_on_time: 1,
        not_answered: 1,
        median_response_seconds: 600,
      });
      expect(report.rows.map((row) => [row.state, row.outcome])).toEqual([
        ['AT', 'on-time'],
        ['BE', 'no-answer'],
      ]);
      const listed = await ok(belgium.GET('/checks'));
      expect(listed.items.map((item) => item.id)).toEqual([check.id]);
      expect((await ok(belgium.GET('/checks/{checkId}', { params: { path: { checkId: check.id } } }))).id).toBe(
        check.id,
      );
    });

    it('verifies attestations, evidence, inclusion and consistency, and detects tampering', async () => {
      const portal = await makePortal();
      const austria = await state(portal, 'AT');
      const verifier = await typedVerifier(austria);
      const written = await ok(austria.POST('/contacts', { body: contact() }));

      const first = await verifier.checkpoint();
      const { report, bundle, body } = await verifier.record(written.attestation.id);
      expect(report).toMatchObject({
        verified: true,
        subject: `urn:cbm:contact:${written.data.id}:v1`,
        principal: 'AT',
        operation: 'createContact',
        log_index: written.attestation.log_index,
        tree_size: first.size,
      });
      expect(new TextDecoder().decode(body)).toBe(JSON.stringify(contact()));

      // Offline, against a pinned JWKS.
      const pinned = (await ok((await typedClient(portal)).GET('/.well-known/jwks.json'))) as PinnedJwks;
      await expect(verifyBundle(structuredClone(bundle), { jwks: pinned })).resolves.toMatchObject({
        report: { verified: true },
      });

      // Any change is caught: the body bytes, the proof, the checkpoint, another portal key.
      const tamperedBody = structuredClone(bundle);
      tamperedBody.evidence.body = base64url.encode(JSON.stringify(contact({ name: 'Mallory' })));
      await expect(verifyBundle(tamperedBody, { jwks: pinned })).rejects.toThrow(/body bytes/);
      const tamperedProof = structuredClone(bundle);
      tamperedProof.inclusion.proof = tamperedProof.inclusion.proof.length
        ? [
            tamperedProof.inclusion.proof[0]!.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')),
            ...tamperedProof.inclusion.proof.slice(1),
          ]
        : [`${'A'.repeat(43)}=`];
      await expect(verifyBundle(tamperedProof, { jwks: pinned })).rejects.toThrow(/inclusion proof/);
      const tamperedCheckpoint = structuredClone(bundle);
      tamperedCheckpoint.checkpoint = tamperedCheckpoint.checkpoint.replace(
        `\n${first.size}\n`,
        `\n${first.size + 1}\n`,
      );
      await expect(verifyBundle(tamperedCheckpoint, { jwks: pinned })).rejects.toThrow(/checkpoint/);
      const stranger = await generateSigningKey();
      await expect(
        verifyBundle(bundle, { jwks: { keys: [stranger.publicJwk], secretariat_keys: pinned.secretariat_keys } }),
      ).rejects.toThrow(/signature/);
      // The state's key is proven by its attested registration, down to the pinned Secretariat key.
      expect(report.keys.map((key) => [key.principal, key.proven_by.split(' ')[0]])).toEqual([
        ['secretariat', 'pinned'],
        ['AT', 'registration'],
      ]);
      await expect(verifyBundle(bundle, { jwks: { keys: pinned.keys } })).rejects.toThrow(
        'is not the Secretariat key you pinned',
      );

      // The log grows; the saved checkpoint is consistent with the new one ...
      await ok(austria.POST('/states/{stateId}/confirmations', { params: { path: { stateId: 'AT' } }, body: {} }));
      await ok(austria.POST('/contacts', { body: contact({ name: 'Second' }) }));
      const second = await verifier.checkpoint();
      expect(second.size).toBe(first.size + 2);
      await verifier.consistency(first, second);
      const later = await verifier.record(written.attestation.id, { trusted: first });
      expect(later.report.tree_size).toBe(second.size);
      // ... and a remembered checkpoint the portal's log does not extend is a rewritten log.
      const forged = { size: first.size, root: new Uint8Array(32).fill(7) };
      await expect(verifier.consistency(forged, second)).rejects.toThrow(/rewritten/);
      await expect(verifier.consistency(second, first)).rejects.toThrow(/shrank/);
      await expect(verifier.consistency({ size: second.size, root: first.root }, second)).rejects.toThrow(/rewritten/);

      const entries = await ok(austria.GET('/log/entries', { params: { query: { start: 0, end: second.size } } }));
      expect(entries.entries.map((entry) => entry.index)).toEqual(
        Array.from({ length: second.size }, (_, index) => index),
      );
      expect(entries.entries[written.attestation.log_index]?.token).toBe(written.attestation.token);
    });

    it('follows the feed page by page through the cursor', async () => {
      const portal = await makePortal();
      const austria = await state(portal, 'AT');
      const belgium = await state(portal, 'BE');
      for (let index = 0; index < 3; index += 1)
        await ok(austria.POST('/contacts', { body: contact({ name: `Contact ${index}` }) }));

      const seen: Schemas['FeedEntry'][] = [];
      let cursor: string | undefined;
      for (;;) {
        const page = await ok(belgium.GET('/feed', { params: { query: { limit: 2, ...(cursor ? { cursor } : {}) } } }));
        seen.push(...page.items);
        cursor = page.next_cursor ?? undefined;
        if (!page.has_more) break;
      }
      expect(seen.map((entry) => entry.log_index)).toEqual([0, 1, 2, 3, 4, 5, 6]);
      expect(seen.slice(-3).map((entry) => entry.operation)).toEqual([
        'createContact',
        'createContact',
        'createContact',
      ]);

      await ok(belgium.POST('/states/{stateId}/confirmations', { params: { path: { stateId: 'BE' } }, body: {} }));
      const fresh = await ok(belgium.GET('/feed', { params: { query: { cursor } } }));
      expect(fresh.items.map((entry) => entry.operation)).toEqual(['confirmContacts']);

      // Every feed entry's attestation verifies, and the directory reads through pages().
      const verifier = await typedVerifier(belgium);
      for (const entry of [...seen, ...fresh.items]) {
        const attestation = await ok(
          belgium.GET('/attestations/{attestationId}', { params: { path: { attestationId: entry.attestation_id } } }),
        );
        expect((await verifier.attestation(attestation.token)).sub).toBe(entry.subject);
      }
      const names: string[] = [];
      for await (const item of pages((next) =>
        belgium.GET('/contacts', { params: { query: { limit: 2, cursor: next } } }),
      ))
        names.push(item.name);
      expect(names).toEqual(['Contact 0', 'Contact 1', 'Contact 2']);
    });

    it('signs with the portal clock and refuses a client whose key is unknown', async () => {
      const portal = await makePortal();
      const unknown = await typedClient(portal, await portal.client('AT', (await generateSigningKey()).privateJwk));
      const refused = await unknown.GET('/contacts');
      expect(refused.response.status).toBe(401);
      expect(refused.error?.code).toBe('key-unknown');
      // Public documents need no signature.
      const anonymous = await typedClient(portal);
      const health = await ok(anonymous.GET('/healthz'));
      expect(health.status).toBe('ok');
      expect((await anonymous.GET('/contacts')).error?.code).toBe('token-missing');
      expect(ORIGIN).toMatch(/^http/);
    });
  });
}
