/**
 * verifyBundle and its parts, one check at a time, on bundles of a portal made here
 * (test/mint.ts): an honest bundle verifies, and each test changes one thing and expects
 * the one refusal that change must cause, with its exact message. A check that is skipped
 * or always passes fails here.
 */
import { base64url, type JWK } from 'jose';
import { describe, expect, it } from 'vitest';
import { createVerifier, TrustError, verifyBundle, type PinnedJwks, type RecordBundle } from '../src/audit.ts';
import { createPortalClient } from '../src/client.ts';
import { sha256b64u } from '../src/digest.ts';
import { generateSigningKey } from '../src/keys.ts';
import { fromBase64, hashLeaf, verifyCheckpoint, verifyConsistency, verifyInclusion } from '../src/log.ts';
import { findByAttestation, servedLocation, signedFieldMismatches } from '../src/served.ts';
import { verifyEvidence, type AttestationClaims } from '../src/verify.ts';
import { contact, mintPortal } from './mint.ts';

/** The message a promise rejects with. */
async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected a refusal, but it verified');
}

/** Austria registered, its key registered, a contact published: the honest story. */
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
  const publish = () =>
    portal.write({
      by: { principal: 'AT', key: at },
      subject: 'urn:cbm:contact:019ac1e2-0000-7000-8000-000000000001:v1',
      operation: 'createContact',
      path: '/contacts',
      body: contact(),
    });
  const record = await publish();
  const proofs = (extra: { registration?: typeof registration; revocation?: typeof registration } = {}) => [
    { principal: 'secretariat', kid: portal.secretariat.kid },
    { principal: 'AT', kid: at.kid, registration, ...extra },
  ];
  return { portal, at, registration, record, publish, proofs, jwks: portal.jwks() };
}

