/**
 * Idempotency-Key records on Node: the replayed answer is the first one byte for byte,
 * rebuilt from the stored `data` and the attestation the key points to, and a key costs a
 * fraction of the write it remembers.
 */
import { describe, expect, it } from 'vitest';
import { applyMigrations } from '../db/migrate.ts';
import { readMigrations } from '../db/migrations-dir.ts';
import { openSqlite } from '../db/sqlite.ts';
import { contactBody, createTestPortal } from '../../test/support/portal.ts';
import { incidentBody, INCIDENT_SCOPES } from '../../test/support/incidents.ts';

const HOUR = 3600 * 1000;

async function answer(res: Response) {
  return {
    status: res.status,
    body: await res.text(),
    location: res.headers.get('location'),
    etag: res.headers.get('etag'),
    type: res.headers.get('content-type'),
  };
}

describe('Idempotency-Key', () => {
  it('replays the first answer byte for byte, after the record changed and time passed', async () => {
    const portal = await createTestPortal();
    const at = await portal.registerState('AT', { scopes: ['contacts:write', ...INCIDENT_SCOPES] });
    await portal.registerState('BE', { scopes: INCIDENT_SCOPES }); // the incidents' recipient
    const headers = { 'idempotency-key': '"contact-2026-11-27-001"' };
    const firstRes = await at.post('/contacts', contactBody(), { headers });
    expect(firstRes.headers.get('idempotent-replayed')).toBeNull();
    const first = await answer(firstRes);
    expect(first.status).toBe(201);
    const { data } = JSON.parse(first.body) as { data: { id: string } };
    expect(
      (await at.put(`/contacts/${data.id}`, contactBody({ name: 'Bernd Huber' }), { headers: { 'if-match': '"1"' } }))
        .status,
    ).toBe(200);
    portal.clock.advance(23 * HOUR);

    const retry = await at.post('/contacts', contactBody(), { headers });
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(await answer(retry)).toEqual(first);

    // An incident's answer depends on the moment of the write (deadlines, "overdue").
    const incidentKey = { 'idempotency-key': 'incident-1' };
    const notified = await answer(await at.post('/incidents', incidentBody(), { headers: incidentKey }));
    expect(notified.status).toBe(201);
    portal.clock.advance(HOUR);
    expect(await answer(await at.post('/incidents', incidentBody(), { headers: incidentKey }))).toEqual(notified);
  });

  it('stores the answer by reference to its attestation: no copy of the token', async () => {
    const portal = await createTestPortal();
    const at = await portal.registerState('AT');
    const res = await at.post('/contacts', contactBody(), { headers: { 'idempotency-key': 'k1' } });
    const written = (await res.json()) as { data: unknown; attestation: { id: string; token: string } };
    const row = portal.sqlite.prepare('SELECT * FROM idempotency_keys').get() as Record<string, unknown>;
    expect(Object.keys(row).sort()).toEqual([
      'attestation_id',
      'data',
      'expires_at',
      'fingerprint',
      'headers',
      'key',
      'principal_id',
      'status',
    ]);
    expect(row).toMatchObject({
      principal_id: 'AT',
      key: 'k1',
      attestation_id: written.attestation.id,
      status: 201,
      data: JSON.stringify(written.data),
      expires_at: '2026-11-28T09:00:00.000Z',
    });
    expect(JSON.stringify(row)).not.toContain(written.attestation.token);
  });

  it('costs a fraction of the write it remembers', async () => {
    const portal = await createTestPortal();
    const at = await portal.registerState('AT', { scopes: INCIDENT_SCOPES });
    await portal.registerState('BE', { scopes: INCIDENT_SCOPES });
    const writes = 120;
    for (let i = 0; i < writes; i += 1)
      expect(
        (await at.post('/incidents', incidentBody(), { headers: { 'idempotency-key': `incident-${i}` } })).status,
      ).toBe(201);
    const bytes = (name: string) =>
      portal.sqlite.prepare('SELECT sum(pgsize) FROM dbstat WHERE name = ?').pluck().get(name) as number;
    const perKey =
      (bytes('idempotency_keys') + bytes('sqlite_autoindex_idempotency_keys_1') + bytes('idempotency_keys_by_expiry')) /
      writes;
    const perAttestation = bytes('attestations') / writes;
    // 0004 stored about 4.7 KB per key, more than the attestation (about 4.1 KB here).
    expect(perKey).toBeLessThan(perAttestation / 2);
  });

  it('keeps keys recorded before 0009, answer by reference', () => {
    const sqlite = openSqlite(':memory:');
    const migrations = readMigrations();
    applyMigrations(
      sqlite,
      migrations.filter((migration) => migration.name < '0009'),
    );
    sqlite.exec(
      `INSERT INTO principals (id, kind, name, created_at) VALUES ('AT', 'state', 'Austria', '2026-11-27T09:00:00.000Z')`,
    );
    sqlite
      .prepare(
        `INSERT INTO attestations (id, subject, principal_id, kid, operation, issued_at, token, method, path,
          content_type, request_token, body, body_sha256)
         VALUES ('a1', 'urn:cbm:contact:c1:v1', 'AT', 'k', 'createContact', '2026-11-27T09:00:00.000Z',
           'the.token.x', 'POST', '/contacts', 'application/json', 't', x'', 'd')`,
      )
      .run();
    const data = { id: 'c1', name: 'Anna Berger – “CERT.at”', languages: ['de-AT'], version: 1, withdrawn_at: null };
    sqlite
      .prepare(
        `INSERT INTO idempotency_keys (principal_id, key, fingerprint, created_at, expires_at, attestation_id,
          response_status, response_headers, response_body)
         VALUES ('AT', 'k1', 'f', '2026-11-27T09:00:00.000Z', '2026-11-28T09:00:00.000Z', 'a1', 201, '{"Location":"/contacts/c1"}', ?)`,
      )
      .run(JSON.stringify({ data, attestation: { id: 'a1', token: 'the.token.x', href: '/attestations/a1' } }));
    applyMigrations(sqlite, migrations);
    expect(
      sqlite.prepare('SELECT principal_id, key, status, headers, data, attestation_id FROM idempotency_keys').get(),
    ).toEqual({
      principal_id: 'AT',
      key: 'k1',
      status: 201,
      headers: '{"Location":"/contacts/c1"}',
      data: JSON.stringify(data),
      attestation_id: 'a1',
    });
  });
});
