import { resolve } from 'node:path';

export interface NodeConfig {
  host: string;
  port: number;
  dataDir: string;
  publicOrigin: string;
  maxBodyBytes: number;
  maxUploadBytes: number;
  /** How often housekeeping runs (expired replay entries and Idempotency-Keys), in ms. */
  housekeepingIntervalMs: number;
  /** Cap on the database's size (null: as large as the disk allows); past it, writes are 507. */
  maxDbBytes: number | null;
  /** Cap on the bytes of uploaded files (null: as many as the disk holds); past it, 507. */
  maxBlobBytes: number | null;
  /** SQLite's synchronous setting: FULL (acknowledged means durable) unless a benchmark says NORMAL. */
  synchronous: 'FULL' | 'NORMAL';
  /** The log clock's tick: at most one signed checkpoint per this many ms (only when the log grew). */
  checkpointIntervalMs: number;
  /** How often the whole log is re-derived from its leaves (also at every start), in ms. */
  logVerifyIntervalMs: number;
}

/** Environment variables of the embedded portal, with their defaults (README: Configuration). */
export const NODE_ENV_VARS = {
  CBM_HOST: '127.0.0.1',
  CBM_PORT: '8787',
  CBM_DATA_DIR: './data',
  CBM_PUBLIC_ORIGIN: 'http://<CBM_HOST>:<CBM_PORT>',
  CBM_MAX_BODY_BYTES: '1048576',
  CBM_MAX_UPLOAD_BYTES: '26214400',
  CBM_MAX_DB_BYTES: '',
  CBM_MAX_BLOB_BYTES: '',
  CBM_SQLITE_SYNCHRONOUS: 'FULL',
  CBM_CHECKPOINT_INTERVAL_MS: '1000',
  CBM_LOG_VERIFY_INTERVAL_MS: '900000',
} as const;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

function integer(
  env: Record<string, string | undefined>,
  name: keyof typeof NODE_ENV_VARS,
  min: number,
  max: number,
  errors: string[],
) {
  const raw = env[name] ?? NODE_ENV_VARS[name];
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max)
    errors.push(`${name}=${JSON.stringify(raw)}: must be an integer from ${min} to ${max}`);
  return value;
}

/** An integer variable that may be left empty (no limit). */
function optionalInteger(
  env: Record<string, string | undefined>,
  name: keyof typeof NODE_ENV_VARS,
  min: number,
  errors: string[],
): number | null {
  const raw = env[name] ?? NODE_ENV_VARS[name];
  if (raw === '') return null;
  if (!/^\d+$/.test(raw) || Number(raw) < min || !Number.isSafeInteger(Number(raw))) {
    errors.push(`${name}=${JSON.stringify(raw)}: must be an integer of at least ${min}, or empty for no limit`);
    return null;
  }
  return Number(raw);
}

/** Reads and checks the configuration; every bad value is reported at once. */
export function parseNodeConfig(env: Record<string, string | undefined>, cwd: string = process.cwd()): NodeConfig {
  const errors: string[] = [];
  const host = env.CBM_HOST ?? NODE_ENV_VARS.CBM_HOST;
  if (!/^[A-Za-z0-9.:-]+$/.test(host))
    errors.push(`CBM_HOST=${JSON.stringify(host)}: must be a host name or IP address`);
  const port = integer(env, 'CBM_PORT', 1, 65535, errors);
  const hostOrPortBad = errors.length > 0;
  const maxBodyBytes = integer(env, 'CBM_MAX_BODY_BYTES', 1024, 64 * 1024 * 1024, errors);
  const maxUploadBytes = integer(env, 'CBM_MAX_UPLOAD_BYTES', 1024, 26214400, errors);
  const maxDbBytes = optionalInteger(env, 'CBM_MAX_DB_BYTES', 4096, errors);
  const maxBlobBytes = optionalInteger(env, 'CBM_MAX_BLOB_BYTES', 0, errors);
  const synchronous = env.CBM_SQLITE_SYNCHRONOUS ?? NODE_ENV_VARS.CBM_SQLITE_SYNCHRONOUS;
  if (synchronous !== 'FULL' && synchronous !== 'NORMAL')
    errors.push(`CBM_SQLITE_SYNCHRONOUS=${JSON.stringify(synchronous)}: must be FULL or NORMAL`);
  const checkpointIntervalMs = integer(env, 'CBM_CHECKPOINT_INTERVAL_MS', 100, 3_600_000, errors);
  const logVerifyIntervalMs = integer(env, 'CBM_LOG_VERIFY_INTERVAL_MS', 60_000, 30 * 24 * 3_600_000, errors);
  const dataDirRaw = env.CBM_DATA_DIR ?? NODE_ENV_VARS.CBM_DATA_DIR;
  if (!dataDirRaw.trim()) errors.push('CBM_DATA_DIR: must not be empty');

  const hostInUrl = host.includes(':') ? `[${host}]` : host;
  const publicOrigin = env.CBM_PUBLIC_ORIGIN ?? `http://${hostInUrl}:${port}`;
  // An origin derived from a bad host or port is reported under that variable only.
  if (env.CBM_PUBLIC_ORIGIN !== undefined || !hostOrPortBad) {
    try {
      const url = new URL(publicOrigin);
      if (!['http:', 'https:'].includes(url.protocol) || url.origin !== publicOrigin) {
        errors.push(
          `CBM_PUBLIC_ORIGIN=${JSON.stringify(publicOrigin)}: must be an origin such as ` +
            `https://cbm.example.org (scheme, host, optional port; no path or trailing slash)`,
        );
      }
    } catch {
      errors.push(`CBM_PUBLIC_ORIGIN=${JSON.stringify(publicOrigin)}: not a URL`);
    }
  }
  if (errors.length) throw new ConfigError(errors);
  return {
    host,
    port,
    dataDir: resolve(cwd, dataDirRaw),
    publicOrigin,
    maxBodyBytes,
    maxUploadBytes,
    housekeepingIntervalMs: 60_000,
    maxDbBytes,
    maxBlobBytes,
    synchronous: synchronous as 'FULL' | 'NORMAL',
    checkpointIntervalMs,
    logVerifyIntervalMs,
  };
}
