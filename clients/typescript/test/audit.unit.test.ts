/**
 * The checks of audit.ts that trust.test.ts leaves to one side, each alone with its exact
 * refusal (class, code and message): the bundle's format, the attestation's issuer, the
 * body recorded by reference, the signer's clock, loops and depth in key chains, every
 * part of a revocation, and the online verifier (what it fetches, from which checkpoint,
 * how it pages through served records) against the minted portal over HTTP. Written
 * against mutation testing (`npm run test:mutation`): a check removed or weakened fails
 * here.
 */
import { base64url, type JWK } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  checkLogGrowth,
  createVerifier,
  TrustError,
  verifyBundle,
  verifyPortalCheckpoint,
  type RecordBundle,
} from '../src/audit.ts';
import { createPortalClient, PortalError } from '../src/client.ts';
import { generateSigningKey, type KeyPair } from '../src/keys.ts';
import { verifyInclusion } from '../src/log.ts';
import { peekAttestation, verifyAttestation, verifyEvidence, type AttestationClaims } from '../src/verify.ts';
import { consistencyProof, contact, mintPortal, root, START, type MintedWrite } from './mint.ts';
import { serveMinted } from './mint-server.ts';

/** The error a promise rejects with, as name, code and message. */
async function refusal(promise: Promise<unknown>): Promise<{ name: string; code?: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    const { name, message, code } = error as Error & { code?: string };
    return code === undefined ? { name, message } : { name, code, message };
  }
  throw new Error('expected a refusal, but it verified');
}

const trust = (code: TrustError['code'], message: string) => ({ name: 'TrustError', code, message });
const logError = (message: string) => ({ name: 'LogVerificationError', message });
const CONTACT = 'urn:cbm:contact:019ac1e2-0000-7000-8000-000000000001:v1';
const CONTACT_HISTORY = '/contacts/019ac1e2-0000-7000-8000-000000000001/history';

/** Austria registered, its key registered, a contact published. */
async function story() {
  const portal = await mintPortal();
  const at = await generateSigningKey();
  await portal.write({
    by: { principal: 'secretariat', key: portal.secretariat },
    subject: 'urn:cbm:principal:AT',
    operation: 'createPrincipal',
    path: '/principals',
    body: { id: 'AT', name: 'Austria' },
  });
  const registration = await portal.register('AT', at);
  const publish = (spec: Partial<Parameters<typeof portal.write>[0]> = {}) =>
    portal.write({
      by: { principal: 'AT', key: at },
      subject: CONTACT,
      operation: 'createContact',
      path: '/contacts',
      body: contact(),
      ...spec,
    });
  const record = await publish();
  const proofs = (extra: { registration?: MintedWrite; revocation?: MintedWrite } = {}) => [
    { principal: 'secretariat', kid: portal.secretariat.kid },
    { principal: 'AT', kid: at.kid, registration, ...extra },
  ];
  return { portal, at, registration, record, publish, proofs, jwks: portal.jwks() };
}

describe('verifyBundle: the bundle and the record', () => {
  it('refuses a bundle of another format', async () => {
    const { portal, record, proofs, jwks } = await story();
    const bundle = {
      ...(await portal.bundle(record, proofs())),
      format: 'cbm-record-bundle/1',
    } as unknown as RecordBundle;
    expect(await refusal(verifyBundle(bundle, { jwks }))).toEqual(
      trust('bundle-mismatch', 'not a record bundle of format cbm-record-bundle/2 (format cbm-record-bundle/1)'),
    );
  });

  it('refuses options without pinned keys, however they are missing', async () => {
    const { portal, record, proofs } = await story();
    const bundle = await portal.bundle(record, proofs());
    const message =
      "no trusted portal keys: verify against the portal's JWKS you pinned (cbm init pins it; or --jwks " +
      'FILE), never against keys a bundle carries';
    for (const options of [{}, { jwks: {} }, { jwks: { keys: [] } }]) {
      expect(await refusal(verifyBundle(bundle, options as never))).toEqual(trust('no-pinned-keys', message));
    }
  });

  it("refuses an attestation by the pinned key for another portal (its iss is not the bundle's portal)", async () => {
    const { portal, at, proofs, jwks } = await story();
    const record = await portal.write({
      by: { principal: 'AT', key: at },
      subject: CONTACT,
      operation: 'createContact',
      path: '/contacts',
      body: contact(),
      attestation: { iss: 'https://elsewhere.example' },
    });
    expect(await refusal(verifyBundle(await portal.bundle(record, proofs()), { jwks }))).toMatchObject({
      code: 'ERR_JWT_CLAIM_VALIDATION_FAILED',
      message: 'unexpected "iss" claim value',
    });
  });

  it('names every mismatch between attestation and evidence, joined', async () => {
    const { portal, record, proofs, jwks } = await story();
    const bundle = await portal.bundle(record, proofs());
    bundle.evidence.principal = 'BE';
    bundle.evidence.kid = 'another';
    expect(await refusal(verifyBundle(bundle, { jwks }))).toEqual(
      trust(
        'bundle-mismatch',
        'the record: the evidence names another principal; the evidence names another key than the attestation',
      ),
    );
  });

  it('reports the record as the portal attested it', async () => {
    const { portal, record, proofs, jwks } = await story();
    const { report, body } = await verifyBundle(await portal.bundle(record, proofs()), { jwks });
    expect(report).toMatchObject({
      issued_at: '2026-11-27T09:00:02.000Z',
      subject: CONTACT,
      body_bytes: body.byteLength,
      root: expect.stringMatching(/^[A-Za-z0-9+/]{43}=$/),
    });
    expect(new TextDecoder().decode(body)).toBe(JSON.stringify(contact()));
  });

  it('verifies a body recorded by reference from the bytes the bundle carries, and refuses without them', async () => {
    const { portal, publish, proofs, jwks } = await story();
    const record = await publish({ byReference: true, body: 'the uploaded file' });
    const bundle = await portal.bundle(record, proofs());
    expect(bundle.evidence.body).toBe('');
    const { body } = await verifyBundle(bundle, { jwks });
    expect(new TextDecoder().decode(body)).toBe('the uploaded file');
    delete bundle.body;
    expect(await refusal(verifyBundle(bundle, { jwks }))).toEqual({
      name: 'Error',
      message:
        `evidence does not verify: the body is recorded by reference; download it from ` +
        `/attestations/${record.attestation.id}/evidence/body and pass it as options.body`,
    });
  });
});

