/**
 * The log's integrity with the real portal (npm start's src/node.ts, a SQLite file) and the
 * real cbm: the log re-derived at every start, and what an operator and a point of contact
 * see when storage was changed underneath while the portal was stopped: the portal starts,
 * serves reads and its last checkpoint, says why it refuses writes, and `cbm log check`
 * fails the verification (exit 3), as does any write (exit 3, not "try again later").
 */
import BetterSqlite3 from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cliUser, expectExit } from '../clients/typescript/test/cli-support.ts';
import { removeDataDir, startRealPortal, type RealPortal } from './support/real-portal.ts';

let portal: RealPortal | undefined;
afterAll(async () => {
  await portal?.stop();
  if (portal) removeDataDir(portal.dataDir);
});

describe('log integrity, real portal and cbm', () => {
  it('re-derives the log at start; after tampering it refuses writes and cbm log check exits 3', async () => {
    portal = await startRealPortal();
    expect(portal.output()).toMatch(/log verified: 0 leaves and \d+ signed checkpoints re-derived in \d+\.\d s/);
    const secretariat = cliUser('secretariat');
    expectExit(
      await secretariat.run([
        'init',
        '--portal',
        portal.origin,
        '--as',
        'secretariat',
        '--key',
        portal.secretariatKeyFile,
      ]),
      0,
    );
    for (const [code, name] of [
      ['AT', 'Austria'],
      ['BE', 'Belgium'],
    ])
      expectExit(await secretariat.run(['states', 'add', code!, name!]), 0);
    // A checkpoint covering both writes, remembered by cbm.
    let checked = expectExit(await secretariat.run(['log', 'check', '--json']), 0);
    for (let tries = 0; checked.json<{ size: number }>().size < 2 && tries < 30; tries += 1) {
      await new Promise((wait) => setTimeout(wait, 200));
      checked = expectExit(await secretariat.run(['log', 'check', '--json']), 0);
    }
    expect(checked.json<{ size: number }>().size).toBe(2);
    const before = await (await fetch(`${portal.origin}/log/checkpoint`)).text();

    // Someone with the database file flips the first leaf while the portal is stopped.
    await portal.stop();
    const sqlite = new BetterSqlite3(join(portal.dataDir, 'portal.sqlite'));
    sqlite.prepare('UPDATE log_leaves SET leaf_hash = randomblob(32) WHERE idx = 0').run();
    sqlite.close();
    portal = await startRealPortal({ dataDir: portal.dataDir, port: portal.port });
    expect(portal.output()).toMatch(/log integrity check failed: leaf 0 is not the hash of its stored attestation/);

    const health = (await (await fetch(`${portal.origin}/healthz`)).json()) as {
      status: string;
      conditions: { code: string; detail: string }[];
    };
    expect(health).toMatchObject({
      status: 'degraded',
      conditions: [{ code: 'log-integrity-failed', detail: 'leaf 0 is not the hash of its stored attestation' }],
    });
    expect(await (await fetch(`${portal.origin}/log/checkpoint`)).text()).toBe(before);

    const check = expectExit(await secretariat.run(['log', 'check']), 3);
    expect(check.stderr).toContain('NOT verified: the portal reports its log unsound');
    expect(check.stderr).toContain('leaf 0 is not the hash of its stored attestation');
    const write = expectExit(await secretariat.run(['states', 'add', 'CZ', 'Czechia']), 3);
    expect(write.stderr).toContain('503 Log integrity check failed (log-integrity-failed)');
    expect(write.stderr).toContain("hint: The portal's stored log no longer gives the checkpoints it signed");
    // Reads are still answered.
    expectExit(await secretariat.run(['request', 'GET', '/principals/AT']), 0);
  }, 120_000);
});
