import { base64url } from 'jose';
import type { PortalKeys } from '../crypto/portal-keys.ts';
import type { PortalDb } from '../db/portal-db.ts';
import { emptyRoot, type Hash } from './merkle.ts';
import { integrate, rangeHashes } from './store.ts';

const encoder = new TextEncoder();
export const toBase64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));

/** The checkpoint origin line: the portal's host and /log, e.g. `cbm.example.org/log`. */
export const logOrigin = (publicOrigin: string) => `${new URL(publicOrigin).host}/log`;

export async function treeRoot(db: PortalDb, size: number): Promise<Hash> {
  if (size === 0) return emptyRoot();
  const [root] = await rangeHashes(db, [{ start: 0, end: size }]);
  return root!;
}

/** C2SP signed-note key id for an Ed25519 key: SHA-256(name || 0x0A || 0x01 || key)[:4]. */
async function noteKeyId(name: string, publicKey: Uint8Array): Promise<Uint8Array> {
  const input = new Uint8Array([...encoder.encode(name), 0x0a, 0x01, ...publicKey]);
  return new Uint8Array(await crypto.subtle.digest('SHA-256', input)).slice(0, 4);
}

/** A C2SP `tlog-checkpoint` signed by the portal key. */
export async function signCheckpoint(keys: PortalKeys, origin: string, size: number, root: Hash): Promise<string> {
  const body = `${origin}\n${size}\n${toBase64(root)}\n`;
  const publicKey = base64url.decode(keys.jwks[0]!.x!);
  const signature = new Uint8Array(await crypto.subtle.sign('Ed25519', keys.signing.privateKey, encoder.encode(body)));
  const keyId = await noteKeyId(origin, publicKey);
  return `${body}\n— ${origin} ${toBase64(new Uint8Array([...keyId, ...signature]))}\n`;
}

export interface Checkpoint {
  size: number;
  root: Hash;
  note: string;
}

/**
 * The latest checkpoint, signing a new one when the log has grown. Before signing, the
 * previous checkpoint's root is recomputed from the same stored hashes the new root comes
 * from: if storage was altered underneath, the portal refuses to sign rather than sign a
 * checkpoint inconsistent with one it signed before. One checkpoint per size (primary key).
 */
export async function latestCheckpoint(db: PortalDb, keys: PortalKeys, publicOrigin: string, now: Date): Promise<Checkpoint> {
  const size = await integrate(db);
  const previous = await db.kysely.selectFrom('log_checkpoints').selectAll().orderBy('size', 'desc').limit(1).executeTakeFirst();
  if (previous && Number(previous.size) === size) return { size, root: new Uint8Array(previous.root_hash), note: previous.note };
  if (previous) {
    const recomputed = await treeRoot(db, Number(previous.size));
    if (toBase64(recomputed) !== toBase64(new Uint8Array(previous.root_hash))) {
      throw new Error(`log: stored hashes no longer give the root signed at size ${previous.size}; refusing to sign`);
    }
  }
  const root = await treeRoot(db, size);
  const note = await signCheckpoint(keys, logOrigin(publicOrigin), size, root);
  await db.execute(
    db.kysely
      .insertInto('log_checkpoints')
      .values({ size, root_hash: root, note, signed_at: now.toISOString() })
      .onConflict((oc) => oc.column('size').doNothing())
      .compile(),
  );
  return { size, root, note };
}