describe('verifyAttestation', () => {
  it.each(['sub', 'jti', 'principal', 'operation', 'body_sha256', 'request_sha256'])(
    'refuses an attestation without %s',
    async (claim) => {
      const { portal, at } = await story();
      const written = await portal.write({
        by: { principal: 'AT', key: at },
        subject: CONTACT,
        operation: 'createContact',
        path: '/contacts',
        body: contact(),
        attestation: { [claim]: undefined },
      });
      expect(
        await refusal(
          verifyAttestation(written.attestation.token, { keys: [portal.portalJwk] }, { issuer: portal.origin }),
        ),
      ).toMatchObject({
        code: 'ERR_JWT_CLAIM_VALIDATION_FAILED',
        message: `missing required "${claim}" claim`,
      });
    },
  );

  it('shows the claims of an attestation without checking them (peek)', async () => {
    const { record } = await story();
    expect(peekAttestation(record.attestation.token)).toEqual(record.claims);
  });
});

describe('verifyEvidence: a body recorded by reference', () => {
  async function byReference() {
    const portal = await mintPortal();
    const at = await generateSigningKey();
    const written = await portal.write({
      by: { principal: 'AT', key: at },
      subject: 'urn:cbm:x',
      operation: 'uploadDocumentContent',
      method: 'PUT',
      path: '/documents/x/content',
      body: 'file bytes',
      byReference: true,
    });
    return {
      evidence: written.evidence,
      claims: written.claims as AttestationClaims,
      key: at.publicJwk as JWK,
      bytes: written.bytes,
    };
  }

  it('verifies the bytes passed in, or the embedded ones', async () => {
    const { evidence, claims, key, bytes } = await byReference();
    await expect(verifyEvidence(evidence, claims, key, { body: bytes })).resolves.toMatchObject({ body: bytes });
    await expect(verifyEvidence({ ...evidence, body: base64url.encode(bytes) }, claims, key)).resolves.toMatchObject({
      body: bytes,
    });
  });

  it('says where to download the bytes, even when the evidence does not', async () => {
    const { evidence, claims, key } = await byReference();
    const { body_href: _href, ...bare } = evidence;
    expect(await refusal(verifyEvidence(bare, claims, key))).toEqual({
      name: 'Error',
      message:
        'evidence does not verify: the body is recorded by reference; download it from the evidence body_href and pass it as options.body',
    });
  });

  it('refuses evidence that references other bytes than the ones signed and attested', async () => {
    const { evidence, claims, key, bytes } = await byReference();
    expect(
      await refusal(verifyEvidence({ ...evidence, body_blob_sha256: 'A'.repeat(43) }, claims, key, { body: bytes })),
    ).toEqual({
      name: 'Error',
      message: 'evidence does not verify: the evidence references other body bytes',
    });
    // Other bytes fail all three bindings, each named.
    expect(
      await refusal(verifyEvidence(evidence, claims, key, { body: new TextEncoder().encode('other bytes') })),
    ).toEqual({
      name: 'Error',
      message:
        'evidence does not verify: the request token does not bind these body bytes; the attestation names ' +
        'other body bytes; the evidence references other body bytes',
    });
  });

  it("verifies the token at the attestation's time, not now", async () => {
    const { evidence, claims, key, bytes } = await byReference();
    // Issued at START: its exp has long passed now, but not when the portal attested it.
    expect(claims.iat).toBe(START / 1000);
    await expect(verifyEvidence(evidence, claims, key, { body: bytes })).resolves.toBeDefined();
    expect(
      await refusal(verifyEvidence(evidence, { ...claims, iat: claims.iat + 3600 }, key, { body: bytes })),
    ).toMatchObject({ code: 'ERR_JWT_EXPIRED' });
  });
});

describe("verifyBundle: the signer's clock against a revocation", () => {
  it("uses the request token's iat (the signer's clock) when it differs from the attestation's", async () => {
    const { portal, at, proofs, jwks } = await story();
    // Attested at +40 s, signed at +80 s by the signer's clock, revoked at +50 s (logged after).
    const record = await portal.write({
      by: { principal: 'AT', key: at },
      subject: CONTACT,
      operation: 'createContact',
      path: '/contacts',
      body: contact(),
      at: 40,
      request: { iat: START / 1000 + 80 },
    });
    const revocation = await portal.revoke('AT', at, { at: 50 });
    expect(await refusal(verifyBundle(await portal.bundle(record, proofs({ revocation })), { jwks }))).toEqual(
      trust(
        'key-revoked',
        `key ${at.kid} of AT was revoked (attestation ${revocation.attestation.id}, log index 4, ` +
          `2026-11-27T09:00:50.000Z) before it signed this (log index 3, 2026-11-27T09:01:20.000Z)`,
      ),
    );
  });

  it('verifies a record signed in the very second its key was revoked, logged before the revocation', async () => {
    const { portal, at, proofs, jwks } = await story();
    const record = await portal.write({
      by: { principal: 'AT', key: at },
      subject: CONTACT,
      operation: 'createContact',
      path: '/contacts',
      body: contact(),
      at: 60,
    });
    const revocation = await portal.revoke('AT', at, { at: 60 });
    await expect(verifyBundle(await portal.bundle(record, proofs({ revocation })), { jwks })).resolves.toMatchObject({
      report: { verified: true },
    });
  });
});

