import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { copyFileDurably, makeDirectoryDurably, removePartialFiles, writeFileDurably } from './durable.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cbm-durable-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('durable files', () => {
  it('writes the whole content under its name with exactly the mode asked, leaving no temporary file', async () => {
    const path = join(dir, 'key.jwk');
    const umask = process.umask(0o077);
    try {
      await writeFileDurably(path, '{"d":"secret"}\n', 0o600);
      await writeFileDurably(join(dir, 'public.json'), 'open', 0o644);
    } finally {
      process.umask(umask);
    }
    expect(readFileSync(path, 'utf8')).toBe('{"d":"secret"}\n');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir).sort()).toEqual(['key.jwk', 'public.json']);
  });

  it('replaces a file atomically, or with exclusive refuses to (EEXIST) and keeps the old content', async () => {
    const path = join(dir, 'state');
    await writeFileDurably(path, 'one');
    await writeFileDurably(path, 'two');
    expect(readFileSync(path, 'utf8')).toBe('two');
    await expect(writeFileDurably(path, 'three', 0o600, { exclusive: true })).rejects.toMatchObject({ code: 'EEXIST' });
    expect(readFileSync(path, 'utf8')).toBe('two');
    expect(readdirSync(dir)).toEqual(['state']);
  });

  it('leaves nothing behind when the content fails midway (a stream that errors)', async () => {
    async function* failing() {
      yield new TextEncoder().encode('half of it');
      throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
    }
    await expect(writeFileDurably(join(dir, 'blob'), failing())).rejects.toMatchObject({ code: 'ENOSPC' });
    expect(readdirSync(dir)).toEqual([]);
  });

  it('copies a file durably and makes nested directories', async () => {
    const nested = join(dir, 'a', 'b', 'c');
    await makeDirectoryDurably(nested, 0o700);
    expect(statSync(nested).isDirectory()).toBe(true);
    await makeDirectoryDurably(nested);
    writeFileSync(join(dir, 'source'), 'bytes');
    await copyFileDurably(join(dir, 'source'), join(nested, 'copy'), 0o600);
    expect(readFileSync(join(nested, 'copy'), 'utf8')).toBe('bytes');
    expect(statSync(join(nested, 'copy')).mode & 0o777).toBe(0o600);
    await expect(copyFileDurably(join(dir, 'missing'), join(nested, 'other'))).rejects.toMatchObject({
      code: 'ENOENT',
    });
    expect(readdirSync(nested)).toEqual(['copy']);
  });

  it('removes only the temporary files it makes itself', async () => {
    const ours = 'portal-signing-key.jwk.0b5e6f7a-1c2d-4e3f-8a9b-0c1d2e3f4a5b.tmp';
    for (const name of [ours, 'notes.tmp', 'portal.sqlite', 'x.not-a-uuid.tmp']) writeFileSync(join(dir, name), 'x');
    expect(await removePartialFiles(dir)).toEqual([join(dir, ours)]);
    expect(existsSync(join(dir, ours))).toBe(false);
    expect(readdirSync(dir).sort()).toEqual(['notes.tmp', 'portal.sqlite', 'x.not-a-uuid.tmp']);
    expect(await removePartialFiles(join(dir, 'absent'))).toEqual([]);
  });
});
