/**
 * Keys, profiles and messages as a point of contact meets them (issue 15): keys under
 * ~/.config/cbm, one profile per state holding several keys, each failure saying what to
 * do. Real portal, cbm as a child process, HOME a temporary directory.
 */
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDataDir, startRealPortal, type RealPortal } from '../../../test/support/real-portal.ts';
import { expectExit, runCbm } from './cli-support.ts';

const CONTACT = {
  role: 'technical',
  name: 'Anna Berger',
  position: 'Duty officer',
  organisation: 'CERT.at',
  email: 'team@cert.example.at',
  phone_24x7: '+4315056416',
  languages: ['de-AT', 'en'],
  time_zone: 'Europe/Vienna',
};

let portal: RealPortal;
let home: string;
const cbm = (args: string[], input?: string) =>
  runCbm(args, { cwd: home, env: { HOME: home }, ...(input !== undefined ? { input } : {}) });
const mode = (path: string) => statSync(path).mode & 0o777;
const config = () => join(home, '.config', 'cbm');

beforeAll(async () => {
  portal = await startRealPortal();
  home = mkdtempSync(join(tmpdir(), 'cbm-keys-home-'));
  expectExit(
    await cbm([
      'init',
      '--portal',
      portal.origin,
      '--as',
      'secretariat',
      '--key',
      portal.secretariatKeyFile,
      '--profile',
      'secretariat',
    ]),
    0,
  );
  expectExit(await cbm(['states', 'add', 'at', 'Austria', '--profile', 'secretariat']), 0);
}, 60_000);

afterAll(async () => {
  await portal?.stop();
  if (portal) removeDataDir(portal.dataDir);
});

/** Generates a key into the profile `at` (--name NAME for another one) and has the Secretariat register it. */
async function keyFor(scopes: string, name?: string): Promise<string> {
  const made = expectExit(await cbm(['keygen', '--profile', 'at', ...(name ? ['--name', name] : [])]), 0);
  const publicFile = join(home, `public-${name ?? 'first'}.json`);
  writeFileSync(publicFile, made.stdout);
  expectExit(await cbm(['keys', 'add', 'AT', publicFile, '--scopes', scopes, '--profile', 'secretariat']), 0);
  return made.json<{ kid: string }>().kid;
}

