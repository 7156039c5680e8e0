/**
 * Files that survive a power cut whole or not at all. A rename is atomic but not durable,
 * and a write is neither: after a power loss a file written without fsync can be empty or
 * half there (it happened to the portal's key files). So every file the portal writes goes
 * to a temporary name in the same directory, is fsynced, renamed over its name, and the
 * directory is fsynced so the rename itself is on disk. Node only.
 */
import { randomUUID } from 'node:crypto';
import { constants } from 'node:fs';
import { chmod, copyFile, link, mkdir, open, readdir, rename, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** Temporary names end with this; whatever still carries it after a crash is partial. */
export const TEMPORARY_SUFFIX = '.tmp';
const temporaryName = (path: string) => `${path}.${randomUUID()}${TEMPORARY_SUFFIX}`;
/** `<name>.<uuid>.tmp`, as temporaryName makes them: the only files removePartialFiles touches. */
const ourTemporary = /\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.tmp$/;

/** fsync of a directory: makes the names created, renamed or removed in it durable. */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** fsync of a file written by someone else (SQLite's backup, a copy). */
export async function syncFile(path: string): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Writes `bytes` to `path` durably and atomically, with exactly `mode` (umask aside).
 * `bytes` may be a stream: if it errors, the temporary file goes and the error is thrown.
 * With `exclusive`, refuses to replace an existing file (EEXIST), as `flag: 'wx'` would.
 */
export async function writeFileDurably(
  path: string,
  bytes: Uint8Array | string | AsyncIterable<Uint8Array>,
  mode = 0o644,
  options: { exclusive?: boolean } = {},
): Promise<void> {
  const temporary = temporaryName(path);
  const handle = await open(temporary, 'wx', mode);
  try {
    try {
      await handle.chmod(mode);
      if (typeof bytes === 'string' || bytes instanceof Uint8Array) await handle.writeFile(bytes);
      else {
        for await (const chunk of bytes) {
          for (let offset = 0; offset < chunk.byteLength; ) offset += (await handle.write(chunk, offset)).bytesWritten;
        }
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
    // A hard link fails on an existing name, where rename would silently replace it.
    if (options.exclusive) {
      await link(temporary, path);
      await unlink(temporary);
    } else {
      await rename(temporary, path);
    }
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
  await syncDirectory(dirname(path));
}

/** mkdir -p whose new directories are durable: each one's parent is fsynced. */
export async function makeDirectoryDurably(dir: string, mode = 0o755): Promise<void> {
  const first = await mkdir(dir, { recursive: true, mode });
  if (first === undefined) return;
  // Every directory from the first one created down to `dir` is a new name in its parent.
  let path = dir;
  const created: string[] = [];
  while (path.length >= first.length) {
    created.push(path);
    if (path === first) break;
    path = dirname(path);
  }
  for (const made of created) await syncDirectory(dirname(made));
}

/**
 * Removes the temporary files a crash or a full disk left in `dir` (not below it): only
 * names made by writeFileDurably, never anything else. Returns the paths removed.
 */
export async function removePartialFiles(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const partial = names.filter((name) => ourTemporary.test(name));
  for (const name of partial) await unlink(join(dir, name));
  if (partial.length) await syncDirectory(dir);
  return partial.map((name) => join(dir, name));
}

/** Copies a file durably (temporary name, fsync, rename, directory fsync), streaming: for files too large to hold in memory. */
export async function copyFileDurably(source: string, path: string, mode = 0o644): Promise<void> {
  const temporary = temporaryName(path);
  try {
    await copyFile(source, temporary, constants.COPYFILE_EXCL);
    await chmod(temporary, mode);
    await syncFile(temporary);
    await rename(temporary, path);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
  await syncDirectory(dirname(path));
}