describe('verifyBundle: key proofs', () => {
  it("never takes another principal's proof of the same kid", async () => {
    const portal = await mintPortal();
    const key = await generateSigningKey();
    const registration = await portal.register('BE', key);
    const record = await portal.write({
      by: { principal: 'AT', key },
      subject: CONTACT,
      operation: 'createContact',
      path: '/contacts',
      body: contact(),
    });
    const bundle = await portal.bundle(record, [{ principal: 'BE', kid: key.kid, registration }]);
    expect(await refusal(verifyBundle(bundle, { jwks: portal.jwks() }))).toEqual(
      trust('key-not-proven', `key ${key.kid} of AT is not proven: the bundle carries no registration of it`),
    );
  });

  it('needs no proof entry for the pinned Secretariat key', async () => {
    const { portal, at, registration, record, jwks } = await story();
    const bundle = await portal.bundle(record, [{ principal: 'AT', kid: at.kid, registration }]);
    const { report } = await verifyBundle(bundle, { jwks });
    expect(report.keys.map((key) => key.proven_by.split(' ')[0])).toEqual(['pinned', 'registration']);
  });

  it('refuses a registration whose signed body carries no JWK', async () => {
    for (const body of ['not JSON at all', { jwk: 'a string' }, { scopes: ['read'] }]) {
      const portal = await mintPortal();
      const at = await generateSigningKey();
      const registration = await portal.register('AT', at, { body });
      const record = await portal.write({
        by: { principal: 'AT', key: at },
        subject: CONTACT,
        operation: 'createContact',
        path: '/contacts',
        body: contact(),
      });
      const bundle = await portal.bundle(record, [{ principal: 'AT', kid: at.kid, registration }]);
      expect(await refusal(verifyBundle(bundle, { jwks: portal.jwks() }))).toEqual(
        trust(
          'key-not-proven',
          `key ${at.kid} of AT is not proven: the registration of key ${at.kid} of AT carries no JWK`,
        ),
      );
    }
  });

  it('gives each refusal of a registration the key-not-proven code', async () => {
    const { portal, at, publish, jwks } = await story();
    const registration = await portal.write({
      by: { principal: 'AT', key: at },
      subject: `urn:cbm:key:${at.kid}`,
      operation: 'registerPrincipalKey',
      path: '/principals/AT/keys',
      body: { jwk: at.publicJwk },
    });
    const record = await publish();
    const bundle = await portal.bundle(record, [{ principal: 'AT', kid: at.kid, registration }]);
    expect(await refusal(verifyBundle(bundle, { jwks }))).toEqual(
      trust(
        'key-not-proven',
        `key ${at.kid} of AT is not proven: the registration of key ${at.kid} of AT does not register it (it ` +
          `was made by AT, not the Secretariat)`,
      ),
    );
    const decoy = await generateSigningKey();
    const carriesDecoy = await portal.register('AT', at, { body: { jwk: decoy.publicJwk } });
    const bundle2 = await portal.bundle(await publish(), [
      { principal: 'AT', kid: at.kid, registration: carriesDecoy },
    ]);
    expect(await refusal(verifyBundle(bundle2, { jwks }))).toEqual(
      trust(
        'key-not-proven',
        `key ${at.kid} of AT is not proven: the registration of key ${at.kid} of AT carries the key ${decoy.kid}`,
      ),
    );
  });

  it('names every reason a write is not a registration of the key, joined', async () => {
    const { portal, at, publish, jwks } = await story();
    const registration = await portal.register('AT', at, { operation: 'createContact', subject: 'urn:cbm:key:other' });
    const bundle = await portal.bundle(await publish(), [{ principal: 'AT', kid: at.kid, registration }]);
    expect(await refusal(verifyBundle(bundle, { jwks }))).toEqual(
      trust(
        'key-not-proven',
        `key ${at.kid} of AT is not proven: the registration of key ${at.kid} of AT does not register it (it ` +
          `is a createContact, not a key registration; it attests urn:cbm:key:other)`,
      ),
    );
  });

  it.each([
    ['a rotation', { operation: 'rotatePrincipalKey', path: '/principals/AT/keys/old-kid/rotate' }],
    ['a query string', { path: '/principals/AT/keys?dry_run=false' }],
    ['a percent-encoded principal', { path: '/principals/%41T/keys' }],
  ])('accepts a registration by %s', async (_name, change) => {
    const { portal, at, publish, jwks } = await story();
    const registration = await portal.register('AT', at, change);
    const bundle = await portal.bundle(await publish(), [{ principal: 'AT', kid: at.kid, registration }]);
    await expect(verifyBundle(bundle, { jwks })).resolves.toMatchObject({ report: { verified: true } });
  });

  it.each([
    ['under another prefix', '/v2/principals/AT/keys'],
    ['to a longer path', '/principals/AT/keys/extra'],
    ['for a principal with a slash', '/principals/A/T/keys'],
    ['to a rotation of nothing', '/principals/AT/keys//rotate'],
    ['with a fragment', '/principals/AT/keys#x'],
  ])('refuses a registration sent %s', async (_name, path) => {
    const { portal, at, publish, jwks } = await story();
    const registration = await portal.register('AT', at, { path });
    const bundle = await portal.bundle(await publish(), [{ principal: 'AT', kid: at.kid, registration }]);
    expect(await refusal(verifyBundle(bundle, { jwks }))).toEqual(
      trust(
        'key-not-proven',
        `key ${at.kid} of AT is not proven: the registration of key ${at.kid} of AT does not register it (it ` +
          `was sent to ${path}, not for AT)`,
      ),
    );
  });
});

/** `count` Secretariat keys, each registered by the one before, from the pinned key on. */
async function secretariatChain(portal: Awaited<ReturnType<typeof mintPortal>>, count: number) {
  let signer: KeyPair = portal.secretariat;
  const proofs: { principal: string; kid: string; registration?: MintedWrite }[] = [
    { principal: 'secretariat', kid: signer.kid },
  ];
  for (let i = 0; i < count; i += 1) {
    const next = await generateSigningKey();
    const registration = await portal.write({
      by: { principal: 'secretariat', key: signer },
      subject: `urn:cbm:key:${next.kid}`,
      operation: 'registerPrincipalKey',
      path: '/principals/secretariat/keys',
      body: { jwk: next.publicJwk },
    });
    proofs.push({ principal: 'secretariat', kid: next.kid, registration });
    signer = next;
  }
  return { last: signer, proofs };
}

