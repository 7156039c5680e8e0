/**
 * The partner mirror against a real portal: a local SQLite copy of exactly what the
 * partner may see (TLP:AMBER records addressed to others never arrive), every entry
 * verified as cbm verify does (pinned portal keys, proven signing keys, served records
 * equal to the signed ones); resumed from its cursor after a stop and after kill -9,
 * without duplicates or gaps; a tampered answer stops it with nothing of that page stored.
 */
import BetterSqlite3 from 'better-sqlite3';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createPortalClient,
  generateSigningKey,
  ok,
  sha256b64u,
  type PortalClient,
  type Schemas,
} from '../../typescript/src/index.ts';
import { freePort, removeDataDir, ROOT, startRealPortal, type RealPortal } from '../../../test/support/real-portal.ts';

const MIRROR = join(ROOT, 'clients/mirror/bin/cbm-mirror.mjs');
let portal: RealPortal;
let secretariat: PortalClient;
let austria: PortalClient;
let partner: PortalClient;
let partnerKeyFile: string;
let dir: string;
const children = new Set<ChildProcess>();

const contact = (name: string): Schemas['ContactInput'] => ({
  role: 'technical',
  name,
  organisation: 'CERT.at',
  email: 'duty@cert.example.at',
  phone_24x7: '+4315056416',
  languages: ['en'],
  time_zone: 'Europe/Vienna',
});
const incident = (title: string, tlp: Schemas['Tlp'], recipients?: string[]): Schemas['IncidentInput'] => ({
  stage: 'early-warning',
  title,
  summary: 'Volumetric DDoS.',
  aware_at: new Date(Date.now() - 3600_000).toISOString(),
  rsit_class: 'availability',
  severity: { scale: '1-4', value: '2' },
  suspected_malicious: true,
  cross_border_impact: 'unknown',
  tlp,
  ...(recipients ? { recipients } : {}),
});

async function state(code: string, scopes: Schemas['Scope'][]): Promise<{ client: PortalClient; privateJwk: JWK }> {
  await ok(secretariat.POST('/principals', { body: { id: code, name: `State ${code}` } }));
  const key = await generateSigningKey();
  await ok(
    secretariat.POST('/principals/{principalId}/keys', {
      params: { path: { principalId: code } },
      body: { jwk: key.publicJwk as Schemas['PublicJwk'], scopes },
    }),
  );
  return {
    client: await createPortalClient({ baseUrl: portal.origin, principal: code, privateJwk: key.privateJwk }),
    privateJwk: key.privateJwk,
  };
}

beforeAll(async () => {
  portal = await startRealPortal();
  dir = mkdtempSync(join(tmpdir(), 'cbm-mirror-test-'));
  secretariat = await createPortalClient({
    baseUrl: portal.origin,
    principal: 'secretariat',
    privateJwk: portal.secretariatJwk(),
  });
  austria = (await state('AT', ['read', 'contacts:write', 'incidents:write', 'documents:write'])).client;
  await state('BE', ['read', 'incidents:write']);
  const ch = await state('CH', ['read']);
  partner = ch.client;
  partnerKeyFile = join(dir, 'partner.jwk');
  writeFileSync(partnerKeyFile, JSON.stringify(ch.privateJwk), { mode: 0o600 });
}, 60_000);

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await portal?.stop();
  if (portal) removeDataDir(portal.dataDir);
});

function startMirror(args: string[], onLine?: (count: number) => void) {
  const child = spawn(process.execPath, [MIRROR, ...args], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', HOME: dir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    onLine?.(stdout.split('\n').length - 1);
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>(
    (resolve) =>
      child.once('close', (code, signal) => {
        children.delete(child);
        resolve({ code, signal, stdout, stderr });
      }),
  );
  return { child, done };
}

const mirrorArgs = (db: string, extra: string[] = []) => [
  '--portal',
  portal.origin,
  '--as',
  'CH',
  '--key',
  partnerKeyFile,
  '--db',
  join(dir, db),
  ...extra,
];

/** What the partner may see: its whole feed, read directly. */
async function partnerFeed(): Promise<Schemas['FeedEntry'][]> {
  const items: Schemas['FeedEntry'][] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await ok(partner.GET('/feed', { params: { query: { cursor, limit: 500 } } }));
    items.push(...page.items);
    if (!page.has_more) return items;
    cursor = page.next_cursor ?? undefined;
  }
}

