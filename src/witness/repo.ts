import { sql, type CompiledQuery } from 'kysely';
import type { PortalDb } from '../db/portal-db.ts';
import type { LogCosignaturesTable } from '../db/schema.ts';

/** The size `kid` last cosigned (0 for none): the old size its next submission must name. */
export async function lastCosignedSize(db: PortalDb, kid: string): Promise<number> {
  const row = await db.kysely
    .selectFrom('log_cosignatures')
    .select((eb) => eb.fn.max('size').as('size'))
    .where('kid', '=', kid)
    .executeTakeFirst();
  return row?.size === null || row?.size === undefined ? 0 : Number(row.size);
}

/**
 * Stores a cosignature only if `oldSize` is still the key's latest cosigned size when the
 * statement runs (C2SP tlog-witness: the check and the update are one atomic step, so two
 * concurrent submissions cannot roll a witness back). Cosigning the same size again
 * replaces the line (a newer timestamp).
 */
export function insertCosignatureQuery(db: PortalDb, row: LogCosignaturesTable, oldSize: number): CompiledQuery {
  return sql`INSERT INTO log_cosignatures (size, kid, principal_id, witness_name, cosigned_at, line, received_at)
    SELECT ${row.size}, ${row.kid}, ${row.principal_id}, ${row.witness_name}, ${row.cosigned_at}, ${row.line}, ${row.received_at}
    WHERE coalesce((SELECT max(size) FROM log_cosignatures WHERE kid = ${row.kid}), 0) = ${oldSize}
    ON CONFLICT (size, kid) DO UPDATE
      SET cosigned_at = excluded.cosigned_at, line = excluded.line, received_at = excluded.received_at`.compile(
    db.kysely,
  );
}

/** The cosignature lines on the checkpoint of `size`, in a stable order (by state, then key). */
export async function cosignatureLines(db: PortalDb, size: number): Promise<string[]> {
  const rows = await db.kysely
    .selectFrom('log_cosignatures')
    .select('line')
    .where('size', '=', size)
    .orderBy('principal_id')
    .orderBy('kid')
    .execute();
  return rows.map((row) => row.line);
}

/** Every state key with scope `witness`, with the attestation that registered it and the size it last cosigned. */
export function listWitnessKeys(db: PortalDb) {
  return db.kysely
    .selectFrom('principal_keys as k')
    .innerJoin('principals as p', 'p.id', 'k.principal_id')
    .leftJoin('attestations as registration', (join) =>
      join.on('registration.subject', '=', sql<string>`'urn:cbm:key:' || k.kid`),
    )
    .select([
      'k.kid',
      'k.principal_id',
      'k.public_jwk',
      'k.revoked_at',
      'k.expires_at',
      'registration.id as registration_attestation_id',
      sql<number>`coalesce((SELECT max(c.size) FROM log_cosignatures c WHERE c.kid = k.kid), 0)`.as('cosigned_size'),
    ])
    .where('p.kind', '=', 'state')
    .where(sql<boolean>`EXISTS (SELECT 1 FROM json_each(k.scopes) WHERE json_each.value = 'witness')`)
    .orderBy('k.principal_id')
    .orderBy('k.created_at')
    .orderBy('k.kid')
    .execute();
}

/**
 * The latest stored checkpoint cosigned by at least `states` distinct states: what a
 * verifier with that witness policy proves records against. Reads cosignatures only
 * (grouped by checkpoint, newest first, along the primary key), never every checkpoint.
 */
export async function latestWitnessedCheckpoint(
  db: PortalDb,
  states: number,
): Promise<{ size: number; note: string } | undefined> {
  const row = await db.kysely
    .selectFrom('log_cosignatures')
    .innerJoin('log_checkpoints', 'log_checkpoints.size', 'log_cosignatures.size')
    .select(['log_checkpoints.size', 'log_checkpoints.note'])
    .groupBy('log_cosignatures.size')
    .having((eb) => eb.fn.count('log_cosignatures.principal_id').distinct(), '>=', states)
    .orderBy('log_cosignatures.size', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row && { size: Number(row.size), note: row.note };
}

/** The checkpoint the portal signed at this size, if any. */
export function findCheckpoint(db: PortalDb, size: number) {
  return db.kysely
    .selectFrom('log_checkpoints')
    .select(['note', 'root_hash'])
    .where('size', '=', size)
    .executeTakeFirst();
}

/** The public JWK of a registered key (the caller's, which authenticate found). */
export function keyOf(db: PortalDb, kid: string) {
  return db.kysely.selectFrom('principal_keys').select('public_jwk').where('kid', '=', kid).executeTakeFirstOrThrow();
}