describe('verifyBundle: keys proven in the wrong order', () => {
  it('refuses a bundle without key proofs for a key the pinned set does not hold', async () => {
    const { portal, at, record, jwks } = await story();
    const bundle = await portal.bundle(record, []);
    delete (bundle as Partial<RecordBundle>).keys;
    expect(await refusal(verifyBundle(bundle, { jwks }))).toEqual(
      trust('key-not-proven', `key ${at.kid} of AT is not proven: the bundle carries no registration of it`),
    );
  });

  it('refuses a key registered after the record it signed, as key-not-proven', async () => {
    const portal = await mintPortal();
    const at = await generateSigningKey();
    const record = await portal.write({
      by: { principal: 'AT', key: at },
      subject: CONTACT,
      operation: 'createContact',
      path: '/contacts',
      body: contact(),
    });
    const registration = await portal.register('AT', at);
    const bundle = await portal.bundle(record, [{ principal: 'AT', kid: at.kid, registration }]);
    expect(await refusal(verifyBundle(bundle, { jwks: portal.jwks() }))).toEqual(
      trust(
        'key-not-proven',
        `key ${at.kid} of AT is not proven: it was registered (log index 1) after it signed this record (log index 0)`,
      ),
    );
  });

  it('refuses a registration by a Secretariat key registered only later, as key-not-proven', async () => {
    const portal = await mintPortal();
    const [second, at] = [await generateSigningKey(), await generateSigningKey()];
    const registration = await portal.write({
      by: { principal: 'secretariat', key: second },
      subject: `urn:cbm:key:${at.kid}`,
      operation: 'registerPrincipalKey',
      path: '/principals/AT/keys',
      body: { jwk: at.publicJwk },
    });
    const secondRegistration = await portal.register('secretariat', second);
    const record = await portal.write({
      by: { principal: 'AT', key: at },
      subject: CONTACT,
      operation: 'createContact',
      path: '/contacts',
      body: contact(),
    });
    const bundle = await portal.bundle(record, [
      { principal: 'secretariat', kid: second.kid, registration: secondRegistration },
      { principal: 'AT', kid: at.kid, registration },
    ]);
    expect(await refusal(verifyBundle(bundle, { jwks: portal.jwks() }))).toEqual(
      trust(
        'key-not-proven',
        `key ${at.kid} of AT is not proven: the Secretariat key ${second.kid} that registered it was itself registered later (log index 1)`,
      ),
    );
  });
});

describe('verifyBundle: loops and depth in key chains', () => {
  it('refuses a registration that depends on itself', async () => {
    const portal = await mintPortal();
    const [one, two] = [await generateSigningKey(), await generateSigningKey()];
    const oneByTwo = await portal.write({
      by: { principal: 'secretariat', key: two },
      subject: `urn:cbm:key:${one.kid}`,
      operation: 'registerPrincipalKey',
      path: '/principals/secretariat/keys',
      body: { jwk: one.publicJwk },
    });
    const twoByOne = await portal.write({
      by: { principal: 'secretariat', key: one },
      subject: `urn:cbm:key:${two.kid}`,
      operation: 'registerPrincipalKey',
      path: '/principals/secretariat/keys',
      body: { jwk: two.publicJwk },
    });
    const record = await portal.write({
      by: { principal: 'secretariat', key: one },
      subject: 'urn:cbm:principal:AT',
      operation: 'createPrincipal',
      path: '/principals',
      body: { id: 'AT', name: 'Austria' },
    });
    const bundle = await portal.bundle(record, [
      { principal: 'secretariat', kid: one.kid, registration: oneByTwo },
      { principal: 'secretariat', kid: two.kid, registration: twoByOne },
    ]);
    expect(await refusal(verifyBundle(bundle, { jwks: portal.jwks() }))).toEqual(
      trust('key-not-proven', `key ${one.kid} of secretariat is not proven: its registration depends on itself`),
    );
  });

  it('follows a chain of 32 registrations, and refuses one of 33', async () => {
    const portal = await mintPortal();
    const { last, proofs } = await secretariatChain(portal, 32);
    const record = await portal.write({
      by: { principal: 'secretariat', key: last },
      subject: 'urn:cbm:principal:AT',
      operation: 'createPrincipal',
      path: '/principals',
      body: { id: 'AT', name: 'Austria' },
    });
    // The record's key is at depth 0, the pinned key at depth 32.
    await expect(verifyBundle(await portal.bundle(record, proofs), { jwks: portal.jwks() })).resolves.toMatchObject({
      report: { verified: true },
    });
    const at = await generateSigningKey();
    const registration = await portal.write({
      by: { principal: 'secretariat', key: last },
      subject: `urn:cbm:key:${at.kid}`,
      operation: 'registerPrincipalKey',
      path: '/principals/AT/keys',
      body: { jwk: at.publicJwk },
    });
    const deeper = await portal.write({
      by: { principal: 'AT', key: at },
      subject: CONTACT,
      operation: 'createContact',
      path: '/contacts',
      body: contact(),
    });
    expect(
      await refusal(
        verifyBundle(await portal.bundle(deeper, [...proofs, { principal: 'AT', kid: at.kid, registration }]), {
          jwks: portal.jwks(),
        }),
      ),
    ).toEqual(
      trust(
        'key-not-proven',
        `key ${portal.secretariat.kid} of secretariat is not proven: its chain of registrations is longer than 32`,
      ),
    );
  });
});