function mirrored(db: string) {
  const sqlite = new BetterSqlite3(join(dir, db), { readonly: true });
  try {
    return {
      ids: sqlite.prepare('SELECT attestation_id FROM entries ORDER BY log_index').pluck().all() as string[],
      indexes: sqlite.prepare('SELECT log_index FROM entries ORDER BY log_index').pluck().all() as number[],
      records: sqlite.prepare('SELECT href, status, json FROM records').all() as {
        href: string;
        status: number;
        json: string | null;
      }[],
      bodies: sqlite.prepare('SELECT operation, length(body) AS size, body_sha256 FROM entries').all() as {
        operation: string;
        size: number;
        body_sha256: string;
      }[],
      cursor: sqlite.prepare("SELECT value FROM mirror_state WHERE name = 'cursor'").pluck().get() as
        | string
        | undefined,
      checkpoints: sqlite.prepare('SELECT size FROM checkpoints ORDER BY size').pluck().all() as number[],
    };
  } finally {
    sqlite.close();
  }
}

/** The mirror run once through a proxy that rewrites the portal's answers. */
async function throughProxy(db: string, rewrite: (url: string, body: Buffer) => Buffer, extra: string[] = []) {
  const upstream = portal.origin;
  const proxy: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const answer = await fetch(`${upstream}${req.url}`, {
      method: req.method,
      headers: req.headers as Record<string, string>,
      body: chunks.length ? Buffer.concat(chunks) : undefined,
    });
    const body = rewrite(req.url ?? '', Buffer.from(await answer.arrayBuffer()));
    res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/octet-stream' });
    res.end(body);
  });
  const port = await freePort();
  await new Promise<void>((listening) => proxy.listen(port, '127.0.0.1', () => listening()));
  try {
    return await startMirror([
      '--portal',
      `http://127.0.0.1:${port}`,
      '--origin',
      upstream,
      '--as',
      'CH',
      '--key',
      partnerKeyFile,
      '--db',
      join(dir, db),
      '--once',
      '--page',
      '500',
      ...extra,
    ]).done;
  } finally {
    await new Promise((closed) => proxy.close(closed));
  }
}

/** A JSON answer, changed. */
function json(body: Buffer, change: (value: Record<string, unknown>) => void): Buffer {
  const value = JSON.parse(body.toString()) as Record<string, unknown>;
  change(value);
  return Buffer.from(JSON.stringify(value));
}

