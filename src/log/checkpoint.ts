import { base64url } from 'jose';
import { sql } from 'kysely';
import { toBase64 } from '../../clients/typescript/src/base64.ts';
import type { PortalKeys } from '../crypto/portal-keys.ts';
import type { PortalDb } from '../db/portal-db.ts';
import { emptyRoot, type Hash } from './merkle.ts';
import { LogIntegrityError } from './integrity-error.ts';
import { rangeHashes } from './store.ts';

const encoder = new TextEncoder();
export { toBase64 };

/** The checkpoint origin line: the portal's host and /log, e.g. `cbm.example.org/log`. */
export const logOrigin = (publicOrigin: string) => `${new URL(publicOrigin).host}/log`;

/** The root of the integrated tree at `size`, from the stored subtree hashes. */
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
  const signature = await keys.signing.sign(encoder.encode(body));
  const keyId = await noteKeyId(origin, publicKey);
  return `${body}\n— ${origin} ${toBase64(new Uint8Array([...keyId, ...signature]))}\n`;
}

export interface Checkpoint {
  size: number;
  root: Hash;
  note: string;
  signedAt: string;
}

/** The latest checkpoint the portal signed and stored: what every reader is served. */
export async function latestCheckpoint(db: PortalDb): Promise<Checkpoint | undefined> {
  const row = await db.kysely
    .selectFrom('log_checkpoints')
    .selectAll()
    .orderBy('size', 'desc')
    .limit(1)
    .executeTakeFirst();
  return (
    row && { size: Number(row.size), root: new Uint8Array(row.root_hash), note: row.note, signedAt: row.signed_at }
  );
}

/**
 * Whether the cadence allows a new checkpoint at `now`: none signed yet, or the latest one
 * at least `intervalMs` ago. A latest one dated after `now` (the clock was set back) does
 * not hold signing up until the clock catches up.
 */
export function checkpointDue(
  latest: Pick<Checkpoint, 'signedAt'> | undefined,
  now: Date,
  intervalMs: number,
): boolean {
  if (!latest) return true;
  const signedAt = Date.parse(latest.signedAt);
  return signedAt + intervalMs <= now.getTime() || signedAt > now.getTime();
}

/**
 * Signs a checkpoint of the integrated log at `size` and stores it, unless the cadence
 * forbids it when the statement runs (another process signed meanwhile) or the log was
 * marked unsound. One checkpoint per size (primary key): if one of this size exists with
 * another root, storage changed underneath and the portal refuses to go on. Returns the
 * checkpoint stored for `size`, or undefined when none was signed now.
 */
export async function publishCheckpoint(
  db: PortalDb,
  keys: PortalKeys,
  origin: string,
  size: number,
  root: Hash,
  now: Date,
  intervalMs: number,
): Promise<Checkpoint | undefined> {
  const note = await signCheckpoint(keys, origin, size, root);
  const signedAt = now.toISOString();
  const notBefore = new Date(now.getTime() - intervalMs).toISOString();
  const inserted = await db.execute(
    sql`INSERT INTO log_checkpoints (size, root_hash, note, signed_at)
      SELECT ${size}, ${root}, ${note}, ${signedAt}
      WHERE (SELECT integrity_failure FROM log_state WHERE id = 1) IS NULL
        AND NOT EXISTS (SELECT 1 FROM (SELECT signed_at FROM log_checkpoints ORDER BY size DESC LIMIT 1) AS latest
                        WHERE latest.signed_at > ${notBefore} AND latest.signed_at <= ${signedAt})
      ON CONFLICT (size) DO NOTHING`.compile(db.kysely),
  );
  if (inserted === 1) return { size, root, note, signedAt };
  const existing = await db.kysely
    .selectFrom('log_checkpoints')
    .select(['root_hash'])
    .where('size', '=', size)
    .executeTakeFirst();
  if (existing && toBase64(new Uint8Array(existing.root_hash)) !== toBase64(root)) {
    throw new LogIntegrityError(
      `a checkpoint of size ${size} with another root was signed before: the stored log changed`,
    );
  }
  return undefined;
}
