import { calculateJwkThumbprint, type JWK } from 'jose';
import { describe, expect, it } from 'vitest';
import { generateSigningKey } from '../../clients/typescript/src/index.ts';
import { count, createTestPortal, ORIGIN, START } from '../../test/support/portal.ts';
import type { ProblemBody } from '../../test/support/problem.ts';

const HOUR_MS = 3600 * 1000;

interface Page<T> {
  items: T[];
  next_cursor: string | null;
}
interface PrincipalBody {
  id: string;
  kind: string;
  name: string;
  created_at: string;
  href: string;
}
interface KeyBody {
  kid: string;
  principal: string;
  alg: string;
  jwk: JWK;
  scopes: string[];
  status: string;
  label: string | null;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
  revocation_reason: string | null;
  replaces: string | null;
  registration_attestation_id: string | null;
  revocation_attestation_id: string | null;
  href: string;
}
interface Written<T> {
  data: T;
  attestation: { id: string; token: string; href: string };
}

function attestationRow(sqlite: Awaited<ReturnType<typeof createTestPortal>>['sqlite'], id: string) {
  return sqlite.prepare('SELECT subject, principal_id, operation, token FROM attestations WHERE id = ?').get(id) as
    | { subject: string; principal_id: string; operation: string; token: string }
    | undefined;
}

describe('principals: states', () => {
  it('lets the Secretariat register a state, with Location, the stored principal and an attestation', async () => {
    const portal = await createTestPortal();
    const res = await portal.secretariat.post('/principals', { id: 'AT', name: 'Austria' });

    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toBe('/principals/AT');
    const body = (await res.json()) as Written<PrincipalBody>;
    expect(body.data).toEqual({ id: 'AT', kind: 'state', name: 'Austria', created_at: START, href: '/principals/AT' });
    expect(body.attestation.href).toBe(`/attestations/${body.attestation.id}`);
    expect(body.attestation.token.split('.')).toHaveLength(3);

    const stored = portal.sqlite.prepare("SELECT id, kind, name, created_at FROM principals WHERE id = 'AT'").get();
    expect(stored).toEqual({ id: 'AT', kind: 'state', name: 'Austria', created_at: START });
    expect(attestationRow(portal.sqlite, body.attestation.id)).toMatchObject({
      subject: 'urn:cbm:principal:AT',
      principal_id: 'secretariat',
      operation: 'createPrincipal',
      token: body.attestation.token,
    });
  });

  it('refuses to register the same state twice (409) and writes nothing', async () => {
    const portal = await createTestPortal();
    expect((await portal.secretariat.post('/principals', { id: 'AT', name: 'Austria' })).status).toBe(201);
    const before = {
      principals: count(portal.sqlite, 'principals'),
      attestations: count(portal.sqlite, 'attestations'),
    };

    const res = await portal.secretariat.post('/principals', { id: 'AT', name: 'Republic of Austria' });
    expect(res.status).toBe(409);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(((await res.json()) as ProblemBody).code).toBe('principal-exists');
    expect({
      principals: count(portal.sqlite, 'principals'),
      attestations: count(portal.sqlite, 'attestations'),
    }).toEqual(before);
    const name = portal.sqlite.prepare("SELECT name FROM principals WHERE id = 'AT'").pluck().get();
    expect(name).toBe('Austria');
  });

  it.each(['XK', 'EU', 'UK', 'ZZ'])(
    'refuses the unassigned ISO 3166-1 code %s with 422 pointing at /id',
    async (id) => {
      const portal = await createTestPortal();
      const res = await portal.secretariat.post('/principals', { id, name: `Not a state ${id}` });
      expect(res.status).toBe(422);
      const problem = (await res.json()) as ProblemBody;
      expect(problem.code).toBe('validation-failed');
      expect(problem.errors?.map((error) => error.pointer)).toEqual(['/id']);
      expect(count(portal.sqlite, 'principals')).toBe(1);
    },
  );

  it('pages through five states with limit=2: each state exactly once, in registration order, ending with a null cursor', async () => {
    const portal = await createTestPortal();
    const ids = ['AT', 'DE', 'FR', 'IT', 'PL'];
    for (const id of ids)
      expect((await portal.secretariat.post('/principals', { id, name: `State ${id}` })).status).toBe(201);

    const seen: string[] = [];
    const pageSizes: number[] = [];
    let path = '/principals?kind=state&limit=2';
    for (let pages = 0; pages < 10; pages++) {
      const res = await portal.secretariat.get(path);
      expect(res.status).toBe(200);
      const page = (await res.json()) as Page<PrincipalBody>;
      pageSizes.push(page.items.length);
      seen.push(...page.items.map((item) => item.id));
      if (page.next_cursor === null) break;
      expect(page.next_cursor).toMatch(/^[A-Za-z0-9_-]+$/);
      path = `/principals?kind=state&limit=2&cursor=${page.next_cursor}`;
    }
    expect(seen).toEqual(ids);
    expect(pageSizes).toEqual([2, 2, 1]);
  });

  it('filters the list by kind, and lists everyone without a filter', async () => {
    const portal = await createTestPortal();
    await portal.secretariat.post('/principals', { id: 'AT', name: 'Austria' });
    await portal.secretariat.post('/principals', { id: 'DE', name: 'Germany' });

    const all = (await (await portal.secretariat.get('/principals')).json()) as Page<PrincipalBody>;
    expect(all.items.map((item) => [item.id, item.kind])).toEqual([
      ['secretariat', 'secretariat'],
      ['AT', 'state'],
      ['DE', 'state'],
    ]);
    expect(all.next_cursor).toBeNull();

    const secretariat = (await (
      await portal.secretariat.get('/principals?kind=secretariat')
    ).json()) as Page<PrincipalBody>;
    expect(secretariat.items.map((item) => item.id)).toEqual(['secretariat']);
    const states = (await (await portal.secretariat.get('/principals?kind=state')).json()) as Page<PrincipalBody>;
    expect(states.items.map((item) => item.id)).toEqual(['AT', 'DE']);
  });

  it('answers one principal, readable by a state too, and 404 for an unknown one', async () => {
    const portal = await createTestPortal();
    const at = await portal.registerState('AT', { name: 'Austria' });

    const res = await at.get('/principals/AT');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      id: 'AT',
      kind: 'state',
      name: 'Austria',
      created_at: START,
      href: '/principals/AT',
    });

    const secretariat = await portal.secretariat.get('/principals/secretariat');
    expect(((await secretariat.json()) as PrincipalBody).kind).toBe('secretariat');

    const missing = await portal.secretariat.get('/principals/FR');
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as ProblemBody).code).toBe('not-found');
  });

  it('lets only the Secretariat register states', async () => {
    const portal = await createTestPortal();
    const at = await portal.registerState('AT');
    const res = await at.post('/principals', { id: 'DE', name: 'Germany' });
    expect(res.status).toBe(403);
    expect(portal.sqlite.prepare("SELECT count(*) FROM principals WHERE id = 'DE'").pluck().get()).toBe(0);
  });
});