describe('verifyBundle: trust anchors come from outside the bundle', () => {
  it('verifies an honest bundle against the pinned keys, each key proven', async () => {
    const { portal, at, record, proofs, jwks } = await story();
    const bundle = await portal.bundle(record, proofs());
    const { report } = await verifyBundle(bundle, { jwks });
    expect(report).toMatchObject({
      verified: true,
      principal: 'AT',
      principal_kid: at.kid,
      operation: 'createContact',
      log_index: 2,
      tree_size: 3,
    });
    expect(report.keys).toEqual([
      { principal: 'secretariat', kid: portal.secretariat.kid, proven_by: 'pinned Secretariat key' },
      {
        principal: 'AT',
        kid: at.kid,
        proven_by: `registration ${bundle.keys[1]!.registration!.attestation.id} (log index 1)`,
      },
    ]);
  });

  it('refuses without pinned keys: never the bundle own jwks', async () => {
    const { portal, record, proofs } = await story();
    const bundle = await portal.bundle(record, proofs());
    const message =
      "no trusted portal keys: verify against the portal's JWKS you pinned (cbm init pins it; or --jwks " +
      'FILE), never against keys a bundle carries';
    expect(await refusal(verifyBundle(bundle, undefined as never))).toBe(message);
    expect(await refusal(verifyBundle(bundle, { jwks: { keys: [] } }))).toBe(message);
    expect(() => createVerifier(undefined as never, { issuer: portal.origin, jwks: undefined as never })).toThrow(
      TrustError,
    );
  });

  it('refuses a forged bundle (its own portal key, state key and one-entry log) against the real portal keys', async () => {
    const real = await story();
    const forger = await mintPortal(real.portal.origin);
    const self = await generateSigningKey();
    const forged = await forger.write({
      by: { principal: 'AT', key: self },
      subject: 'urn:cbm:contact:019ac1e2-0000-7000-8000-000000000009:v1',
      operation: 'createContact',
      path: '/contacts',
      body: contact({ name: 'Mallory' }),
    });
    const bundle = await forger.bundle(forged, [{ principal: 'AT', kid: self.kid }]);
    // Against the forger's own keys it would pass the signatures; against the pinned ones nothing does.
    expect(await refusal(verifyBundle(bundle, { jwks: real.jwks }))).toBe('checkpoint: no signature by the portal key');
    // Even with the forger's portal key pinned, its state key is nobody's registered key.
    expect(
      await refusal(
        verifyBundle(bundle, { jwks: { keys: forger.jwks().keys, secretariat_keys: real.jwks.secretariat_keys } }),
      ),
    ).toBe(`key ${self.kid} of AT is not proven: the bundle carries no registration of it`);
  });

  it('refuses a state key that was never registered (the portal key alone forges nothing)', async () => {
    const { portal, record, jwks, at } = await story();
    // The bundle claims the key with no registration at all ...
    expect(await refusal(verifyBundle(await portal.bundle(record, [{ principal: 'AT', kid: at.kid }]), { jwks }))).toBe(
      `key ${at.kid} of AT is not proven: the bundle carries no registration of it`,
    );
    // ... or passes the state key off as the Secretariat's first key.
    const unregistered = await generateSigningKey();
    const selfMade = await portal.write({
      by: { principal: 'secretariat', key: unregistered },
      subject: 'urn:cbm:principal:BE',
      operation: 'createPrincipal',
      path: '/principals',
      body: { id: 'BE', name: 'Belgium' },
    });
    expect(
      await refusal(
        verifyBundle(await portal.bundle(selfMade, [{ principal: 'secretariat', kid: unregistered.kid }]), { jwks }),
      ),
    ).toBe(
      `key ${unregistered.kid} of secretariat is not proven: the bundle carries no registration of it, and it ` +
        `is not the Secretariat key you pinned`,
    );
  });

  it('refuses when the Secretariat key behind the registration is not the pinned one', async () => {
    const { portal, record, proofs, jwks } = await story();
    const other = await generateSigningKey();
    const pinned: PinnedJwks = { keys: jwks.keys, secretariat_keys: [other.publicJwk] };
    expect(await refusal(verifyBundle(await portal.bundle(record, proofs()), { jwks: pinned }))).toBe(
      `key ${portal.secretariat.kid} of secretariat is not proven: the bundle carries no registration of it, ` +
        `and it is not the Secretariat key you pinned`,
    );
    // A pinned key is matched by its recomputed thumbprint, never by the kid it carries.
    const lying: PinnedJwks = {
      keys: jwks.keys,
      secretariat_keys: [{ ...other.publicJwk, kid: portal.secretariat.kid }],
    };
    expect(await refusal(verifyBundle(await portal.bundle(record, proofs()), { jwks: lying }))).toContain(
      'is not the Secretariat key you pinned',
    );
  });

  it('recomputes the registered key thumbprint: a registration carrying another JWK proves nothing', async () => {
    const { portal, at, publish, jwks } = await story();
    const decoy = await generateSigningKey();
    // The portal attests a registration of at.kid, but the Secretariat's signed body carries the decoy (with at.kid as its kid member).
    const registration = await portal.register('AT', at, {
      body: { jwk: { ...decoy.publicJwk, kid: at.kid }, scopes: ['read'] },
    });
    const record = await publish();
    const bundle = await portal.bundle(record, [
      { principal: 'secretariat', kid: portal.secretariat.kid },
      { principal: 'AT', kid: at.kid, registration },
    ]);
    expect(await refusal(verifyBundle(bundle, { jwks }))).toBe(
      `key ${at.kid} of AT is not proven: the registration of key ${at.kid} of AT carries the key ${decoy.kid}`,
    );
  });

  it.each([
    ['another operation', { operation: 'createContact' }, 'it is a createContact, not a key registration'],
    ['another subject', { subject: 'urn:cbm:key:someone-else' }, 'it attests urn:cbm:key:someone-else'],
    ['another principal path', { path: '/principals/BE/keys' }, 'it was sent to /principals/BE/keys, not for AT'],
  ] as const)('refuses a registration with %s', async (_name, change, why) => {
    const { portal, at, publish, jwks } = await story();
    const registration = await portal.register('AT', at, change);
    const record = await publish();
    const bundle = await portal.bundle(record, [
      { principal: 'secretariat', kid: portal.secretariat.kid },
      { principal: 'AT', kid: at.kid, registration },
    ]);
    expect(await refusal(verifyBundle(bundle, { jwks }))).toBe(
      `key ${at.kid} of AT is not proven: the registration of key ${at.kid} of AT does not register it (${why})`,
    );
  });

  it('refuses a registration not made by the Secretariat', async () => {
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
    expect(await refusal(verifyBundle(bundle, { jwks }))).toBe(
      `key ${at.kid} of AT is not proven: the registration of key ${at.kid} of AT does not register it (it ` +
        `was made by AT, not the Secretariat)`,
    );
  });

  it('refuses a key registered after the record it signed', async () => {
    const portal = await mintPortal();
    const at = await generateSigningKey();
    const record = await portal.write({
      by: { principal: 'AT', key: at },
      subject: 'urn:cbm:contact:019ac1e2-0000-7000-8000-000000000001:v1',
      operation: 'createContact',
      path: '/contacts',
      body: contact(),
    });
    const registration = await portal.register('AT', at);
    const bundle = await portal.bundle(record, [
      { principal: 'secretariat', kid: portal.secretariat.kid },
      { principal: 'AT', kid: at.kid, registration },
    ]);
    expect(await refusal(verifyBundle(bundle, { jwks: portal.jwks() }))).toBe(
      `key ${at.kid} of AT is not proven: it was registered (log index 1) after it signed this record (log index 0)`,
    );
  });

  it('refuses a registration signed by a Secretariat key registered only later', async () => {
    const portal = await mintPortal();
    const second = await generateSigningKey();
    const at = await generateSigningKey();
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
      subject: 'urn:cbm:principal:AT',
      operation: 'createContact',
      path: '/contacts',
      body: contact(),
    });
    const bundle = await portal.bundle(record, [
      { principal: 'secretariat', kid: portal.secretariat.kid },
      { principal: 'secretariat', kid: second.kid, registration: secondRegistration },
      { principal: 'AT', kid: at.kid, registration },
    ]);
    expect(await refusal(verifyBundle(bundle, { jwks: portal.jwks() }))).toBe(
      `key ${at.kid} of AT is not proven: the Secretariat key ${second.kid} that registered it was itself registered later (log index 1)`,
    );
  });

  it("never takes the pinned Secretariat key for another principal's", async () => {
    const portal = await mintPortal();
    const record = await portal.write({
      by: { principal: 'AT', key: portal.secretariat },
      subject: 'urn:cbm:principal:AT',
      operation: 'createContact',
      path: '/contacts',
      body: contact(),
    });
    const bundle = await portal.bundle(record, [{ principal: 'AT', kid: portal.secretariat.kid }]);
    expect(await refusal(verifyBundle(bundle, { jwks: portal.jwks() }))).toBe(
      `key ${portal.secretariat.kid} of AT is not proven: the bundle carries no registration of it`,
    );
  });

  it('checks the Secretariat signature on the registration', async () => {
    const { portal, at, registration, record, jwks } = await story();
    const bundle = await portal.bundle(record, [
      { principal: 'secretariat', kid: portal.secretariat.kid },
      { principal: 'AT', kid: at.kid, registration },
    ]);
    const forged = structuredClone(bundle);
    const [header, payload] = forged.keys[1]!.registration!.evidence.request_token.split('.');
    forged.keys[1]!.registration!.evidence.request_token =
      `${header}.${payload}.${base64url.encode(new Uint8Array(64))}`;
    expect(await refusal(verifyBundle(forged, { jwks }))).toBe('signature verification failed');
  });

  it('follows a chain of Secretariat keys down to the pinned one', async () => {
    const portal = await mintPortal();
    const second = await generateSigningKey();
    const secondRegistration = await portal.register('secretariat', second);
    const at = await generateSigningKey();
    const registration = await portal.write({
      by: { principal: 'secretariat', key: second },
      subject: `urn:cbm:key:${at.kid}`,
      operation: 'registerPrincipalKey',
      path: '/principals/AT/keys',
      body: { jwk: at.publicJwk, scopes: ['read'] },
    });
    const record = await portal.write({
      by: { principal: 'AT', key: at },
      subject: 'urn:cbm:principal:AT',
      operation: 'createContact',
      path: '/contacts',
      body: contact(),
    });
    const keys = [
      { principal: 'secretariat', kid: portal.secretariat.kid },
      { principal: 'secretariat', kid: second.kid, registration: secondRegistration },
      { principal: 'AT', kid: at.kid, registration },
    ];
    const { report } = await verifyBundle(await portal.bundle(record, keys), { jwks: portal.jwks() });
    expect(report.keys.map((key) => key.proven_by.split(' ')[0])).toEqual(['pinned', 'registration', 'registration']);
    // Without the middle link the chain breaks.
    expect(
      await refusal(verifyBundle(await portal.bundle(record, [keys[0]!, keys[2]!]), { jwks: portal.jwks() })),
    ).toBe(
      `key ${second.kid} of secretariat is not proven: the bundle carries no registration of it, and it is ` +
        `not the Secretariat key you pinned`,
    );
  });
});

