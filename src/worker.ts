/**
 * The Cloudflare Workers entry: the same app on D1. Composition root for Workers: the
 * only place that reads `env`. Dependencies are built once per isolate and bootstrapping
 * (the Secretariat on an empty database) happens on the first request.
 */
import type { ExecutionContext, ScheduledController } from '@cloudflare/workers-types';
import type { Hono } from 'hono';
import { createApp } from './app.ts';
import { r2BlobStore } from './blobs/r2-blob-store.ts';
import { ensureSecretariatWithKey } from './bootstrap.ts';
import { systemClock } from './clock.ts';
import { loadPortalKeys } from './crypto/portal-keys.ts';
import { webSignatures } from './crypto/signatures.ts';
import { d1PortalDb } from './db/d1.ts';
import type { AppEnv } from './http/app-env.ts';
import type { Deps } from './deps.ts';
import { createHealth } from './health.ts';
import { housekeeping } from './housekeeping.ts';
import { pinOrigin } from './identity.ts';
import { uuidv7Generator } from './ids.ts';
import { createLogClock } from './log/clock.ts';
import { createAppMemory } from './memory.ts';
import { PORTAL_VERSION } from './version.ts';
import { workerWebAssets } from './web/worker-assets.ts';
import { parseWorkerConfig, type WorkerEnv } from './worker-config.ts';

interface Portal {
  deps: Deps;
  app: Hono<AppEnv>;
  /** Whether this isolate's first request has set the log clock going. */
  started: boolean;
}

const portals = new WeakMap<WorkerEnv, Promise<Portal>>();
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

async function buildPortal(env: WorkerEnv): Promise<Portal> {
  const config = parseWorkerConfig(env);
  const db = d1PortalDb(env.DB);
  const clock = systemClock;
  await ensureSecretariatWithKey(db, clock, config.secretariatPublicJwk);
  // The origin is the log's identity: pinned on first use, refused when it changed (the
  // error goes to the logs and requests get 503) unless ACCEPT_ORIGIN_CHANGE names it.
  await pinOrigin(db, config.publicOrigin, clock.now(), {
    acceptChangeTo: config.acceptOriginChange,
    hint: 'If the portal has moved, set ACCEPT_ORIGIN_CHANGE to the new PUBLIC_ORIGIN (README: Operating the portal).',
  });
  const deps: Deps = {
    db,
    blobs: r2BlobStore(env.BLOBS),
    keys: await loadPortalKeys(config.signingKeys, webSignatures),
    signatures: webSignatures,
    memory: createAppMemory(webSignatures),
    clock,
    ids: uuidv7Generator(clock),
    config: {
      publicOrigin: config.publicOrigin,
      maxBodyBytes: config.maxBodyBytes,
      maxUploadBytes: config.maxUploadBytes,
      version: PORTAL_VERSION,
      checkpointIntervalMs: config.checkpointIntervalMs,
      logVerifyIntervalMs: config.logVerifyIntervalMs,
    },
    health: createHealth(),
    log: (line) => console.error(line),
    web: env.ASSETS ? workerWebAssets(env.ASSETS) : undefined,
  };
  return { deps, app: createApp(deps), started: false };
}

function portalFor(env: WorkerEnv): Promise<Portal> {
  let portal = portals.get(env);
  if (!portal) {
    portal = buildPortal(env);
    // A failed build (bad configuration) is retried on the next request, not cached.
    portal.catch(() => portals.delete(env));
    portals.set(env, portal);
  }
  return portal;
}

/**
 * A log clock for one request's or one cron run's background work. Not shared across
 * them: Workers refuse a request awaiting I/O another request started, so ticks are not
 * coalesced in memory here; the database keeps them apart (integration is idempotent, the
 * cadence is a condition of the checkpoint's insert).
 */
const logClockFor = (deps: Deps) => createLogClock(deps);

const misconfigured = (error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  return Response.json(
    {
      type: 'urn:cbm:problem:unavailable',
      title: 'Service unavailable',
      status: 503,
      code: 'unavailable',
      detail: 'The portal is not configured correctly; the operator has been told why in the logs.',
    },
    { status: 503, headers: { 'Content-Type': 'application/problem+json' } },
  );
};

export default {
  async fetch(request: Request, env: WorkerEnv, ctx: ExecutionContext): Promise<Response> {
    let portal: Portal;
    try {
      portal = await portalFor(env);
    } catch (error) {
      return misconfigured(error);
    }
    const response = await portal.app.fetch(request, env, ctx);
    // Reads never write. After the answer, off the request's path: an accepted write's leaf
    // is integrated and covered by a checkpoint (at most one per CHECKPOINT_INTERVAL_MS), and
    // a new isolate ticks once, as a start does on Node: it learns of a log marked unsound,
    // and an empty log gets its first checkpoint. (The full check is the cron trigger's.)
    if ((!SAFE_METHODS.has(request.method) && response.status < 300) || !portal.started) {
      portal.started = true;
      ctx.waitUntil(logClockFor(portal.deps).tickWhenDue());
    }
    return response;
  },

  /**
   * Cron trigger (wrangler.toml): what the Node entry runs on timers. Housekeeping, a tick
   * of the log clock (a checkpoint even if no write asked for one), and the full
   * re-derivation of the log when LOG_VERIFY_INTERVAL_MS has passed since the last one.
   */
  async scheduled(_controller: ScheduledController, env: WorkerEnv, ctx: ExecutionContext): Promise<void> {
    ctx.waitUntil(
      portalFor(env).then(async ({ deps }) => {
        await housekeeping(deps);
        const logClock = logClockFor(deps);
        await logClock.tickWhenDue();
        await logClock.verifyIfDue();
      }),
    );
  },
};
