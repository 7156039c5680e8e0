import { base64url, decodeJwt, decodeProtectedHeader, type JSONWebKeySet, type JWK } from 'jose';
import { describe, expect, it } from 'vitest';
import { sha256b64u } from '../../clients/typescript/src/digest.ts';
import { verifyAttestation, verifyEvidence } from '../../clients/typescript/src/verify.ts';
import type { components } from '../generated/openapi.ts';
import {
  contactBody,
  createTestPortal,
  ORIGIN,
  START,
  type TestClient,
  type TestPortal,
} from '../../test/support/portal.ts';

type AttestationBody = components['schemas']['Attestation'];
type EvidenceBody = components['schemas']['Evidence'];

async function jwksOf(portal: TestPortal): Promise<JSONWebKeySet> {
  const res = await portal.fetch(new Request(`${ORIGIN}/.well-known/jwks.json`));
  expect(res.status).toBe(200);
  return (await res.json()) as JSONWebKeySet;
}

async function publicKeyOf(reader: TestClient, principal: string, kid: string): Promise<JWK> {
  const res = await reader.get(`/principals/${principal}/keys?status=all`);
  expect(res.status).toBe(200);
  const key = ((await res.json()) as { items: { kid: string; jwk: JWK }[] }).items.find((item) => item.kid === kid);
  if (!key) throw new Error(`no key ${kid} listed for ${principal}`);
  return key.jwk;
}

/** A state publishes a contact; returns what a verifier would fetch. */
async function publishedContact(portal: TestPortal) {
  const austria = await portal.registerState('AT');
  const bytes = JSON.stringify(contactBody());
  const res = await austria.post('/contacts', contactBody());
  expect(res.status).toBe(201);
  const written = (await res.json()) as {
    data: { id: string; attestation_id: string };
    attestation: { id: string; token: string; href: string; log_index: number };
  };
  return { austria, bytes, written };
}

async function getJson<T>(client: TestClient, path: string): Promise<T> {
  const res = await client.get(path);
  expect(res.status).toBe(200);
  return (await res.json()) as T;
}

