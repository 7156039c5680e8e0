/**
 * Backups carry the uploaded files with the database, checked against their digests, and a
 * damaged store or backup is refused rather than copied (issue 10 item 7). In process, on a
 * real data dir layout; test/operating.test.ts runs the commands as processes.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fileBlobStore } from '../src/blobs/file-blob-store.ts';
import { StartupError } from '../src/data-dir.ts';
import { applyMigrations } from '../src/db/migrate.ts';
import { readMigrations } from '../src/db/migrations-dir.ts';
import { openSqlite, sqlitePortalDb } from '../src/db/sqlite.ts';
import { backup } from '../src/ops/backup.ts';
import { restore } from '../src/ops/restore.ts';
import { documentBody, fileContent, pdfBytes, registerPublisher, upload } from './support/documents.ts';
import { createHarness } from './support/harness.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const temp = (prefix: string) => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
};
const quiet = () => undefined;

async function dataDirWithAFile() {
  const dataDir = temp('cbm-backup-data-');
  const sqlite = openSqlite(join(dataDir, 'portal.sqlite'));
  applyMigrations(sqlite, readMigrations());
  const portal = await createHarness(sqlitePortalDb(sqlite), fileBlobStore(join(dataDir, 'blobs')));
  const at = await registerPublisher(portal, 'AT');
  const bytes = pdfBytes('strategy', 6000);
  const created = await at.post('/documents', documentBody({ content: await fileContent(bytes) }));
  const { data } = (await created.json()) as { data: { id: string } };
  expect((await upload(at, data.id, bytes)).status).toBe(201);
  const digest = createHash('sha256').update(bytes).digest('base64url');
  return { dataDir, sqlite, bytes, digest, blobPath: join(dataDir, 'blobs', digest.slice(0, 2), digest) };
}

describe('backups with files', () => {
  it('copies each file with the database, and a restore puts back the same bytes', async () => {
    const { dataDir, bytes, digest } = await dataDirWithAFile();
    const dest = join(temp('cbm-backups-'), 'b1');
    const manifest = await backup(dataDir, dest, new Date('2026-12-01T10:00:00.000Z'), quiet);
    expect(manifest).toMatchObject({
      format: 'cbm-portal-backup/1',
      blobs: { count: 1, bytes: bytes.byteLength },
      created_at: '2026-12-01T10:00:00.000Z',
    });
    expect(manifest.log.size).toBeGreaterThan(0);
    expect(new Uint8Array(readFileSync(join(dest, 'blobs', digest.slice(0, 2), digest)))).toEqual(bytes);
    expect(readFileSync(join(dest, 'blobs', digest.slice(0, 2), `${digest}.type`), 'utf8')).toBe('application/pdf');

    const fresh = temp('cbm-restored-');
    const result = await restore(dest, fresh, { say: quiet });
    expect(result).toMatchObject({ blobsCopied: 1, replacedDir: null, forks: [] });
    expect(new Uint8Array(readFileSync(join(fresh, 'blobs', digest.slice(0, 2), digest)))).toEqual(bytes);
    const restored = openSqlite(join(fresh, 'portal.sqlite'));
    try {
      expect(restored.prepare('SELECT sha256 FROM document_files').pluck().all()).toEqual([digest]);
    } finally {
      restored.close();
    }
  });

  it('refuses to back up a store whose file no longer has its bytes, and to restore a damaged backup', async () => {
    const { dataDir, blobPath } = await dataDirWithAFile();
    const backups = temp('cbm-backups-');
    const good = join(backups, 'good');
    await backup(dataDir, good, new Date(), quiet);

    writeFileSync(blobPath, 'not the bytes the name says');
    const warnings: string[] = [];
    const refused = await backup(dataDir, join(backups, 'bad'), new Date(), (line) => warnings.push(line)).catch(
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(StartupError);
    expect((refused as Error).message).toContain('names 1 blob(s) the blob store does not hold intact');
    expect(warnings.join('\n')).toContain('does not hold the bytes its name says');

    // A damaged copy of the database in a backup is found before anything is replaced.
    writeFileSync(
      join(good, 'portal.sqlite'),
      Buffer.concat([readFileSync(join(good, 'portal.sqlite')), Buffer.from('x')]),
    );
    const target = temp('cbm-restored-');
    await expect(restore(good, target, { say: quiet })).rejects.toThrow(/the backup is damaged/);
  });
});
