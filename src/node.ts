/**
 * The embedded portal: Node, @hono/node-server and a SQLite file in the data dir.
 * Composition root for Node: the only place that reads process.env or the file system.
 */
import { serve } from '@hono/node-server';
import { join } from 'node:path';
import type { Server } from 'node:http';
import { createApp } from './app.ts';
import { requestLog, requestLogFormat } from './http/request-log.ts';
import { answerClientError } from './http/client-error.ts';
import { fileBlobStore, removePartialBlobs } from './blobs/file-blob-store.ts';
import { SECRETARIAT_ID } from './bootstrap.ts';
import { systemClock } from './clock.ts';
import { BLOBS_DIR, DATABASE_FILE, StartupError } from './data-dir.ts';
import { DataDirLocked, lockDataDir } from './db/data-dir-lock.ts';
import { applyMigrations } from './db/migrate.ts';
import { readMigrations } from './db/migrations-dir.ts';
import { openSqlite, sqlitePortalDb } from './db/sqlite.ts';
import { isStorageFull } from './db/storage-full.ts';
import { makeDirectoryDurably, removePartialFiles, syncDirectory } from './fs/durable.ts';
import { nodeSignatures } from './crypto/node-signatures.ts';
import { createHealth } from './health.ts';
import { housekeeping } from './housekeeping.ts';
import { OriginMismatch, pinOrigin } from './identity.ts';
import { uuidv7Generator } from './ids.ts';
import { createLogClock } from './log/clock.ts';
import { createAppMemory } from './memory.ts';
import { ConfigError, parseNodeConfig, type NodeConfig } from './node-config.ts';
import { bootstrapSecretariat, portalKeysFromDataDir } from './node-keys.ts';
import { PORTAL_VERSION } from './version.ts';
import { loadWebAssets } from './web/node-assets.ts';

