/**
 * `cbm verify` and `cbm log check` against a real portal: an attestation, its evidence and
 * its inclusion verified on this machine, again offline from a saved bundle, tampering
 * caught (exit 3); and a log rewritten behind cbm's back (the portal's data restored from
 * an older copy and written differently, or rolled back) detected from the checkpoint cbm
 * remembered (exit 3).
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, removeDataDir, startRealPortal, type RealPortal } from '../../../test/support/real-portal.ts';
import { checkpointCovers, cliUser, expectExit } from './cli-support.ts';

const portals: RealPortal[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const portal of portals.splice(0)) await portal.stop();
  for (const dir of dirs.splice(0)) removeDataDir(dir);
});

async function start(dataDir: string, port: number) {
  const portal = await startRealPortal({ dataDir, port });
  portals.push(portal);
  return portal;
}

async function stop(portal: RealPortal) {
  await portal.stop();
  portals.splice(portals.indexOf(portal), 1);
}

describe('cbm verify', () => {
  it('verifies online and offline, catches tampering, and detects a rewritten or rolled-back log', {
    timeout: 120_000,
  }, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cbm-verify-data-'));
    const snapshot = mkdtempSync(join(tmpdir(), 'cbm-verify-snapshot-'));
    dirs.push(dataDir, snapshot);
    const port = await freePort();
    let portal = await start(dataDir, port);
    const secretariat = cliUser('verifier');
    expectExit(
      await secretariat.run([
        'init',
        '--portal',
        portal.origin,
        '--as',
        'secretariat',
        '--key',
        join(dataDir, 'secretariat.private.jwk'),
      ]),
      0,
    );
    // cbm init remembered the (empty) log; keep the Secretariat key outside the data dir.
    cpSync(join(dataDir, 'secretariat.private.jwk'), secretariat.path('secretariat.jwk'));
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
      0,
    );

    const added = expectExit(await secretariat.run(['states', 'add', 'AT', 'Austria', '--json']), 0).json<{
      attestation: { id: string; log_index: number };
    }>();
    expectExit(await secretariat.run(['states', 'add', 'BE', 'Belgium']), 0);
    await checkpointCovers(portal.origin, 2);

    // Online: the portal's signature, the Secretariat's own signature over the exact body, inclusion.
    const verified = expectExit(await secretariat.run(['verify', added.attestation.id, '--save', 'bundle.json']), 0);
    expect(verified.stdout).toContain('verified: urn:cbm:principal:AT');
    expect(verified.stdout).toContain('createPrincipal by secretariat');
    expect(verified.stdout).toContain(
      'in the log at index 0 of 2 (signed checkpoint); log consistent with the 0 entries seen before',
    );
    const report = expectExit(await secretariat.run(['verify', added.attestation.id, '--json']), 0).json();
    expect(report).toMatchObject({
      verified: true,
      subject: 'urn:cbm:principal:AT',
      principal: 'secretariat',
      operation: 'createPrincipal',
      log_index: 0,
      tree_size: 2,
      log: 'unchanged',
    });

    // Offline, against a pinned copy of the portal's keys; tampering is exit 3.
    writeFileSync(secretariat.path('jwks.json'), await (await fetch(`${portal.origin}/.well-known/jwks.json`)).text());
    const offline = expectExit(
      await secretariat.run([
        'verify',
        '--bundle',
        'bundle.json',
        '--jwks',
        'jwks.json',
        '--portal',
        'http://127.0.0.1:9',
      ]),
      0,
    );
    expect(offline.stdout).toContain('log same checkpoint as remembered');
    const bundle = JSON.parse(readFileSync(secretariat.path('bundle.json'), 'utf8')) as {
      evidence: { body: string };
      checkpoint: string;
      attestation: { token: string };
    };
    const tamper = async (name: string, change: (copy: typeof bundle) => void, message: string) => {
      const copy = structuredClone(bundle);
      change(copy);
      writeFileSync(secretariat.path(name), JSON.stringify(copy));
      const result = expectExit(await secretariat.run(['verify', '--bundle', name, '--jwks', 'jwks.json']), 3);
      expect(result.stderr).toContain('NOT verified');
      expect(result.stderr).toContain(message);
      const json = expectExit(await secretariat.run(['verify', '--bundle', name, '--json']), 3).json();
      expect(json).toMatchObject({ code: 'verification-failed' });
    };
    await tamper(
      'body.json',
      (copy) => (copy.evidence.body = Buffer.from('{"id":"AT","name":"Mallory"}').toString('base64url')),
      'body bytes',
    );
    await tamper(
      'checkpoint.json',
      (copy) => (copy.checkpoint = copy.checkpoint.replace('\n2\n', '\n3\n')),
      'checkpoint',
    );
    await tamper(
      'token.json',
      (copy) => (copy.attestation.token = `${copy.attestation.token.slice(0, -4)}AAAA`),
      'signature',
    );
    const stranger = {
      keys: [{ kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo', kid: 'stranger' }],
    };
    writeFileSync(secretariat.path('stranger.json'), JSON.stringify(stranger));
    expectExit(await secretariat.run(['verify', '--bundle', 'bundle.json', '--jwks', 'stranger.json']), 3);

    // Keep a copy of the portal's data as it is now (2 entries) ...
    await stop(portal);
    cpSync(dataDir, snapshot, { recursive: true });
    portal = await start(dataDir, port);
    expectExit(await secretariat.run(['states', 'add', 'CZ', 'Czechia']), 0);
    expectExit(await secretariat.run(['states', 'add', 'DE', 'Germany']), 0);
    await checkpointCovers(portal.origin, 4);
    const grown = expectExit(await secretariat.run(['log', 'check']), 0);
    expect(grown.stdout).toContain('4 entries');
    expect(grown.stdout).toContain('consistent with the 2 entries seen before');

    // ... then rewrite history: the old copy back, and other writes on top of it.
    await stop(portal);
    rmSync(dataDir, { recursive: true, force: true });
    cpSync(snapshot, dataDir, { recursive: true });
    portal = await start(dataDir, port);
    const forked: string[] = [];
    for (const [code, name] of [
      ['FR', 'France'],
      ['IT', 'Italy'],
      ['ES', 'Spain'],
    ]) {
      forked.push(
        expectExit(await secretariat.run(['states', 'add', code!, name!, '--json']), 0).json<{
          attestation: { id: string };
        }>().attestation.id,
      );
    }
    await checkpointCovers(portal.origin, 5);
    const rewritten = expectExit(await secretariat.run(['log', 'check']), 3);
    expect(rewritten.stderr).toContain(
      'NOT verified: the log of 5 entries does not extend the one of 4 you saw before: it was rewritten',
    );
    // The fork's own records verify against its own checkpoints, yet cbm refuses: the log was rewritten.
    const refused = expectExit(await secretariat.run(['verify', forked[0]!]), 3);
    expect(refused.stderr).toContain('rewritten');
    expect(refused.stderr).toContain('checkpoint cbm remembered');

    // Rolled back: fewer entries than cbm saw.
    await stop(portal);
    rmSync(dataDir, { recursive: true, force: true });
    cpSync(snapshot, dataDir, { recursive: true });
    portal = await start(dataDir, port);
    const shrunk = expectExit(await secretariat.run(['log', 'check', '--json']), 3);
    expect(shrunk.json()).toMatchObject({
      code: 'verification-failed',
      detail: expect.stringContaining('the log shrank from 4 to 2 entries'),
    });
  });
});