describe('verifyBundle: each part of a revocation', () => {
  async function revoked(change: Record<string, unknown>) {
    const { portal, at, record, proofs, jwks } = await story();
    const revocation = await portal.revoke('AT', at, change);
    return { at, jwks, revocation, bundle: await portal.bundle(record, proofs({ revocation })) };
  }

  it.each([
    [
      'another operation',
      { operation: 'revokeSomethingElse' },
      'revokeSomethingElse',
      (kid: string) => `urn:cbm:key:${kid}:revocation`,
    ],
    [
      'another subject',
      { subject: 'urn:cbm:key:other:revocation' },
      'revokePrincipalKey',
      () => 'urn:cbm:key:other:revocation',
    ],
    [
      "another principal's path",
      { path: (kid: string) => `/principals/BE/keys/${kid}/revoke` },
      'revokePrincipalKey',
      (kid: string) => `urn:cbm:key:${kid}:revocation`,
    ],
    [
      "another key's path",
      { path: () => '/principals/AT/keys/other/revoke' },
      'revokePrincipalKey',
      (kid: string) => `urn:cbm:key:${kid}:revocation`,
    ],
    [
      'a path that is no revocation',
      { path: (kid: string) => `/principals/AT/keys/${kid}` },
      'revokePrincipalKey',
      (kid: string) => `urn:cbm:key:${kid}:revocation`,
    ],
    [
      'a path under another prefix',
      { path: (kid: string) => `/v2/principals/AT/keys/${kid}/revoke` },
      'revokePrincipalKey',
      (kid: string) => `urn:cbm:key:${kid}:revocation`,
    ],
    [
      'a longer path',
      { path: (kid: string) => `/principals/AT/keys/${kid}/revoke/now` },
      'revokePrincipalKey',
      (kid: string) => `urn:cbm:key:${kid}:revocation`,
    ],
  ])('refuses a revocation entry with %s', async (_name, change, operation, subject) => {
    const portal = await mintPortal();
    const at = await generateSigningKey();
    const registration = await portal.register('AT', at);
    const record = await portal.write({
      by: { principal: 'AT', key: at },
      subject: CONTACT,
      operation: 'createContact',
      path: '/contacts',
      body: contact(),
    });
    const { path, ...rest } = change as { path?: (kid: string) => string };
    const spec = { ...rest, ...(path ? { path: path(at.kid) } : {}) };
    const revocation = await portal.revoke('AT', at, spec);
    const bundle = await portal.bundle(record, [{ principal: 'AT', kid: at.kid, registration, revocation }]);
    expect(await refusal(verifyBundle(bundle, { jwks: portal.jwks() }))).toEqual(
      trust(
        'bundle-mismatch',
        `the revocation of key ${at.kid} of AT in the bundle is a ${operation} of ${subject(at.kid)}`,
      ),
    );
  });

  it.each([
    ['as it is sent', (kid: string) => `/principals/AT/keys/${kid}/revoke`],
    ['with a query string', (kid: string) => `/principals/AT/keys/${kid}/revoke?reason=x`],
    ['with a percent-encoded principal', (kid: string) => `/principals/%41T/keys/${kid}/revoke`],
  ])('takes a revocation %s for what it is', async (_name, path) => {
    const { portal, at, record, proofs, jwks } = await story();
    const revocation = await portal.revoke('AT', at, { path: path(at.kid) });
    // The record was signed before: it verifies, and the revocation is proven.
    await expect(verifyBundle(await portal.bundle(record, proofs({ revocation })), { jwks })).resolves.toMatchObject({
      report: { verified: true },
    });
    const late = await portal.write({
      by: { principal: 'AT', key: at },
      subject: CONTACT,
      operation: 'createContact',
      path: '/contacts',
      body: contact(),
    });
    expect(await refusal(verifyBundle(await portal.bundle(late, proofs({ revocation })), { jwks }))).toMatchObject({
      code: 'key-revoked',
    });
  });

  it("checks the revocation's own attestation like any other", async () => {
    const { at, jwks, bundle, revocation } = await revoked({});
    bundle.keys[1]!.revocation!.evidence.attestation_id = 'another';
    expect(revocation.attestation.id).not.toBe('another');
    expect(await refusal(verifyBundle(bundle, { jwks }))).toEqual(
      trust('bundle-mismatch', `the revocation of key ${at.kid} of AT: the evidence belongs to another attestation`),
    );
  });
});