async function main(config: NodeConfig) {
  const version = PORTAL_VERSION;
  // The web app (dist/web) first: a portal that cannot serve its pages stops before touching the data.
  const web = loadWebAssets();

  await makeDirectoryDurably(config.dataDir, 0o700);
  // Before anything else touches the data dir: a second process stops here.
  const lock = await lockDataDir(config.dataDir, `starting on port ${config.port}`);
  const blobsDir = join(config.dataDir, BLOBS_DIR);
  for (const path of [...(await removePartialFiles(config.dataDir)), ...(await removePartialBlobs(blobsDir))]) {
    console.log(`removed ${path}: a partial file left by a crash or a full disk`);
  }
  if (config.synchronous !== 'FULL') {
    console.warn(
      'CBM_SQLITE_SYNCHRONOUS=NORMAL: acknowledged writes may be lost on a power cut (for benchmarks only).',
    );
  }

  const sqlite = openSqlite(join(config.dataDir, DATABASE_FILE), {
    synchronous: config.synchronous,
    maxBytes: config.maxDbBytes,
  });
  const applied = applyMigrations(sqlite, readMigrations());
  for (const name of applied) console.log(`applied migration ${name}`);
  // SQLite fsyncs its files, not the directory entry of a database it has just created.
  await syncDirectory(config.dataDir);
  const db = sqlitePortalDb(sqlite);
  const clock = systemClock;
  await pinOrigin(db, config.publicOrigin, clock.now());

  // node:crypto's one-shot sign and verify: the same bytes as WebCrypto, without its thread-pool round trip.
  const signatures = nodeSignatures;
  const { keys, created: portalKeyCreated } = await portalKeysFromDataDir(config.dataDir, signatures);
  if (portalKeyCreated) console.log(`created the portal signing key in ${portalKeyCreated}`);
  const secretariatKeyPath = await bootstrapSecretariat(db, clock, config.dataDir);

  const deps = {
    db,
    blobs: fileBlobStore(blobsDir, { maxBytes: config.maxBlobBytes }),
    keys,
    signatures,
    memory: createAppMemory(signatures),
    clock,
    ids: uuidv7Generator(clock),
    config: {
      publicOrigin: config.publicOrigin,
      maxBodyBytes: config.maxBodyBytes,
      maxUploadBytes: config.maxUploadBytes,
      version,
      checkpointIntervalMs: config.checkpointIntervalMs,
      logVerifyIntervalMs: config.logVerifyIntervalMs,
    },
    health: createHealth(),
    log: (line: string) => console.error(line),
    web,
  };
  const app = createApp(deps);

  // The log's clock, off the request path. Before serving, the whole log is re-derived from
  // its leaves: a portal whose storage no longer gives what it signed must not take writes.
  const logClock = createLogClock(deps);
  const verified = await logClock.verify();
  if (verified)
    console.log(
      `log verified: ${verified.leaves} leaves and ${verified.checkpoints} signed checkpoints re-derived in ` +
        `${(verified.ms / 1000).toFixed(1)} s`,
    );
  await logClock.tick();
  const stopLogClock = logClock.runEvery(config.checkpointIntervalMs);

  const purge = setInterval(() => {
    housekeeping(deps).catch((error: unknown) => console.error('housekeeping failed:', error));
  }, config.housekeepingIntervalMs);
  purge.unref();

  let format: ReturnType<typeof requestLogFormat>;
  try {
    format = requestLogFormat(process.env, process.argv);
  } catch (error) {
    throw new ConfigError([(error as Error).message]);
  }
  const fetch = requestLog(app.fetch, { format, write: (line) => process.stdout.write(`${line}\n`) });
  const server = serve({ fetch, hostname: config.host, port: config.port }, (info) => {
    const listening = `http://${info.address.includes(':') ? `[${info.address}]` : info.address}:${info.port}`;
    void lock.describe(`serving on ${listening} as ${config.publicOrigin}`);
    console.log(`CBM Exchange Portal ${version} listening on ${listening}`);
    console.log(`  public origin (aud of request tokens): ${config.publicOrigin}`);
    console.log(`  data: ${config.dataDir}`);
    console.log(`  portal key id: ${keys.signing.kid}`);
    if (secretariatKeyPath) {
      console.log('');
      console.log(`First start: the Secretariat principal "${SECRETARIAT_ID}" was created.`);
      console.log(`  Its private key is in ${secretariatKeyPath} (mode 0600). Move it somewhere safe;`);
      console.log('  the portal keeps only the public half.');
      console.log('  Next: register a state and its key, e.g.');
      console.log(`    npm run -s cbm -- states add AT Austria --as secretariat --key ${secretariatKeyPath}`);
      console.log('  The README walks through the rest.');
    }
  });
  server.on('clientError', answerClientError);
  server.on('error', (error: NodeJS.ErrnoException) => {
    console.error(`cbm-portal: cannot listen on ${config.host}:${config.port}: ${error.code ?? error.message}`);
    process.exit(1);
  });

  const shutdown = (signal: NodeJS.Signals) => {
    console.log(`cbm-portal: ${signal}: stopping (finishing requests in flight, then closing the database)`);
    clearInterval(purge);
    server.close(async () => {
      await stopLogClock();
      sqlite.close();
      lock.release();
      console.log('cbm-portal: stopped');
      process.exit(0);
    });
    // Idle keep-alive connections would hold close() open; busy ones get 5 s to finish.
    (server as Server).closeIdleConnections();
    setTimeout(() => {
      console.log('cbm-portal: stopped (connections still open after 5 s were cut)');
      process.exit(0);
    }, 5000).unref();
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

/** What the operator is told when the portal cannot start: a message, never a stack, for every expected cause. */
function refusal(
  error: unknown,
  config: Pick<NodeConfig, 'dataDir' | 'publicOrigin'> | null,
): { message: string; exitCode: number } | null {
  if (error instanceof ConfigError) return { message: error.message, exitCode: 2 };
  if (error instanceof DataDirLocked || error instanceof StartupError) return { message: error.message, exitCode: 1 };
  if (error instanceof OriginMismatch) {
    return {
      message:
        `${error.message}\n  If the portal has really moved, change the pinned origin once, with the portal stopped:\n` +
        `    npm run set-origin -- ${error.configured} --confirm\n` +
        '  (README: Operating the portal, "Changing the public origin"). Otherwise start it with ' +
        `CBM_PUBLIC_ORIGIN=${error.pinned}.`,
      exitCode: 1,
    };
  }
  if (isStorageFull(error)) {
    return {
      message:
        `no space left to store the data in ${config?.dataDir ?? 'the data dir'} (${(error as Error).message}).\n` +
        '  Free space on its file system (or raise CBM_MAX_DB_BYTES / CBM_MAX_BLOB_BYTES) and start again; nothing was lost.',
      exitCode: 1,
    };
  }
  return null;
}

let config: NodeConfig | null = null;
try {
  config = parseNodeConfig(process.env);
  await main(config);
} catch (error) {
  const refused = refusal(error, config);
  if (!refused) throw error;
  console.error(`cbm-portal: ${refused.message}`);
  process.exit(refused.exitCode);
}