describe('cbm-mirror against a real portal', () => {
  it('copies what the partner may see, verified, and resumes from its cursor without duplicates or gaps', {
    timeout: 60_000,
  }, async () => {
    const published = await ok(austria.POST('/contacts', { body: contact('Anna Berger') }));
    const green = await ok(austria.POST('/incidents', { body: incident('Green incident', 'TLP:GREEN') }));
    const amber = await ok(
      austria.POST('/incidents', { body: incident('Amber incident for Belgium', 'TLP:AMBER', ['BE']) }),
    );
    const file = new Uint8Array(70_000).map((_, index) => index % 256);
    const digest = await sha256b64u(file);
    const doc = await ok(
      austria.POST('/documents', {
        body: {
          type: 'strategy',
          title: 'Strategy',
          summary: 'Ours',
          language: 'en',
          tlp: 'TLP:GREEN',
          content: {
            file: { media_type: 'application/pdf', sha256: digest, size: file.byteLength, filename: 'strategy.pdf' },
          },
        },
      }),
    );
    await ok(
      austria.PUT('/documents/{documentId}/content', {
        params: { path: { documentId: doc.data.id } },
        body: file as never,
        bodySerializer: (body: unknown) => body,
        headers: { 'Content-Type': 'application/pdf' },
      }),
    );

    const first = await startMirror(mirrorArgs('first.sqlite', ['--once', '--page', '3'])).done;
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain('starting at the beginning of the feed');
    let feed = await partnerFeed();
    let copy = mirrored('first.sqlite');
    expect(copy.ids).toEqual(feed.map((entry) => entry.attestation_id));
    expect(copy.ids).toContain(green.attestation.id);
    expect(copy.ids).not.toContain(amber.attestation.id); // TLP:AMBER to Belgium: never reaches the partner
    expect(copy.records.find((record) => record.href === `/contacts/${published.data.id}`)).toMatchObject({
      status: 200,
    });
    expect(
      JSON.parse(copy.records.find((record) => record.href === `/contacts/${published.data.id}`)!.json!),
    ).toMatchObject({ name: 'Anna Berger' });
    expect(copy.records.some((record) => record.href === `/incidents/${amber.data.id}`)).toBe(false);
    // The uploaded file's exact bytes came from the evidence body and were checked against both signatures.
    expect(copy.bodies.find((body) => body.operation === 'uploadDocumentContent')).toEqual({
      operation: 'uploadDocumentContent',
      size: file.byteLength,
      body_sha256: digest,
    });
    expect(copy.checkpoints.length).toBeGreaterThanOrEqual(1);

    // Stopped; more is written; restarted: it continues after its cursor.
    await ok(
      austria.PUT('/contacts/{contactId}', {
        params: { path: { contactId: published.data.id }, header: { 'If-Match': '"1"' } },
        body: contact('Bernd Huber'),
      }),
    );
    await ok(austria.POST('/incidents', { body: incident('Another green incident', 'TLP:GREEN') }));
    await ok(austria.POST('/incidents', { body: incident('Amber again', 'TLP:AMBER', ['BE']) }));
    const second = await startMirror(mirrorArgs('first.sqlite', ['--once', '--page', '3'])).done;
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toContain(`resuming after cursor ${copy.cursor}`);
    expect(second.stderr).toContain('caught up: 2 new entries');
    feed = await partnerFeed();
    copy = mirrored('first.sqlite');
    expect(copy.ids).toEqual(feed.map((entry) => entry.attestation_id));
    expect(
      JSON.parse(copy.records.find((record) => record.href === `/contacts/${published.data.id}`)!.json!),
    ).toMatchObject({ name: 'Bernd Huber', version: 2 });

    // Nothing new: nothing committed, same rows.
    const third = await startMirror(mirrorArgs('first.sqlite', ['--once'])).done;
    expect(third.stderr).toContain('caught up: 0 new entries');
    expect(mirrored('first.sqlite').ids).toEqual(copy.ids);
  });

  it('resumes after kill -9 in the middle of following, with every entry once', { timeout: 60_000 }, async () => {
    for (let index = 0; index < 12; index += 1)
      await ok(austria.POST('/contacts', { body: contact(`Contact ${index}`) }));
    const expected = (await partnerFeed()).map((entry) => entry.attestation_id);
    const killAt = 1 + Math.floor(Math.random() * 4);
    const running = startMirror(
      mirrorArgs('killed.sqlite', ['--page', '2', '--interval', '0.2']),
      (lines) => lines >= killAt && running.child.kill('SIGKILL'),
    );
    const killed = await running.done;
    expect(killed.signal).toBe('SIGKILL');
    const partial = mirrored('killed.sqlite');
    expect(partial.ids.length).toBeGreaterThan(0);
    expect(partial.ids.length).toBeLessThan(expected.length);
    expect(partial.ids).toEqual(expected.slice(0, partial.ids.length)); // a prefix, whole pages only

    const resumed = await startMirror(mirrorArgs('killed.sqlite', ['--once', '--page', '2'])).done;
    expect(resumed.code, resumed.stderr).toBe(0);
    const copy = mirrored('killed.sqlite');
    expect(copy.ids).toEqual(expected);
    expect(new Set(copy.indexes).size).toBe(copy.indexes.length);
  });

  it('follows the rules of cbm verify: pinned portal keys, proven signing keys, served records equal to the signed ones', {
    timeout: 90_000,
  }, async () => {
    const target = await ok(austria.POST('/contacts', { body: contact('Signed Name') }));
    const stranger = await generateSigningKey();
    // The served version of the contact says another name than Austria signed.
    const served = await throughProxy('served.sqlite', (url, body) =>
      url.startsWith(`/contacts/${target.data.id}/history`)
        ? json(body, (page) => ((page.items as { name: string }[])[0]!.name = 'Forged Name'))
        : body,
    );
    expect(served.code, served.stderr).toBe(3);
    expect(served.stderr).toContain(
      `(${target.attestation.id}): the record the portal serves at /contacts/${target.data.id}/history differs from what AT signed: name`,
    );
    expect(mirrored('served.sqlite').ids).toEqual([]);

    // The portal no longer names the registration of Austria's key: nothing proves the key is Austria's.
    const unproven = await throughProxy('unproven.sqlite', (url, body) =>
      /^\/principals\/AT\/keys\/[^/?]+$/.test(url)
        ? json(body, (key) => (key.registration_attestation_id = null))
        : body,
    );
    expect(unproven.code, unproven.stderr).toBe(3);
    expect(unproven.stderr).toMatch(/: key \S+ of AT is not proven: the bundle carries no registration of it/);

    // A portal key nobody pinned: the first run pins what it sees (fingerprints printed) ...
    const first = await startMirror(mirrorArgs('pinned.sqlite', ['--once'])).done;
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain("pinned the portal's keys at first contact");
    // ... and a later one that sees another key stops until the operator accepts it.
    const extra = (url: string, body: Buffer) =>
      url === '/.well-known/jwks.json' ? json(body, (jwks) => (jwks.keys as unknown[]).push(stranger.publicJwk)) : body;
    const changed = await throughProxy('pinned.sqlite', extra);
    expect(changed.code, changed.stderr).toBe(3);
    expect(changed.stderr).toContain(`serves portal key ${stranger.kid}, which you did not pin`);
    expect(changed.stderr).toContain(`--accept-new-key ${stranger.kid}`);
    const accepted = await throughProxy('pinned.sqlite', extra, ['--accept-new-key', stranger.kid]);
    expect(accepted.code, accepted.stderr).toBe(0);
    expect(accepted.stderr).toContain(`accepted and pinned portal key ${stranger.kid}`);
  });

  it('stops with exit 3 and stores nothing of a page whose evidence was tampered with', {
    timeout: 60_000,
  }, async () => {
    const target = await ok(austria.POST('/contacts', { body: contact('Honest Name') }));
    // A proxy between the mirror and the portal that rewrites the body in one evidence.
    const upstream = portal.origin;
    const proxy: Server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const answer = await fetch(`${upstream}${req.url}`, {
        method: req.method,
        headers: req.headers as Record<string, string>,
        body: chunks.length ? Buffer.concat(chunks) : undefined,
      });
      let body = Buffer.from(await answer.arrayBuffer());
      if (req.url === `/attestations/${target.attestation.id}/evidence`) {
        const evidence = JSON.parse(body.toString()) as { body: string };
        evidence.body = Buffer.from(JSON.stringify(contact('Forged Name'))).toString('base64url');
        body = Buffer.from(JSON.stringify(evidence));
      }
      res.writeHead(answer.status, {
        'content-type': answer.headers.get('content-type') ?? 'application/octet-stream',
        ...(answer.headers.get('etag') ? { etag: answer.headers.get('etag')! } : {}),
      });
      res.end(body);
    });
    const port = await freePort();
    await new Promise<void>((listening) => proxy.listen(port, '127.0.0.1', () => listening()));
    try {
      // One page holds the whole feed, the tampered entry among the honest ones.
      const fresh = await startMirror([
        '--portal',
        `http://127.0.0.1:${port}`,
        '--origin',
        upstream,
        '--as',
        'CH',
        '--key',
        partnerKeyFile,
        '--db',
        join(dir, 'proxied.sqlite'),
        '--once',
        '--page',
        '500',
      ]).done;
      expect(fresh.code).toBe(3);
      expect(fresh.stderr).toContain(
        `NOT verified: feed entry ${target.attestation.log_index} (${target.attestation.id}): the evidence does not verify`,
      );
      expect(fresh.stderr).toContain('Nothing of this page was stored');
      const copy = mirrored('proxied.sqlite');
      expect(copy.ids).toEqual([]);
      expect(copy.cursor).toBeUndefined();

      // Through the honest portal the same mirror completes.
      const honest = await startMirror(mirrorArgs('proxied.sqlite', ['--once'])).done;
      expect(honest.code, honest.stderr).toBe(0);
      expect(mirrored('proxied.sqlite').ids).toEqual((await partnerFeed()).map((entry) => entry.attestation_id));
    } finally {
      await new Promise((closed) => proxy.close(closed));
    }
  });

  // Last: it leaves a record signed after a revocation in the portal's log.
  it('refuses an entry signed after a revocation it mirrored, even when the portal hides the revocation', {
    timeout: 90_000,
  }, async () => {
    const key = await generateSigningKey();
    const registered = await ok(
      secretariat.POST('/principals/{principalId}/keys', {
        params: { path: { principalId: 'AT' } },
        body: { jwk: key.publicJwk as Schemas['PublicJwk'], scopes: ['read', 'contacts:write'] },
      }),
    );
    const desk = await createPortalClient({ baseUrl: portal.origin, principal: 'AT', privateJwk: key.privateJwk });
    await ok(desk.POST('/contacts', { body: contact('Before the revocation') }));
    const revoked = await ok(
      secretariat.POST('/principals/{principalId}/keys/{kid}/revoke', {
        params: { path: { principalId: 'AT', kid: key.kid } },
        body: { reason: 'compromised' },
      }),
    );
    // Behind the portal's back the key is made valid again; the portal accepts it.
    const { dataDir, port } = portal;
    await portal.stop();
    const sqlite = new BetterSqlite3(join(dataDir, 'portal.sqlite'));
    sqlite.prepare('UPDATE principal_keys SET revoked_at = NULL WHERE kid = ?').run(key.kid);
    sqlite.close();
    portal = await startRealPortal({ dataDir, port });
    const late = await ok(desk.POST('/contacts', { body: contact('After the revocation') }));
    expect(registered.data.kid).toBe(key.kid);

    // The portal still names the revocation: the bundle carries it.
    const named = await startMirror(mirrorArgs('revoked.sqlite', ['--once', '--page', '500'])).done;
    expect(named.code, named.stderr).toBe(3);
    expect(named.stderr).toContain(
      `feed entry ${late.attestation.log_index} (${late.attestation.id}): key ${key.kid} of AT was revoked ` +
        `(attestation ${revoked.attestation.id}, log index ${revoked.attestation.log_index}`,
    );
    // The portal hides it: the mirror remembers the revocation entry it verified itself.
    const hidden = await throughProxy('hidden.sqlite', (url, body) =>
      url.startsWith(`/principals/AT/keys/${key.kid}`)
        ? json(body, (value) => (value.revocation_attestation_id = null))
        : body,
    );
    expect(hidden.code, hidden.stderr).toBe(3);
    expect(hidden.stderr).toContain(
      `feed entry ${late.attestation.log_index} (${late.attestation.id}): key ${key.kid} of AT was revoked at ` +
        `log index ${revoked.attestation.log_index} (mirrored), before it signed this`,
    );
  });
});
