import { CompiledQuery } from 'kysely';
import type { PortalDb } from '../db/portal-db.ts';
import { problems } from './problem.ts';

/**
 * Records a write token's jti. Returns false when it was seen before (a replay). One
 * INSERT ... ON CONFLICT DO NOTHING decides atomically, so two concurrent replays cannot
 * both pass. The row lives until the token could no longer be accepted anyway.
 */
export async function consumeJti(
  db: PortalDb,
  issuer: string,
  jti: string,
  expiresAtSeconds: number,
): Promise<boolean> {
  const changed = await db.execute(
    db.kysely
      .insertInto('request_jtis')
      .values({ issuer, jti, expires_at: expiresAtSeconds })
      .onConflict((oc) => oc.doNothing())
      .compile(),
  );
  return changed === 1;
}

// Every write runs both: their SQL is written once (db/statement.ts says why).
const RECORD_JTI = 'insert into "request_jtis" ("issuer", "jti", "expires_at") values (?, ?, ?)';
const JTI_SEEN = 'select 1 from "request_jtis" where "issuer" = ? and "jti" = ?';

/** The statement that records a write token's jti inside the write's own commit. */
export function recordJtiQuery(_db: PortalDb, issuer: string, jti: string, expiresAtSeconds: number): CompiledQuery {
  return CompiledQuery.raw(RECORD_JTI, [issuer, jti, expiresAtSeconds]);
}

export async function jtiSeen(db: PortalDb, issuer: string, jti: string): Promise<boolean> {
  return (await db.read(CompiledQuery.raw(JTI_SEEN, [issuer, jti]))).length > 0;
}

export const jtiReplayed = () =>
  problems.unauthorized('jti-replayed', 'This request token has been used before; sign each write anew.');

/** Deletes replay entries whose tokens have expired; returns how many. */
export function purgeExpiredJtis(db: PortalDb, now: Date): Promise<number> {
  return db.execute(
    db.kysely
      .deleteFrom('request_jtis')
      .where('expires_at', '<', Math.floor(now.getTime() / 1000))
      .compile(),
  );
}
