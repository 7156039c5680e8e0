/**
 * cbm against a real portal (tsx src/node.ts, real SQLite, real keys), as the
 * Secretariat and as points of contact would use it: every command a child process,
 * asserted on stdout, stderr and the exit code.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDataDir, startRealPortal, type RealPortal } from '../../../test/support/real-portal.ts';
import { cbmEntry, cliUser, expectExit, type CliUser } from './cli-support.ts';

/** util-linux `script` runs a command on a pseudo-terminal: how a person sees cbm. */
const hasScript = spawnSync('script', ['--version']).status === 0;

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
let secretariat: CliUser;

beforeAll(async () => {
  portal = await startRealPortal();
  secretariat = cliUser('secretariat');
  const init = expectExit(
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
  expect(init.stdout).toContain('active, scopes read principals:write checks:write');
}, 60_000);

afterAll(async () => {
  await portal?.stop();
  if (portal) removeDataDir(portal.dataDir);
});

/** A state registered by the Secretariat through cbm, with its point of contact's profile and key. */
async function registerState(
  code: string,
  name: string,
  scopes = 'read,contacts:write,incidents:write,documents:write',
): Promise<CliUser & { kid: string }> {
  expectExit(await secretariat.run(['states', 'add', code, name]), 0);
  const user = cliUser(code);
  expectExit(
    await user.run(['init', '--portal', portal.origin, '--as', code, '--key', `${code.toLowerCase()}.jwk`]),
    0,
  );
  const keygen = expectExit(await user.run(['keygen']), 0);
  writeFileSync(secretariat.path(`${code}.pub.json`), keygen.stdout);
  expectExit(
    await secretariat.run(['keys', 'add', code, `${code}.pub.json`, '--scopes', scopes, '--label', 'point of contact']),
    0,
  );
  return { ...user, kid: keygen.json<{ kid: string }>().kid };
}

describe('cbm against a real portal', () => {
  it('registers states and keys as the Secretariat; refusals exit 1 with the problem explained', async () => {
    const added = expectExit(await secretariat.run(['states', 'add', 'AT', 'Republic', 'of', 'Austria']), 0);
    expect(added.stdout).toMatch(
      /^registered AT \(Republic of Austria\)\nattestation \S+ \(log index \d+\); cbm verify \S+\n$/,
    );

    const twice = expectExit(await secretariat.run(['states', 'add', 'AT', 'Austria']), 1);
    expect(twice.stderr).toContain('refused: 409 Conflict (principal-exists)');
    expect(twice.stderr).toContain('hint: The principal is registered already.');
    expect(twice.stderr).toMatch(/request id: urn:cbm:request:/);
    expect(twice.stdout).toBe('');
    const twiceJson = expectExit(await secretariat.run(['states', 'add', 'AT', 'Austria', '--json']), 1);
    expect(twiceJson.json()).toMatchObject({
      status: 409,
      code: 'principal-exists',
      type: 'urn:cbm:problem:principal-exists',
    });

    const invalid = expectExit(await secretariat.run(['states', 'add', 'Austria', 'Austria']), 1);
    expect(invalid.stderr).toContain('422');
    expect(invalid.stderr).toContain('/id:');

    const list = expectExit(await secretariat.run(['states', 'list', '--json']), 0);
    expect(list.json<{ items: { id: string }[] }>().items.map((item) => item.id)).toContain('AT');

    // A key for Austria, then a rotation to a new key and the revocation of the old one.
    const austria = cliUser('AT');
    expectExit(await austria.run(['init', '--portal', portal.origin, '--as', 'AT', '--key', 'first.jwk']), 0);
    writeFileSync(secretariat.path('at-first.pub.json'), expectExit(await austria.run(['keygen']), 0).stdout);
    const first = expectExit(
      await secretariat.run(['keys', 'add', 'AT', 'at-first.pub.json', '--scopes', 'read,contacts:write', '--json']),
      0,
    ).json<{ data: { kid: string; status: string } }>().data;
    expect(first.status).toBe('active');
    const whoami = expectExit(await austria.run(['whoami', '--json']), 0);
    expect(whoami.json()).toMatchObject({
      principal: 'AT',
      kid: first.kid,
      status: 'active',
      scopes: ['read', 'contacts:write'],
    });

    expect(expectExit(await secretariat.run(['keys', 'add', 'AT', austria.path('first.jwk')]), 2).stderr).toContain(
      'holds a private key',
    );
    // A Secretariat's command as a state is stopped by cbm, saying so; the portal refuses the raw request by scope.
    expect(expectExit(await austria.run(['states', 'add', 'BE', 'Belgium']), 2).stderr).toContain(
      'cbm states add is for the Secretariat; you sign as AT',
    );
    const state = expectExit(
      await austria.run(['request', 'POST', '/principals', '{"id": "BE", "name": "Belgium"}']),
      1,
    );
    expect(state.stderr).toContain('403 Forbidden (insufficient-scope)');
    expect(state.stderr).toContain('hint: The key lacks the scope');

    writeFileSync(
      secretariat.path('at-second.pub.json'),
      expectExit(await austria.run(['keygen', '--out', 'second.jwk', '--alg', 'ES256']), 0).stdout,
    );
    const rotated = expectExit(
      await secretariat.run(['keys', 'rotate', 'AT', first.kid, 'at-second.pub.json', '--overlap', '600']),
      0,
    );
    expect(rotated.stdout).toContain(`replacing ${first.kid}`);
    const keys = expectExit(await secretariat.run(['keys', 'list', 'AT']), 0);
    expect(keys.stdout.split('\n').filter((line) => line.includes('active'))).toHaveLength(2);
    expect(expectExit(await secretariat.run(['keys', 'revoke', 'AT', first.kid]), 2).stderr).toContain('--reason');
    expectExit(await secretariat.run(['keys', 'revoke', 'AT', first.kid, '--reason', 'superseded']), 0);
    const revoked = expectExit(await austria.run(['contacts', 'list']), 1);
    expect(revoked.stderr).toContain('401 Request signature not accepted (key-revoked)');
    expect(revoked.stderr).toMatch(/of AT was revoked at \S+Z; it was replaced by key \S+\./);
    expect(revoked.stderr).toContain('hint: This key may sign nothing any more');
    expectExit(await austria.run(['contacts', 'list', '--key', 'second.jwk']), 0);
    const all = expectExit(await secretariat.run(['keys', 'list', 'AT', '--all', '--json']), 0).json<{
      items: { kid: string; status: string }[];
    }>();
    expect(all.items.find((key) => key.kid === first.kid)?.status).toBe('revoked');
  });

  it('publishes, versions, confirms and withdraws contacts as a point of contact', async () => {
    const belgium = await registerState('BE', 'Belgium');
    writeFileSync(belgium.path('contact.json'), JSON.stringify(CONTACT));
    const published = expectExit(await belgium.run(['contacts', 'put', 'contact.json', '--json']), 0).json<{
      data: { id: string; version: number };
      attestation: { id: string };
    }>();
    expect(published.data.version).toBe(1);
    const id = published.data.id;

    // From stdin too; and a change needs the version it is based on.
    expect(
      expectExit(
        await belgium.run(['contacts', 'put', id, '-'], { input: JSON.stringify({ ...CONTACT, name: 'Bart' }) }),
        2,
      ).stderr,
    ).toContain('--if-match ETAG');
    const second = expectExit(
      await belgium.run(['contacts', 'put', id, '-', '--if-match', '1'], {
        input: JSON.stringify({ ...CONTACT, name: 'Bart Peeters' }),
      }),
      0,
    );
    expect(second.stdout).toContain(`published version 2 of contact ${id}, ETag "2"`);
    const stale = expectExit(await belgium.run(['contacts', 'put', id, 'contact.json', '--if-match', '"1"']), 1);
    expect(stale.stderr).toContain('412 Precondition failed (precondition-failed)');
    expect(stale.stderr).toContain('hint: Someone changed the record');

    const invalid = expectExit(
      await belgium.run(['contacts', 'put', JSON.stringify({ ...CONTACT, email: 'not-an-email', extra: true })]),
      1,
    );
    expect(invalid.stderr).toContain('422 Unprocessable content (validation-failed)');
    expect(invalid.stderr).toContain('/email:');
    expect(invalid.stderr).toContain('/extra:');

    const history = expectExit(await belgium.run(['contacts', 'get', id, '--history', '--json']), 0).json<{
      items: { version: number; name: string }[];
    }>();
    expect(history.items.map((item) => [item.version, item.name])).toEqual([
      [1, 'Anna Berger'],
      [2, 'Bart Peeters'],
    ]);
    const directory = expectExit(await belgium.run(['contacts', 'list', '--state', 'BE']), 0);
    expect(directory.stdout).toContain('Bart Peeters');

    expect(expectExit(await belgium.run(['states', 'compliance', '--json']), 0).json()).toMatchObject({
      state: 'BE',
      status: 'confirmation-due',
    });
    expect(expectExit(await belgium.run(['contacts', 'confirm', '--note', 'checked']), 0).stdout).toContain(
      'BE confirmed its 1 active contacts',
    );
    expect(expectExit(await belgium.run(['states', 'compliance', 'BE']), 0).stdout).toMatch(/^BE: current/);

    const withdrawn = expectExit(
      await belgium.run(['contacts', 'withdraw', id, '--latest', '--reason', 'left the post']),
      0,
    );
    expect(withdrawn.stdout).toContain(`withdrew contact ${id} (version 3)`);
    expect(withdrawn.stderr).toContain('based on the current version (ETag "2")');
    expect(expectExit(await belgium.run(['contacts', 'list', '--state', 'BE']), 0).stdout.trim()).toBe('no contacts');
  });

  it('runs a communication check: the Secretariat starts it, a state acknowledges, the report shows it', async () => {
    const czechia = await registerState('CZ', 'Czechia');
    writeFileSync(czechia.path('contact.json'), JSON.stringify(CONTACT));
    const contact = expectExit(await czechia.run(['contacts', 'put', 'contact.json', '--json']), 0).json<{
      data: { id: string };
    }>().data.id;
    const started = expectExit(
      await secretariat.run([
        'checks',
        'start',
        '--deadline',
        '+1h',
        '--states',
        'CZ',
        '--roles',
        'technical',
        '--message',
        'Please acknowledge',
        '--json',
      ]),
      0,
    ).json<{ data: { id: string; states: string[] } }>();
    expect(started.data.states).toEqual(['CZ']);
    expect(expectExit(await czechia.run(['checks', 'start', '--deadline', '+1h']), 2).stderr).toContain(
      'cbm checks start is for the Secretariat; you sign as CZ',
    );
    expect(expectExit(await czechia.run(['checks', 'acknowledge', started.data.id]), 2).stderr).toContain(
      '--contact CONTACT_ID is required',
    );
    const answered = expectExit(
      await czechia.run(['checks', 'acknowledge', started.data.id, '--contact', contact, '--note', 'on shift']),
      0,
    );
    expect(answered.stdout).toMatch(/^answered check \S+ for CZ after [\d.]+ s\n/);
    const again = expectExit(await czechia.run(['checks', 'acknowledge', started.data.id, '--contact', contact]), 1);
    expect(again.stderr).toContain('409 Conflict (already-acknowledged)');
    const report = expectExit(await secretariat.run(['checks', 'report', started.data.id, '--json']), 0).json();
    expect(report).toMatchObject({
      addressed: 1,
      answered_on_time: 1,
      rows: [{ state: 'CZ', outcome: 'on-time', contact_id: contact }],
    });
    expect(expectExit(await czechia.run(['checks', 'list']), 0).stdout).toContain(started.data.id);
  });

  it('follows the feed from where the last run stopped, without repeating or skipping', async () => {
    const denmark = await registerState('DK', 'Denmark');
    const first = expectExit(await denmark.run(['feed', 'follow', '--once', '--json', '--verify']), 0);
    const entries = first.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { log_index: number; operation: string });
    expect(entries.map((entry) => entry.log_index)).toEqual(entries.map((_, index) => index));
    expect(entries.at(-1)?.operation).toBe('registerPrincipalKey');

    const caughtUp = expectExit(await denmark.run(['feed', 'follow', '--once', '--json']), 0);
    expect(caughtUp.stdout).toBe('');
    expectExit(await denmark.run(['contacts', 'confirm']), 0);
    const fresh = expectExit(await denmark.run(['feed', 'follow', '--once']), 0);
    expect(fresh.stdout.trim().split('\n')).toHaveLength(1);
    expect(fresh.stdout).toMatch(new RegExp(`^\\s*${entries.length}\\s+\\S+\\s+DK\\s+confirmContacts`));
    expect(fresh.stderr).toContain('resuming after cursor');
    const replay = expectExit(await denmark.run(['feed', 'follow', '--once', '--from-start', '--json']), 0);
    expect(replay.stdout.trim().split('\n')).toHaveLength(entries.length + 1);
  });

  it('notifies, reports and acknowledges incidents; sends and answers consultation requests', async () => {
    const estonia = await registerState('EE', 'Estonia');
    const finland = await registerState('FI', 'Finland');
    const incident = {
      title: 'DDoS against the e-government portal',
      summary: 'Volumetric DDoS since 08:00 UTC.',
      aware_at: new Date(Date.now() - 3600_000).toISOString(),
      rsit_class: 'availability',
      rsit_type: 'ddos',
      severity: { scale: 'EE 1-4', value: '3' },
      suspected_malicious: true,
      cross_border_impact: 'unknown',
      tlp: 'TLP:AMBER',
      recipients: ['FI'],
    };
    writeFileSync(estonia.path('incident.json'), JSON.stringify(incident));
    const notified = expectExit(
      await estonia.run(['incidents', 'notify', 'incident.json', '--idempotency-key', '"ee-001"', '--json']),
      0,
    ).json<{ data: { id: string; stage: string } }>();
    expect(notified.data.stage).toBe('early-warning');
    const replayed = expectExit(
      await estonia.run(['incidents', 'notify', '@incident.json', '--idempotency-key', '"ee-001"', '--json']),
      0,
    ).json<{ data: { id: string } }>();
    expect(replayed.data.id).toBe(notified.data.id);
    const id = notified.data.id;

    const seen = expectExit(await finland.run(['incidents', 'list', '--state', 'EE']), 0);
    expect(seen.stdout).toContain(id);
    expect(expectExit(await finland.run(['incidents', 'acknowledge', id, '--note', 'received']), 0).stdout).toContain(
      `FI acknowledged incident ${id} (report 1)`,
    );
    expect(expectExit(await estonia.run(['incidents', 'acknowledge', id]), 1).stderr).toContain('not-a-recipient');
    expect(
      expectExit(
        await estonia.run([
          'incidents',
          'report',
          id,
          '{"stage":"notification","summary":"Mitigated."}',
          '--if-match',
          '1',
        ]),
        0,
      ).stdout,
    ).toContain('filed report 2 (notification)');
    expect(
      expectExit(
        await estonia.run(['incidents', 'report', id, '{"stage":"final","summary":"Closed."}', '--if-match', '1']),
        1,
      ).stderr,
    ).toContain('412');
    const got = expectExit(await finland.run(['incidents', 'get', id]), 0);
    expect(got.stdout).toContain('notification  open  report 2');
    expect(
      expectExit(await estonia.run(['incidents', 'get', id, '--acknowledgements', '--json']), 0).json(),
    ).toMatchObject({ items: [{ state: 'FI', note: 'received' }], awaiting: [] });

    const sent = expectExit(
      await estonia.run([
        'requests',
        'send',
        JSON.stringify({
          type: 'consultation',
          subject: 'Traffic from your address space',
          body: 'Can you help?',
          recipients: ['FI'],
          related_incident: id,
        }),
        '--json',
      ]),
      0,
    ).json<{ data: { id: string } }>();
    expect(expectExit(await finland.run(['requests', 'list', '--direction', 'received']), 0).stdout).toContain(
      sent.data.id,
    );
    expect(expectExit(await finland.run(['requests', 'answer', sent.data.id]), 2).stderr).toContain('--action');
    expect(
      expectExit(await finland.run(['requests', 'answer', sent.data.id, '--action', 'accept']), 0).stdout,
    ).toContain('FI accepted request');
    writeFileSync(finland.path('answer.txt'), 'A botnet; we are taking it down.');
    expect(
      expectExit(await finland.run(['requests', 'answer', sent.data.id, '--body-file', 'answer.txt']), 0).stdout,
    ).toContain('FI answered request');
    const exchange = expectExit(await estonia.run(['requests', 'get', sent.data.id, '--responses', '--json']), 0).json<{
      items: { action: string; body: string | null }[];
    }>();
    expect(exchange.items.map((item) => [item.action, item.body])).toEqual([
      ['accept', null],
      ['answer', 'A botnet; we are taking it down.'],
    ]);
    expect(expectExit(await estonia.run(['requests', 'get', sent.data.id]), 0).stdout).toContain('FI: answered');
  });

  it('publishes a document file (uploaded) and downloads it byte-identical, SHA-256 checked', async () => {
    const france = await registerState('FR', 'France');
    const germany = await registerState('DE', 'Germany');
    const pdf = new Uint8Array(200_000).map((_, index) => (index * 7919) % 251);
    writeFileSync(france.path('strategy.pdf'), pdf);
    const published = expectExit(
      await france.run([
        'documents',
        'publish',
        'strategy.pdf',
        '--type',
        'strategy',
        '--title',
        'National cyber strategy',
        '--summary',
        'The strategy.',
        '--language',
        'fr',
        '--tlp',
        'green',
        '--json',
      ]),
      0,
    );
    expect(published.stderr).not.toContain('\r'); // no progress bar when stderr is not a terminal
    const result = published.json<{
      data: { id: string };
      upload: { data: { content: { available: boolean; sha256: string } } };
    }>();
    expect(result.upload.data.content.available).toBe(true);
    const id = result.data.id;

    const list = expectExit(await germany.run(['documents', 'list', '--state', 'FR']), 0);
    expect(list.stdout).toContain('National cyber strategy');
    const downloaded = expectExit(await germany.run(['documents', 'get', id, '--out', 'got.pdf']), 0);
    expect(downloaded.stdout).toContain('sha256 matches');
    expect(new Uint8Array(readFileSync(germany.path('got.pdf')))).toEqual(pdf);

    // On a terminal, the download shows a progress bar on stderr; the file is the same.
    if (hasScript) {
      const command = [process.execPath, await cbmEntry(), 'documents', 'get', id, '--out', 'tty.pdf']
        .map((part) => `'${part}'`)
        .join(' ');
      const terminal = execFileSync('script', ['-qec', command, '/dev/null'], {
        cwd: germany.dir,
        env: { ...process.env, ...germany.env },
        encoding: 'utf8',
      });
      expect(terminal).toMatch(/\rdownloading strategy\.pdf \[#+-*\]/);
      expect(terminal).toContain('100%  195.3 KiB / 195.3 KiB');
      expect(new Uint8Array(readFileSync(germany.path('tty.pdf')))).toEqual(pdf);
    }

    writeFileSync(france.path('notes.md'), '# Threat view\n\nRansomware against hospitals.\n');
    const markdown = expectExit(
      await france.run([
        'documents',
        'publish',
        'notes.md',
        '--type',
        'threat-views',
        '--title',
        'Threat view',
        '--summary',
        'Ours',
        '--language',
        'en',
        '--tlp',
        'CLEAR',
        '--json',
      ]),
      0,
    ).json<{ data: { id: string } }>();
    expect(expectExit(await germany.run(['documents', 'get', markdown.data.id, '--out', '-']), 0).stdout).toBe(
      '# Threat view\n\nRansomware against hospitals.\n',
    );
    expect(
      expectExit(await france.run(['documents', 'publish', 'strategy.pdf', '--type', 'strategy']), 2).stderr,
    ).toContain('--title');
    copyFileSync(france.path('strategy.pdf'), france.path('strategy.bin'));
    expect(
      expectExit(
        await france.run([
          'documents',
          'publish',
          'strategy.bin',
          '--type',
          'strategy',
          '--title',
          't',
          '--summary',
          's',
          '--language',
          'fr',
          '--tlp',
          'GREEN',
        ]),
        2,
      ).stderr,
    ).toContain('--media-type');
    // A terminology document with its glossary, found by the search across states.
    writeFileSync(
      france.path('terms.json'),
      JSON.stringify([
        { term: 'Critical infrastructure', definition: 'Assets essential for vital societal functions.' },
      ]),
    );
    writeFileSync(france.path('glossary.md'), '# Terms\n');
    const terminology = expectExit(
      await france.run([
        'documents',
        'publish',
        'glossary.md',
        '--type',
        'terminology',
        '--title',
        'Terminology',
        '--summary',
        'Our terms',
        '--language',
        'en',
        '--tlp',
        'GREEN',
        '--terms',
        'terms.json',
        '--json',
      ]),
      0,
    ).json<{ data: { id: string } }>();
    const hits = expectExit(await germany.run(['glossary', 'search', '"critical infrastructure"', '--json']), 0).json<{
      items: { state: string; term: string; document_id: string }[];
    }>();
    expect(hits.items).toEqual([
      expect.objectContaining({ state: 'FR', term: 'Critical infrastructure', document_id: terminology.data.id }),
    ]);
    expect(expectExit(await germany.run(['documents', 'get', terminology.data.id, '--terms']), 0).stdout).toContain(
      'Critical infrastructure [en]',
    );

    const withdrawn = expectExit(await france.run(['documents', 'withdraw', markdown.data.id, '--if-match', '1']), 0);
    expect(withdrawn.stdout).toContain('withdrew document');
  });
});
