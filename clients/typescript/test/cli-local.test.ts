/**
 * cbm without a portal: help, usage errors and their exit codes, keygen, init and the
 * profile (mode 0600), the progress bar renderer, and an unreachable portal (exit 4).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { JWK } from 'jose';
import { describe, expect, it } from 'vitest';
import { progressBar, renderProgress } from '../src/cli/progress.ts';
import { thumbprint } from '../src/keys.ts';
import { freePort, ROOT } from '../../../test/support/real-portal.ts';
import { cliUser, expectExit, runCbm } from './cli-support.ts';

const mode = (path: string) => statSync(path).mode & 0o777;

describe('cbm without a portal', () => {
  it('prints help with the exit codes, and exits 2 on usage errors', async () => {
    const user = cliUser('help');
    const [help, bare, unknown, unknownSub, badOption, commandHelp, missingArg] = await Promise.all([
      user.run(['--help']),
      user.run([]),
      user.run(['frobnicate']),
      user.run(['contacts', 'nope']),
      user.run(['contacts', 'list', '--bogus']),
      user.run(['contacts', 'put', '--help']),
      user.run(['keys', 'revoke', 'AT']),
    ]);
    expectExit(help, 0);
    for (const text of [
      'exit codes:',
      '3  verification failed',
      '4  the portal is unreachable',
      'contacts put',
      'incidents notify',
      'documents publish',
      'requests answer',
      'checks start',
      'keys rotate',
      'feed follow',
      'verify ATTESTATION_ID',
    ]) {
      expect(help.stdout).toContain(text);
    }
    expect(expectExit(bare, 2).stdout).toContain('usage: cbm COMMAND');
    expect(expectExit(unknown, 2).stderr).toContain('unknown command frobnicate');
    expect(expectExit(unknownSub, 2).stderr).toContain('contacts has list, get, put, withdraw, confirm');
    expect(expectExit(badOption, 2).stderr).toContain("Unknown option '--bogus'");
    expect(expectExit(commandHelp, 0).stdout).toContain('--if-match ETAG');
    expect(expectExit(missingArg, 2).stderr).toContain('missing KID');
  });

  it('writes a profile (0600) with init, a key pair with keygen, and never overwrites either', async () => {
    const user = cliUser('init');
    const init = expectExit(
      await user.run([
        'init',
        '--portal',
        'http://127.0.0.1:9/',
        '--as',
        'AT',
        '--key',
        'at.jwk',
        '--offline',
        '--json',
      ]),
      0,
    );
    expect(init.json()).toMatchObject({
      profile: user.profile,
      portal: 'http://127.0.0.1:9',
      principal: 'AT',
      key: user.path('at.jwk'),
      key_exists: false,
    });
    expect(mode(user.profile)).toBe(0o600);
    expect(JSON.parse(readFileSync(user.profile, 'utf8'))).toEqual({
      portal: 'http://127.0.0.1:9',
      principal: 'AT',
      key: user.path('at.jwk'),
      keys: [{ file: user.path('at.jwk') }],
    });

    const again = expectExit(
      await user.run(['init', '--portal', 'http://127.0.0.1:9', '--as', 'AT', '--key', 'at.jwk', '--offline']),
      2,
    );
    expect(again.stderr).toContain('exists already');
    expect(
      expectExit(await user.run(['init', '--portal', 'ftp://x', '--as', 'AT', '--key', 'k', '--force', '--offline']), 2)
        .stderr,
    ).toContain('not an http(s) URL');
    expect(
      expectExit(
        await user.run(['init', '--portal', 'http://x', '--as', 'Austria', '--key', 'k', '--force', '--offline']),
        2,
      ).stderr,
    ).toContain('state code');

    // keygen writes the profile's key when it does not exist yet, and prints the public half.
    const keygen = expectExit(await user.run(['keygen']), 0);
    const publicJwk = keygen.json<JWK>();
    expect(publicJwk).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA' });
    expect(publicJwk).not.toHaveProperty('d');
    const privateJwk = JSON.parse(readFileSync(user.path('at.jwk'), 'utf8')) as JWK;
    expect(privateJwk.d).toBeTruthy();
    expect(mode(user.path('at.jwk'))).toBe(0o600);
    expect(publicJwk.kid).toBe(await thumbprint(privateJwk));
    expect(keygen.stderr).toContain(`kid ${publicJwk.kid}`);
    const before = readFileSync(user.path('at.jwk'), 'utf8');
    expect(expectExit(await user.run(['keygen', '--out', 'at.jwk']), 2).stderr).toContain('never overwrites');
    expect(readFileSync(user.path('at.jwk'), 'utf8')).toBe(before);

    const p256 = expectExit(await user.run(['keygen', '--out', 'p256.jwk', '--alg', 'ES256']), 0);
    expect(p256.json()).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256' });
    expect(expectExit(await user.run(['keygen', '--out', 'x.jwk', '--alg', 'RS256']), 2).stderr).toContain(
      'EdDSA or ES256',
    );
    expect(existsSync(user.path('x.jwk'))).toBe(false);
  });

  it('exits 2 with a clear message for a missing signer, an unreadable or public key, or bad JSON', async () => {
    const user = cliUser('local');
    writeFileSync(
      user.path('public.jwk'),
      JSON.stringify({ kty: 'OKP', crv: 'Ed25519', x: 'ewwmik2PBzNnwT2OVe73fAmcKCZBoeb7aFzU_qNyMtI' }),
    );
    writeFileSync(user.path('broken.json'), '{"role": ');
    const [noSigner, missingKey, publicKey, badJson, badJsonOut] = await Promise.all([
      user.run(['contacts', 'list']),
      user.run(['contacts', 'list', '--as', 'AT', '--key', 'nowhere.jwk']),
      user.run(['contacts', 'list', '--as', 'AT', '--key', 'public.jwk']),
      user.run(['contacts', 'put', 'broken.json', '--as', 'AT', '--key', 'public.jwk']),
      user.run(['contacts', 'put', 'broken.json', '--as', 'AT', '--key', 'public.jwk', '--json']),
    ]);
    expect(expectExit(noSigner, 2).stderr).toContain('name the signing principal');
    expect(expectExit(missingKey, 2).stderr).toContain('cannot read nowhere.jwk: ENOENT');
    expect(expectExit(publicKey, 2).stderr).toContain('is not a private key');
    expect(expectExit(badJson, 2).stderr).toContain('broken.json is not valid JSON');
    expect(expectExit(badJsonOut, 2).json()).toMatchObject({
      type: 'urn:cbm:cli:local-error',
      code: 'local-error',
      status: null,
    });
  });

  it('exits 4 when the portal cannot be reached, with --json a problem-shaped document', async () => {
    const user = cliUser('unreachable');
    const port = await freePort(); // nothing listens there
    expectExit(
      await user.run(['init', '--portal', `http://127.0.0.1:${port}`, '--as', 'AT', '--key', 'at.jwk', '--offline']),
      0,
    );
    expectExit(await user.run(['keygen']), 0);
    const text = expectExit(await user.run(['contacts', 'list']), 4);
    expect(text.stderr).toContain(`cannot reach the portal at http://127.0.0.1:${port}: ECONNREFUSED`);
    const json = expectExit(await user.run(['contacts', 'list', '--json']), 4);
    expect(json.json()).toMatchObject({
      type: 'urn:cbm:cli:unreachable',
      code: 'unreachable',
      title: 'Portal unreachable',
    });
  });
});

describe('launchers', () => {
  it('bin/cbm.mjs, npx cbm and npm run -s cbm -- run the same command line', { timeout: 60_000 }, async () => {
    const run = promisify(execFile);
    // A fresh npm cache, offline: npx finds the repository's own bin, nothing is downloaded.
    const cache = mkdtempSync(join(tmpdir(), 'cbm-npm-cache-'));
    const env = {
      ...process.env,
      npm_config_cache: cache,
      npm_config_update_notifier: 'false',
      npm_config_offline: 'true',
    };
    const [bin, npx, script] = await Promise.all([
      runCbm(['--help'], { launcher: 'bin' }),
      run('npx', ['--no-install', 'cbm', '--help'], { cwd: ROOT, env }),
      run('npm', ['run', '-s', 'cbm', '--', '--help'], { cwd: ROOT, env }),
    ]);
    expectExit(bin, 0);
    expect(bin.stdout).toContain('usage: cbm COMMAND');
    expect(npx.stdout).toBe(bin.stdout);
    expect(script.stdout).toBe(bin.stdout);
    const bundled = await runCbm(['--help']);
    expect(bundled.stdout).toBe(bin.stdout);
    // Exit codes come through the launcher unchanged.
    expect((await runCbm(['frobnicate'], { launcher: 'bin' })).code).toBe(2);
    rmSync(cache, { recursive: true, force: true });
  });
});

describe('progress bar', () => {
  it('renders on a terminal only, and finishes with a newline', () => {
    expect(renderProgress('uploading a.pdf', 512 * 1024, 1024 * 1024, 10)).toBe(
      'uploading a.pdf [#####-----]  50%  512.0 KiB / 1.0 MiB',
    );
    expect(renderProgress('downloading', 2048, undefined)).toBe('downloading 2.0 KiB');
    let written = '';
    let time = 0;
    const terminal = { isTTY: true, write: (text: string) => (written += text) };
    const bar = progressBar('up', 1000, terminal, () => (time += 50));
    for (let done = 100; done <= 1000; done += 100) bar.update(done);
    bar.finish();
    expect(written).toContain('\r');
    expect(written).toContain('100%');
    expect(written.endsWith('\n')).toBe(true);
    // Throttled: 10 updates 50 ms apart draw at most every 100 ms, plus the final draw.
    expect(written.split('\r').length - 1).toBeLessThanOrEqual(6);

    let piped = '';
    const pipe = { isTTY: false, write: (text: string) => (piped += text) };
    const silent = progressBar('up', 1000, pipe);
    silent.update(500);
    silent.finish();
    expect(piped).toBe('');
  });
});
