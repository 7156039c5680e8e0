/**
 * The private keys the embedded portal keeps in its data dir, written durably (a power cut
 * during the first start once left them empty, and the portal could not start again).
 * Node only; the caller holds the data dir's lock, so nothing else writes them meanwhile.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JWK } from 'jose';
import type { Clock } from './clock.ts';
import { ensureSecretariatWithKey, secretariatExists } from './bootstrap.ts';
import { PORTAL_KEY_FILE, SECRETARIAT_KEY_FILE, StartupError } from './data-dir.ts';
import { nodeSignatures } from './crypto/node-signatures.ts';
import { generatePrivateJwk, loadPortalKeys, publicPart, type PortalKeys } from './crypto/portal-keys.ts';
import type { SignatureSuite } from './crypto/signatures.ts';
import type { PortalDb } from './db/portal-db.ts';
import { writeFileDurably } from './fs/durable.ts';

const writePrivate = (path: string, jwk: JWK) =>
  writeFileDurably(path, `${JSON.stringify(jwk, null, 2)}\n`, 0o600, { exclusive: true });

export function readPrivate(path: string, what: string): JWK {
  let jwk: JWK;
  try {
    jwk = JSON.parse(readFileSync(path, 'utf8')) as JWK;
  } catch (error) {
    throw new StartupError(
      `${path} (${what}) cannot be read as a JWK: ${(error as Error).message}. ` +
        'Restore it from your backup; a key written by an older version during a power cut can be empty.',
    );
  }
  if (typeof jwk !== 'object' || jwk === null || !jwk.d)
    throw new StartupError(`${path} (${what}) is not a private JWK. Restore it from your backup.`);
  return jwk;
}

/** The portal's signing key, created on the first start; it signs with node:crypto unless told otherwise. */
export async function portalKeysFromDataDir(
  dataDir: string,
  suite: SignatureSuite = nodeSignatures,
): Promise<{ keys: PortalKeys; created: string | null }> {
  const path = join(dataDir, PORTAL_KEY_FILE);
  let created: string | null = null;
  if (!existsSync(path)) {
    await writePrivate(path, await generatePrivateJwk());
    created = path;
  }
  return { keys: await loadPortalKeys([readPrivate(path, "the portal's signing key")], suite), created };
}

/**
 * Registers the Secretariat on an empty database, its private key written to the data dir
 * for the operator. The key file is made durable before the row commits: a crash between
 * the two leaves a key file and no row, and the next start registers that same key (never
 * a row whose private half was lost). Returns the key file's path when it registered one.
 */
export async function bootstrapSecretariat(db: PortalDb, clock: Clock, dataDir: string): Promise<string | null> {
  if (await secretariatExists(db)) return null;
  const path = join(dataDir, SECRETARIAT_KEY_FILE);
  let jwk: JWK;
  if (existsSync(path)) {
    jwk = readPrivate(path, "the Secretariat's private key");
  } else {
    jwk = await generatePrivateJwk();
    await writePrivate(path, jwk);
  }
  await ensureSecretariatWithKey(db, clock, publicPart(jwk));
  return path;
}
