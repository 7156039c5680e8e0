/**
 * `cbm` trusts only keys from outside what it verifies, against real portals: the portal's
 * keys pinned at `cbm init`, every state key proven by its attested registration, revoked
 * keys refused, and the served record compared with what was signed. Forged, unregistered,
 * revoked and tampered records are `NOT verified` (exit 3), with the portal up and down; a
 * changed portal key is an error until the user accepts it.
 */
import BetterSqlite3 from 'better-sqlite3';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JWK } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, removeDataDir, startRealPortal, type RealPortal } from '../../../test/support/real-portal.ts';
import { createVerifier, type PinnedJwks } from '../src/audit.ts';
import { createPortalClient } from '../src/client.ts';
import { generateSigningKey, thumbprint } from '../src/keys.ts';
import { cliUser, expectExit, type CliUser } from './cli-support.ts';
import { contact, mintPortal } from './mint.ts';

const portals: RealPortal[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const portal of portals.splice(0)) await portal.stop();
  for (const dir of dirs.splice(0)) removeDataDir(dir);
});

async function start(dataDir?: string, port?: number) {
  const portal = await startRealPortal({ dataDir, port });
  portals.push(portal);
  dirs.push(portal.dataDir);
  return portal;
}

async function stop(portal: RealPortal) {
  await portal.stop();
  portals.splice(portals.indexOf(portal), 1);
}

/** The Secretariat's cbm user, its profile pinned to `portal`. */
async function secretariatUser(portal: RealPortal, name = 'secretariat'): Promise<CliUser> {
  const user = cliUser(name);
  writeFileSync(user.path('secretariat.jwk'), readFileSync(portal.secretariatKeyFile));
  const init = expectExit(
    await user.run(['init', '--portal', portal.origin, '--as', 'secretariat', '--key', 'secretariat.jwk']),
    0,
  );
  const portalKey = JSON.parse(readFileSync(join(portal.dataDir, 'portal-signing-key.jwk'), 'utf8')) as JWK;
  expect(init.stdout).toContain("pinned the portal's keys (RFC 7638 fingerprints):");
  expect(init.stdout).toContain(`portal key ${await thumbprint(portalKey)}`);
  expect(init.stdout).toContain(`Secretariat first key ${await thumbprint(portal.secretariatJwk())}`);
  return user;
}

const NOT_VERIFIED = (result: { stderr: string }) => result.stderr.split('\n')[0]!;