describe('attestations', () => {
  it('serves the attestation and the evidence of a write: the exact request token and body bytes', async () => {
    const portal = await createTestPortal();
    const { austria, bytes, written } = await publishedContact(portal);
    const germany = await portal.registerState('DE');
    const id = written.attestation.id;
    expect(written.attestation.href).toBe(`/attestations/${id}`);

    const attestation = await getJson<AttestationBody>(germany, `/attestations/${id}`);
    expect(attestation).toEqual({
      id,
      subject: `urn:cbm:contact:${written.data.id}:v1`,
      principal: 'AT',
      operation: 'createContact',
      issued_at: START,
      token: written.attestation.token,
      // Decoded for reading, as the contract's AttestationTokenHeader and AttestationTokenClaims.
      header: { alg: 'EdDSA', typ: 'cbm-attestation+jwt', kid: portal.keys.signing.kid },
      claims: {
        iss: ORIGIN,
        sub: `urn:cbm:contact:${written.data.id}:v1`,
        iat: Date.parse(START) / 1000,
        jti: id,
        principal: 'AT',
        principal_kid: austria.kid,
        operation: 'createContact',
        body_sha256: await sha256b64u(bytes),
        request_sha256: await sha256b64u(
          portal.sqlite.prepare('SELECT request_token FROM attestations WHERE id = ?').pluck().get(id) as string,
        ),
      },
      log_index: written.attestation.log_index,
      evidence_href: `/attestations/${id}/evidence`,
    });
    // Leaves 0 and 1: Austria and its key; the contact is the third write.
    expect(written.attestation.log_index).toBe(2);

    const evidence = await getJson<EvidenceBody>(germany, attestation.evidence_href);
    expect(evidence).toMatchObject({
      attestation_id: id,
      principal: 'AT',
      kid: austria.kid,
      method: 'POST',
      path: '/contacts',
      content_type: 'application/json',
      body_sha256: await sha256b64u(bytes),
    });
    expect(new TextDecoder().decode(base64url.decode(evidence.body))).toBe(bytes);
    const stored = portal.sqlite
      .prepare('SELECT request_token FROM attestations WHERE id = ?')
      .pluck()
      .get(id) as string;
    expect(evidence.request_token).toBe(stored);
    expect(decodeProtectedHeader(evidence.request_token)).toMatchObject({ typ: 'cbm-request+jwt', kid: austria.kid });
    expect(evidence.request_token_header).toEqual(decodeProtectedHeader(stored));
    expect(evidence.request_token_claims).toEqual(decodeJwt(stored));
    expect(evidence.request_token_claims).toMatchObject({
      iss: 'AT',
      htm: 'POST',
      htu: '/contacts',
      body_sha256: await sha256b64u(bytes),
    });

    expect((await germany.get('/attestations/019ac1e2-0000-7000-8000-000000000000')).status).toBe(404);
    expect((await germany.get('/attestations/019ac1e2-0000-7000-8000-000000000000/evidence')).status).toBe(404);
  });

  it("verifies offline: the portal's signature against its JWKS and the state's signature against the state's key", async () => {
    const portal = await createTestPortal();
    const { austria, bytes, written } = await publishedContact(portal);
    const jwks = await jwksOf(portal);
    const attestation = await getJson<AttestationBody>(austria, `/attestations/${written.attestation.id}`);
    const evidence = await getJson<EvidenceBody>(austria, attestation.evidence_href);

    const claims = await verifyAttestation(attestation.token, jwks, { issuer: ORIGIN });
    expect(claims).toMatchObject({
      iss: ORIGIN,
      sub: `urn:cbm:contact:${written.data.id}:v1`,
      jti: written.attestation.id,
      iat: Date.parse(START) / 1000,
      principal: 'AT',
      principal_kid: austria.kid,
      operation: 'createContact',
      body_sha256: await sha256b64u(bytes),
      request_sha256: await sha256b64u(evidence.request_token),
    });
    expect(decodeProtectedHeader(attestation.token)).toEqual({
      alg: 'EdDSA',
      typ: 'cbm-attestation+jwt',
      kid: portal.keys.signing.kid,
    });

    const stateKey = await publicKeyOf(austria, 'AT', evidence.kid);
    const verified = await verifyEvidence(evidence, claims, stateKey);
    expect(new TextDecoder().decode(verified.body)).toBe(bytes);
    expect(verified.claims).toMatchObject({
      iss: 'AT',
      aud: ORIGIN,
      htm: 'POST',
      htu: '/contacts',
      body_sha256: claims.body_sha256,
    });
  });

  it("verifies the Secretariat's writes the same way, with the Secretariat's key", async () => {
    const portal = await createTestPortal();
    const res = await portal.secretariat.post('/principals', { id: 'AT', name: 'Austria' });
    const { attestation } = (await res.json()) as { attestation: { id: string; token: string } };

    const claims = await verifyAttestation(attestation.token, await jwksOf(portal), { issuer: ORIGIN });
    expect(claims).toMatchObject({
      sub: 'urn:cbm:principal:AT',
      principal: 'secretariat',
      operation: 'createPrincipal',
    });
    const evidence = await getJson<EvidenceBody>(portal.secretariat, `/attestations/${attestation.id}/evidence`);
    const key = await publicKeyOf(portal.secretariat, 'secretariat', portal.secretariat.kid);
    const { body } = await verifyEvidence(evidence, claims, key);
    expect(JSON.parse(new TextDecoder().decode(body))).toEqual({ id: 'AT', name: 'Austria' });
  });

  it('keeps evidence verifiable after the signing key is revoked', async () => {
    const portal = await createTestPortal();
    const { austria, written } = await publishedContact(portal);
    expect(
      (await portal.secretariat.post(`/principals/AT/keys/${austria.kid}/revoke`, { reason: 'retired' })).status,
    ).toBe(200);

    const claims = await verifyAttestation(written.attestation.token, await jwksOf(portal), { issuer: ORIGIN });
    const evidence = await getJson<EvidenceBody>(
      portal.secretariat,
      `/attestations/${written.attestation.id}/evidence`,
    );
    const key = await publicKeyOf(portal.secretariat, 'AT', evidence.kid);
    await expect(verifyEvidence(evidence, claims, key)).resolves.toMatchObject({ claims: { iss: 'AT' } });
  });

  describe('tampering is detected', () => {
    async function fixture() {
      const portal = await createTestPortal();
      const { austria, written } = await publishedContact(portal);
      const jwks = await jwksOf(portal);
      const claims = await verifyAttestation(written.attestation.token, jwks, { issuer: ORIGIN });
      const evidence = await getJson<EvidenceBody>(austria, `/attestations/${written.attestation.id}/evidence`);
      const stateKey = await publicKeyOf(austria, 'AT', evidence.kid);
      // The untouched evidence verifies: each refusal below is caused by the one change it makes.
      await verifyEvidence(evidence, claims, stateKey);
      return { portal, austria, written, jwks, claims, evidence, stateKey };
    }

    it('one flipped byte of the evidence body', async () => {
      const { claims, evidence, stateKey } = await fixture();
      const body = base64url.decode(evidence.body);
      body[10] = body[10]! ^ 0x01;
      await expect(verifyEvidence({ ...evidence, body: base64url.encode(body) }, claims, stateKey)).rejects.toThrow(
        /body bytes/,
      );
    });

    it('a request token re-signed by another key', async () => {
      const { portal, claims, evidence } = await fixture();
      const forger = await portal.addKey('AT');
      const forged = {
        ...evidence,
        request_token: await forger.sign('POST', '/contacts', base64url.decode(evidence.body)),
      };
      const registeredKey = await publicKeyOf(portal.secretariat, 'AT', evidence.kid);
      await expect(verifyEvidence(forged, claims, registeredKey)).rejects.toThrow();
      // With the forger's own key the signature holds, but the attestation names another token.
      await expect(verifyEvidence(forged, claims, forger.publicJwk)).rejects.toThrow(/another request token/);
    });

    it("a read token of the state passed off as the evidence of a write (body not bound by the state's signature)", async () => {
      const { austria, claims, evidence, stateKey } = await fixture();
      // A dishonest operator holds every GET token the state ever sent: signed, but with no body_sha256.
      const readToken = await austria.sign('GET', '/contacts');
      const forgedBody = new TextEncoder().encode(JSON.stringify(contactBody({ email: 'attacker@example.org' })));
      const forgedEvidence = {
        ...evidence,
        method: 'GET',
        path: '/contacts',
        request_token: readToken,
        body: base64url.encode(forgedBody),
      };
      const forgedClaims = {
        ...claims,
        body_sha256: await sha256b64u(forgedBody),
        request_sha256: await sha256b64u(readToken),
      };
      await expect(verifyEvidence(forgedEvidence, forgedClaims, stateKey)).rejects.toThrow(/body bytes/);
    });

    it('an attestation checked against another portal', async () => {
      const { written } = await fixture();
      const other = await createTestPortal();
      await expect(
        verifyAttestation(written.attestation.token, await jwksOf(other), { issuer: ORIGIN }),
      ).rejects.toThrow();
    });

    it('an attestation with a changed claim', async () => {
      const { written, jwks } = await fixture();
      const [header, payload, signature] = written.attestation.token.split('.');
      const claims = JSON.parse(new TextDecoder().decode(base64url.decode(payload!))) as Record<string, unknown>;
      const altered = base64url.encode(JSON.stringify({ ...claims, principal: 'DE' }));
      await expect(verifyAttestation(`${header}.${altered}.${signature}`, jwks, { issuer: ORIGIN })).rejects.toThrow();
      await expect(
        verifyAttestation(written.attestation.token, jwks, { issuer: 'http://other.test' }),
      ).rejects.toThrow();
    });

    it('a body changed in the attestations table', async () => {
      const { portal, austria, written, claims, stateKey } = await fixture();
      const changed = new TextEncoder().encode(JSON.stringify(contactBody({ email: 'attacker@example.org' })));
      portal.sqlite.prepare('UPDATE attestations SET body = ? WHERE id = ?').run(changed, written.attestation.id);

      const evidence = await getJson<EvidenceBody>(austria, `/attestations/${written.attestation.id}/evidence`);
      expect(new TextDecoder().decode(base64url.decode(evidence.body))).toContain('attacker@example.org');
      await expect(verifyEvidence(evidence, claims, stateKey)).rejects.toThrow(/body bytes/);
    });

    it('a stored attestation token changed in the table', async () => {
      const { portal, austria, written, jwks } = await fixture();
      const [header, payload, signature] = written.attestation.token.split('.');
      const claims = JSON.parse(new TextDecoder().decode(base64url.decode(payload!))) as Record<string, unknown>;
      const altered = `${header}.${base64url.encode(JSON.stringify({ ...claims, body_sha256: await sha256b64u('other') }))}.${signature}`;
      portal.sqlite.prepare('UPDATE attestations SET token = ? WHERE id = ?').run(altered, written.attestation.id);

      const attestation = await getJson<AttestationBody>(austria, `/attestations/${written.attestation.id}`);
      expect(attestation.token).toBe(altered);
      await expect(verifyAttestation(attestation.token, jwks, { issuer: ORIGIN })).rejects.toThrow();
    });
  });
});
