/**
 * The notifier against a real portal: exactly one incident per event, also when the
 * notifier dies right after the portal accepted an event (before its journal knows), is
 * killed at a random moment while following a folder, or is run again on the same input;
 * retries with backoff while the portal is down; refused events set aside, a refused key
 * stops it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createPortalClient,
  generateSigningKey,
  ok,
  type PortalClient,
  type Schemas,
} from '../../typescript/src/index.ts';
import { removeDataDir, ROOT, startRealPortal, type RealPortal } from '../../../test/support/real-portal.ts';
import { canonicalJson, eventBody, idempotencyKey, type IncidentEvent } from '../src/notifier.ts';

const NOTIFIER = join(ROOT, 'clients/notifier/bin/cbm-notifier.mjs');

let portal: RealPortal;
let secretariat: PortalClient;
const children = new Set<ChildProcess>();

beforeAll(async () => {
  portal = await startRealPortal();
  secretariat = await createPortalClient({
    baseUrl: portal.origin,
    principal: 'secretariat',
    privateJwk: portal.secretariatJwk(),
  });
  await ok(secretariat.POST('/principals', { body: { id: 'BE', name: 'Belgium' } }));
}, 60_000);

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await portal?.stop();
  if (portal) removeDataDir(portal.dataDir);
});

/** A state with an incident notifier key (scopes read and incidents:write only). */
async function notifierState(
  code: string,
): Promise<{ keyFile: string; dir: string; client: PortalClient; kid: string }> {
  await ok(secretariat.POST('/principals', { body: { id: code, name: `State ${code}` } }));
  const key = await generateSigningKey();
  await ok(
    secretariat.POST('/principals/{principalId}/keys', {
      params: { path: { principalId: code } },
      body: {
        jwk: key.publicJwk as Schemas['PublicJwk'],
        scopes: ['read', 'incidents:write'],
        label: 'incident notifier',
      },
    }),
  );
  const dir = mkdtempSync(join(tmpdir(), `cbm-notifier-${code}-`));
  const keyFile = join(dir, 'notifier.jwk');
  writeFileSync(keyFile, JSON.stringify(key.privateJwk), { mode: 0o600 });
  return {
    keyFile,
    dir,
    client: await createPortalClient({ baseUrl: portal.origin, principal: code, privateJwk: key.privateJwk as JWK }),
    kid: key.kid,
  };
}

function incidentEvent(eventId: string, title: string): IncidentEvent {
  return {
    event_id: eventId,
    title,
    summary: `Automated notice for ${eventId}.`,
    aware_at: new Date(Date.now() - 3600_000).toISOString(),
    rsit_class: 'availability',
    rsit_type: 'ddos',
    severity: { scale: 'national 1-4', value: '2' },
    suspected_malicious: true,
    cross_border_impact: 'unknown',
    tlp: 'TLP:AMBER',
    recipients: ['BE'],
  };
}

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  outcomes: { status: string; incident_id?: string; source: string }[];
}

function startNotifier(
  args: string[],
  options: { cwd: string; env?: Record<string, string>; input?: string; onOutcome?: (count: number) => void },
) {
  const child = spawn(process.execPath, [NOTIFIER, ...args], {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? '', HOME: options.cwd, ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    options.onOutcome?.(stdout.split('\n').length - 1);
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  if (options.input !== undefined) child.stdin.end(options.input);
  const done = new Promise<Run>((resolve) =>
    child.once('close', (code, signal) => {
      children.delete(child);
      const outcomes = stdout
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Run['outcomes'][number]);
      resolve({ code, signal, stdout, stderr, outcomes });
    }),
  );
  return { child, done, stdout: () => stdout, stderr: () => stderr };
}

const runNotifier = (args: string[], options: { cwd: string; env?: Record<string, string>; input?: string }) =>
  startNotifier(args, options).done;

async function incidentsOf(client: PortalClient, state: string) {
  const items: Schemas['Incident'][] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await ok(client.GET('/incidents', { params: { query: { state, cursor, limit: 500 } } }));
    items.push(...page.items);
    if (!page.next_cursor) return items;
    cursor = page.next_cursor;
  }
}

describe('idempotency keys and bodies', () => {
  it('derives the same key and bytes from the same event, whatever its key order', async () => {
    const event = incidentEvent('x-1', 'Title');
    const reordered = JSON.parse(JSON.stringify(Object.fromEntries(Object.entries(event).reverse()))) as IncidentEvent;
    expect(await idempotencyKey(reordered)).toBe(await idempotencyKey(event));
    expect(eventBody(reordered)).toBe(eventBody(event));
    expect(eventBody(event)).not.toContain('event_id');
    expect(await idempotencyKey({ ...event, summary: 'changed' })).toBe(await idempotencyKey(event)); // same event_id
    const { event_id: _id, ...anonymous } = event;
    expect(await idempotencyKey(anonymous as IncidentEvent)).not.toBe(
      await idempotencyKey({ ...(anonymous as IncidentEvent), summary: 'changed' }),
    );
    expect(await idempotencyKey(event)).toMatch(/^"cbm-notifier-[A-Za-z0-9_-]{43}"$/);
    expect(canonicalJson({ b: [2, { d: 1, c: 2 }], a: 'x' })).toBe('{"a":"x","b":[2,{"c":2,"d":1}]}');
  });
});

