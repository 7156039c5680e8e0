import type { CompiledQuery } from 'kysely';
import { sql } from 'kysely';
import type { PortalDb } from '../db/portal-db.ts';
import { leafHash } from './merkle.ts';

/**
 * The statement that appends an attestation to the log, to run inside the write's own
 * commit: its index is the next one at commit time, so a record and its leaf are never
 * apart and indexes follow commit order without gaps.
 */
export async function appendLeafQuery(db: PortalDb, attestationId: string, token: string): Promise<CompiledQuery> {
  const hash = await leafHash(new TextEncoder().encode(token));
  return sql`INSERT INTO log_leaves (idx, attestation_id, leaf_hash)
    SELECT coalesce(max(idx) + 1, 0), ${attestationId}, ${hash} FROM log_leaves
    RETURNING idx`.compile(db.kysely);
}
