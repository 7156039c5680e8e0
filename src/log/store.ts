import { sql } from 'kysely';
import type { PortalDb } from '../db/portal-db.ts';
import type { Database } from '../db/schema.ts';
import type { Caller } from '../http/app-env.ts';
import { visibleTo } from '../visibility/visibility.ts';
import { utf8 } from '../crypto/encoding.ts';
import { LogIntegrityError } from './integrity-error.ts';
import { decompose, foldRange, leafHash, nodeHash, type Hash, type Range, type Subtree } from './merkle.ts';

const key = (subtree: Subtree) => `${subtree.level}:${subtree.index}`;
/** Bytes as the driver returns them: a Buffer (Node, no copy) or an array / ArrayBuffer (D1). */
const asHash = (value: unknown): Hash =>
  value instanceof Uint8Array ? value : new Uint8Array(value as ArrayLike<number>);

/** D1 binds at most 100 parameters per statement: 3 per node row. */
const NODES_PER_INSERT = 30;
/** Leaves integrated per commit, so catching up after a long outage stays bounded. */
const LEAVES_PER_INTEGRATION = 4096;

/** Hashes of complete subtrees, level 0 from the leaves, higher levels from log_nodes. */
async function fetchSubtrees(db: PortalDb, subtrees: Subtree[]): Promise<Map<string, Hash>> {
  const found = new Map<string, Hash>();
  const byLevel = new Map<number, number[]>();
  for (const subtree of subtrees) {
    if (found.has(key(subtree))) continue;
    byLevel.set(subtree.level, [...(byLevel.get(subtree.level) ?? []), subtree.index]);
  }
  const leaves = byLevel.get(0);
  if (leaves?.length) {
    const rows = await db.kysely
      .selectFrom('log_leaves')
      .select(['idx', 'leaf_hash'])
      .where('idx', 'in', [...new Set(leaves)])
      .execute();
    for (const row of rows) found.set(`0:${row.idx}`, asHash(row.leaf_hash));
  }
  const levels = [...byLevel.keys()].filter((level) => level > 0);
  if (levels.length) {
    const rows = await db.kysely
      .selectFrom('log_nodes')
      .select(['level', 'idx', 'hash'])
      .where((eb) =>
        eb.or(
          levels.map((level) => eb.and([eb('level', '=', level), eb('idx', 'in', [...new Set(byLevel.get(level))])])),
        ),
      )
      .execute();
    for (const row of rows) found.set(`${row.level}:${row.idx}`, asHash(row.hash));
  }
  for (const subtree of subtrees) {
    if (!found.has(key(subtree)))
      throw new LogIntegrityError(`subtree ${key(subtree)} of the integrated log is not stored`);
  }
  return found;
}

/**
 * The Merkle hash of each range, from the stored complete subtrees. One query for all of
 * them: the ranges of one proof share their subtrees, so the cost is O(log n) rows.
 */
export async function rangeHashes(db: PortalDb, ranges: Range[]): Promise<Hash[]> {
  const decomposed = ranges.map(decompose);
  const hashes = await fetchSubtrees(db, decomposed.flat());
  return Promise.all(decomposed.map((subtrees) => foldRange(subtrees.map((subtree) => hashes.get(key(subtree))!))));
}

export async function integratedSize(db: PortalDb): Promise<number> {
  const row = await db.kysely
    .selectFrom('log_state')
    .select('integrated_size')
    .where('id', '=', 1)
    .executeTakeFirstOrThrow();
  return Number(row.integrated_size);
}

/** One past the highest leaf index: the next leaf's index. */
export async function leafCount(db: PortalDb): Promise<number> {
  const row = await db.kysely
    .selectFrom('log_leaves')
    .select((eb) => eb.fn.max('idx').as('last'))
    .executeTakeFirst();
  return row?.last === null || row?.last === undefined ? 0 : Number(row.last) + 1;
}

export function sameHash(a: Hash, b: Hash): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i += 1) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Checks one stored leaf as integration and the full check read it: at the index expected,
 * naming a stored attestation, and the hash of that attestation's token.
 */
export async function checkLeaf(
  expected: number,
  row: { idx: number | bigint; leaf_hash: unknown; token: string | null },
): Promise<Hash> {
  const idx = Number(row.idx);
  if (idx !== expected)
    throw new LogIntegrityError(`leaf ${expected} is missing from the stored log (the next stored one is ${idx})`);
  if (row.token === null) throw new LogIntegrityError(`leaf ${idx} names no stored attestation`);
  const stored = asHash(row.leaf_hash);
  if (!sameHash(stored, await leafHash(utf8(row.token))))
    throw new LogIntegrityError(`leaf ${idx} is not the hash of its stored attestation`);
  return stored;
}