describe('cbm-notifier against a real portal', () => {
  it('posts each event once: crash after an accepted post, restart, and a re-run of the same input', {
    timeout: 60_000,
  }, async () => {
    const at = await notifierState('AT');
    const events = [1, 2, 3, 4, 5].map((n) => incidentEvent(`siem-${n}`, `Incident ${n}`));
    const followUp: IncidentEvent = {
      event_id: 'siem-6',
      type: 'report',
      incident_event_id: 'siem-1',
      stage: 'notification',
      summary: 'Mitigated.',
    };
    const input = [...events, followUp].map((event) => JSON.stringify(event)).join('\n');
    const args = ['--portal', portal.origin, '--as', 'AT', '--key', at.keyFile];

    // Dies like kill -9 right after the portal accepted event 3, before journaling it.
    const crashed = await runNotifier(args, { cwd: at.dir, input, env: { CBM_NOTIFIER_TEST_CRASH_AFTER: '3' } });
    expect(crashed.signal).toBe('SIGKILL');
    expect(crashed.outcomes.map((o) => o.status)).toEqual(['posted', 'posted']);
    expect(await incidentsOf(at.client, 'AT')).toHaveLength(3);

    const restarted = await runNotifier(args, { cwd: at.dir, input });
    expect(restarted.code).toBe(0);
    expect(restarted.outcomes.map((o) => o.status)).toEqual([
      'skipped',
      'skipped',
      'replayed',
      'posted',
      'posted',
      'posted',
    ]);
    let incidents = await incidentsOf(at.client, 'AT');
    expect(incidents.map((incident) => incident.title).sort()).toEqual([
      'Incident 1',
      'Incident 2',
      'Incident 3',
      'Incident 4',
      'Incident 5',
    ]);
    const first = incidents.find((incident) => incident.title === 'Incident 1')!;
    expect(first).toMatchObject({ report_count: 2, stage: 'notification' });
    // The replayed notice is the first one: same incident, same attestation.
    expect(restarted.outcomes[2]?.incident_id).toBe(incidents.find((incident) => incident.title === 'Incident 3')!.id);

    // The same input again, even with the journal lost: the portal answers each from its Idempotency-Key.
    rmSync(join(at.dir, 'notifier-journal.jsonl'));
    const again = await runNotifier(args, { cwd: at.dir, input });
    expect(again.code).toBe(0);
    expect(again.outcomes.map((o) => o.status)).toEqual([
      'replayed',
      'replayed',
      'replayed',
      'replayed',
      'replayed',
      'replayed',
    ]);
    incidents = await incidentsOf(at.client, 'AT');
    expect(incidents).toHaveLength(5);
    expect(incidents.find((incident) => incident.title === 'Incident 1')!.report_count).toBe(2);
  });

  it('follows a folder, is killed at a random moment, restarts, and posts every event exactly once', {
    timeout: 60_000,
  }, async () => {
    const cz = await notifierState('CZ');
    const inbox = join(cz.dir, 'inbox');
    mkdirSync(inbox);
    const files = 8;
    const perFile = 5;
    const total = files * perFile;
    for (let file = 0; file < files; file += 1) {
      const lines = Array.from({ length: perFile }, (_, n) =>
        JSON.stringify(incidentEvent(`cz-${file * perFile + n}`, `CZ incident ${file * perFile + n}`)),
      );
      // Written elsewhere, renamed in: the notifier never reads half a file.
      writeFileSync(join(cz.dir, 'tmp.jsonl'), `${lines.join('\n')}\n`);
      renameSync(join(cz.dir, 'tmp.jsonl'), join(inbox, `batch-${file}.jsonl`));
    }
    const args = ['--portal', portal.origin, '--as', 'CZ', '--key', cz.keyFile, '--watch', inbox, '--interval', '0.2'];
    // kill -9 as soon as a random number of events (1 to half of them) is reported posted.
    const killAfter = 1 + Math.floor(Math.random() * (total / 2));
    const first = startNotifier(args, {
      cwd: cz.dir,
      onOutcome: (count) => count >= killAfter && first.child.kill('SIGKILL'),
    });
    const deadline = Date.now() + 30_000;
    const killed = await first.done;
    expect(killed.signal).toBe('SIGKILL');
    expect(killed.outcomes.length).toBeGreaterThanOrEqual(killAfter);
    expect(killed.outcomes.length).toBeLessThan(total);

    const second = startNotifier(args, { cwd: cz.dir });
    while (readdirSync(inbox).some((name) => name.endsWith('.jsonl')) && Date.now() < deadline)
      await new Promise((wait) => setTimeout(wait, 50));
    second.child.kill('SIGTERM');
    const restarted = await second.done;
    expect(readdirSync(join(inbox, 'done')).sort()).toEqual(
      Array.from({ length: files }, (_, file) => `batch-${file}.jsonl`),
    );
    const statuses = [...killed.outcomes, ...restarted.outcomes].map((o) => o.status);
    expect(statuses.filter((status) => status === 'posted' || status === 'replayed').length).toBeGreaterThanOrEqual(
      total,
    );
    const incidents = await incidentsOf(cz.client, 'CZ');
    expect(incidents).toHaveLength(total);
    expect(new Set(incidents.map((incident) => incident.title)).size).toBe(total);
  });

  it('retries with exponential backoff while the portal is down, then posts once', { timeout: 60_000 }, async () => {
    const dk = await notifierState('DK');
    const port = portal.port;
    await portal.stop();
    const running = startNotifier(
      ['--portal', portal.origin, '--as', 'DK', '--key', dk.keyFile, '--base-delay', '100', '--max-delay', '800'],
      { cwd: dk.dir, input: JSON.stringify(incidentEvent('dk-1', 'DK incident')) },
    );
    const deadline = Date.now() + 20_000;
    while ((running.stderr().match(/retry \d+ of/g) ?? []).length < 4 && Date.now() < deadline)
      await new Promise((wait) => setTimeout(wait, 20));
    portal = await startRealPortal({ dataDir: portal.dataDir, port });
    const run = await running.done;
    expect(run.code).toBe(0);
    expect(run.outcomes.map((o) => o.status)).toEqual(['posted']);
    const waits = [...run.stderr.matchAll(/retry (\d+) of event dk-1 in (\d+) ms: (.*)/g)].map((match) => ({
      attempt: Number(match[1]),
      wait: Number(match[2]),
      reason: match[3]!,
    }));
    expect(waits.length).toBeGreaterThanOrEqual(4);
    expect(waits[0]!.reason).toContain('ECONNREFUSED');
    // Each wait lies in [ceiling/2, ceiling] for ceiling = min(800, 100 * 2^(attempt-1)).
    for (const { attempt, wait } of waits) {
      const ceiling = Math.min(800, 100 * 2 ** (attempt - 1));
      expect(wait).toBeGreaterThanOrEqual(ceiling / 2);
      expect(wait).toBeLessThanOrEqual(ceiling);
    }
    secretariat = await createPortalClient({
      baseUrl: portal.origin,
      principal: 'secretariat',
      privateJwk: portal.secretariatJwk(),
    });
    expect(await incidentsOf(dk.client, 'DK')).toHaveLength(1);
  });

  it('sets a refused event aside and goes on; stops with exit 1 when its key is refused', {
    timeout: 60_000,
  }, async () => {
    const ee = await notifierState('EE');
    const args = ['--portal', portal.origin, '--as', 'EE', '--key', ee.keyFile];
    const bad = { ...incidentEvent('ee-bad', 'Bad'), rsit_class: 'weather' };
    const input = [JSON.stringify(bad), 'not json', JSON.stringify(incidentEvent('ee-good', 'Good'))].join('\n');
    const run = await runNotifier(args, { cwd: ee.dir, input });
    expect(run.code).toBe(0);
    expect(run.outcomes.map((o) => o.status)).toEqual(['rejected', 'posted']);
    expect(run.stderr).toContain('stdin:2: not an event');
    const rejected = readFileSync(join(ee.dir, 'notifier-rejected.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map(
        (line) =>
          JSON.parse(line) as {
            event: { event_id: string };
            problem: { status: number; errors: { pointer: string }[] };
          },
      );
    expect(rejected).toHaveLength(1);
    expect(rejected[0]).toMatchObject({ event: { event_id: 'ee-bad' }, problem: { status: 422 } });
    expect(rejected[0]!.problem.errors.map((error) => error.pointer)).toContain('/rsit_class');

    const reader = await generateSigningKey();
    await ok(
      secretariat.POST('/principals/{principalId}/keys', {
        params: { path: { principalId: 'EE' } },
        body: { jwk: reader.publicJwk as Schemas['PublicJwk'], scopes: ['read'] },
      }),
    );
    const readAsEstonia = await createPortalClient({
      baseUrl: portal.origin,
      principal: 'EE',
      privateJwk: reader.privateJwk,
    });
    await ok(
      secretariat.POST('/principals/{principalId}/keys/{kid}/revoke', {
        params: { path: { principalId: 'EE', kid: ee.kid } },
        body: { reason: 'compromised' },
      }),
    );
    const refused = await runNotifier(args, { cwd: ee.dir, input: JSON.stringify(incidentEvent('ee-late', 'Late')) });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('the portal refuses this notifier: 401');
    expect(refused.stderr).toContain('key-revoked');
    expect(existsSync(join(ee.dir, 'notifier-journal.jsonl'))).toBe(true);
    expect((await incidentsOf(readAsEstonia, 'EE')).map((i) => i.title)).toEqual(['Good']);
  });
});
