/**
 * A full disk is a clear, recoverable state (issue 10 item 5), shown without root: the
 * database is capped with SQLite's max_page_count (what CBM_MAX_DB_BYTES sets) and the blob
 * store with its quota (CBM_MAX_BLOB_BYTES); both fail exactly as a full file system does.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { BlobStore } from '../src/blobs/blob-store.ts';
import { fileBlobStore } from '../src/blobs/file-blob-store.ts';
import { applyMigrations } from '../src/db/migrate.ts';
import { readMigrations } from '../src/db/migrations-dir.ts';
import { limitSize, openSqlite, sqlitePortalDb } from '../src/db/sqlite.ts';
import { documentBody, fileContent, pdfBytes, registerPublisher, upload } from './support/documents.ts';
import { contactBody, createHarness, type PortalHarness, type TestClient } from './support/harness.ts';
import { problem } from './support/problem.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function portalWithLimits(options: { maxBlobBytes?: number } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'cbm-full-'));
  dirs.push(dir);
  const sqlite = openSqlite(join(dir, 'portal.sqlite'));
  applyMigrations(sqlite, readMigrations());
  // The quota as the operator sets it at start (CBM_MAX_BLOB_BYTES); a test may raise it.
  const limits = { maxBlobBytes: options.maxBlobBytes ?? null };
  const store = () => fileBlobStore(join(dir, 'blobs'), { maxBytes: limits.maxBlobBytes });
  const blobs: BlobStore = {
    put: (...args) => store().put(...args),
    putStream: (...args) => store().putStream!(...args),
    get: (sha256) => store().get(sha256),
    has: (sha256) => store().has(sha256),
  };
  const portal = await createHarness(sqlitePortalDb(sqlite), blobs);
  return { ...portal, sqlite, dir, limits };
}

interface Health {
  status: string;
  conditions?: { code: string; detail: string; since: string }[];
}
const health = async (portal: PortalHarness) =>
  (await (await portal.fetch(new Request('http://portal.test/healthz'))).json()) as Health;

/** Creates contacts until one is refused; returns that answer and how many were accepted. */
async function fillUp(at: TestClient) {
  for (let accepted = 0; accepted < 500; accepted++) {
    const res = await at.post('/contacts', contactBody({ name: `Contact ${accepted}` }));
    if (res.status !== 201) return { res, accepted };
  }
  throw new Error('the capped database never filled up');
}

describe('a full disk', () => {
  it(
    'refuses writes with 507 insufficient-storage, keeps reads and the log answering, reports it in ' +
      '/healthz, and recovers once space is freed',
    async () => {
      const portal = await portalWithLimits();
      const at = await portal.registerState('AT');
      const first = await at.post('/contacts', contactBody());
      expect(first.status).toBe(201);
      const checkpointBefore = await (await at.get('/log/checkpoint')).text();

      // The disk fills up: the database may not grow past the pages it has now.
      limitSize(portal.sqlite, 0);
      const { res: refused, accepted } = await fillUp(at);
      const body = await problem(refused, 507);
      expect(body).toMatchObject({
        code: 'insufficient-storage',
        type: 'urn:cbm:problem:insufficient-storage',
        status: 507,
      });
      expect(body.detail).not.toMatch(/SQLITE|database or disk/i);
      expect(refused.headers.get('retry-after')).toBe('60');

      // Nothing of the refused write was stored: no version, no attestation, no leaf.
      const stored = async () => ({
        versions: await portal.rows('contact_versions'),
        attestations: await portal.rows('attestations'),
        leaves: await portal.rows('log_leaves'),
      });
      const atRefusal = await stored();
      expect(atRefusal.versions).toBe(1 + accepted);

      // /healthz says so, and why, while reads and the log keep answering.
      const degraded = await health(portal);
      expect(degraded.status).toBe('degraded');
      expect(degraded.conditions).toEqual([
        {
          code: 'insufficient-storage',
          detail: expect.stringContaining('database has no space left'),
          since: expect.any(String),
        },
      ]);
      const list = await at.get('/contacts');
      expect(list.status).toBe(200);
      expect(((await list.json()) as { items: unknown[] }).items).toHaveLength(1 + accepted);
      const checkpoint = await at.get('/log/checkpoint');
      expect(checkpoint.status).toBe(200);
      expect(await checkpoint.text()).toMatch(/^portal\.test\/log\n\d+\n/);
      expect((await at.get(`/log/entries?start=0&end=1`)).status).toBe(200);
      expect(await stored()).toEqual(atRefusal);

      // Every write is refused the same way, none with a 500.
      const again = await at.post('/contacts', contactBody({ name: 'Still full' }));
      expect((await problem(again, 507)).code).toBe('insufficient-storage');
      expect(portal.logged.join('\n')).not.toMatch(/SQLITE_FULL|failed:/);

      // Space is freed: the same kind of write goes through, and /healthz is ok again.
      limitSize(portal.sqlite, 1 << 30);
      const after = await at.post('/contacts', contactBody({ name: 'After the cleanup' }));
      expect(after.status).toBe(201);
      expect(await health(portal)).toMatchObject({ status: 'ok' });
      expect(await health(portal)).not.toHaveProperty('conditions');
      expect((await stored()).versions).toBe(atRefusal.versions + 1);
      expect(checkpointBefore).toMatch(/^portal\.test\/log\n/);
    },
  );

  it('refuses an upload beyond the blob store quota with 507, leaving no partial file, and accepts it once space is freed', async () => {
    const bytes = pdfBytes('strategy', 8 * 1024);
    const portal = await portalWithLimits({ maxBlobBytes: 4 * 1024 });
    const at = await registerPublisher(portal, 'AT');
    const created = await at.post('/documents', documentBody({ content: await fileContent(bytes) }));
    expect(created.status).toBe(201);
    const { data } = (await created.json()) as { data: { id: string } };

    const refused = await upload(at, data.id, bytes);
    expect((await problem(refused, 507)).code).toBe('insufficient-storage');
    expect((await health(portal)).conditions?.[0]).toMatchObject({
      code: 'insufficient-storage',
      detail: expect.stringContaining('blob store'),
    });
    expect(await portal.rows('document_files')).toBe(0);
    const blobFiles = (() => {
      try {
        return readdirSync(join(portal.dir, 'blobs'), { recursive: true }).map(String);
      } catch {
        return [];
      }
    })();
    expect(blobFiles.filter((name) => name.endsWith('.tmp'))).toEqual([]);

    // The operator raises the quota: the same upload goes through, /healthz is ok again.
    portal.limits.maxBlobBytes = 64 * 1024;
    const retried = await upload(at, data.id, bytes);
    expect(retried.status).toBe(201);
    expect(await portal.rows('document_files')).toBe(1);
    expect(await health(portal)).toMatchObject({ status: 'ok' });
    const download = await at.get(`/documents/${data.id}/content`, { headers: { accept: 'application/pdf' } });
    expect(new Uint8Array(await download.arrayBuffer())).toEqual(bytes);
  });
});
