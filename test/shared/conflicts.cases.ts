/**
 * Conflicts by name on every runtime: Node + SQLite (test/core.test.ts) and workerd + D1
 * (test/workers/core.test.ts). Each named constraint (src/db/constraints.ts) refused in a
 * commit of its own, and the refusal carries the constraint's name whatever the driver's
 * wording (better-sqlite3's message, D1's wrapped one); the commit changed nothing. Then
 * one of them end to end: a duplicate found at commit time answers the problem the write
 * declared for that name.
 */
import { type CompiledQuery, sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { ConstraintName } from '../../src/db/constraints.ts';
import { ConstraintViolation } from '../../src/db/portal-db.ts';
import { contactBody, type PortalHarness } from '../support/harness.ts';
import { problem } from '../support/problem.ts';

type MakePortal = () => Promise<PortalHarness>;

async function refusal(portal: PortalHarness, queries: CompiledQuery[]) {
  return portal.db.commit(queries).then(
    () => null,
    (error: unknown) => error,
  );
}

export function conflictsSuite(runtime: string, makePortal: MakePortal) {
  describe(`conflicts by name on ${runtime}`, () => {
    it('names each constraint a commit trips, and the refused commit leaves nothing', async () => {
      const portal = await makePortal();
      const at = await portal.registerState('AT');
      const created = await at.post('/contacts', contactBody(), { headers: { 'idempotency-key': '"first"' } });
      expect(created.status).toBe(201);
      const k = portal.db.kysely;
      const cases: [ConstraintName, string, CompiledQuery[]][] = [
        [
          'request_jtis_issuer_jti',
          'request_jtis',
          [
            sql`INSERT INTO request_jtis (issuer, jti, expires_at) VALUES ('AT', 'jti-twice-0000000', 1)`.compile(k),
            sql`INSERT INTO request_jtis (issuer, jti, expires_at) VALUES ('AT', 'jti-twice-0000000', 1)`.compile(k),
          ],
        ],
        [
          'attestations_subject',
          'attestations',
          [
            sql`INSERT INTO attestations (id, subject, principal_id, kid, operation, issued_at, token, method, path,
              content_type, request_token, body, body_sha256, record_id, tlp)
              SELECT 'another-id', subject, principal_id, kid, operation, issued_at, token, method, path,
              content_type, request_token, body, body_sha256, record_id, tlp FROM attestations LIMIT 1`.compile(k),
          ],
        ],
        [
          'principals_id',
          'principals',
          [
            sql`INSERT INTO principals (id, kind, name, created_at) VALUES ('AT', 'state', 'Again', '2026-01-01')`.compile(
              k,
            ),
          ],
        ],
        [
          'principal_keys_kid',
          'principal_keys',
          [sql`INSERT INTO principal_keys SELECT * FROM principal_keys LIMIT 1`.compile(k)],
        ],
        [
          'contact_versions_contact_version',
          'contact_versions',
          [sql`INSERT INTO contact_versions SELECT * FROM contact_versions LIMIT 1`.compile(k)],
        ],
        [
          'idempotency_keys_principal_key',
          'idempotency_keys',
          [sql`INSERT INTO idempotency_keys SELECT * FROM idempotency_keys LIMIT 1`.compile(k)],
        ],
        [
          'principal_keys_last_secretariat_key',
          'principal_keys',
          [
            sql`UPDATE principal_keys SET revoked_at = '2026-11-27T09:00:00.000Z' WHERE principal_id = 'secretariat'`.compile(
              k,
            ),
          ],
        ],
        [
          'log_leaves_integrity',
          'log_leaves',
          [
            sql`UPDATE log_state SET integrity_failure = 'a test' WHERE id = 1`.compile(k),
            sql`INSERT INTO log_leaves (idx, attestation_id, leaf_hash)
              SELECT max(idx) + 1, 'no-such-attestation', x'00' FROM log_leaves`.compile(k),
          ],
        ],
      ];
      const before = await Promise.all(
        [
          'request_jtis',
          'attestations',
          'principals',
          'principal_keys',
          'contact_versions',
          'idempotency_keys',
          'log_leaves',
        ].map((table) => portal.rows(table as never)),
      );
      for (const [name, table, queries] of cases) {
        const refused = await refusal(portal, queries);
        expect(refused, name).toBeInstanceOf(ConstraintViolation);
        expect({
          name: (refused as ConstraintViolation).constraint,
          table: (refused as ConstraintViolation).table,
        }).toEqual({
          name,
          table,
        });
      }
      const after = await Promise.all(
        [
          'request_jtis',
          'attestations',
          'principals',
          'principal_keys',
          'contact_versions',
          'idempotency_keys',
          'log_leaves',
        ].map((table) => portal.rows(table as never)),
      );
      expect(after).toEqual(before);
      const { rows } = await sql<{
        failure: string | null;
      }>`SELECT integrity_failure AS failure FROM log_state`.execute(k);
      expect(rows[0]?.failure).toBeNull();
    });

    it("answers a constraint's name with the problem the write declared for it", async () => {
      const portal = await makePortal();
      const at = await portal.registerState('AT');
      const created = await at.post('/contacts', contactBody());
      const { id } = ((await created.json()) as { data: { id: string } }).data;
      // Version 2 written behind the portal's back, after the handler read version 1: the
      // update's (contact_id, version) is taken at commit, contact_versions_contact_version.
      await sql`INSERT INTO contact_versions SELECT contact_id, 2, state_id, status, role, name, position, organisation,
        email, phone_24x7, languages, time_zone, notes, effective_at, filed_at, late, withdrawal_reason, attestation_id,
        sectors, body_id FROM contact_versions WHERE contact_id = ${id}`.execute(portal.db.kysely);
      const before = await portal.rows('attestations');
      const res = await at.put(`/contacts/${id}`, contactBody({ name: 'Changed' }), { headers: { 'if-match': '"1"' } });
      expect(res.status).toBe(412);
      expect((await problem(res)).detail).toBe(
        'The contact changed while this request was processed; fetch it and try again.',
      );
      expect(await portal.rows('attestations')).toBe(before);
    });
  });
}
