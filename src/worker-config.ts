import type { JWK } from 'jose';
import { publicKeyFlaw } from './crypto/key-safety.ts';

/** Bindings and variables of the Workers deployment (wrangler.toml). */
export interface WorkerEnv {
  DB: import('@cloudflare/workers-types').D1Database;
  BLOBS: import('@cloudflare/workers-types').R2Bucket;
  /** The built web app, dist/web (wrangler.toml [assets]); absent, only the API answers. */
  ASSETS?: import('@cloudflare/workers-types').Fetcher;
  /** Secret: the portal's private Ed25519 JWK, or a JSON array of them, newest first. */
  PORTAL_SIGNING_KEY: string;
  /** The origin clients reach the portal at: `aud` of request tokens, `iss` of attestations. */
  PUBLIC_ORIGIN: string;
  /** The Secretariat's public Ed25519 JWK, registered on the first request to an empty database. */
  SECRETARIAT_PUBLIC_JWK: string;
  /**
   * The explicit step that changes the pinned public origin: set it to the new
   * PUBLIC_ORIGIN for the deployment that moves (README: Operating the portal).
   */
  ACCEPT_ORIGIN_CHANGE?: string;
  MAX_BODY_BYTES?: string;
  /** Largest document file upload (default 26214400, 25 MiB). */
  MAX_UPLOAD_BYTES?: string;
  /** Least time between two signed log checkpoints, ms (default 1000). */
  CHECKPOINT_INTERVAL_MS?: string;
  /**
   * How often the cron trigger re-derives the whole log from its leaves, ms (default 3600000,
   * an hour: on D1 every check reads every leaf and attestation).
   */
  LOG_VERIFY_INTERVAL_MS?: string;
}

export interface WorkerConfig {
  publicOrigin: string;
  maxBodyBytes: number;
  maxUploadBytes: number;
  signingKeys: JWK[];
  secretariatPublicJwk: JWK;
  checkpointIntervalMs: number;
  logVerifyIntervalMs: number;
  /** ACCEPT_ORIGIN_CHANGE: the new origin the operator accepts (src/identity.ts). */
  acceptOriginChange: string | null;
}

/** Checks the Worker's configuration; every problem is named, none of the secret is shown. */
export function parseWorkerConfig(env: WorkerEnv): WorkerConfig {
  const errors: string[] = [];
  const json = <T>(name: string, raw: string | undefined): T | undefined => {
    if (!raw) {
      errors.push(`${name} is not set`);
      return undefined;
    }
    try {
      return JSON.parse(raw) as T;
    } catch {
      errors.push(`${name} is not JSON`);
      return undefined;
    }
  };
  const signing = json<JWK | JWK[]>('PORTAL_SIGNING_KEY', env.PORTAL_SIGNING_KEY);
  const signingKeys = signing === undefined ? [] : Array.isArray(signing) ? signing : [signing];
  if (signing !== undefined && (!signingKeys[0]?.d || signingKeys[0].crv !== 'Ed25519'))
    errors.push('PORTAL_SIGNING_KEY must hold a private Ed25519 JWK');
  const secretariatPublicJwk = json<JWK>('SECRETARIAT_PUBLIC_JWK', env.SECRETARIAT_PUBLIC_JWK);
  if (secretariatPublicJwk?.d) errors.push('SECRETARIAT_PUBLIC_JWK must be the public key only (remove "d")');
  const flaw = secretariatPublicJwk && !secretariatPublicJwk.d ? publicKeyFlaw(secretariatPublicJwk) : null;
  if (flaw) errors.push(`SECRETARIAT_PUBLIC_JWK is not a safe key: ${flaw.reason}`);
  let publicOrigin = env.PUBLIC_ORIGIN ?? '';
  try {
    if (new URL(publicOrigin).origin !== publicOrigin)
      errors.push(`PUBLIC_ORIGIN=${JSON.stringify(publicOrigin)} must be an origin (no path or trailing slash)`);
  } catch {
    errors.push(`PUBLIC_ORIGIN=${JSON.stringify(publicOrigin)} is not a URL`);
    publicOrigin = '';
  }
  const maxBodyBytes = Number(env.MAX_BODY_BYTES ?? 1_048_576);
  if (!Number.isInteger(maxBodyBytes) || maxBodyBytes < 1024)
    errors.push('MAX_BODY_BYTES must be an integer of at least 1024');
  const maxUploadBytes = Number(env.MAX_UPLOAD_BYTES ?? 26_214_400);
  if (!Number.isInteger(maxUploadBytes) || maxUploadBytes < 1024 || maxUploadBytes > 26_214_400)
    errors.push('MAX_UPLOAD_BYTES must be an integer from 1024 to 26214400');
  const checkpointIntervalMs = Number(env.CHECKPOINT_INTERVAL_MS ?? 1000);
  if (!Number.isInteger(checkpointIntervalMs) || checkpointIntervalMs < 100 || checkpointIntervalMs > 3_600_000)
    errors.push('CHECKPOINT_INTERVAL_MS must be an integer from 100 to 3600000');
  const logVerifyIntervalMs = Number(env.LOG_VERIFY_INTERVAL_MS ?? 3_600_000);
  if (!Number.isInteger(logVerifyIntervalMs) || logVerifyIntervalMs < 60_000)
    errors.push('LOG_VERIFY_INTERVAL_MS must be an integer of at least 60000');
  if (errors.length) throw new Error(`invalid Worker configuration: ${errors.join('; ')}`);
  return {
    publicOrigin,
    maxBodyBytes,
    maxUploadBytes,
    signingKeys,
    secretariatPublicJwk: secretariatPublicJwk!,
    checkpointIntervalMs,
    logVerifyIntervalMs,
    acceptOriginChange: env.ACCEPT_ORIGIN_CHANGE || null,
  };
}