describe('keys and profiles', () => {
  it('keeps keys and profiles under ~/.config/cbm, owner-only; one profile holds several keys and cbm picks ' +
    'the one whose scopes fit', async () => {
    const init = expectExit(await cbm(['init', '--portal', portal.origin, '--as', 'at', '--profile', 'at']), 0);
    expect(init.stdout).toContain(
      `profile written to ${join(config(), 'profiles', 'at.json')} (mode 0600): AT at ${portal.origin}, key ` +
        `${join(config(), 'keys', 'AT.jwk')}`,
    );
    expect(init.stdout).toContain('no key at');

    const contactsKid = await keyFor('read,contacts:write');
    const keyFile = join(config(), 'keys', 'AT.jwk');
    expect(mode(keyFile)).toBe(0o600);
    expect(mode(join(config(), 'keys'))).toBe(0o700);
    expect(mode(config())).toBe(0o700);
    expect(mode(join(config(), 'profiles', 'at.json'))).toBe(0o600);
    expect(existsSync(join(home, 'AT.jwk'))).toBe(false);

    // keygen a second time does not say "needs --out": it says how to add another key.
    const again = expectExit(await cbm(['keygen', '--profile', 'at']), 2);
    expect(again.stderr).toContain(`the profile's key ${keyFile} exists already`);
    expect(again.stderr).toContain('cbm keygen --name documents');

    const documentsKid = await keyFor('read,documents:write', 'documents');
    expect(mode(join(config(), 'keys', 'AT-documents.jwk'))).toBe(0o600);

    // A contact (contacts:write) and a document (documents:write), one profile, no --key.
    writeFileSync(join(home, 'contact.json'), JSON.stringify(CONTACT));
    const contact = expectExit(await cbm(['contacts', 'put', 'contact.json', '--profile', 'at', '--json']), 0).json<{
      attestation: { id: string };
    }>();
    writeFileSync(join(home, 'strategy.md'), '# Strategy\n\nSecure **cyberspace**.\n');
    const document = expectExit(
      await cbm([
        'documents',
        'publish',
        'strategy.md',
        '--type',
        'strategy',
        '--title',
        'Strategy',
        '--summary',
        'Goals',
        '--language',
        'en',
        '--tlp',
        'CLEAR',
        '--profile',
        'at',
        '--json',
      ]),
      0,
    ).json<{ attestation: { id: string } }>();
    // Each was signed by the key with the scope: the evidence names the kid.
    const evidenceKid = async (attestationId: string) => {
      const verified = expectExit(await cbm(['verify', attestationId, '--profile', 'at', '--json']), 0).json<
        Record<string, unknown>
      >();
      return JSON.stringify(verified);
    };
    expect(await evidenceKid(contact.attestation.id)).toContain(contactsKid);
    expect(await evidenceKid(document.attestation.id)).toContain(documentsKid);

    // What the profile learnt: each key's kid and scopes.
    const profile = JSON.parse(readFileSync(join(config(), 'profiles', 'at.json'), 'utf8')) as {
      keys: { file: string; kid: string; scopes: string[] }[];
    };
    expect(profile.keys.map((key) => [key.kid, key.scopes])).toEqual([
      [contactsKid, ['read', 'contacts:write']],
      [documentsKid, ['read', 'documents:write']],
    ]);

    // No key with incidents:write: refused before sending, naming the scope and each key's.
    const incident = expectExit(await cbm(['request', 'POST', '/incidents', '{"title": "x"}', '--profile', 'at']), 2);
    expect(incident.stderr).toContain(
      "POST /incidents needs a key with the scope incidents:write, and none of the profile's keys has it:",
    );
    expect(incident.stderr).toContain('scopes read contacts:write');
    expect(incident.stderr).toContain('scopes read documents:write');
    expect(incident.stderr).toContain('cbm keygen --name NAME');
  }, 90_000);

  it('whoami tells an active, an expired (when, and its successor), a revoked and an unknown key apart', async () => {
    const home2 = mkdtempSync(join(tmpdir(), 'cbm-keys-be-'));
    const be = (args: string[]) => runCbm(args, { cwd: home2, env: { HOME: home2 } });
    expectExit(await cbm(['states', 'add', 'BE', 'Belgium', '--profile', 'secretariat']), 0);
    expectExit(await be(['init', '--portal', portal.origin, '--as', 'BE']), 0);
    const register = async (name: string) => {
      const made = expectExit(await be(['keygen', ...(name === 'first' ? [] : ['--name', name])]), 0);
      writeFileSync(join(home, `be-${name}.json`), made.stdout);
      return made.json<{ kid: string }>().kid;
    };
    const first = await register('first');
    expectExit(
      await cbm([
        'keys',
        'add',
        'be',
        `be-${'first'}.json`,
        '--scopes',
        'read,contacts:write',
        '--profile',
        'secretariat',
      ]),
      0,
    );
    const second = await register('second');
    // The Secretariat rotates the first key to the second with a 1-second overlap: the first expires.
    expectExit(
      await cbm(['keys', 'rotate', 'BE', first, 'be-second.json', '--overlap', '1', '--profile', 'secretariat']),
      0,
    );
    const third = await register('third');
    expectExit(
      await cbm(['keys', 'add', 'BE', 'be-third.json', '--scopes', 'read,incidents:write', '--profile', 'secretariat']),
      0,
    );
    expectExit(await cbm(['keys', 'revoke', 'BE', third, '--reason', 'compromised', '--profile', 'secretariat']), 0);
    await register('never'); // made, never registered
    await new Promise((wait) => setTimeout(wait, 1_500));

    const whoami = expectExit(await be(['whoami']), 0);
    expect(whoami.stdout).toContain(`key ${first}: expired`);
    expect(whoami.stdout).toMatch(new RegExp(`expired at \\S+; replaced by ${second}`));
    expect(whoami.stdout).toContain(`key ${second}: active, scopes read contacts:write`);
    expect(whoami.stdout).toContain(`key ${third}: revoked`);
    expect(whoami.stdout).toMatch(/revoked at \S+: remove it \(cbm profile remove-key/);
    expect(whoami.stdout).toMatch(
      /: unknown \(.*\n {2}the portal has no such key for BE \(key-unknown\): hand its public key to the Secretariat/,
    );
    const keys = expectExit(await be(['whoami', '--json']), 0).json<{
      keys: { kid: string; status: string; code?: string; replaced_by?: string | null; expired_at?: string }[];
    }>().keys;
    expect(keys.map((key) => [key.status, key.code ?? null])).toEqual([
      ['expired', 'key-expired'],
      ['active', null],
      ['revoked', 'key-revoked'],
      ['unknown', 'key-unknown'],
    ]);
    expect(keys[0]).toMatchObject({ kid: first, replaced_by: second, expired_at: expect.any(String) });

    // Signing with the expired key alone: the refusal says when, what replaced it, and what to do.
    const expired = expectExit(
      await be(['contacts', 'list', '--key', join(home2, '.config', 'cbm', 'keys', 'BE.jwk')]),
      1,
    );
    expect(expired.stderr).toContain('401 Request signature not accepted (key-expired)');
    expect(expired.stderr).toContain(`it was replaced by key ${second}`);
    expect(expired.stderr).toContain('hint: Sign with the key that replaced it');

    // keys list says which key replaced which.
    const list = expectExit(await cbm(['keys', 'list', 'be', '--all', '--profile', 'secretariat']), 0);
    expect(list.stdout).toMatch(new RegExp(`${first}\\s+expired\\s+expired \\S+\\s+${second}`));
  }, 90_000);
});

describe('messages that say what to do', () => {
  it('a portal URL without a scheme is about the URL; lower-case state codes are accepted', async () => {
    const noScheme = expectExit(
      await cbm(['contacts', 'list', '--portal', portal.origin.replace('http://', ''), '--profile', 'at']),
      2,
    );
    expect(noScheme.stderr).toContain(
      `the portal URL ${portal.origin.replace('http://', '')} has no scheme: write https://`,
    );
    expect(noScheme.stderr).not.toContain('.jwk');

    const lower = expectExit(await cbm(['contacts', 'list', '--state', 'at', '--profile', 'at', '--json']), 0).json<{
      items: { state: string }[];
    }>();
    expect(lower.items.map((item) => item.state)).toEqual(['AT']);
  });

  it("a Secretariat's command run as a state says so before the portal refuses it", async () => {
    const asState = expectExit(await cbm(['checks', 'start', '--deadline', '+24h', '--profile', 'at']), 2);
    expect(asState.stderr).toContain('cbm checks start is for the Secretariat; you sign as AT');
    expect(asState.stderr).toContain('--profile secretariat');
  });

  it('a field that does not match says what is expected, in the contract words', async () => {
    writeFileSync(
      join(home, 'bad-contact.json'),
      JSON.stringify({ ...CONTACT, phone_24x7: '+43 1 5056416', languages: ['de_AT'] }),
    );
    const refused = expectExit(await cbm(['contacts', 'put', 'bad-contact.json', '--profile', 'at']), 1);
    expect(refused.stderr).toContain(
      '/phone_24x7: expected E.164 number without spaces, reachable around the clock, such as +4315056416',
    );
    expect(refused.stderr).toContain('/languages/0: expected a BCP 47 language tag, such as de-AT or en');
    const badState = expectExit(await cbm(['states', 'add', 'Austria', 'Austria', '--profile', 'secretariat']), 1);
    expect(badState.stderr).toContain('expected');
  });

  it('output people read: a Markdown document as text, statuses, inline JSON checked locally, a replayed answer named', async () => {
    writeFileSync(join(home, 'plan.md'), '# Action plan\n\nProtect **critical infrastructure** with `CERT.at`.\n');
    const published = expectExit(
      await cbm([
        'documents',
        'publish',
        'plan.md',
        '--type',
        'strategy',
        '--title',
        'Plan',
        '--summary',
        'The plan',
        '--language',
        'en',
        '--tlp',
        'CLEAR',
        '--profile',
        'at',
        '--json',
      ]),
      0,
    ).json<{ data: { id: string } }>();
    const shown = expectExit(await cbm(['documents', 'get', published.data.id, '--profile', 'at']), 0);
    expect(shown.stdout).toContain('  ACTION PLAN\n\n  Protect critical infrastructure with CERT.at.');
    expect(shown.stdout).not.toContain('**');
    const listed = expectExit(await cbm(['documents', 'list', '--all', '--profile', 'at']), 0);
    expect(listed.stdout).toMatch(/^ID\s+STATE\s+TYPE\s+V\s+STATUS\s+TLP/);
    expect(listed.stdout).toMatch(new RegExp(`${published.data.id}\\s+AT\\s+strategy\\s+1\\s+active`));

    const badJson = expectExit(await cbm(['request', 'POST', '/contacts', '{role: technical}', '--profile', 'at']), 2);
    expect(badJson.stderr).toContain('the JSON argument is not valid JSON');
    expect(badJson.stderr).toContain('quote inline JSON with single quotes');

    const body = JSON.stringify({ ...CONTACT, role: 'policy', name: 'Paul Policy' });
    const once = expectExit(
      await cbm(['request', 'POST', '/contacts', body, '--idempotency-key', '"at-policy-1"', '--profile', 'at']),
      0,
    );
    expect(once.stderr).not.toContain('Idempotent-Replayed');
    const twice = expectExit(
      await cbm(['request', 'POST', '/contacts', body, '--idempotency-key', '"at-policy-1"', '--profile', 'at']),
      0,
    );
    expect(twice.stderr).toContain('Idempotent-Replayed: true');
    expect(twice.stdout).toBe(once.stdout);
  });

  it('the notifier and the mirror document their input, files and database in --help', async () => {
    const { execFileSync } = await import('node:child_process');
    const help = (main: string) =>
      execFileSync(process.execPath, ['--import', 'tsx', main, '--help'], {
        cwd: join(import.meta.dirname, '../../..'),
        encoding: 'utf8',
      });
    const notifier = help('clients/notifier/src/main.ts');
    expect(notifier).toContain('input, one event a line:');
    expect(notifier).toContain('"type": "report", "incident_event_id"');
    expect(notifier).toContain('--journal FILE   (default notifier-journal.jsonl)');
    const mirror = help('clients/mirror/src/main.ts');
    expect(mirror).toContain('database schema (query it with sqlite3):');
    expect(mirror).toContain('CREATE TABLE IF NOT EXISTS entries (');
    expect(mirror).toContain('CREATE TABLE IF NOT EXISTS records (');
  }, 30_000);

  it('the Secretariat sees every state at a glance, and the open checks', async () => {
    expectExit(await cbm(['checks', 'start', '--deadline', '+24h', '--states', 'at', '--profile', 'secretariat']), 0);
    const all = expectExit(await cbm(['states', 'compliance', '--profile', 'secretariat']), 0);
    expect(all.stdout).toMatch(/^2 states: 0 current, 2 confirmation due\n/);
    // AT: the policy contact of the test above and the technical one of the first.
    expect(all.stdout).toMatch(/\nAT\s+confirmation-due\s+-\s+-\s+1\s+1\s+0\s+0\/0\/0 of 0\n/);
    expect(all.stdout).toContain('1 open communication check:');
    expect(all.stdout).toMatch(/: deadline \S+; 0 of 1 answered; waiting for AT/);
    const open = expectExit(await cbm(['checks', 'list', '--open', '--profile', 'at', '--json']), 0).json<{
      items: { status: string }[];
    }>();
    expect(open.items.map((check) => check.status)).toEqual(['open']);
  });
});
