/**
 * `cbm bodies`, `cbm channels`, `cbm meetings` and `cbm states overview` against a real
 * portal (issue 16): two states publish, the Secretariat records a meeting one of them
 * confirms, and the overview (grid and CSV) shows exactly that.
 */
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { removeDataDir, startRealPortal, type RealPortal } from '../../../test/support/real-portal.ts';
import { cliUser, expectExit, type CliUser } from './cli-support.ts';

const portals: RealPortal[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const portal of portals.splice(0)) await portal.stop();
  for (const dir of dirs.splice(0)) removeDataDir(dir);
});

describe('cbm bodies, channels, meetings, states overview', () => {
  it('publishes, confirms and shows the implementation grid and its CSV', { timeout: 120_000 }, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cbm-cbms-data-'));
    dirs.push(dataDir);
    const portal = await startRealPortal({ dataDir });
    portals.push(portal);
    const secretariat = cliUser('cbms-secretariat');
    cpSync(join(dataDir, 'secretariat.private.jwk'), secretariat.path('secretariat.jwk'));
    expectExit(
      await secretariat.run(['init', '--portal', portal.origin, '--as', 'secretariat', '--key', 'secretariat.jwk']),
      0,
    );
    const states: Record<string, CliUser> = {};
    for (const [code, name] of [
      ['AT', 'Austria'],
      ['BE', 'Belgium'],
    ] as const) {
      expectExit(await secretariat.run(['states', 'add', code, name]), 0);
      const user = cliUser(`cbms-${code}`);
      expectExit(await user.run(['init', '--portal', portal.origin, '--as', code, '--key', 'key.jwk']), 0);
      writeFileSync(secretariat.path(`${code}.pub.json`), expectExit(await user.run(['keygen']), 0).stdout);
      expectExit(
        await secretariat.run(['keys', 'add', code, `${code}.pub.json`, '--scopes', 'read,contacts:write']),
        0,
      );
      states[code] = user;
    }
    const at = states.AT!;
    writeFileSync(
      at.path('body.json'),
      JSON.stringify({
        kind: 'national-cert',
        name: 'CERT.at',
        mandate: 'Incident coordination.',
        sectors: ['energy'],
        languages: ['de'],
        reach: { email: 'team@cert.example.at' },
      }),
    );
    const body = expectExit(await at.run(['bodies', 'put', 'body.json', '--json']), 0).json<{ data: { id: string } }>();
    expect(expectExit(await at.run(['bodies', 'put', body.data.id, 'body.json', '--latest']), 0).stdout).toContain(
      `published version 2 of competent body ${body.data.id}`,
    );
    const listed = expectExit(await states.BE!.run(['bodies', 'list', '--sector', 'energy']), 0).stdout;
    expect(listed).toContain('CERT.at');
    writeFileSync(
      at.path('channel.json'),
      JSON.stringify({
        medium: 'email',
        exchanges: ['consultation'],
        address: 'cbm@example.at',
        key: { type: 'openpgp', fingerprint: 'C'.repeat(40) },
      }),
    );
    expectExit(await at.run(['channels', 'put', 'channel.json']), 0);
    expect(expectExit(await states.BE!.run(['channels', 'list', '--exchange', 'consultation']), 0).stdout).toContain(
      `openpgp ${'C'.repeat(40)}`,
    );

    writeFileSync(
      secretariat.path('meeting.json'),
      JSON.stringify({ title: 'IWG 1/2027', starts_at: '2027-02-01T09:00:00Z', place: 'Vienna', agenda: ['CBM 8'] }),
    );
    const meeting = expectExit(await secretariat.run(['meetings', 'put', 'meeting.json', '--json']), 0).json<{
      data: { id: string };
    }>();
    expect(expectExit(await states.BE!.run(['meetings', 'confirm', meeting.data.id]), 0).stdout).toContain(
      'BE confirmed its participation',
    );
    expect(expectExit(await at.run(['meetings', 'list', '--participant', 'BE']), 0).stdout).toContain('IWG 1/2027');

    const grid = expectExit(await secretariat.run(['states', 'overview']), 0).stdout.split('\n');
    // CBM columns 1..16: AT has a body (2) and a channel (10, 13); BE took part in a meeting (11).
    expect(grid.find((line) => line.startsWith('AT'))!.split(/\s+/)).toEqual([
      'AT',
      '.',
      '+',
      '.',
      '.',
      '.',
      '.',
      '.',
      '.',
      '.',
      '+',
      '.',
      '.',
      '+',
      '.',
      '.',
      '.',
    ]);
    expect(grid.find((line) => line.startsWith('BE'))!.split(/\s+/)).toEqual([
      'BE',
      '.',
      '.',
      '.',
      '.',
      '.',
      '.',
      '.',
      '.',
      '.',
      '.',
      '+',
      '.',
      '.',
      '.',
      '.',
      '.',
    ]);
    const csv = expectExit(await secretariat.run(['states', 'overview', '--csv', '--state', 'be']), 0)
      .stdout.trim()
      .split('\n');
    expect(csv[0]).toBe('state,cbm,status,kind,count,latest,href');
    expect(csv).toHaveLength(17);
    expect(csv.find((line) => line.startsWith('BE,11,'))).toMatch(
      /^BE,11,current,meeting-participation,1,[^,]+,\/meetings\?participant=BE$/,
    );
  });
});
