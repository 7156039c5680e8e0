import { CompiledQuery } from 'kysely';
import { utf8 } from '../crypto/encoding.ts';
import { leafHash } from './merkle.ts';

// Every write runs it: its SQL is written once (db/statement.ts says why).
const APPEND_LEAF = `INSERT INTO log_leaves (idx, attestation_id, leaf_hash)
    SELECT coalesce(max(idx) + 1, 0), ?, ? FROM log_leaves
    RETURNING idx`;

/**
 * The statement that appends an attestation to the log, to run inside the write's own
 * commit: its index is the next one at commit time, so a record and its leaf are never
 * apart and indexes follow commit order without gaps.
 */
export async function appendLeafQuery(attestationId: string, token: string): Promise<CompiledQuery> {
  return CompiledQuery.raw(APPEND_LEAF, [attestationId, await leafHash(utf8(token))]);
}
