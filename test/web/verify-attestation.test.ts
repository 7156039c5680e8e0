/**
 * The web portal's in-browser verification (web/src/verify), run here on Node against a
 * real in-process portal with real keys: one outcome per check, each failure named.
 */
import type { JWK } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  createPortalClient,
  generateSigningKey,
  ok,
  type PinnedJwks,
  type PortalClient,
} from '../../clients/typescript/src/index.ts';
import { witnessOnce, type WitnessState } from '../../clients/typescript/src/witness.ts';
import { verifyRecordAttestation, type AttestationVerification } from '../../web/src/verify/attestation.ts';
import { latestWitnesses } from '../../web/src/verify/witnesses.ts';
import { contactBody, createTestPortal, ORIGIN, type TestClient, type TestPortal } from '../support/portal.ts';
import { typedClient } from '../support/typed.ts';

const statuses = (result: AttestationVerification) =>
  Object.fromEntries(result.checks.map((check) => [check.name, check.status]));
const check = (result: AttestationVerification, name: string) => result.checks.find((one) => one.name === name)!;

async function pinned(portal: TestPortal): Promise<PinnedJwks> {
  return (await ok((await typedClient(portal)).GET('/.well-known/jwks.json'))) as PinnedJwks;
}

async function publishedContact(at: TestClient) {
  const created = await at.post('/contacts', contactBody());
  expect(created.status).toBe(201);
  const result = (await created.json()) as { data: { id: string }; attestation: { id: string } };
  return { id: result.data.id, attestation: result.attestation };
}

/** A client whose answers for paths matching `pattern` are rewritten by `change`. */
function tampering(portal: TestPortal, who: TestClient, pattern: RegExp, change: (body: unknown) => unknown) {
  return createPortalClient({
    baseUrl: ORIGIN,
    signer: who.signer,
    fetch: async (request) => {
      const response = await portal.fetch(request);
      if (!pattern.test(new URL(request.url).pathname)) return response;
      const body = change(await response.json());
      return new Response(JSON.stringify(body), { status: response.status, headers: response.headers });
    },
  });
}

async function witness(portal: TestPortal, state: TestClient, jwks: PinnedJwks) {
  let saved: WitnessState | undefined;
  return witnessOnce({
    client: await createPortalClient({ baseUrl: ORIGIN, signer: state.signer, fetch: portal.fetch }),
    issuer: ORIGIN,
    portalJwks: jwks,
    principal: state.principal,
    privateJwk: state.privateJwk,
    state: saved,
    saveState: (next) => {
      saved = next;
    },
    now: () => portal.clock.now(),
  });
}

