/**
 * The profile: which portal, as which principal, with which keys, and the portal's keys as
 * pinned at first contact. One JSON file (`--profile` or `$CBM_PROFILE`: a path, or a name
 * such as `at` for `~/.config/cbm/profiles/at.json`; default `~/.config/cbm/profile.json`,
 * `$XDG_CONFIG_HOME` honoured), mode 0600 in a 0700 directory. Private keys live beside it
 * in `~/.config/cbm/keys/`, never in a working copy. Beside it cbm keeps what it has seen:
 * the last verified checkpoint of each portal's log and each feed's cursor.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { PinnedJwks } from '../audit.ts';
import { fromBase64, toBase64, type Checkpoint } from '../log.ts';
import { LocalError } from './errors.ts';

/** One of the principal's keys: a private JWK file, with what the portal said about it. */
export interface ProfileKey {
  /** Absolute path of the private JWK. */
  file: string;
  /** Its RFC 7638 thumbprint, once known. */
  kid?: string;
  /** Its scopes as the portal registered them (they never change for a kid), once known. */
  scopes?: string[];
}

export interface Profile {
  portal?: string;
  principal?: string;
  /** Absolute path of the first private JWK (kept for profiles written before `keys`). */
  key?: string;
  /** Every key of the principal: cbm signs each request with one whose scopes fit it. */
  keys?: ProfileKey[];
  /**
   * The portal's JWKS as pinned at first contact (`cbm init`), for `portal` only: every
   * verification uses these keys, never the ones a portal or a bundle presents. A key the
   * portal serves that is not here is an error until accepted (`cbm trust --accept`).
   */
  pinned?: { jwks: PinnedJwks; pinned_at: string };
}

/** `~/.config/cbm` (or `$XDG_CONFIG_HOME/cbm`): profiles, keys and what cbm remembers. */
export function configDir(env: NodeJS.ProcessEnv): string {
  return join(env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config'), 'cbm');
}

/** Where private keys go unless told otherwise: outside any repository, owner-only. */
export const keysDir = (env: NodeJS.ProcessEnv) => join(configDir(env), 'keys');

/** A bare name (`at`, `secretariat`) names a profile in the config directory; anything else is a path. */
const PROFILE_NAME = /^[A-Za-z0-9_-]+$/;

export function profilePath(explicit: string | undefined, env: NodeJS.ProcessEnv): string {
  const given = explicit || env.CBM_PROFILE;
  if (given) return PROFILE_NAME.test(given) ? join(configDir(env), 'profiles', `${given}.json`) : resolve(given);
  return join(configDir(env), 'profile.json');
}

/** The profile's keys, whether written as `keys` or (before several keys) as `key`. */
export function profileKeys(profile: Profile | undefined): ProfileKey[] {
  if (profile?.keys?.length) return profile.keys;
  return profile?.key ? [{ file: profile.key }] : [];
}

/** The profile with exactly these keys (`key` stays the first, for older readers). */
export function withKeys(profile: Profile, keys: ProfileKey[]): Profile {
  const { key: _key, keys: _keys, ...rest } = profile;
  return keys.length ? { ...rest, key: keys[0]!.file, keys } : rest;
}

export function readProfile(path: string): Profile | undefined {
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Profile;
  } catch (error) {
    throw new LocalError(`the profile ${path} is not valid JSON (${(error as Error).message}); run cbm init --force`);
  }
}

/**
 * Makes a directory (and its missing parents) that only its owner may enter. `tighten`
 * also narrows one that exists: cbm's own directories, never a directory a user named.
 */
export function privateDir(dir: string, tighten = false): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (tighten) chmodSync(dir, 0o700);
}

/** Writes a file readable by the owner only, atomically (a crash leaves the old one). */
export function writePrivate(path: string, text: string): void {
  privateDir(dirname(path));
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, text, { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, path);
}

export function writeProfile(path: string, profile: Profile, env?: NodeJS.ProcessEnv): void {
  if (env && dirname(path).startsWith(configDir(env))) {
    privateDir(configDir(env), true);
    privateDir(dirname(path), true);
  }
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
      const saved = {
        origin: checkpoint.origin,
        size: checkpoint.size,
        root: toBase64(checkpoint.root),
        note: checkpoint.note,
        seen_at: now.toISOString(),
      };
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