describe('verifyBundle: revoked keys', () => {
  it('verifies a record signed before the revocation, refuses one signed after it', async () => {
    const { portal, at, registration, record, publish, proofs, jwks } = await story();
    const revocation = await portal.revoke('AT', at);
    const late = await publish();
    await expect(verifyBundle(await portal.bundle(record, proofs({ revocation })), { jwks })).resolves.toMatchObject({
      report: { verified: true },
    });
    expect(await refusal(verifyBundle(await portal.bundle(late, proofs({ revocation })), { jwks }))).toBe(
      `key ${at.kid} of AT was revoked (attestation ${revocation.attestation.id}, log index 3, ` +
        `2026-11-27T09:00:03.000Z) before it signed this (log index 4, 2026-11-27T09:00:04.000Z)`,
    );
    expect(registration.attestation.log_index).toBe(1);
  });

  it('refuses a record logged after the revocation, whatever time its signer claims', async () => {
    const { portal, at, proofs, jwks } = await story();
    const revocation = await portal.revoke('AT', at, { at: 100 });
    const record = await portal.write({
      by: { principal: 'AT', key: at },
      subject: 'urn:cbm:contact:019ac1e2-0000-7000-8000-000000000002:v1',
      operation: 'createContact',
      path: '/contacts',
      body: contact(),
      at: 50,
    });
    expect(await refusal(verifyBundle(await portal.bundle(record, proofs({ revocation })), { jwks }))).toBe(
      `key ${at.kid} of AT was revoked (attestation ${revocation.attestation.id}, log index 3, ` +
        `2026-11-27T09:01:40.000Z) before it signed this (log index 4, 2026-11-27T09:00:50.000Z)`,
    );
  });

  it('refuses a signature made after the revocation was attested, even if logged before it', async () => {
    const { portal, at, proofs, jwks } = await story();
    const record = await portal.write({
      by: { principal: 'AT', key: at },
      subject: 'urn:cbm:contact:019ac1e2-0000-7000-8000-000000000002:v1',
      operation: 'createContact',
      path: '/contacts',
      body: contact(),
      at: 100,
    });
    const revocation = await portal.revoke('AT', at, { at: 50 });
    expect(await refusal(verifyBundle(await portal.bundle(record, proofs({ revocation })), { jwks }))).toBe(
      `key ${at.kid} of AT was revoked (attestation ${revocation.attestation.id}, log index 4, ` +
        `2026-11-27T09:00:50.000Z) before it signed this (log index 3, 2026-11-27T09:01:40.000Z)`,
    );
  });

  it('refuses a registration signed with a Secretariat key revoked before it', async () => {
    const portal = await mintPortal();
    const second = await generateSigningKey();
    const secondRegistration = await portal.register('secretariat', second);
    const revocation = await portal.revoke('secretariat', second);
    const at = await generateSigningKey();
    const registration = await portal.write({
      by: { principal: 'secretariat', key: second },
      subject: `urn:cbm:key:${at.kid}`,
      operation: 'registerPrincipalKey',
      path: '/principals/AT/keys',
      body: { jwk: at.publicJwk },
    });
    const record = await portal.write({
      by: { principal: 'AT', key: at },
      subject: 'urn:cbm:principal:AT',
      operation: 'createContact',
      path: '/contacts',
      body: contact(),
    });
    const bundle = await portal.bundle(record, [
      { principal: 'secretariat', kid: portal.secretariat.kid },
      { principal: 'secretariat', kid: second.kid, registration: secondRegistration, revocation },
      { principal: 'AT', kid: at.kid, registration },
    ]);
    expect(await refusal(verifyBundle(bundle, { jwks: portal.jwks() }))).toMatch(
      new RegExp(
        `^key ${second.kid} of secretariat was revoked \\(attestation ${revocation.attestation.id}, log index ` +
          `1, .*\\) before it signed this \\(log index 2, `,
      ),
    );
  });

  it('refuses a revocation entry that revokes something else', async () => {
    const { portal, at, record, proofs, jwks } = await story();
    const other = await generateSigningKey();
    const revocation = await portal.revoke('AT', other);
    expect(await refusal(verifyBundle(await portal.bundle(record, proofs({ revocation })), { jwks }))).toBe(
      `the revocation of key ${at.kid} of AT in the bundle is a revokePrincipalKey of urn:cbm:key:${other.kid}:revocation`,
    );
  });
});