describe('cbm trusts no key because of where it is', () => {
  it('refuses a forged bundle and an unregistered state key, with the portal up and down', {
    timeout: 120_000,
  }, async () => {
    const portal = await start();
    const secretariat = await secretariatUser(portal);
    const added = expectExit(await secretariat.run(['states', 'add', 'AT', 'Austria', '--json']), 0).json<{
      attestation: { id: string };
    }>();
    const real = expectExit(await secretariat.run(['verify', added.attestation.id, '--save', 'real.json']), 0);
    expect(real.stdout).toContain(
      `key ${await thumbprint(portal.secretariatJwk())} of secretariat: proven by pinned Secretariat key`,
    );
    expect(real.stdout).toContain('the record served at /principals/AT carries exactly the fields secretariat signed');

    // A forger's "portal": its own portal key, its own Austrian key, a one-entry log, and its jwks inside the bundle.
    const forger = await mintPortal(portal.origin);
    const selfMade = await generateSigningKey();
    const forgedWrite = await forger.write({
      by: { principal: 'AT', key: selfMade },
      subject: 'urn:cbm:contact:019ac1e2-0000-7000-8000-000000000001:v1',
      operation: 'createContact',
      path: '/contacts',
      body: contact({ name: 'Mallory' }),
    });
    writeFileSync(
      secretariat.path('forged.json'),
      JSON.stringify(await forger.bundle(forgedWrite, [{ principal: 'AT', kid: selfMade.kid }])),
    );

    // With the real portal key (stolen, or a rogue operator) but an Austrian key the Secretariat never registered ...
    const thief = await mintPortal(portal.origin, {
      portalKey: JSON.parse(readFileSync(join(portal.dataDir, 'portal-signing-key.jwk'), 'utf8')) as JWK,
    });
    const unregisteredWrite = await thief.write({
      by: { principal: 'AT', key: selfMade },
      subject: 'urn:cbm:contact:019ac1e2-0000-7000-8000-000000000002:v1',
      operation: 'createContact',
      path: '/contacts',
      body: contact({ name: 'Mallory' }),
    });
    writeFileSync(
      secretariat.path('unregistered.json'),
      JSON.stringify(await thief.bundle(unregisteredWrite, [{ principal: 'AT', kid: selfMade.kid }])),
    );
    // ... or "registered" by a Secretariat key of its own making.
    const fakeRegistration = await thief.register('AT', selfMade);
    const registeredWrite = await thief.write({
      by: { principal: 'AT', key: selfMade },
      subject: 'urn:cbm:contact:019ac1e2-0000-7000-8000-000000000003:v1',
      operation: 'createContact',
      path: '/contacts',
      body: contact({ name: 'Mallory' }),
    });
    writeFileSync(
      secretariat.path('self-registered.json'),
      JSON.stringify(
        await thief.bundle(registeredWrite, [
          { principal: 'secretariat', kid: thief.secretariat.kid },
          { principal: 'AT', kid: selfMade.kid, registration: fakeRegistration },
        ]),
      ),
    );

    const nobody = cliUser('nobody'); // no profile, no --jwks: nothing to trust
    const expectations = async (when: string) => {
      const forged = expectExit(await secretariat.run(['verify', '--bundle', 'forged.json']), 3);
      expect(NOT_VERIFIED(forged), when).toBe('NOT verified: checkpoint: no signature by the portal key');
      writeFileSync(nobody.path('forged.json'), readFileSync(secretariat.path('forged.json')));
      const unanchored = expectExit(await nobody.run(['verify', '--bundle', 'forged.json', '--json']), 3);
      expect(unanchored.json(), when).toMatchObject({
        code: 'verification-failed',
        detail: expect.stringContaining(
          `no portal keys pinned for http://127.0.0.1:8787: cbm verifies only against keys you pinned`,
        ),
      });
      const unregistered = expectExit(await secretariat.run(['verify', '--bundle', 'unregistered.json']), 3);
      expect(NOT_VERIFIED(unregistered), when).toBe(
        `NOT verified: key ${selfMade.kid} of AT is not proven: the bundle carries no registration of it`,
      );
      const selfRegistered = expectExit(await secretariat.run(['verify', '--bundle', 'self-registered.json']), 3);
      expect(NOT_VERIFIED(selfRegistered), when).toBe(
        `NOT verified: key ${thief.secretariat.kid} of secretariat is not proven: the bundle carries no ` +
          `registration of it, and it is not the Secretariat key you pinned`,
      );
      // The honest bundle still verifies, against the pinned keys only.
      expect(expectExit(await secretariat.run(['verify', '--bundle', 'real.json']), 0).stdout, when).toContain(
        'verified: urn:cbm:principal:AT',
      );
    };
    await expectations('portal up');
    await stop(portal);
    await expectations('portal down');
  });

  it('refuses a record signed with a key after its revocation, and a record edited in the database', {
    timeout: 120_000,
  }, async () => {
    const portal = await start();
    const secretariat = await secretariatUser(portal);
    expectExit(await secretariat.run(['states', 'add', 'AT', 'Austria']), 0);
    const austria = cliUser('AT');
    expectExit(await austria.run(['init', '--portal', portal.origin, '--as', 'AT', '--key', 'at.jwk']), 0);
    writeFileSync(secretariat.path('at.pub.json'), expectExit(await austria.run(['keygen']), 0).stdout);
    const kid = expectExit(
      await secretariat.run(['keys', 'add', 'AT', 'at.pub.json', '--scopes', 'read,contacts:write', '--json']),
      0,
    ).json<{ data: { kid: string } }>().data.kid;
    writeFileSync(austria.path('contact.json'), JSON.stringify(contact()));
    const first = expectExit(await austria.run(['contacts', 'put', 'contact.json', '--json']), 0).json<{
      data: { id: string };
      attestation: { id: string };
    }>();
    const verified = expectExit(await secretariat.run(['verify', first.attestation.id]), 0);
    expect(verified.stdout).toContain(`key ${kid} of AT: proven by registration`);
    expect(verified.stdout).toContain(
      `the record served at /contacts/${first.data.id}/history carries exactly the fields AT signed`,
    );
    expect(expectExit(await austria.run(['contacts', 'get', first.data.id, '--verify']), 0).stdout).toContain(
      'verified: version 1 as AT signed it',
    );

    const revocation = expectExit(
      await secretariat.run(['keys', 'revoke', 'AT', kid, '--reason', 'compromised', '--json']),
      0,
    ).json<{ attestation: { id: string; log_index: number } }>();
    // Behind the portal's back: the revocation undone in the key row, a stored contact name changed.
    await stop(portal);
    const sqlite = new BetterSqlite3(join(portal.dataDir, 'portal.sqlite'));
    sqlite.prepare('UPDATE principal_keys SET revoked_at = NULL, revocation_reason = NULL WHERE kid = ?').run(kid);
    sqlite.prepare('UPDATE contact_versions SET name = ? WHERE contact_id = ?').run('Mallory', first.data.id);
    sqlite.close();
    const restarted = await start(portal.dataDir, portal.port);

    // The portal accepts Austria's revoked key again; cbm does not.
    writeFileSync(austria.path('second.json'), JSON.stringify(contact({ name: 'Mallory Second' })));
    const late = expectExit(await austria.run(['contacts', 'put', 'second.json', '--json']), 0).json<{
      attestation: { id: string };
    }>();
    const refused = expectExit(await secretariat.run(['verify', late.attestation.id]), 3);
    expect(NOT_VERIFIED(refused)).toMatch(
      new RegExp(
        `^NOT verified: key ${kid} of AT was revoked \\(attestation ${revocation.attestation.id}, log index ` +
          `${revocation.attestation.log_index}, .*\\) before it signed this \\(log index ${revocation.attestation.log_index + 1}, `,
      ),
    );

    // The record edited in the database: the evidence still verifies, the served record does not match it.
    const edited = expectExit(await secretariat.run(['verify', first.attestation.id, '--json']), 3);
    expect(edited.json()).toMatchObject({
      code: 'verification-failed',
      detail: `the record the portal serves at /contacts/${first.data.id}/history differs from what AT signed: name`,
    });
    expect(NOT_VERIFIED(expectExit(await austria.run(['contacts', 'get', first.data.id, '--verify']), 3))).toBe(
      `NOT verified: the record the portal serves at /contacts/${first.data.id}/history differs from what AT signed: name`,
    );

    // Offline, the bundle of the late record carries the revocation: NOT verified, portal up and down.
    const profile = JSON.parse(readFileSync(secretariat.profile, 'utf8')) as { pinned: { jwks: PinnedJwks } };
    const client = await createPortalClient({
      baseUrl: restarted.origin,
      principal: 'secretariat',
      privateJwk: restarted.secretariatJwk(),
    });
    const bundle = await createVerifier(client, { issuer: restarted.origin, jwks: profile.pinned.jwks }).bundle(
      late.attestation.id,
    );
    expect(bundle.keys.find((proof) => proof.kid === kid)?.revocation?.attestation.id).toBe(revocation.attestation.id);
    writeFileSync(secretariat.path('late.json'), JSON.stringify(bundle));
    const offlineUp = expectExit(await secretariat.run(['verify', '--bundle', 'late.json']), 3);
    expect(NOT_VERIFIED(offlineUp)).toContain(`key ${kid} of AT was revoked`);
    await stop(restarted);
    const offlineDown = expectExit(await secretariat.run(['verify', '--bundle', 'late.json']), 3);
    expect(NOT_VERIFIED(offlineDown)).toBe(NOT_VERIFIED(offlineUp));
  });

  it('treats a changed portal key as an error until the user accepts it', { timeout: 120_000 }, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cbm-trust-data-'));
    const port = await freePort();
    let portal = await start(dataDir, port);
    const secretariat = await secretariatUser(portal);
    const added = expectExit(await secretariat.run(['states', 'add', 'AT', 'Austria', '--json']), 0).json<{
      attestation: { id: string };
    }>();
    const keyFile = join(dataDir, 'portal-signing-key.jwk');
    const old = await thumbprint(JSON.parse(readFileSync(keyFile, 'utf8')) as JWK);

    // The portal comes back with another signing key (re-keyed, or someone else's portal on that address).
    await stop(portal);
    const replacement = await generateSigningKey();
    writeFileSync(keyFile, JSON.stringify(replacement.privateJwk), { mode: 0o600 });
    portal = await start(dataDir, port);
    const changed =
      `the portal at ${portal.origin} serves portal key ${replacement.kid}, which you did not ` +
      `pin; you pinned portal key ${old}, Secretariat first key ${await thumbprint(portal.secretariatJwk())}`;
    for (const args of [['log', 'check'], ['verify', added.attestation.id], ['trust']]) {
      const refused = expectExit(await secretariat.run(args), 3);
      expect(refused.stderr, args.join(' ')).toContain(`NOT verified: ${changed}`);
      expect(refused.stderr, args.join(' ')).toContain(
        `accept it: cbm trust --accept ${replacement.kid} (or cbm init --force --accept-new-key)`,
      );
    }
    expect(expectExit(await secretariat.run(['log', 'check', '--json']), 3).json()).toMatchObject({
      code: 'portal-key-changed',
    });
    // Writing a new profile for the same portal does not pin it silently either.
    expect(
      expectExit(
        await secretariat.run([
          'init',
          '--portal',
          portal.origin,
          '--as',
          'secretariat',
          '--key',
          'secretariat.jwk',
          '--force',
        ]),
        3,
      ).stderr,
    ).toContain(changed);
    expect(expectExit(await secretariat.run(['trust', '--accept', 'not-a-served-key']), 2).stderr).toContain(
      `serves no unpinned key not-a-served-key; it offers portal key ${replacement.kid}`,
    );

    const accepted = expectExit(await secretariat.run(['trust', '--accept', replacement.kid]), 0);
    expect(accepted.stdout).toBe(`pinned portal key ${replacement.kid} for ${portal.origin}\n`);
    expectExit(await secretariat.run(['log', 'check']), 0);
    // The record signed by the old key still verifies: both keys are pinned now.
    expect(expectExit(await secretariat.run(['verify', added.attestation.id]), 0).stdout).toContain(
      'verified: urn:cbm:principal:AT',
    );
    const listed = expectExit(await secretariat.run(['trust', '--json']), 0).json<{
      pinned: { role: string; fingerprint: string; served: boolean }[];
      not_pinned: unknown[];
    }>();
    expect(listed.pinned).toEqual([
      { role: 'portal', fingerprint: old, served: false },
      { role: 'portal', fingerprint: replacement.kid, served: true },
      { role: 'secretariat', fingerprint: await thumbprint(portal.secretariatJwk()), served: true },
    ]);
    expect(listed.not_pinned).toEqual([]);
  });
});
