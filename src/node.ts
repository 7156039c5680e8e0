/**
 * The embedded portal: Node, @hono/node-server and a SQLite file in the data dir.
 * Composition root for Node: the only place that reads process.env or the file system.
 */
import { serve } from '@hono/node-server';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JWK } from 'jose';
import { createApp } from './app.ts';
import { fileBlobStore } from './blobs/file-blob-store.ts';
import { ensureSecretariat, SECRETARIAT_ID } from './bootstrap.ts';
import { systemClock } from './clock.ts';
import { generatePrivateJwk, loadPortalKeys } from './crypto/portal-keys.ts';
import { applyMigrations } from './db/migrate.ts';
import { readMigrations } from './db/migrations-dir.ts';
import { openSqlite, sqlitePortalDb } from './db/sqlite.ts';
import { housekeeping } from './housekeeping.ts';
import { uuidv7Generator } from './ids.ts';
import { ConfigError, parseNodeConfig } from './node-config.ts';
import { PORTAL_VERSION } from './version.ts';

const PORTAL_KEY_FILE = 'portal-signing-key.jwk';
const SECRETARIAT_KEY_FILE = 'secretariat.private.jwk';

function writePrivate(path: string, jwk: JWK) {
  writeFileSync(path, `${JSON.stringify(jwk, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(path, 0o600);
}

async function main() {
  let config;
  try {
    config = parseNodeConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`cbm-portal: ${error.message}`);
      process.exit(2);
    }
    throw error;
  }
  const version = PORTAL_VERSION;

  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const sqlite = openSqlite(join(config.dataDir, 'portal.sqlite'));
  const applied = applyMigrations(sqlite, readMigrations());
  for (const name of applied) console.log(`applied migration ${name}`);
  const db = sqlitePortalDb(sqlite);

  const portalKeyPath = join(config.dataDir, PORTAL_KEY_FILE);
  if (!existsSync(portalKeyPath)) {
    writePrivate(portalKeyPath, await generatePrivateJwk());
    console.log(`created the portal signing key in ${portalKeyPath}`);
  }
  const keys = await loadPortalKeys([JSON.parse(readFileSync(portalKeyPath, 'utf8')) as JWK]);

  const clock = systemClock;
  const secretariatKey = await ensureSecretariat(db, clock);
  const secretariatKeyPath = join(config.dataDir, SECRETARIAT_KEY_FILE);
  if (secretariatKey) writePrivate(secretariatKeyPath, secretariatKey);

  const deps = {
    db,
    blobs: fileBlobStore(join(config.dataDir, 'blobs')),
    keys,
    clock,
    ids: uuidv7Generator(clock),
    config: { publicOrigin: config.publicOrigin, maxBodyBytes: config.maxBodyBytes, maxUploadBytes: config.maxUploadBytes, version },
    log: (line: string) => console.error(line),
  };
  const app = createApp(deps);

  const purge = setInterval(() => {
    housekeeping(deps).catch((error: unknown) => console.error('housekeeping failed:', error));
  }, config.housekeepingIntervalMs);
  purge.unref();

  const server = serve({ fetch: app.fetch, hostname: config.host, port: config.port }, (info) => {
    console.log(`CBM Exchange Portal ${version} listening on http://${info.address.includes(':') ? `[${info.address}]` : info.address}:${info.port}`);
    console.log(`  public origin (aud of request tokens): ${config.publicOrigin}`);
    console.log(`  data: ${config.dataDir}`);
    console.log(`  portal key id: ${keys.signing.kid}`);
    if (secretariatKey) {
      console.log('');
      console.log(`First start: the Secretariat principal "${SECRETARIAT_ID}" was created.`);
      console.log(`  Its private key is in ${secretariatKeyPath} (mode 0600). Move it somewhere safe;`);
      console.log('  the portal keeps only the public half.');
      console.log('  Next: register a state and its key, e.g.');
      console.log(`    npm run -s cbm -- states add AT Austria --as secretariat --key ${secretariatKeyPath}`);
      console.log('  The README walks through the rest.');
    }
  });
  server.on('error', (error: NodeJS.ErrnoException) => {
    console.error(`cbm-portal: cannot listen on ${config.host}:${config.port}: ${error.code ?? error.message}`);
    process.exit(1);
  });

  const shutdown = () => {
    clearInterval(purge);
    server.close(() => {
      sqlite.close();
      process.exit(0);
    });
    setTimeout(() => process.exit(0), 5000).unref();
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

await main();