describe('verifyBundle: the record itself', () => {
  async function honest() {
    const { portal, record, proofs, jwks } = await story();
    return { bundle: await portal.bundle(record, proofs()), jwks, portal, record, proofs };
  }

  it('refuses a changed attestation (the portal signature)', async () => {
    const { bundle, jwks } = await honest();
    const [header, payload, signature] = bundle.attestation.token.split('.');
    const claims = JSON.parse(new TextDecoder().decode(base64url.decode(payload!))) as Record<string, unknown>;
    const changed = structuredClone(bundle);
    changed.attestation.token = `${header}.${base64url.encode(JSON.stringify({ ...claims, principal: 'DE' }))}.${signature}`;
    expect(await refusal(verifyBundle(changed, { jwks }))).toBe('signature verification failed');
  });

  it('refuses evidence and attestation that do not name each other', async () => {
    const { bundle, jwks } = await honest();
    const cases: [(copy: RecordBundle) => void, string][] = [
      [
        (copy) => (copy.attestation.id = '01a21c3b-0000-7000-8000-999999999999'),
        `the record: the attestation token is ${bundle.attestation.id}, not 01a21c3b-0000-7000-8000-999999999999`,
      ],
      [
        (copy) => (copy.evidence.attestation_id = '01a21c3b-0000-7000-8000-999999999999'),
        'the record: the evidence belongs to another attestation',
      ],
      [(copy) => (copy.evidence.principal = 'BE'), 'the record: the evidence names another principal'],
      [(copy) => (copy.evidence.kid = 'another'), 'the record: the evidence names another key than the attestation'],
    ];
    for (const [change, message] of cases) {
      const copy = structuredClone(bundle);
      change(copy);
      expect(await refusal(verifyBundle(copy, { jwks }))).toBe(message);
    }
  });

  it("refuses evidence whose signed method or path is not the evidence's (htm, htu)", async () => {
    const { bundle, jwks } = await honest();
    for (const change of [
      (copy: RecordBundle) => (copy.evidence.path = '/contacts/other'),
      (copy: RecordBundle) => (copy.evidence.method = 'PUT'),
    ]) {
      const copy = structuredClone(bundle);
      change(copy);
      expect(await refusal(verifyBundle(copy, { jwks }))).toBe(
        'evidence does not verify: the request token was signed for another method or path',
      );
    }
  });

  it('refuses a checkpoint whose signature does not verify', async () => {
    const { bundle, jwks } = await honest();
    // Same key id, one bit of the signature flipped; then the same signature over another size.
    const [body, signatureLine] = bundle.checkpoint.split('\n\n');
    const [dash, name, blob] = signatureLine!.trim().split(' ');
    const bytes = fromBase64(blob!);
    bytes[10] = bytes[10]! ^ 1;
    const flipped = structuredClone(bundle);
    flipped.checkpoint = `${body}\n\n${dash} ${name} ${Buffer.from(bytes).toString('base64')}\n`;
    expect(await refusal(verifyBundle(flipped, { jwks }))).toBe('checkpoint: the signature does not verify');
    const resized = structuredClone(bundle);
    resized.checkpoint = bundle.checkpoint.replace('\n3\n', '\n4\n');
    expect(await refusal(verifyBundle(resized, { jwks }))).toBe('checkpoint: the signature does not verify');
  });

  it('refuses an inclusion proof for another leaf, another tree, or that leads elsewhere', async () => {
    const { bundle, jwks } = await honest();
    const cases: [(copy: RecordBundle) => void, string][] = [
      [(copy) => (copy.inclusion.leaf_index = 1), 'inclusion proof: for leaf 1, not 2'],
      [(copy) => (copy.inclusion.tree_size = 2), "inclusion proof: for a tree of 2, not the checkpoint's 3"],
      [
        (copy) => (copy.inclusion.proof = [Buffer.alloc(32, 7).toString('base64')]),
        'inclusion proof: does not lead to the root',
      ],
    ];
    for (const [change, message] of cases) {
      const copy = structuredClone(bundle);
      change(copy);
      expect(await refusal(verifyBundle(copy, { jwks }))).toBe(message);
    }
  });
});

