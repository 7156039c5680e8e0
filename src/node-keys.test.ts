import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JWK } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fixedClock } from './clock.ts';
import { generatePrivateJwk } from './crypto/portal-keys.ts';
import { StartupError } from './data-dir.ts';
import { applyMigrations } from './db/migrate.ts';
import { readMigrations } from './db/migrations-dir.ts';
import { openSqlite, sqlitePortalDb } from './db/sqlite.ts';
import { bootstrapSecretariat, portalKeysFromDataDir } from './node-keys.ts';

let dataDir: string;
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'cbm-keys-'));
});
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

function emptyDb() {
  const sqlite = openSqlite(':memory:');
  applyMigrations(sqlite, readMigrations());
  return { sqlite, db: sqlitePortalDb(sqlite) };
}
const clock = fixedClock('2026-12-01T10:00:00.000Z');

describe('keys in the data dir', () => {
  it('creates the portal key once (0600) and loads the same one afterwards', async () => {
    const first = await portalKeysFromDataDir(dataDir);
    expect(first.created).toBe(join(dataDir, 'portal-signing-key.jwk'));
    expect(statSync(first.created!).mode & 0o777).toBe(0o600);
    const second = await portalKeysFromDataDir(dataDir);
    expect(second.created).toBeNull();
    expect(second.keys.signing.kid).toBe(first.keys.signing.kid);
  });

  it('refuses to start on an empty or damaged key file with a message, not a stack', async () => {
    writeFileSync(join(dataDir, 'portal-signing-key.jwk'), '');
    const error = await portalKeysFromDataDir(dataDir).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StartupError);
    expect((error as Error).message).toContain('portal-signing-key.jwk');
    expect((error as Error).message).toContain('Restore it from your backup');
  });

  it('writes the Secretariat key before its row, and registers that same key if a crash came between the two', async () => {
    const { sqlite, db } = emptyDb();
    // A first start that wrote the key file and died before the row committed.
    const written = await generatePrivateJwk();
    writeFileSync(join(dataDir, 'secretariat.private.jwk'), JSON.stringify(written), { mode: 0o600 });
    expect(await bootstrapSecretariat(db, clock, dataDir)).toBe(join(dataDir, 'secretariat.private.jwk'));
    const stored = JSON.parse(
      sqlite
        .prepare("SELECT public_jwk FROM principal_keys WHERE principal_id = 'secretariat'")
        .pluck()
        .get() as string,
    ) as JWK;
    expect(stored.x).toBe(written.x);
    // Once registered, a later start neither writes nor registers anything.
    expect(await bootstrapSecretariat(db, clock, dataDir)).toBeNull();
    expect(sqlite.prepare('SELECT count(*) FROM principal_keys').pluck().get()).toBe(1);
  });

  it('on a fresh start generates the Secretariat key, durably and 0600, and registers its public half', async () => {
    const { sqlite, db } = emptyDb();
    const path = await bootstrapSecretariat(db, clock, dataDir);
    const jwk = JSON.parse(readFileSync(path!, 'utf8')) as JWK;
    expect(jwk.d).toBeTruthy();
    expect(statSync(path!).mode & 0o777).toBe(0o600);
    const stored = JSON.parse(
      sqlite
        .prepare("SELECT public_jwk FROM principal_keys WHERE principal_id = 'secretariat'")
        .pluck()
        .get() as string,
    ) as JWK;
    expect(stored).toMatchObject({ x: jwk.x });
    expect(stored).not.toHaveProperty('d');
  });
});