/** Leaves [from, to) in index order, each with its attestation's token (null if there is none). */
export function leavesWithTokens(db: PortalDb, from: number, to: number) {
  return db.kysely
    .selectFrom('log_leaves')
    .leftJoin('attestations', 'attestations.id', 'log_leaves.attestation_id')
    .select(['log_leaves.idx', 'log_leaves.leaf_hash', 'attestations.token'])
    .where('log_leaves.idx', '>=', from)
    .where('log_leaves.idx', '<', to)
    .orderBy('log_leaves.idx')
    .execute();
}

/**
 * Brings the stored subtree hashes up to the last committed leaf and returns the new
 * integrated size. Background work of the log clock, never of a request. Each new leaf is
 * checked against its attestation first, so what gets folded is what was attested.
 * Appending leaf i creates one node per trailing 1-bit of i + 1, from the right edge of
 * the tree (its "frontier", at most log n stored hashes): O(log n) per leaf, never a
 * rehash of the log. Safe to run concurrently: node hashes depend only on leaves, rows are
 * inserted OR IGNORE, and the integrated size only grows. Throws LogIntegrityError when
 * the stored leaves contradict what was integrated or attested.
 */
export async function integrate(db: PortalDb): Promise<number> {
  let size = await integratedSize(db);
  const total = await leafCount(db);
  if (total < size)
    throw new LogIntegrityError(`the log holds ${total} leaves, but ${size} were integrated: leaves were removed`);
  while (size < total) {
    const target = Math.min(total, size + LEAVES_PER_INTEGRATION);
    const frontierSubtrees = decompose({ start: 0, end: size });
    const frontierHashes = await fetchSubtrees(db, frontierSubtrees);
    const stack = frontierSubtrees.map((subtree) => ({ ...subtree, hash: frontierHashes.get(key(subtree))! }));
    const leaves = await leavesWithTokens(db, size, target);
    if (leaves.length !== target - size)
      throw new LogIntegrityError(`leaves ${size} to ${target - 1} are not all stored`);
    const nodes: { level: number; idx: number; hash: Uint8Array }[] = [];
    for (const [i, leaf] of leaves.entries()) {
      stack.push({ level: 0, index: size + i, hash: await checkLeaf(size + i, leaf) });
      while (stack.length >= 2 && stack[stack.length - 1]!.level === stack[stack.length - 2]!.level) {
        const right = stack.pop()!;
        const left = stack.pop()!;
        const parent = { level: left.level + 1, index: left.index / 2, hash: await nodeHash(left.hash, right.hash) };
        nodes.push({ level: parent.level, idx: parent.index, hash: parent.hash });
        stack.push(parent);
      }
    }
    const queries = [];
    for (let start = 0; start < nodes.length; start += NODES_PER_INSERT) {
      queries.push(
        db.kysely
          .insertInto('log_nodes')
          .values(nodes.slice(start, start + NODES_PER_INSERT))
          .onConflict((oc) => oc.doNothing())
          .compile(),
      );
    }
    queries.push(
      db.kysely
        .updateTable('log_state')
        .set({ integrated_size: target })
        .where('id', '=', 1)
        .where('integrated_size', '<', target)
        .compile(),
    );
    await db.commit(queries);
    size = Math.max(target, await integratedSize(db));
  }
  return size;
}

/**
 * Log leaves with their attestation where the caller may see the attested record; for
 * the others only the leaf hash (a token names its record and author, which TLP may
 * withhold).
 */
export function listEntries(
  db: PortalDb,
  start: number,
  end: number,
  caller: Pick<Caller, 'principalId' | 'principalKind'>,
) {
  const visible = visibleTo<Database, 'attestations' | 'log_leaves'>(caller, {
    tlp: 'attestations.tlp',
    author: 'attestations.principal_id',
    recordId: 'attestations.record_id',
  });
  return db.kysely
    .selectFrom('log_leaves')
    .innerJoin('attestations', 'attestations.id', 'log_leaves.attestation_id')
    .select(['log_leaves.idx', 'log_leaves.leaf_hash', 'attestations.id', 'attestations.token'])
    .select((eb) => sql<number>`CASE WHEN ${visible(eb)} THEN 1 ELSE 0 END`.as('visible'))
    .where('log_leaves.idx', '>=', start)
    .where('log_leaves.idx', '<', end)
    .orderBy('log_leaves.idx')
    .execute();
}
