import type { BlobStore } from './blobs/blob-store.ts';
import type { Clock } from './clock.ts';
import type { PortalKeys } from './crypto/portal-keys.ts';
import type { ReadTokenMemory } from './crypto/request-token.ts';
import type { SignatureSuite } from './crypto/signatures.ts';
import type { VerifyKeyCache } from './crypto/verify-keys.ts';
import type { PortalDb } from './db/portal-db.ts';
import type { Health } from './health.ts';
import type { IdGenerator } from './ids.ts';
import type { WebAssets } from './web/assets.ts';

export interface AppConfig {
  /** The portal's public origin: the `aud` of request tokens and `iss` of attestations. */
  publicOrigin: string;
  /** Largest request body accepted, in bytes. */
  maxBodyBytes: number;
  /** Largest document file upload accepted, in bytes (25 MiB by default). */
  maxUploadBytes: number;
  /** Document uploads streamed at once; more are answered 503 with Retry-After (default 4). */
  maxConcurrentUploads?: number;
  version: string;
  /** The log clock signs at most one checkpoint per this many ms, and only when the log grew. */
  checkpointIntervalMs: number;
  /** The log clock re-derives the whole log from its leaves this often (ms), and at start. */
  logVerifyIntervalMs: number;
}

/** A set that forgets everything once it holds `max` entries (a cache of accepted values). */
export interface BoundedSet {
  has(value: string): boolean;
  add(value: string): void;
}

export interface AppMemory {
  /** Public keys imported for verification, by kid (safety-checked before they enter). */
  verifyKeys: VerifyKeyCache;
  /** Read tokens whose signature verified, until they expire. */
  readTokens: ReadTokenMemory;
  /** IANA time zone names already accepted (building an Intl.DateTimeFormat costs about 100 µs). */
  timeZones: BoundedSet;
}

/** Everything the app needs from its runtime, built once by a composition root. */
export interface Deps {
  db: PortalDb;
  /** Content-addressed files: the data dir on Node, R2 on Workers. */
  blobs: BlobStore;
  keys: PortalKeys;
  /** Verifies and signs: node:crypto's one-shot functions on Node, WebCrypto on Workers. */
  signatures: SignatureSuite;
  /** What the app remembers between requests: bounded, one set per app, never module-level. */
  memory: AppMemory;
  clock: Clock;
  ids: IdGenerator;
  config: AppConfig;
  /** Faults /healthz reports (full disk, ...), raised and cleared where they are seen. */
  health: Health;
  log: (line: string) => void;
  /** The built web app (dist/web), served at / to browsers; without it only the API answers. */
  web?: WebAssets;
}