describe('verifyEvidence: each binding', () => {
  async function parts(change: { attestation?: Record<string, unknown>; request?: Record<string, unknown> }) {
    const portal = await mintPortal();
    const at = await generateSigningKey();
    const written = await portal.write({
      by: { principal: 'AT', key: at },
      subject: 'urn:cbm:x',
      operation: 'createContact',
      path: '/contacts',
      body: contact(),
      ...change,
    });
    return { evidence: written.evidence, claims: written.claims as AttestationClaims, key: at.publicJwk as JWK };
  }

  it('verifies the honest evidence', async () => {
    const { evidence, claims, key } = await parts({});
    await expect(verifyEvidence(evidence, claims, key)).resolves.toMatchObject({
      claims: { iss: 'AT', htm: 'POST', htu: '/contacts' },
    });
  });

  it("refuses an attestation whose body_sha256 is not the signed body's", async () => {
    const { evidence, claims, key } = await parts({ attestation: { body_sha256: 'A'.repeat(43) } });
    expect(await refusal(verifyEvidence(evidence, claims, key))).toBe(
      'evidence does not verify: the attestation names other body bytes',
    );
  });

  it("refuses a request token that binds other body bytes than the evidence's", async () => {
    const { evidence, claims, key } = await parts({ request: { body_sha256: 'A'.repeat(43) } });
    // The attestation names the token as it is (so only the token's own binding fails).
    expect(await refusal(verifyEvidence(evidence, claims, key))).toBe(
      'evidence does not verify: the request token does not bind these body bytes',
    );
  });

  it('refuses an attestation that names another request token', async () => {
    const { evidence, claims, key } = await parts({ attestation: { request_sha256: 'A'.repeat(43) } });
    expect(await refusal(verifyEvidence(evidence, claims, key))).toBe(
      'evidence does not verify: the attestation names another request token',
    );
  });

  it('refuses a token signed for another method, or another path', async () => {
    for (const request of [{ htm: 'PUT' }, { htu: '/contacts/other' }]) {
      const { evidence, claims, key } = await parts({ request });
      expect(await refusal(verifyEvidence(evidence, claims, key))).toBe(
        'evidence does not verify: the request token was signed for another method or path',
      );
    }
  });
});

