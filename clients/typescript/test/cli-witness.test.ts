/**
 * `cbm witness` against a real portal (issue 14, "done when"): three states witness the
 * log, the checkpoint carries their cosignatures, `cbm verify --witnesses 2` passes online
 * and offline (pinned witness keys), and when the portal's data is restored from an older
 * copy and written differently (a forked log: same key, same origin), a witness that saw
 * the other history refuses with exit 3 and a proof `cbm verify --misbehaviour` checks
 * offline, while a 2-of-3 policy refuses the fork that only one state cosigned.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, removeDataDir, startRealPortal, type RealPortal } from '../../../test/support/real-portal.ts';
import { checkpointCovers, cliUser, expectExit, type CliUser } from './cli-support.ts';

const portals: RealPortal[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const portal of portals.splice(0)) await portal.stop();
  for (const dir of dirs.splice(0)) removeDataDir(dir);
});

const checkpointText = async (origin: string) =>
  (await fetch(`${origin}/log/checkpoint`, { headers: { Accept: 'text/plain' } })).text();
const cosigners = (note: string) =>
  note
    .split('\n')
    .filter((line) => line.startsWith('— cbm-witness/'))
    .map((line) => line.split(' ')[1]);

describe('cbm witness', () => {
  it('three states cosign, verify --witnesses 2 passes, a forked log is caught with a publishable proof', {
    timeout: 180_000,
  }, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cbm-witness-data-'));
    const snapshot = mkdtempSync(join(tmpdir(), 'cbm-witness-snapshot-'));
    dirs.push(dataDir, snapshot);
    const port = await freePort();
    const start = async () => {
      const started = await startRealPortal({ dataDir, port });
      portals.push(started);
      return started;
    };
    const stop = async (running: RealPortal) => {
      await running.stop();
      portals.splice(portals.indexOf(running), 1);
    };
    let portal = await start();
    const secretariat = cliUser('witness-secretariat');
    cpSync(join(dataDir, 'secretariat.private.jwk'), secretariat.path('secretariat.jwk'));
    expectExit(
      await secretariat.run(['init', '--portal', portal.origin, '--as', 'secretariat', '--key', 'secretariat.jwk']),
      0,
    );

    const states: Record<string, CliUser> = {};
    const witnessKeys: { principal: string; jwk: unknown }[] = [];
    let size = 0;
    for (const [code, name] of [
      ['AT', 'Austria'],
      ['DE', 'Germany'],
      ['FR', 'France'],
    ] as const) {
      expectExit(await secretariat.run(['states', 'add', code, name]), 0);
      const user = cliUser(`witness-${code}`);
      expectExit(await user.run(['init', '--portal', portal.origin, '--as', code, '--key', 'witness.jwk']), 0);
      const publicJwk = expectExit(await user.run(['keygen']), 0).stdout;
      writeFileSync(secretariat.path(`${code}.pub.json`), publicJwk);
      witnessKeys.push({ principal: code, jwk: JSON.parse(publicJwk) });
      const added = expectExit(
        await secretariat.run([
          'keys',
          'add',
          code,
          `${code}.pub.json`,
          '--scopes',
          'read,witness',
          '--label',
          'log witness',
          '--json',
        ]),
        0,
      ).json<{ attestation: { log_index: number } }>();
      size = added.attestation.log_index + 1;
      states[code] = user;
    }
    writeFileSync(secretariat.path('witnesses.json'), JSON.stringify(witnessKeys));
    await checkpointCovers(portal.origin, size);

    for (const code of ['AT', 'DE', 'FR']) {
      const round = expectExit(await states[code]!.run(['witness', '--once']), 0);
      expect(round.stdout).toBe(`cosigned the checkpoint of ${size} entries (consistent with 0 cosigned before)\n`);
    }
    expect(cosigners(await checkpointText(portal.origin))).toEqual([
      'cbm-witness/AT',
      'cbm-witness/DE',
      'cbm-witness/FR',
    ]);
    // A second round on the same checkpoint has nothing to do.
    expect(expectExit(await states.AT!.run(['witness', '--once']), 0).stdout).toBe(
      `checkpoint of ${size} entries already cosigned\n`,
    );

    // The policy: 2 of the 3 witness keys, each proven by its registration in the log.
    const head = expectExit(await secretariat.run(['log', 'check', '--witnesses', '2']), 0);
    expect(head.stdout).toContain('witnessed by AT (');
    expect(head.stdout).toContain('3 witness key(s) proven by their registration in the log');
    const tooMany = expectExit(await secretariat.run(['log', 'check', '--witnesses', '4']), 3);
    expect(tooMany.stderr).toContain('cosigned by 3 trusted witness state(s) (AT, DE, FR), the policy needs 4');

    // A record proven against a witnessed checkpoint, online, then offline with pinned witness keys.
    const entries = (await (await fetch(`${portal.origin}/log/checkpoint`)).text()).split('\n')[1];
    expect(Number(entries)).toBe(size);
    const registration = expectExit(await secretariat.run(['keys', 'list', 'FR', '--json']), 0).json<{
      items: { registration_attestation_id: string }[];
    }>().items[0]!.registration_attestation_id;
    const verified = expectExit(
      await secretariat.run(['verify', registration, '--witnesses', '2', '--save', 'bundle.json', '--json']),
      0,
    ).json<{ witnesses: { principal: string }[] }>();
    expect(verified.witnesses.map((witness) => witness.principal)).toEqual(['AT', 'DE', 'FR']);
    writeFileSync(secretariat.path('jwks.json'), await (await fetch(`${portal.origin}/.well-known/jwks.json`)).text());
    const offline = expectExit(
      await secretariat.run([
        'verify',
        '--bundle',
        'bundle.json',
        '--jwks',
        'jwks.json',
        '--witnesses',
        '2',
        '--witness-keys',
        'witnesses.json',
        '--portal',
        'http://127.0.0.1:9',
      ]),
      0,
    );
    expect(offline.stdout).toContain('witnessed by AT (');
    expect(offline.stdout).toContain('3 pinned witness key(s)');

    // An archive of everything the Secretariat may see, verified air-gapped (no portal reachable).
    const exportedArchive = expectExit(
      await secretariat.run(['export', '--out', 'archive.jsonl', '--witnesses', '2', '--json']),
      0,
    ).json<{ records: number }>();
    expect(exportedArchive.records).toBe(size);
    const airGapped = [
      '--jwks',
      'jwks.json',
      '--witnesses',
      '2',
      '--witness-keys',
      'witnesses.json',
      '--portal',
      'http://127.0.0.1:9',
    ];
    const archived = expectExit(await secretariat.run(['verify', '--archive', 'archive.jsonl', ...airGapped]), 0);
    expect(archived.stdout).toContain(`verified archive archive.jsonl: ${size} records of ${portal.origin}`);
    expect(archived.stdout).toContain('witnessed by AT, DE, FR (offline, pinned keys)');
    const archiveLines = readFileSync(secretariat.path('archive.jsonl'), 'utf8').split('\n');
    archiveLines[3] = archiveLines[3]!.replace('"log_index":', '"log_index":1');
    writeFileSync(secretariat.path('changed.jsonl'), archiveLines.join('\n'));
    expect(
      expectExit(await secretariat.run(['verify', '--archive', 'changed.jsonl', ...airGapped]), 3).stderr,
    ).toContain('archive changed.jsonl: line 4: record');

    // A later write: the latest checkpoint is not witnessed yet; verify --witnesses proves under the latest one that is.
    expectExit(await secretariat.run(['states', 'add', 'NL', 'Netherlands']), 0);
    await checkpointCovers(portal.origin, size + 1);
    const underWitnessed = expectExit(
      await secretariat.run(['verify', registration, '--witnesses', '2', '--json']),
      0,
    ).json<{ tree_size: number; witnesses: unknown[] }>();
    expect(underWitnessed).toMatchObject({
      tree_size: size,
      witnesses: [{ principal: 'AT' }, { principal: 'DE' }, { principal: 'FR' }],
    });
    size += 1;
    for (const code of ['AT', 'DE', 'FR']) expectExit(await states[code]!.run(['witness', '--once']), 0);

    // Fork: keep a copy of the data, write one history, restore the copy, write another.
    await stop(portal);
    cpSync(dataDir, snapshot, { recursive: true });
    portal = await start();
    expectExit(await secretariat.run(['states', 'add', 'CZ', 'Czechia']), 0);
    await checkpointCovers(portal.origin, size + 1);
    expectExit(await states.AT!.run(['witness', '--once']), 0);
    await stop(portal);
    rmSync(dataDir, { recursive: true, force: true });
    cpSync(snapshot, dataDir, { recursive: true });
    portal = await start();
    const italy = expectExit(await secretariat.run(['states', 'add', 'IT', 'Italy', '--json']), 0).json<{
      attestation: { id: string; log_index: number };
    }>().attestation;
    await checkpointCovers(portal.origin, size + 1);

    // DE never saw the other history: it cosigns this one. AT saw it: it refuses.
    expectExit(await states.DE!.run(['witness', '--once']), 0);
    const caught = expectExit(await states.AT!.run(['witness', '--once', '--proof', 'fork-proof.json']), 3);
    expect(caught.stderr).toContain(
      `the portal's log misbehaved (fork): the portal signed two checkpoints of ${size + 1} entries with different roots`,
    );
    expect(cosigners(await checkpointText(portal.origin))).toEqual(['cbm-witness/DE']);
    // The proof is publishable and checks offline against the pinned portal keys.
    const proofText = readFileSync(states.AT!.path('fork-proof.json'), 'utf8');
    expect(proofText).not.toContain('"d"');
    writeFileSync(secretariat.path('fork-proof.json'), proofText);
    const checked = expectExit(
      await secretariat.run([
        'verify',
        '--misbehaviour',
        'fork-proof.json',
        '--jwks',
        'jwks.json',
        '--portal',
        'http://127.0.0.1:9',
        '--json',
      ]),
      0,
    ).json();
    expect(checked).toMatchObject({ misbehaviour: true, conclusive: true, kind: 'fork' });
    const forged = JSON.parse(proofText) as { served: string };
    forged.served = forged.served.replace(/^(.*\n.*\n)./, '$1A');
    writeFileSync(secretariat.path('forged.json'), JSON.stringify(forged));
    expectExit(await secretariat.run(['verify', '--misbehaviour', 'forged.json', '--jwks', 'jwks.json']), 3);
    // A verifier with a 2-of-3 policy refuses the fork only DE cosigned: its latest witnessed
    // checkpoint is the one before the fork, and no witnessed checkpoint covers the forked record.
    const before = expectExit(
      await secretariat.run(['log', 'check', '--witnesses', '2', '--witness-keys', 'witnesses.json']),
      0,
    );
    expect(before.stdout).toContain(`: ${size} entries`);
    const refused = expectExit(
      await secretariat.run(['verify', italy.id, '--witnesses', '2', '--witness-keys', 'witnesses.json']),
      3,
    );
    expect(refused.stderr).toContain(`no checkpoint cosigned by 2 states covers log index ${italy.log_index} yet`);
  });
});