describe('principals: keys', () => {
  it.each([
    ['EdDSA', 'OKP', 'Ed25519'],
    ['ES256', 'EC', 'P-256'],
  ] as const)('registers a %s key under its RFC 7638 thumbprint, and the key then signs', async (alg, kty, crv) => {
    const portal = await createTestPortal();
    await portal.secretariat.post('/principals', { id: 'AT', name: 'Austria' });
    const key = await generateSigningKey(alg);
    const { kid: _kid, alg: _alg, use: _use, ...bare } = key.publicJwk;

    const res = await portal.secretariat.post('/principals/AT/keys', {
      jwk: bare,
      scopes: ['read', 'contacts:write'],
      label: 'CERT notifier',
    });
    expect(res.status).toBe(201);
    const body = (await res.json()) as Written<KeyBody>;
    const expectedKid = await calculateJwkThumbprint(
      kty === 'EC' ? { kty, crv, x: bare.x!, y: bare.y! } : { kty, crv, x: bare.x! },
      'sha256',
    );
    expect(body.data.kid).toBe(expectedKid);
    expect(res.headers.get('location')).toBe(`/principals/AT/keys/${expectedKid}`);
    expect(body.data).toMatchObject({
      principal: 'AT',
      alg,
      scopes: ['read', 'contacts:write'],
      status: 'active',
      label: 'CERT notifier',
      created_at: START,
      expires_at: null,
      revoked_at: null,
      replaces: null,
      href: `/principals/AT/keys/${expectedKid}`,
    });
    expect(body.data.jwk).toMatchObject({ kty, crv, x: bare.x, kid: expectedKid, alg, use: 'sig' });
    expect(body.data.jwk).not.toHaveProperty('d');
    expect(attestationRow(portal.sqlite, body.attestation.id)).toMatchObject({
      subject: `urn:cbm:key:${expectedKid}`,
      operation: 'registerPrincipalKey',
      principal_id: 'secretariat',
    });
    const stored = portal.sqlite
      .prepare('SELECT principal_id, alg, scopes FROM principal_keys WHERE kid = ?')
      .get(expectedKid);
    expect(stored).toEqual({ principal_id: 'AT', alg, scopes: '["read","contacts:write"]' });

    const signer = await portal.client('AT', key.privateJwk);
    expect((await signer.get('/principals/AT')).status).toBe(200);
  });

  it('refuses a key that is already registered (409), also for another principal', async () => {
    const portal = await createTestPortal();
    await portal.secretariat.post('/principals', { id: 'AT', name: 'Austria' });
    await portal.secretariat.post('/principals', { id: 'DE', name: 'Germany' });
    const key = await generateSigningKey();
    expect(
      (await portal.secretariat.post('/principals/AT/keys', { jwk: key.publicJwk, scopes: ['read'] })).status,
    ).toBe(201);
    const keysBefore = count(portal.sqlite, 'principal_keys');

    const again = await portal.secretariat.post('/principals/AT/keys', { jwk: key.publicJwk, scopes: ['read'] });
    expect(again.status).toBe(409);
    expect(((await again.json()) as ProblemBody).code).toBe('key-exists');
    const elsewhere = await portal.secretariat.post('/principals/DE/keys', { jwk: key.publicJwk, scopes: ['read'] });
    expect(elsewhere.status).toBe(409);
    expect(count(portal.sqlite, 'principal_keys')).toBe(keysBefore);
  });

  it('refuses an OKP key on the P-256 curve (422 at /jwk/crv)', async () => {
    const portal = await createTestPortal();
    await portal.secretariat.post('/principals', { id: 'AT', name: 'Austria' });
    const key = await generateSigningKey('EdDSA');
    const res = await portal.secretariat.post('/principals/AT/keys', {
      jwk: { kty: 'OKP', crv: 'P-256', x: key.publicJwk.x },
      scopes: ['read'],
    });
    expect(res.status).toBe(422);
    const problem = (await res.json()) as ProblemBody;
    expect(problem.errors?.map((error) => error.pointer)).toContain('/jwk/crv');
    expect(portal.sqlite.prepare("SELECT count(*) FROM principal_keys WHERE principal_id = 'AT'").pluck().get()).toBe(
      0,
    );
  });

  it('refuses a jwk.kid that is not the thumbprint (422 at /jwk/kid)', async () => {
    const portal = await createTestPortal();
    await portal.secretariat.post('/principals', { id: 'AT', name: 'Austria' });
    const key = await generateSigningKey();
    const other = await generateSigningKey();
    const res = await portal.secretariat.post('/principals/AT/keys', {
      jwk: { ...key.publicJwk, kid: other.kid },
      scopes: ['read'],
    });
    expect(res.status).toBe(422);
    const problem = (await res.json()) as ProblemBody;
    expect(problem.errors).toEqual([{ pointer: '/jwk/kid', detail: expect.stringContaining(key.kid) }]);
  });

  it('refuses a JWK carrying the private member d (422 at /jwk/d)', async () => {
    const portal = await createTestPortal();
    await portal.secretariat.post('/principals', { id: 'AT', name: 'Austria' });
    const key = await generateSigningKey();
    const res = await portal.secretariat.post('/principals/AT/keys', { jwk: key.privateJwk, scopes: ['read'] });
    expect(res.status).toBe(422);
    const problem = (await res.json()) as ProblemBody;
    expect(problem.errors?.map((error) => error.pointer)).toContain('/jwk/d');
    // The refusal must not echo the private key back.
    expect(JSON.stringify(problem)).not.toContain(key.privateJwk.d);
    expect(portal.sqlite.prepare("SELECT count(*) FROM principal_keys WHERE principal_id = 'AT'").pluck().get()).toBe(
      0,
    );
  });

  it("refuses the 'principals:write' scope on a state's key (422 at /scopes/<index>)", async () => {
    const portal = await createTestPortal();
    await portal.secretariat.post('/principals', { id: 'AT', name: 'Austria' });
    const key = await generateSigningKey();
    const res = await portal.secretariat.post('/principals/AT/keys', {
      jwk: key.publicJwk,
      scopes: ['read', 'principals:write'],
    });
    expect(res.status).toBe(422);
    const problem = (await res.json()) as ProblemBody;
    expect(problem.errors?.map((error) => error.pointer)).toEqual(['/scopes/1']);
  });

  it('lists only active keys by default and every key with status=all', async () => {
    const portal = await createTestPortal();
    const first = await portal.registerState('AT');
    const second = await portal.addKey('AT');
    const revoked = await portal.secretariat.post(`/principals/AT/keys/${first.kid}/revoke`, { reason: 'retired' });
    expect(revoked.status).toBe(200);

    const active = (await (await second.get('/principals/AT/keys')).json()) as { items: KeyBody[] };
    expect(active.items.map((key) => [key.kid, key.status])).toEqual([[second.kid, 'active']]);
    const all = (await (await second.get('/principals/AT/keys?status=all')).json()) as { items: KeyBody[] };
    expect(all.items.map((key) => [key.kid, key.status]).sort()).toEqual(
      [
        [first.kid, 'revoked'],
        [second.kid, 'active'],
      ].sort(),
    );
    const one = await portal.secretariat.get(`/principals/AT/keys/${first.kid}`);
    expect(((await one.json()) as KeyBody).status).toBe('revoked');

    expect((await portal.secretariat.get('/principals/FR/keys')).status).toBe(404);
    const unknownKid = (await generateSigningKey()).kid;
    expect((await portal.secretariat.get(`/principals/AT/keys/${unknownKid}`)).status).toBe(404);
  });

  it('rotates a key: the new key replaces the old, both sign during the overlap, then the old one expires', async () => {
    const portal = await createTestPortal();
    const old = await portal.registerState('AT');
    const next = await generateSigningKey('ES256');

    const res = await portal.secretariat.post(`/principals/AT/keys/${old.kid}/rotate`, {
      jwk: next.publicJwk,
      overlap_seconds: 3600,
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toBe(`/principals/AT/keys/${next.kid}`);
    const rotated = (await res.json()) as Written<KeyBody>;
    expect(rotated.data).toMatchObject({
      kid: next.kid,
      alg: 'ES256',
      replaces: old.kid,
      status: 'active',
      scopes: ['read', 'contacts:write'],
    });
    expect(attestationRow(portal.sqlite, rotated.attestation.id)).toMatchObject({
      subject: `urn:cbm:key:${next.kid}`,
      operation: 'rotatePrincipalKey',
    });

    const oldKey = (await (await portal.secretariat.get(`/principals/AT/keys/${old.kid}`)).json()) as KeyBody;
    expect(oldKey.expires_at).toBe(new Date(Date.parse(START) + HOUR_MS).toISOString());
    expect(oldKey.status).toBe('active');

    // Both keys sign, reads and writes, during the overlap.
    const nextClient = await portal.client('AT', next.privateJwk);
    portal.clock.advance(HOUR_MS - 60_000);
    expect((await old.get('/principals/AT')).status).toBe(200);
    expect((await nextClient.get('/principals/AT')).status).toBe(200);
    expect((await old.post('/states/AT/confirmations', {})).status).toBe(201);
    expect((await nextClient.post('/states/AT/confirmations', {})).status).toBe(201);

    portal.clock.advance(60_000);
    const refused = await old.get('/principals/AT');
    expect(refused.status).toBe(401);
    // Whoever holds the old key learns when it expired and what replaced it.
    expect(await refused.json()).toMatchObject({
      code: 'key-expired',
      kid: old.kid,
      expired_at: new Date(Date.parse(START) + HOUR_MS).toISOString(),
      replaced_by: next.kid,
    });
    expect((await nextClient.get('/principals/AT')).status).toBe(200);

    const expired = (await (await portal.secretariat.get(`/principals/AT/keys/${old.kid}`)).json()) as KeyBody;
    expect(expired.status).toBe('expired');
    const active = (await (await portal.secretariat.get('/principals/AT/keys')).json()) as { items: KeyBody[] };
    expect(active.items.map((key) => key.kid)).toEqual([next.kid]);
  });

  it('rotates with the default overlap of 7 days and refuses to rotate a key that is no longer active', async () => {
    const portal = await createTestPortal();
    const old = await portal.registerState('AT');
    const next = await generateSigningKey();
    expect(
      (
        await portal.secretariat.post(`/principals/AT/keys/${old.kid}/rotate`, {
          jwk: next.publicJwk,
          scopes: ['read'],
        })
      ).status,
    ).toBe(201);
    const oldKey = (await (await portal.secretariat.get(`/principals/AT/keys/${old.kid}`)).json()) as KeyBody;
    expect(oldKey.expires_at).toBe(new Date(Date.parse(START) + 7 * 24 * HOUR_MS).toISOString());
    const newKey = (await (await portal.secretariat.get(`/principals/AT/keys/${next.kid}`)).json()) as KeyBody;
    expect(newKey.scopes).toEqual(['read']);

    portal.clock.advance(7 * 24 * HOUR_MS);
    const third = await generateSigningKey();
    const res = await portal.secretariat.post(`/principals/AT/keys/${old.kid}/rotate`, { jwk: third.publicJwk });
    expect(res.status).toBe(409);
    expect(((await res.json()) as ProblemBody).code).toBe('key-not-active');
  });

  it('revokes a key at once, refuses a second revocation, and logs the revocation as an attested event', async () => {
    const portal = await createTestPortal();
    const at = await portal.registerState('AT');
    expect((await at.get('/principals/AT')).status).toBe(200);

    const res = await portal.secretariat.post(`/principals/AT/keys/${at.kid}/revoke`, {
      reason: 'compromised',
      note: 'laptop lost',
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Written<KeyBody>;
    expect(body.data).toMatchObject({
      kid: at.kid,
      status: 'revoked',
      revoked_at: START,
      revocation_reason: 'compromised: laptop lost',
    });
    expect(attestationRow(portal.sqlite, body.attestation.id)).toMatchObject({
      subject: `urn:cbm:key:${at.kid}:revocation`,
      operation: 'revokePrincipalKey',
    });
    const stored = portal.sqlite
      .prepare('SELECT revoked_at, revocation_reason FROM principal_keys WHERE kid = ?')
      .get(at.kid);
    expect(stored).toEqual({ revoked_at: START, revocation_reason: 'compromised: laptop lost' });

    const refused = await at.get('/principals/AT');
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({
      code: 'key-revoked',
      kid: at.kid,
      revoked_at: START,
      replaced_by: null,
    });

    const attestations = count(portal.sqlite, 'attestations');
    const again = await portal.secretariat.post(`/principals/AT/keys/${at.kid}/revoke`, { reason: 'compromised' });
    expect(again.status).toBe(409);
    expect(((await again.json()) as ProblemBody).code).toBe('key-revoked');
    expect(count(portal.sqlite, 'attestations')).toBe(attestations);
  });

  it(
    "names each key's registration and revocation attestations; the Secretariat's first key has none and is " +
      'served with the JWKS',
    async () => {
      const portal = await createTestPortal();
      await portal.secretariat.post('/principals', { id: 'AT', name: 'Austria' });
      const first = await generateSigningKey();
      const registered = (await (
        await portal.secretariat.post('/principals/AT/keys', { jwk: first.publicJwk, scopes: ['read'] })
      ).json()) as Written<KeyBody>;
      expect(registered.data).toMatchObject({
        registration_attestation_id: registered.attestation.id,
        revocation_attestation_id: null,
      });
      const second = await generateSigningKey();
      const rotated = (await (
        await portal.secretariat.post(`/principals/AT/keys/${first.kid}/rotate`, { jwk: second.publicJwk })
      ).json()) as Written<KeyBody>;
      expect(rotated.data).toMatchObject({
        kid: second.kid,
        registration_attestation_id: rotated.attestation.id,
        revocation_attestation_id: null,
      });
      const revoked = (await (
        await portal.secretariat.post(`/principals/AT/keys/${first.kid}/revoke`, { reason: 'superseded' })
      ).json()) as Written<KeyBody>;
      expect(revoked.data).toMatchObject({
        registration_attestation_id: registered.attestation.id,
        revocation_attestation_id: revoked.attestation.id,
      });

      const listed = (await (await portal.secretariat.get('/principals/AT/keys?status=all')).json()) as {
        items: KeyBody[];
      };
      expect(
        listed.items.map((key) => [key.kid, key.registration_attestation_id, key.revocation_attestation_id]),
      ).toEqual(
        expect.arrayContaining([
          [first.kid, registered.attestation.id, revoked.attestation.id],
          [second.kid, rotated.attestation.id, null],
        ]),
      );
      // The revocation stays visible even if the row is edited behind the portal's back: it is read from the log's attestation.
      portal.sqlite.prepare('UPDATE principal_keys SET revoked_at = NULL WHERE kid = ?').run(first.kid);
      const edited = (await (await portal.secretariat.get(`/principals/AT/keys/${first.kid}`)).json()) as KeyBody;
      expect(edited).toMatchObject({ status: 'active', revocation_attestation_id: revoked.attestation.id });

      const secretariatKey = (await (
        await portal.secretariat.get(`/principals/secretariat/keys/${portal.secretariat.kid}`)
      ).json()) as KeyBody;
      expect(secretariatKey).toMatchObject({ registration_attestation_id: null, revocation_attestation_id: null });
      const jwks = (await (await portal.fetch(new Request(`${ORIGIN}/.well-known/jwks.json`))).json()) as {
        keys: JWK[];
        secretariat_keys: JWK[];
      };
      expect(jwks.secretariat_keys).toEqual([
        expect.objectContaining({
          kty: 'OKP',
          crv: 'Ed25519',
          x: portal.secretariat.publicJwk.x,
          kid: portal.secretariat.kid,
        }),
      ]);
      // A Secretariat key registered later is proven by its attestation, so it is no anchor.
      const spare = await generateSigningKey();
      expect(
        (
          await portal.secretariat.post('/principals/secretariat/keys', {
            jwk: spare.publicJwk,
            scopes: ['read', 'principals:write'],
          })
        ).status,
      ).toBe(201);
      const again = (await (await portal.fetch(new Request(`${ORIGIN}/.well-known/jwks.json`))).json()) as {
        secretariat_keys: JWK[];
      };
      expect(again.secretariat_keys.map((key) => key.kid)).toEqual([portal.secretariat.kid]);
    },
  );

  it("refuses to revoke the Secretariat's last key, and allows it once another key exists", async () => {
    const portal = await createTestPortal();
    const kid = portal.secretariat.kid;
    const last = await portal.secretariat.post(`/principals/secretariat/keys/${kid}/revoke`, { reason: 'retired' });
    expect(last.status).toBe(409);
    expect(((await last.json()) as ProblemBody).code).toBe('last-secretariat-key');
    expect(portal.sqlite.prepare('SELECT revoked_at FROM principal_keys WHERE kid = ?').pluck().get(kid)).toBeNull();

    const spare = await generateSigningKey();
    expect(
      (
        await portal.secretariat.post('/principals/secretariat/keys', {
          jwk: spare.publicJwk,
          scopes: ['read', 'principals:write'],
        })
      ).status,
    ).toBe(201);
    const revoked = await portal.secretariat.post(`/principals/secretariat/keys/${kid}/revoke`, {
      reason: 'superseded',
    });
    expect(revoked.status).toBe(200);
    const spareClient = await portal.client('secretariat', spare.privateJwk);
    expect((await spareClient.post('/principals', { id: 'AT', name: 'Austria' })).status).toBe(201);
    expect((await portal.secretariat.get('/principals')).status).toBe(401);
  });

  it('keeps a Secretariat key when two revocations race, each naming the other key', async () => {
    const portal = await createTestPortal();
    const spare = await generateSigningKey();
    expect(
      (
        await portal.secretariat.post('/principals/secretariat/keys', {
          jwk: spare.publicJwk,
          scopes: ['read', 'principals:write'],
        })
      ).status,
    ).toBe(201);
    const spareClient = await portal.client('secretariat', spare.privateJwk);

    const answers = await Promise.all([
      portal.secretariat.post(`/principals/secretariat/keys/${spare.kid}/revoke`, { reason: 'retired' }),
      spareClient.post(`/principals/secretariat/keys/${portal.secretariat.kid}/revoke`, { reason: 'retired' }),
    ]);
    expect(answers.map((res) => res.status).sort()).toEqual([200, 409]);
    const refused = answers.find((res) => res.status === 409)!;
    expect(((await refused.json()) as ProblemBody).code).toBe('last-secretariat-key');
    const active = portal.sqlite
      .prepare("SELECT count(*) FROM principal_keys WHERE principal_id = 'secretariat' AND revoked_at IS NULL")
      .pluck()
      .get();
    expect(active).toBe(1);
    expect(
      portal.sqlite.prepare("SELECT count(*) FROM attestations WHERE operation = 'revokePrincipalKey'").pluck().get(),
    ).toBe(1);
  });
});
