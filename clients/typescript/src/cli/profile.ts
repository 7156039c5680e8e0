/**
 * The profile: which portal, as which principal, with which key, and the portal's keys as
 * pinned at first contact. One JSON file
 * (`$CBM_PROFILE`, default `$XDG_CONFIG_HOME/cbm/profile.json` or
 * `~/.config/cbm/profile.json`), mode 0600. Beside it cbm keeps what it has seen: the
 * last verified checkpoint of each portal's log and each feed's cursor.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { PinnedJwks } from '../audit.ts';
import { fromBase64, toBase64, type Checkpoint } from '../log.ts';
import { LocalError } from './errors.ts';

export interface Profile {
  portal?: string;
  principal?: string;
  /** Absolute path of the private JWK. */
  key?: string;
  /**
   * The portal's JWKS as pinned at first contact (`cbm init`), for `portal` only: every
   * verification uses these keys, never the ones a portal or a bundle presents. A key the
   * portal serves that is not here is an error until accepted (`cbm trust --accept`).
   */
  pinned?: { jwks: PinnedJwks; pinned_at: string };
}

export function profilePath(explicit: string | undefined, env: NodeJS.ProcessEnv): string {
  if (explicit) return resolve(explicit);
  if (env.CBM_PROFILE) return resolve(env.CBM_PROFILE);
  const config = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return join(config, 'cbm', 'profile.json');
}

export function readProfile(path: string): Profile | undefined {
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Profile;
  } catch (error) {
    throw new LocalError(`the profile ${path} is not valid JSON (${(error as Error).message}); run cbm init --force`);
  }
}

/** Writes a file readable by the owner only, atomically (a crash leaves the old one). */
export function writePrivate(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, text, { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, path);
}

export function writeProfile(path: string, profile: Profile): void {
  writePrivate(path, `${JSON.stringify(profile, null, 2)}\n`);
}

/** File-name-safe form of a portal origin or log origin. */
const slug = (text: string) => text.replace(/^https?:\/\//, '').replace(/[^A-Za-z0-9.-]+/g, '_');

/** A checkpoint cbm verified and remembers (its file keeps `root` in base64). */
export interface RememberedCheckpoint {
  origin: string;
  size: number;
  root: Uint8Array;
  note: string;
  seen_at: string;
}

/** What cbm remembers next to the profile: checkpoints and feed cursors. */
export function memory(profileFile: string) {
  const dir = join(dirname(profileFile), 'state');
  const checkpointFile = (logOrigin: string) => join(dir, `checkpoint-${slug(logOrigin)}.json`);
  const cursorFile = (portal: string, principal: string) => join(dir, `feed-${slug(portal)}-${principal}.cursor`);
  return {
    dir,
    checkpointFile,
    checkpoint(logOrigin: string): RememberedCheckpoint | undefined {
      const file = checkpointFile(logOrigin);
      if (!existsSync(file)) return undefined;
      try {
        const saved = JSON.parse(readFileSync(file, 'utf8')) as Omit<RememberedCheckpoint, 'root'> & { root: string };
        return { ...saved, root: fromBase64(saved.root) };
      } catch (error) {
        throw new LocalError(`the remembered checkpoint ${file} is unreadable (${(error as Error).message})`);
      }
    },
    rememberCheckpoint(checkpoint: Checkpoint, now = new Date()): void {
      const saved = { origin: checkpoint.origin, size: checkpoint.size, root: toBase64(checkpoint.root), note: checkpoint.note, seen_at: now.toISOString() };
      writePrivate(checkpointFile(checkpoint.origin), `${JSON.stringify(saved, null, 2)}\n`);
    },
    cursor(portal: string, principal: string): string | undefined {
      const file = cursorFile(portal, principal);
      return existsSync(file) ? readFileSync(file, 'utf8').trim() || undefined : undefined;
    },
    rememberCursor(portal: string, principal: string, cursor: string): void {
      writePrivate(cursorFile(portal, principal), `${cursor}\n`);
    },
  };
}
