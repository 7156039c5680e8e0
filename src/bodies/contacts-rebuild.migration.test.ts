import { describe, expect, it } from 'vitest';
import { applyMigrations } from '../db/migrate.ts';
import { readMigrations } from '../db/migrations-dir.ts';
import { openSqlite } from '../db/sqlite.ts';

const AT = '2026-11-27T09:00:00.000Z';
const CONTACT = '019ac1e2-0000-7000-8000-0000000000c1';
const CHECK = '019ac1e2-0000-7000-8000-0000000000c2';

/** A database as migrations 0001-0010 left it, with a contact that answered a check. */
function before0011() {
  const sqlite = openSqlite(':memory:');
  applyMigrations(
    sqlite,
    readMigrations().filter((migration) => migration.name < '0011'),
  );
  sqlite.prepare("INSERT INTO principals (id, kind, name, created_at) VALUES ('AT', 'state', 'Austria', ?)").run(AT);
  const attestation =
    sqlite.prepare(`INSERT INTO attestations (id, subject, principal_id, kid, operation, issued_at, token,
      method, path, request_token, body, body_sha256)
    VALUES (?, ?, 'AT', 'kid', 'op', ?, 'token', 'POST', '/', 'request', x'', 'sha')`);
  attestation.run('att-c', `urn:cbm:contact:${CONTACT}:v1`, AT);
  attestation.run('att-k', `urn:cbm:check:${CHECK}`, AT);
  attestation.run('att-a', `urn:cbm:check:${CHECK}:ack:AT`, AT);
  sqlite
    .prepare(
      "INSERT INTO contacts (id, state_id, role, status, version, created_at, updated_at) VALUES (?, 'AT', 'technical', 'active', 1, ?, ?)",
    )
    .run(CONTACT, AT, AT);
  sqlite
    .prepare(`INSERT INTO contact_versions (contact_id, version, state_id, status, role, name, organisation,
      email, phone_24x7, languages, time_zone, effective_at, filed_at, late, attestation_id)
      VALUES (?, 1, 'AT', 'active', 'technical', 'Anna', 'CERT.at', 'a@example.at', '+431234567', '["de"]',
        'Europe/Vienna', ?, ?, 0, 'att-c')`)
    .run(CONTACT, AT, AT);
  const checkColumns = (sqlite.prepare('PRAGMA table_info(checks)').all() as { name: string }[]).map(
    (column) => column.name,
  );
  expect(checkColumns).toContain('roles');
  return sqlite;
}

describe('migration 0011: contacts rebuilt for the ci-authority role', () => {
  it('keeps every contact, version and sequence, adds sectors and body_id, and still enforces foreign keys and the check trigger', () => {
    const sqlite = before0011();
    expect(() =>
      sqlite
        .prepare(
          "INSERT INTO contacts (id, state_id, role, status, version, created_at, updated_at) VALUES ('x', " +
            "'AT', 'ci-authority', 'active', 1, ?, ?)",
        )
        .run(AT, AT),
    ).toThrow(/CHECK constraint failed/);
    applyMigrations(sqlite, readMigrations());

    expect(sqlite.prepare('SELECT seq, id, role FROM contacts').raw().all()).toEqual([[1, CONTACT, 'technical']]);
    expect(sqlite.prepare('SELECT contact_id, name, sectors, body_id FROM contact_versions').raw().all()).toEqual([
      [CONTACT, 'Anna', '[]', null],
    ]);
    // The new role is accepted; a bad one still is not.
    sqlite
      .prepare(
        "INSERT INTO contacts (id, state_id, role, status, version, created_at, updated_at) VALUES ('ci', " +
          "'AT', 'ci-authority', 'active', 1, ?, ?)",
      )
      .run(AT, AT);
    expect(sqlite.prepare("SELECT seq FROM contacts WHERE id = 'ci'").pluck().get()).toBe(2);
    expect(() =>
      sqlite
        .prepare(
          "INSERT INTO contacts (id, state_id, role, status, version, created_at, updated_at) VALUES ('y', " +
            "'AT', 'other', 'active', 1, ?, ?)",
        )
        .run(AT, AT),
    ).toThrow(/CHECK constraint failed/);
    // Children name the rebuilt contacts table, not a leftover.
    for (const table of ['contact_versions', 'check_acknowledgements']) {
      expect(
        (sqlite.prepare(`PRAGMA foreign_key_list(${table})`).all() as { table: string }[]).map((fk) => fk.table),
      ).toContain('contacts');
    }
    expect(sqlite.prepare("SELECT count(*) FROM sqlite_schema WHERE name LIKE '%_0011'").pluck().get()).toBe(0);
    expect(sqlite.pragma('foreign_key_check')).toEqual([]);
    expect(() =>
      sqlite
        .prepare(`INSERT INTO contact_versions (contact_id, version, state_id, status, role, name,
          organisation, email, phone_24x7, languages, time_zone, effective_at, filed_at, late, attestation_id)
          VALUES ('nobody', 1, 'AT', 'active', 'technical', 'N', 'O', 'e', '+431234567', '[]', 'UTC', ?, ?, 0, 'att-c')`)
        .run(AT, AT),
    ).toThrow(/FOREIGN KEY/);
    // The trigger that keeps check answers to active contacts in an addressed role is back.
    sqlite
      .prepare(
        `INSERT INTO checks (id, started_at, deadline, roles, attestation_id) VALUES (?, ?, ?, '["policy"]', 'att-k')`,
      )
      .run(CHECK, AT, AT);
    sqlite.prepare("INSERT INTO check_addressees (check_id, state_id) VALUES (?, 'AT')").run(CHECK);
    expect(() =>
      sqlite
        .prepare(
          'INSERT INTO check_acknowledgements (check_id, state_id, contact_id, acknowledged_at, ' +
            "response_seconds, late, attestation_id) VALUES (?, 'AT', ?, ?, 1, 0, 'att-a')",
        )
        .run(CHECK, CONTACT, AT),
    ).toThrow(/answering_contact/);
    expect(
      sqlite
        .prepare(
          "SELECT count(*) FROM sqlite_schema WHERE type = 'trigger' AND name = 'check_acknowledgements_answering_contact'",
        )
        .pluck()
        .get(),
    ).toBe(1);
  });
});