describe('log proofs: each RFC 9162 guard', () => {
  const h = (fill: number) => new Uint8Array(32).fill(fill);
  /** A tree of 5 leaves, its root and the audit path of leaf 2, made with the client's own hashing. */
  async function tree() {
    const leaves = await Promise.all([0, 1, 2, 3, 4].map((n) => hashLeaf(new Uint8Array([n]))));
    const node = async (a: Uint8Array, b: Uint8Array) =>
      new Uint8Array(await crypto.subtle.digest('SHA-256', new Uint8Array([1, ...a, ...b])));
    const n01 = await node(leaves[0]!, leaves[1]!);
    const n23 = await node(leaves[2]!, leaves[3]!);
    const n0123 = await node(n01, n23);
    const root = await node(n0123, leaves[4]!);
    const root3 = await node(n01, leaves[2]!);
    return {
      leaves,
      root,
      root3,
      n01,
      n23,
      n0123,
      path2: [leaves[3]!, n01, leaves[4]!],
      proof3to5: [leaves[2]!, leaves[3]!, n01, leaves[4]!],
    };
  }

  it('verifies the honest inclusion proof', async () => {
    const { leaves, root, path2 } = await tree();
    await expect(verifyInclusion(leaves[2]!, 2, 5, path2, root)).resolves.toBeUndefined();
  });

  it.each([
    [
      'an index at the size',
      (t: Awaited<ReturnType<typeof tree>>) => verifyInclusion(t.leaves[2]!, 5, 5, t.path2, t.root),
      'inclusion proof: index 5 is not below size 5',
    ],
    [
      'a negative index',
      (t: Awaited<ReturnType<typeof tree>>) => verifyInclusion(t.leaves[2]!, -1, 5, t.path2, t.root),
      'inclusion proof: index -1 is not below size 5',
    ],
    [
      'one hash too many',
      (t: Awaited<ReturnType<typeof tree>>) => verifyInclusion(t.leaves[2]!, 2, 5, [...t.path2, h(1)], t.root),
      'inclusion proof: longer than the tree is deep',
    ],
    [
      'one hash too few',
      (t: Awaited<ReturnType<typeof tree>>) => verifyInclusion(t.leaves[2]!, 2, 5, t.path2.slice(0, 2), t.root),
      'inclusion proof: shorter than the tree is deep',
    ],
    [
      'a short hash',
      (t: Awaited<ReturnType<typeof tree>>) =>
        verifyInclusion(t.leaves[2]!, 2, 5, [t.path2[0]!.slice(1), ...t.path2.slice(1)], t.root),
      'inclusion proof: a hash is not 32 bytes',
    ],
    [
      'another root',
      (t: Awaited<ReturnType<typeof tree>>) => verifyInclusion(t.leaves[2]!, 2, 5, t.path2, h(9)),
      'inclusion proof: does not lead to the root',
    ],
  ])('refuses an inclusion proof with %s', async (_name, attempt, message) => {
    expect(await refusal(attempt(await tree()))).toBe(message);
  });

  it('verifies the honest consistency proofs (4 into 5, 3 into 5)', async () => {
    const { root, root3, n0123, leaves, proof3to5 } = await tree();
    await expect(verifyConsistency(4, 5, [leaves[4]!], n0123, root)).resolves.toBeUndefined();
    await expect(verifyConsistency(3, 5, proof3to5, root3, root)).resolves.toBeUndefined();
  });

  it.each([
    [
      'an empty first tree',
      (t: Awaited<ReturnType<typeof tree>>) => verifyConsistency(0, 5, [], h(0), t.root),
      'consistency proof: the first tree must not be empty',
    ],
    [
      'a smaller second tree',
      (t: Awaited<ReturnType<typeof tree>>) => verifyConsistency(5, 4, [], t.root, t.n0123),
      'consistency proof: the second tree is smaller than the first',
    ],
    [
      'a proof for equal sizes',
      (t: Awaited<ReturnType<typeof tree>>) => verifyConsistency(5, 5, [h(1)], t.root, t.root),
      'consistency proof: must be empty for equal sizes',
    ],
    [
      'equal sizes, other roots',
      (t: Awaited<ReturnType<typeof tree>>) => verifyConsistency(5, 5, [], t.root, h(2)),
      'consistency proof: equal sizes with different roots',
    ],
    [
      'no proof',
      (t: Awaited<ReturnType<typeof tree>>) => verifyConsistency(4, 5, [], t.n0123, t.root),
      'consistency proof: empty',
    ],
    [
      'one hash too many',
      (t: Awaited<ReturnType<typeof tree>>) => verifyConsistency(4, 5, [t.leaves[4]!, h(1)], t.n0123, t.root),
      'consistency proof: longer than the tree is deep',
    ],
    [
      'one hash too few',
      (t: Awaited<ReturnType<typeof tree>>) => verifyConsistency(3, 5, [t.leaves[2]!], t.n0123, t.root),
      'consistency proof: shorter than the tree is deep',
    ],
    [
      'a short hash',
      (t: Awaited<ReturnType<typeof tree>>) => verifyConsistency(4, 5, [t.leaves[4]!.slice(1)], t.n0123, t.root),
      'consistency proof: a hash is not 32 bytes',
    ],
    // The first root is only recomputed when the first tree is not a power of two: 3 into 5.
    [
      'another first root',
      (t: Awaited<ReturnType<typeof tree>>) => verifyConsistency(3, 5, t.proof3to5, h(3), t.root),
      'consistency proof: does not lead to the first root',
    ],
    [
      'another second root',
      (t: Awaited<ReturnType<typeof tree>>) => verifyConsistency(4, 5, [t.leaves[4]!], t.n0123, h(4)),
      'consistency proof: does not lead to the second root',
    ],
  ])('refuses a consistency proof with %s', async (_name, attempt, message) => {
    expect(await refusal(attempt(await tree()))).toBe(message);
  });

  it('refuses a checkpoint of another origin, a malformed one, and one signed by another key', async () => {
    const portal = await mintPortal();
    await portal.write({
      by: { principal: 'secretariat', key: portal.secretariat },
      subject: 'urn:cbm:principal:AT',
      operation: 'createPrincipal',
      path: '/principals',
      body: { id: 'AT', name: 'Austria' },
    });
    const { note } = await portal.checkpoint();
    await expect(verifyCheckpoint(note, portal.portalJwk, 'forged.example/log')).resolves.toMatchObject({ size: 1 });
    expect(await refusal(verifyCheckpoint(note, portal.portalJwk, 'other.example/log'))).toBe(
      'checkpoint: origin forged.example/log is not other.example/log',
    );
    expect(await refusal(verifyCheckpoint(note.replace('\n1\n', '\none\n'), portal.portalJwk))).toBe(
      'checkpoint: malformed body',
    );
    expect(await refusal(verifyCheckpoint(note.replace('\n\n', '\n'), portal.portalJwk))).toBe(
      'checkpoint: no signature block',
    );
    const stranger = await mintPortal();
    expect(await refusal(verifyCheckpoint(note, stranger.portalJwk))).toBe(
      'checkpoint: no signature by the portal key',
    );
  });
});