describe('verifyRecordAttestation', () => {
  it('passes every check of a published contact; no witness yet is a warning, not a failure', async () => {
    const portal = await createTestPortal();
    const at = await portal.registerState('AT');
    const contact = await publishedContact(at);
    const client = await typedClient(portal, at);
    const result = await verifyRecordAttestation({
      client,
      issuer: ORIGIN,
      jwks: await pinned(portal),
      attestationId: contact.attestation.id,
    });
    expect(statuses(result)).toEqual({
      'portal-signature': 'passed',
      'key-registration': 'passed',
      'state-signature': 'passed',
      'log-inclusion': 'passed',
      witnesses: 'warning',
      'served-record': 'passed',
    });
    expect(result.ok).toBe(true);
    expect(result.claims).toMatchObject({ principal: 'AT', principal_kid: at.kid, operation: 'createContact' });
    expect(check(result, 'portal-signature').facts).toMatchObject({ signedAt: '2026-11-27T09:00:00.000Z' });
    expect(check(result, 'key-registration').facts).toMatchObject({
      principal: 'AT',
      kid: at.kid,
      provenBy: 'registration',
    });
    expect(check(result, 'state-signature').facts).toMatchObject({ method: 'POST', path: '/contacts' });
    const inclusion = check(result, 'log-inclusion').facts;
    expect(inclusion.logIndex).toBeLessThan(inclusion.treeSize as number);
    expect(result.checkpoint?.size).toBe(inclusion.treeSize);
    expect(check(result, 'witnesses').facts).toMatchObject({ states: [], registered: 0 });
    expect(check(result, 'served-record').facts).toMatchObject({ href: `/contacts/${contact.id}/history` });
  });

  it('names the states that cosigned the checkpoint the record is proven under', async () => {
    const portal = await createTestPortal();
    const scopes = ['read', 'contacts:write', 'witness'];
    const states = [
      await portal.registerState('AT', { scopes }),
      await portal.registerState('DE', { scopes }),
      await portal.registerState('FR', { scopes }),
    ];
    const contact = await publishedContact(states[0]!);
    const jwks = await pinned(portal);
    for (const state of states) expect((await witness(portal, state, jwks)).status).toBe('cosigned');
    // A later write: the latest checkpoint is not witnessed, the record is proven under the witnessed one.
    expect((await states[1]!.post('/contacts', contactBody({ name: 'Later' }))).status).toBe(201);
    const result = await verifyRecordAttestation({
      client: await typedClient(portal, states[1]!),
      issuer: ORIGIN,
      jwks,
      attestationId: contact.attestation.id,
      witnessThreshold: 2,
    });
    expect(result.ok).toBe(true);
    expect(check(result, 'witnesses')).toMatchObject({
      status: 'passed',
      facts: { states: ['AT', 'DE', 'FR'], registered: 3, threshold: 2 },
    });
    const latest = (await (await portal.fetch(new Request(`${ORIGIN}/log/checkpoint`))).text()).split('\n')[1];
    expect(check(result, 'log-inclusion').facts.treeSize).toBe(Number(latest) - 1);
  });

  it('fails the served-record check, naming the field, when the served record was changed', async () => {
    const portal = await createTestPortal();
    const at = await portal.registerState('AT');
    const contact = await publishedContact(at);
    const client = await tampering(portal, at, /\/contacts\/[^/]+\/history$/, (body) => {
      const page = body as { items: Record<string, unknown>[] };
      for (const item of page.items) item.email = 'attacker@example.org';
      return page;
    });
    const result = await verifyRecordAttestation({
      client,
      issuer: ORIGIN,
      jwks: await pinned(portal),
      attestationId: contact.attestation.id,
    });
    expect(result.ok).toBe(false);
    expect(check(result, 'served-record')).toMatchObject({
      status: 'failed',
      facts: { fields: ['email'] },
      failure: { code: 'record-changed' },
    });
    expect(check(result, 'state-signature').status).toBe('passed');
  });

  it('fails when the record the page shows differs from what was signed', async () => {
    const portal = await createTestPortal();
    const at = await portal.registerState('AT');
    const contact = await publishedContact(at);
    const result = await verifyRecordAttestation({
      client: await typedClient(portal, at),
      issuer: ORIGIN,
      jwks: await pinned(portal),
      attestationId: contact.attestation.id,
      displayed: { ...contactBody(), name: 'Someone Else' },
    });
    expect(check(result, 'served-record')).toMatchObject({ status: 'failed', facts: { fields: ['name'] } });
  });

  it("fails the portal's signature when the portal's key is not the pinned one", async () => {
    const portal = await createTestPortal();
    const at = await portal.registerState('AT');
    const contact = await publishedContact(at);
    const jwks = await pinned(portal);
    const other = (await generateSigningKey()).publicJwk as JWK;
    const result = await verifyRecordAttestation({
      client: await typedClient(portal, at),
      issuer: ORIGIN,
      jwks: { ...jwks, keys: [{ ...other, alg: 'EdDSA', use: 'sig' }] },
      attestationId: contact.attestation.id,
    });
    expect(result.ok).toBe(false);
    expect(check(result, 'portal-signature')).toMatchObject({
      status: 'failed',
      failure: { code: 'unpinned-portal-key' },
    });
    expect(check(result, 'state-signature').status).toBe('skipped');
  });

  it("fails the state's signature when the evidence's body was changed", async () => {
    const portal = await createTestPortal();
    const at = await portal.registerState('AT');
    const contact = await publishedContact(at);
    const client = await tampering(
      portal,
      at,
      new RegExp(`/attestations/${contact.attestation.id}/evidence$`),
      (body) => {
        const evidence = body as { body: string };
        const json = JSON.parse(Buffer.from(evidence.body, 'base64url').toString()) as Record<string, unknown>;
        evidence.body = Buffer.from(JSON.stringify({ ...json, name: 'Forged' })).toString('base64url');
        return evidence;
      },
    );
    const result = await verifyRecordAttestation({
      client,
      issuer: ORIGIN,
      jwks: await pinned(portal),
      attestationId: contact.attestation.id,
    });
    expect(check(result, 'state-signature')).toMatchObject({ status: 'failed', failure: { code: 'bad-signature' } });
    expect(check(result, 'state-signature').failure?.detail).toMatch(/does not bind these body bytes/);
    expect(check(result, 'portal-signature').status).toBe('passed');
  });

  it('fails the key check for a key the portal cannot prove was registered', async () => {
    const portal = await createTestPortal();
    const at = await portal.registerState('AT');
    const contact = await publishedContact(at);
    const client: PortalClient = await tampering(portal, at, /\/principals\/AT\/keys\/[^/]+$/, (body) => ({
      ...(body as object),
      registration_attestation_id: null,
    }));
    const result = await verifyRecordAttestation({
      client,
      issuer: ORIGIN,
      jwks: await pinned(portal),
      attestationId: contact.attestation.id,
    });
    expect(check(result, 'key-registration')).toMatchObject({ status: 'failed', failure: { code: 'not-registered' } });
    expect(check(result, 'state-signature').status).toBe('skipped');
    expect(result.ok).toBe(false);
  });

  it('fails the log check when the log does not extend a checkpoint seen before', async () => {
    const portal = await createTestPortal();
    const at = await portal.registerState('AT');
    const contact = await publishedContact(at);
    const options = { client: await typedClient(portal, at), issuer: ORIGIN, jwks: await pinned(portal) };
    const first = await verifyRecordAttestation({ ...options, attestationId: contact.attestation.id });
    expect(first.checkpoint).toBeDefined();
    const { size, root } = first.checkpoint!;
    // The same size with another root, as a portal that rewrote its history would show.
    const forged = Buffer.from(root, 'base64').map((byte, index) => (index === 0 ? byte ^ 1 : byte));
    const rewritten = await verifyRecordAttestation({
      ...options,
      attestationId: contact.attestation.id,
      trusted: { size, root: Buffer.from(forged).toString('base64') },
    });
    expect(check(rewritten, 'log-inclusion')).toMatchObject({ status: 'failed', failure: { code: 'log-rewritten' } });
    expect(rewritten.ok).toBe(false);
    const extended = await verifyRecordAttestation({
      ...options,
      attestationId: contact.attestation.id,
      trusted: { size, root },
    });
    expect(check(extended, 'log-inclusion').status).toBe('passed');
  });

  it('says when there are no pinned keys at all', async () => {
    const portal = await createTestPortal();
    const at = await portal.registerState('AT');
    const contact = await publishedContact(at);
    const result = await verifyRecordAttestation({
      client: await typedClient(portal, at),
      issuer: ORIGIN,
      jwks: { keys: [] },
      attestationId: contact.attestation.id,
    });
    expect(check(result, 'portal-signature').failure?.code).toBe('no-pinned-keys');
    expect(result.ok).toBe(false);
  });
});