describe('verifyPortalCheckpoint and checkLogGrowth', () => {
  it('refuses a JWKS without an Ed25519 key, whatever else it holds', async () => {
    const { portal } = await story();
    const { note } = await portal.checkpoint();
    const p256 = (await generateSigningKey('ES256')).publicJwk;
    const x = portal.portalJwk.x!;
    for (const key of [p256, { kty: 'OKP', crv: 'X25519', x }, { kty: 'EC', crv: 'Ed25519', x }]) {
      expect(await refusal(verifyPortalCheckpoint(note, { keys: [key as JWK] }, portal.origin))).toEqual(
        logError('checkpoint: the portal JWKS has no Ed25519 key'),
      );
    }
    // Keys of other kinds beside the portal's are skipped.
    await expect(
      verifyPortalCheckpoint(note, { keys: [p256, portal.portalJwk] }, portal.origin),
    ).resolves.toMatchObject({ size: 3 });
  });

  it('checks the origin line against the portal origin it is given', async () => {
    const { portal } = await story();
    const { note } = await portal.checkpoint();
    expect(await refusal(verifyPortalCheckpoint(note, { keys: [portal.portalJwk] }, 'https://other.example'))).toEqual(
      logError('checkpoint: origin forged.example/log is not other.example/log'),
    );
  });

  /** A log of `n` leaves and the roots of its prefixes. */
  async function log(n: number) {
    const leaves = await Promise.all(
      Array.from(
        { length: n },
        async (_, i) => new Uint8Array(await crypto.subtle.digest('SHA-256', new Uint8Array([0, i]))),
      ),
    );
    return { leaves, root: async (size: number) => root(leaves.slice(0, size)) };
  }
  const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

  it('asks for no proof when nothing was trusted yet, or when the size did not change', async () => {
    const { root: rootOf } = await log(5);
    const asked: [number, number][] = [];
    const fetchProof = async (first: number, second: number) => {
      asked.push([first, second]);
      return [];
    };
    await checkLogGrowth({ size: 0, root: new Uint8Array(32) }, { size: 5, root: await rootOf(5) }, fetchProof);
    await checkLogGrowth({ size: 5, root: await rootOf(5) }, { size: 5, root: await rootOf(5) }, fetchProof);
    expect(asked).toEqual([]);
  });

  it('refuses a smaller tree, or another root at the same size', async () => {
    const { root: rootOf } = await log(5);
    const none = async () => [];
    expect(
      await refusal(checkLogGrowth({ size: 5, root: await rootOf(5) }, { size: 4, root: await rootOf(4) }, none)),
    ).toEqual(logError('the log shrank from 5 to 4 entries: it was rewritten'));
    expect(
      await refusal(checkLogGrowth({ size: 5, root: await rootOf(5) }, { size: 5, root: await rootOf(4) }, none)),
    ).toEqual(logError('the log has another root at size 5: it was rewritten'));
  });

  it('checks growth by the consistency proof it fetches for exactly the two sizes', async () => {
    const { leaves, root: rootOf } = await log(5);
    const asked: [number, number][] = [];
    const honest = async (first: number, second: number) => {
      asked.push([first, second]);
      return (await consistencyProof(first, leaves.slice(0, second))).map(b64);
    };
    await checkLogGrowth({ size: 3, root: await rootOf(3) }, { size: 5, root: await rootOf(5) }, honest);
    expect(asked).toEqual([[3, 5]]);
    expect(
      await refusal(checkLogGrowth({ size: 3, root: await rootOf(2) }, { size: 5, root: await rootOf(5) }, honest)),
    ).toEqual(
      logError(
        'the log of 5 entries does not extend the one of 3 you saw before: it was rewritten (consistency ' +
          'proof: does not lead to the first root)',
      ),
    );
  });
});

