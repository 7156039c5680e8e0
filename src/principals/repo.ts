import type { Insertable, Selectable } from 'kysely';
import type { PortalDb } from '../db/portal-db.ts';
import type { PrincipalsTable } from '../db/schema.ts';
import type { components } from '../generated/openapi.ts';

export type Principal = components['schemas']['Principal'];

export function toPrincipal(row: Omit<Selectable<PrincipalsTable>, 'seq'>): Principal {
  return { id: row.id, kind: row.kind, name: row.name, created_at: row.created_at, href: `/principals/${row.id}` };
}

export function insertPrincipalQuery(db: PortalDb, row: Insertable<PrincipalsTable>) {
  return db.kysely.insertInto('principals').values(row).compile();
}

export function findPrincipal(db: PortalDb, id: string) {
  return db.kysely.selectFrom('principals').selectAll().where('id', '=', id).executeTakeFirst();
}

export function listPrincipals(
  db: PortalDb,
  options: { afterSeq: number | null; limit: number; kind?: Principal['kind'] },
) {
  let query = db.kysely
    .selectFrom('principals')
    .selectAll()
    .orderBy('seq')
    .limit(options.limit + 1);
  if (options.afterSeq !== null) query = query.where('seq', '>', options.afterSeq);
  if (options.kind) query = query.where('kind', '=', options.kind);
  return query.execute();
}