describe('latestWitnesses', () => {
  it('names who cosigned the latest checkpoint, each witness key proven through its registration', async () => {
    const portal = await createTestPortal();
    const scopes = ['read', 'contacts:write', 'witness'];
    const [at, de] = [await portal.registerState('AT', { scopes }), await portal.registerState('DE', { scopes })];
    await portal.registerState('FR', { scopes });
    const jwks = await pinned(portal);
    for (const state of [at, de]) expect((await witness(portal, state, jwks)).status).toBe('cosigned');
    const client = await typedClient(portal, at);
    const view = await latestWitnesses({ client, issuer: ORIGIN, jwks });
    const latest = (await (await portal.fetch(new Request(`${ORIGIN}/log/checkpoint`))).text()).split('\n')[1];
    expect(view.checkpoint.size).toBe(Number(latest));
    expect(view.cosigners).toEqual(['AT', 'DE']);
    expect(view.rows.map((row) => [row.principal, row.standing, row.cosignedAt !== null])).toEqual([
      ['AT', 'proven', true],
      ['DE', 'proven', true],
      ['FR', 'proven', false],
    ]);
    // A key the portal lists but whose registration it cannot show is not trusted.
    const hiding = await tampering(portal, at, /\/log\/witnesses$/, (body) => {
      const list = body as { witnesses: { principal: string; registration_attestation_id: string | null }[] };
      for (const one of list.witnesses) if (one.principal === 'DE') one.registration_attestation_id = null;
      return list;
    });
    const refused = await latestWitnesses({ client: hiding, issuer: ORIGIN, jwks });
    expect(refused.cosigners).toEqual(['AT']);
    expect(refused.rows.find((row) => row.principal === 'DE')).toMatchObject({
      standing: 'refused',
      reason: 'no attested registration',
      cosignedAt: null,
    });
  });
});