describe('createVerifier against a portal over HTTP', () => {
  async function online(options: { compare?: boolean } = {}) {
    const minted = await story();
    const server = serveMinted(minted.portal);
    const client = await createPortalClient({ baseUrl: minted.portal.origin, fetch: server.fetch });
    const verifier = createVerifier(client, { issuer: minted.portal.origin, jwks: minted.jwks });
    if (options.compare !== false)
      server.records.set(CONTACT_HISTORY, {
        items: [
          {
            id: '019ac1e2-0000-7000-8000-000000000001',
            version: 1,
            ...contact(),
            attestation_id: minted.record.attestation.id,
          },
        ],
        next_cursor: null,
      });
    return { ...minted, server, client, verifier };
  }

  it('refuses to start without pinned keys', async () => {
    const client = await createPortalClient({ baseUrl: 'https://forged.example' });
    const message =
      "createVerifier needs the portal's JWKS you pinned (options.jwks): it never fetches the keys it checks against";
    for (const jwks of [undefined, {}, { keys: [] }]) {
      let thrown: unknown;
      try {
        createVerifier(client, { issuer: 'https://forged.example', jwks: jwks as never });
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(TrustError);
      expect(thrown).toMatchObject({ name: 'TrustError', code: 'no-pinned-keys', message });
    }
  });

  it('verifies a record with what it fetches: attestation, evidence, proofs, key proofs, the served record', async () => {
    const { verifier, server, record, at, portal } = await online();
    const { report, bundle, served } = await verifier.record(record.attestation.id);
    expect(report).toMatchObject({ verified: true, principal: 'AT', principal_kid: at.kid, tree_size: 3 });
    expect(served).toEqual({ status: 'matches', href: CONTACT_HISTORY });
    // Key proofs come in chain order: the Secretariat's first key, then the key it registered.
    expect(bundle.keys.map((key) => [key.principal, key.kid, key.registration?.attestation.id ?? null])).toEqual([
      ['secretariat', portal.secretariat.kid, null],
      ['AT', at.kid, portal.writes[1]!.attestation.id],
    ]);
    expect(server.requests).toContain(CONTACT_HISTORY);
  });

  it('asks for the checkpoint as text/plain and the evidence body as anything', async () => {
    const { server, portal, publish } = await online();
    const file = await publish({ byReference: true, body: 'not JSON' });
    const accepts: Record<string, string | null> = {};
    const fetch = async (request: Request) => {
      accepts[new URL(request.url).pathname] = request.headers.get('accept');
      return server.fetch(request);
    };
    const strict = createVerifier(await createPortalClient({ baseUrl: portal.origin, fetch }), {
      issuer: portal.origin,
      jwks: portal.jwks(),
    });
    const { bundle, served } = await strict.record(file.attestation.id);
    expect(accepts['/log/checkpoint']).toBe('text/plain');
    expect(accepts[`/attestations/${file.attestation.id}/evidence/body`]).toBe('*/*');
    expect(bundle.body).toBe(base64url.encode(new TextEncoder().encode('not JSON')));
    // The body is not JSON: there are no fields to compare, and nothing is fetched for it.
    expect(served).toEqual({ status: 'not compared', href: null });
    expect(Object.keys(accepts)).not.toContain(CONTACT_HISTORY);
  });

  it('does not compare a record that has no representation of its own, nor when asked not to', async () => {
    const { verifier, server, registration, record } = await online({ compare: false });
    await expect(verifier.record(registration.attestation.id)).resolves.toMatchObject({
      served: { status: 'not compared', href: null },
    });
    await expect(verifier.record(record.attestation.id, { compareServed: false })).resolves.toMatchObject({
      served: { status: 'not compared', href: null },
    });
    expect(server.requests.filter((path) => path.startsWith('/contacts'))).toEqual([]);
  });

  it('reads served records page by page, and stops at an empty page or after 1000 pages', async () => {
    const { verifier, server, record } = await online({ compare: false });
    const mine = {
      id: '019ac1e2-0000-7000-8000-000000000001',
      version: 1,
      ...contact(),
      attestation_id: record.attestation.id,
    };
    const other = { ...mine, version: 2, attestation_id: 'another' };
    server.records.set(CONTACT_HISTORY, { items: [other], next_cursor: 'c2' });
    server.records.set(`${CONTACT_HISTORY}?cursor=c2`, { items: [mine], next_cursor: 'c3' });
    await expect(verifier.record(record.attestation.id)).resolves.toMatchObject({ served: { status: 'matches' } });
    expect(server.requests.filter((path) => path.startsWith('/contacts'))).toEqual([
      CONTACT_HISTORY,
      `${CONTACT_HISTORY}?cursor=c2`,
    ]);

    const missing = `the portal does not serve the record ${CONTACT} this attestation names (looked in ${CONTACT_HISTORY})`;
    server.records.set(`${CONTACT_HISTORY}?cursor=c2`, { items: [], next_cursor: 'c3' });
    server.records.set(`${CONTACT_HISTORY}?cursor=c3`, { items: [mine], next_cursor: null });
    server.requests.length = 0;
    expect(await refusal(verifier.record(record.attestation.id))).toEqual(trust('record-mismatch', missing));
    // An empty page ends the list: nothing after it is read.
    expect(server.requests.filter((path) => path.startsWith('/contacts'))).toEqual([
      CONTACT_HISTORY,
      `${CONTACT_HISTORY}?cursor=c2`,
    ]);
    server.records.set(`${CONTACT_HISTORY}?cursor=c2`, { items: [other], next_cursor: 42 });
    expect(await refusal(verifier.record(record.attestation.id))).toEqual(trust('record-mismatch', missing));
    server.records.set(`${CONTACT_HISTORY}?cursor=c2`, { next_cursor: 'c3' });
    expect(await refusal(verifier.record(record.attestation.id))).toEqual(trust('record-mismatch', missing));

    // A portal that pages forever is read 1000 pages deep, no further.
    server.records.clear();
    server.override.clear();
    const endless = { items: [other], next_cursor: 'again' };
    server.records.set(CONTACT_HISTORY, endless);
    server.records.set(`${CONTACT_HISTORY}?cursor=again`, endless);
    server.requests.length = 0;
    expect(await refusal(verifier.record(record.attestation.id))).toEqual(trust('record-mismatch', missing));
    expect(server.requests.filter((path) => path.startsWith('/contacts'))).toHaveLength(1000);
  });

  it('names every served field that differs, joined', async () => {
    const { verifier, server, record } = await online({ compare: false });
    server.records.set(CONTACT_HISTORY, {
      items: [{ ...contact({ name: 'Mallory', email: 'm@example.org' }), attestation_id: record.attestation.id }],
    });
    expect(await refusal(verifier.record(record.attestation.id))).toEqual(
      trust(
        'record-mismatch',
        `the record the portal serves at ${CONTACT_HISTORY} differs from what AT signed: name, email`,
      ),
    );
  });

  it('checks the attestation it is handed against the pinned keys and the issuer', async () => {
    const { verifier, record, portal, at } = await online();
    await expect(verifier.attestation(record.attestation.token)).resolves.toMatchObject({ jti: record.attestation.id });
    const elsewhere = await portal.write({
      by: { principal: 'AT', key: at },
      subject: CONTACT,
      operation: 'createContact',
      path: '/contacts',
      body: contact(),
      attestation: { iss: 'https://elsewhere.example' },
    });
    expect(await refusal(verifier.attestation(elsewhere.attestation.token))).toMatchObject({
      code: 'ERR_JWT_CLAIM_VALIDATION_FAILED',
      message: 'unexpected "iss" claim value',
    });
  });

  it('builds a bundle under the latest checkpoint when given none', async () => {
    const { verifier, record } = await online();
    const bundle = await verifier.bundle(record.attestation.id);
    expect(bundle).toMatchObject({
      format: 'cbm-record-bundle/2',
      portal: 'https://forged.example',
      attestation: { id: record.attestation.id },
      inclusion: { tree_size: 3 },
    });
  });

  it('checks that the log still extends a checkpoint you saved', async () => {
    const { verifier, record, portal } = await online();
    const saved = await verifier.checkpoint();
    await portal.write({
      by: { principal: 'secretariat', key: portal.secretariat },
      subject: 'urn:cbm:principal:BE',
      operation: 'createPrincipal',
      path: '/principals',
      body: { id: 'BE', name: 'Belgium' },
    });
    await expect(verifier.record(record.attestation.id, { trusted: saved })).resolves.toMatchObject({
      report: { tree_size: 4 },
    });
    const forged = { size: saved.size, root: new Uint8Array(32) };
    expect(await refusal(verifier.record(record.attestation.id, { trusted: forged }))).toMatchObject({
      name: 'LogVerificationError',
      message: expect.stringMatching(
        /^the log of 4 entries does not extend the one of 3 you saw before: it was rewritten/,
      ),
    });
  });

  it('waits for a checkpoint that covers the record, backing off, and gives up at the deadline', async () => {
    const { verifier, server, record } = await online();
    server.head = 2;
    const checkpoints = () => server.requests.filter((path) => path === '/log/checkpoint').length;
    // Covered at once: one checkpoint read.
    await expect(verifier.checkpointCovering(1, 1000)).resolves.toMatchObject({ size: 2 });
    expect(checkpoints()).toBe(1);
    // Leaf 2 is not under a checkpoint of 2: read at 0, 100, 300 and 700 ms, then the deadline (1000 ms) is too near.
    server.requests.length = 0;
    await expect(verifier.checkpointCovering(2, 1000)).resolves.toMatchObject({ size: 2 });
    expect(checkpoints()).toBe(4);
    // The record cannot be proven under it.
    server.requests.length = 0;
    const pending = verifier.bundle(record.attestation.id, await verifier.checkpoint());
    expect(await refusal(pending)).toEqual(
      logError(`attestation ${record.attestation.id} (leaf 2) is not under the checkpoint of 2 entries yet`),
    );
  });

  it('fetches each key proof once per checkpoint', async () => {
    const { verifier, server, record, publish, at } = await online({ compare: false });
    const second = await publish({ subject: 'urn:cbm:contact:019ac1e2-0000-7000-8000-000000000002:v1' });
    const head = await verifier.checkpoint();
    await verifier.bundle(record.attestation.id, head);
    await verifier.bundle(second.attestation.id, head);
    expect(server.requests.filter((path) => path === `/principals/AT/keys/${at.kid}`)).toHaveLength(1);
    // Under another checkpoint, proofs are fetched again (they are proven in that tree).
    server.head = 3;
    await verifier.bundle(record.attestation.id, await verifier.checkpoint());
    expect(server.requests.filter((path) => path === `/principals/AT/keys/${at.kid}`)).toHaveLength(2);
  });

  it('refuses a key the portal does not know', async () => {
    const { verifier, portal } = await online({ compare: false });
    const stranger = await generateSigningKey();
    const record = await portal.write({
      by: { principal: 'AT', key: stranger },
      subject: CONTACT,
      operation: 'createContact',
      path: '/contacts',
      body: contact(),
    });
    expect(await refusal(verifier.record(record.attestation.id))).toEqual(
      trust('key-not-proven', `key ${stranger.kid} of AT is not proven: the bundle carries no registration of it`),
    );
  });

  it('proves a revocation when the checkpoint covers it, and leaves it out until then', async () => {
    const { verifier, server, portal, at, record, publish } = await online({ compare: false });
    const revocation = await portal.revoke('AT', at);
    const late = await publish({ subject: 'urn:cbm:contact:019ac1e2-0000-7000-8000-000000000002:v1' });
    const bundle = await verifier.bundle(record.attestation.id);
    expect(bundle.keys[1]!.revocation?.attestation.id).toBe(revocation.attestation.id);
    await expect(verifyBundle(bundle, { jwks: portal.jwks() })).resolves.toMatchObject({ report: { verified: true } });
    expect(await refusal(verifier.record(late.attestation.id))).toMatchObject({
      name: 'TrustError',
      code: 'key-revoked',
    });
    // Under a checkpoint that ends before the revocation, the revocation is not provable yet.
    server.head = 3;
    const earlier = await verifier.bundle(record.attestation.id, await verifier.checkpoint());
    expect(earlier.keys[1]!.revocation).toBeUndefined();
  });

  it('stops walking a chain of key proofs that loops', async () => {
    const portal = await mintPortal();
    const other = await generateSigningKey();
    // The portal claims the pinned key was registered by another, and that one by the pinned key.
    await portal.write({
      by: { principal: 'secretariat', key: other },
      subject: `urn:cbm:key:${portal.secretariat.kid}`,
      operation: 'registerPrincipalKey',
      path: '/principals/secretariat/keys',
      body: { jwk: portal.secretariat.publicJwk },
    });
    await portal.write({
      by: { principal: 'secretariat', key: portal.secretariat },
      subject: `urn:cbm:key:${other.kid}`,
      operation: 'registerPrincipalKey',
      path: '/principals/secretariat/keys',
      body: { jwk: other.publicJwk },
    });
    const record = await portal.write({
      by: { principal: 'secretariat', key: portal.secretariat },
      subject: 'urn:cbm:principal:AT',
      operation: 'createPrincipal',
      path: '/principals',
      body: { id: 'AT', name: 'Austria' },
    });
    const server = serveMinted(portal);
    const verifier = createVerifier(await createPortalClient({ baseUrl: portal.origin, fetch: server.fetch }), {
      issuer: portal.origin,
      jwks: portal.jwks(),
    });
    const bundle = await verifier.bundle(record.attestation.id);
    expect(bundle.keys.map((key) => key.kid)).toEqual([other.kid, portal.secretariat.kid]);
    expect(await refusal(verifyBundle(bundle, { jwks: portal.jwks() }))).toEqual(
      trust(
        'key-not-proven',
        `key ${portal.secretariat.kid} of secretariat is not proven: its registration depends on itself`,
      ),
    );
  });

  it('walks a chain of Secretariat keys no further than 33 proofs', async () => {
    const portal = await mintPortal();
    const { last } = await secretariatChain(portal, 33);
    const record = await portal.write({
      by: { principal: 'secretariat', key: last },
      subject: 'urn:cbm:principal:AT',
      operation: 'createPrincipal',
      path: '/principals',
      body: { id: 'AT', name: 'Austria' },
    });
    const server = serveMinted(portal);
    const verifier = createVerifier(await createPortalClient({ baseUrl: portal.origin, fetch: server.fetch }), {
      issuer: portal.origin,
      jwks: portal.jwks(),
    });
    const bundle = await verifier.bundle(record.attestation.id);
    expect(bundle.keys).toHaveLength(33);
    expect(bundle.keys.at(-1)!.kid).toBe(last.kid);
  });

  it('stops on an answer that is not a key proof', async () => {
    const { verifier, server, record, at } = await online({ compare: false });
    server.override.set(
      `/principals/AT/keys/${at.kid}`,
      () =>
        new Response(JSON.stringify({ status: 500, code: 'internal', title: 'Broken' }), {
          status: 500,
          headers: { 'content-type': 'application/problem+json' },
        }),
    );
    await expect(verifier.record(record.attestation.id)).rejects.toBeInstanceOf(PortalError);
  });
});

describe('verifyInclusion beside the bundle', () => {
  it('is what verifyBundle runs for each write (an honest proof verifies)', async () => {
    const { portal, record, proofs } = await story();
    const bundle = await portal.bundle(record, proofs());
    const leaves = (await portal.checkpoint()).leaves;
    await expect(
      verifyInclusion(
        leaves[2]!,
        2,
        3,
        bundle.inclusion.proof.map((p) => Uint8Array.from(Buffer.from(p, 'base64'))),
        await root(leaves),
      ),
    ).resolves.toBeUndefined();
  });
});