describe('served records: what you read is what was signed', () => {
  it('locates the version an attestation names', () => {
    expect(servedLocation('urn:cbm:contact:019ac1e2-0000-7000-8000-000000000001:v2', 'AT')).toEqual({
      href: '/contacts/019ac1e2-0000-7000-8000-000000000001/history',
      byAttestation: true,
    });
    expect(servedLocation('urn:cbm:principal:AT', 'secretariat')).toEqual({
      href: '/principals/AT',
      byAttestation: false,
    });
    expect(servedLocation('urn:cbm:confirmation:019ac1e2-0000-7000-8000-000000000001', 'AT')).toEqual({
      href: '/states/AT/confirmations',
      byAttestation: true,
    });
    expect(servedLocation('urn:cbm:key:abc', 'secretariat')).toBeNull();
    expect(
      findByAttestation(
        {
          items: [
            { attestation_id: 'a', v: 1 },
            { attestation_id: 'b', v: 2 },
          ],
        },
        'b',
      ),
    ).toEqual({ attestation_id: 'b', v: 2 });
    expect(findByAttestation({ items: [] }, 'b')).toBeUndefined();
  });

  it('names each served field that differs from the signed one, and only those', async () => {
    const signed = contact({ position: null, effective_at: '2026-11-27T10:00:00+01:00' });
    const served = { ...signed, id: 'x', version: 1, effective_at: '2026-11-27T09:00:00.000Z', attestation_id: 'a' };
    expect(await signedFieldMismatches(signed, served)).toEqual([]);
    expect(await signedFieldMismatches(signed, { ...served, name: 'Mallory' })).toEqual(['name']);
    expect(await signedFieldMismatches(signed, { ...served, languages: ['de-AT'], email: 'x@example.org' })).toEqual([
      'email',
      'languages',
    ]);
    expect(await signedFieldMismatches(signed, { ...served, effective_at: '2026-11-27T09:00:01.000Z' })).toEqual([
      'effective_at',
    ]);
    expect(await signedFieldMismatches({ reason: 'left' }, { withdrawal_reason: 'moved' })).toEqual([
      'withdrawal_reason',
    ]);
    // A document's content is served as the digest of what was signed.
    const markdown = { content: { markdown: '# Strategy\n' } };
    const servedContent = {
      kind: 'markdown',
      media_type: 'text/markdown',
      sha256: await sha256b64u('# Strategy\n'),
      size: 11,
      filename: null,
      available: true,
      href: '/documents/x/content',
    };
    expect(await signedFieldMismatches(markdown, { content: servedContent })).toEqual([]);
    expect(
      await signedFieldMismatches(markdown, { content: { ...servedContent, sha256: await sha256b64u('# Other\n') } }),
    ).toEqual(['content']);
    const file = { content: { file: { media_type: 'application/pdf', sha256: 'A'.repeat(43), size: 10 } } };
    expect(
      await signedFieldMismatches(file, {
        content: {
          kind: 'file',
          media_type: 'application/pdf',
          sha256: 'A'.repeat(43),
          size: 10,
          filename: null,
          available: false,
          href: '/x',
        },
      }),
    ).toEqual([]);
    expect(
      await signedFieldMismatches(file, {
        content: {
          kind: 'file',
          media_type: 'application/pdf',
          sha256: 'A'.repeat(43),
          size: 11,
          filename: null,
          available: false,
          href: '/x',
        },
      }),
    ).toEqual(['content']);
    // A signed member the record does not serve is not compared (a key's JWK, a file).
    expect(await signedFieldMismatches({ note: 'x' }, { id: 'y' })).toEqual([]);
  });

  it('refuses, online, a served record that differs from the signed evidence', async () => {
    const { portal, record, proofs, jwks } = await story();
    const bundle = await portal.bundle(record, proofs());
    const served = {
      id: '019ac1e2-0000-7000-8000-000000000001',
      version: 1,
      ...contact({ name: 'Mallory' }),
      attestation_id: record.attestation.id,
    };
    const fake = (request: Request) => {
      const path = new URL(request.url).pathname;
      const answers: Record<string, unknown> = {
        '/contacts/019ac1e2-0000-7000-8000-000000000001/history': { items: [served], next_cursor: null },
      };
      return Promise.resolve(
        new Response(JSON.stringify(answers[path] ?? {}), {
          status: answers[path] ? 200 : 404,
          headers: { 'content-type': 'application/json' },
        }),
      );
    };
    const verifier = createVerifier(await createPortalClient({ baseUrl: portal.origin, fetch: fake }), {
      issuer: portal.origin,
      jwks,
    });
    const verified = await verifyBundle(bundle, { jwks });
    expect(await refusal(verifier.served(verified))).toBe(
      'the record the portal serves at /contacts/019ac1e2-0000-7000-8000-000000000001/history differs from what AT signed: name',
    );
    served.name = contact().name;
    await expect(verifier.served(verified)).resolves.toEqual({
      status: 'matches',
      href: '/contacts/019ac1e2-0000-7000-8000-000000000001/history',
    });
  });
});
