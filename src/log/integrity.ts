/**
 * The log's integrity: re-deriving everything the portal signed from the leaves, and what
 * the portal does when that fails. Stored subtree hashes are never trusted for the check:
 * a leaf changed after it was folded into them would otherwise go unnoticed.
 */
import type { MiddlewareHandler } from 'hono';
import { sql } from 'kysely';
import type { PortalDb } from '../db/portal-db.ts';
import type { Deps } from '../deps.ts';
import type { AppEnv } from '../http/app-env.ts';
import { Problem } from '../http/problem.ts';
import { toBase64 } from './checkpoint.ts';
import { LogIntegrityError } from './integrity-error.ts';
import { emptyRoot, nodeHash, type Hash } from './merkle.ts';
import { checkLeaf, leavesWithTokens, sameHash } from './store.ts';

export { LogIntegrityError } from './integrity-error.ts';

/** The condition /healthz lists, and the problem `code` writes get, while the log is unsound. */
export const LOG_INTEGRITY_FAILED = 'log-integrity-failed';

/** Leaves read per query: about 1 MB of attestation tokens, so memory stays flat at any size. */
const PAGE = 1000;
/** Checkpoints read per query. */
const CHECKPOINT_PAGE = 500;

export interface LogVerification {
  /** The latest signed checkpoint's size, whose root the leaves re-derived. */
  checkpointSize: number;
  /** Leaves read and checked against their attestations (the whole integrated log). */
  leaves: number;
  /** Signed checkpoints whose root and note the leaves re-derived. */
  checkpoints: number;
  /** Stored subtree hashes compared with the ones the leaves give. */
  nodes: number;
}

interface Frame {
  level: number;
  index: number;
  hash: Hash;
}

/** Root of the leaves pushed so far: the frontier's subtrees folded right to left. */
async function fold(stack: Frame[]): Promise<Hash> {
  if (stack.length === 0) return emptyRoot();
  let root = stack[stack.length - 1]!.hash;
  for (let i = stack.length - 2; i >= 0; i -= 1) root = await nodeHash(stack[i]!.hash, root);
  return root;
}

/** Lets other work (requests on Node) run between pages of a long check. */
const setImmediateIfAny = (globalThis as { setImmediate?: (callback: () => void) => unknown }).setImmediate;
const breather = () =>
  new Promise<void>((resolve) => (setImmediateIfAny ? setImmediateIfAny(resolve) : setTimeout(resolve, 0)));

/**
 * The full check, read-only: streams every integrated leaf in index order with its
 * attestation and checks that the indexes have no gap, that each leaf is the hash of its
 * attestation's token, that every stored subtree hash is the one the leaves give, and that
 * the leaves give the root of every checkpoint the portal signed (and its note says so).
 * Also that the log is not shorter than what was signed or integrated, and that every
 * attestation has its leaf. O(n) time, O(page + log n) memory. Throws LogIntegrityError;
 * stops between pages once `signal` is aborted (a shutdown).
 */
export async function verifyLog(db: PortalDb, signal?: AbortSignal): Promise<LogVerification> {
  // One statement: a consistent snapshot of the counts, even while writes go on.
  const counts = await sql<{
    integrated: number;
    last: number | null;
    leaves: number;
    attestations: number;
    signed: number | null;
  }>`
    SELECT (SELECT integrated_size FROM log_state WHERE id = 1) AS integrated,
           (SELECT max(idx) FROM log_leaves) AS last,
           (SELECT count(*) FROM log_leaves) AS leaves,
           (SELECT count(*) FROM attestations) AS attestations,
           (SELECT max(size) FROM log_checkpoints) AS signed`.execute(db.kysely);
  const { integrated, last, leaves, attestations, signed } = counts.rows[0]!;
  const leafTotal = last === null ? 0 : Number(last) + 1;
  const signedSize = Number(signed ?? 0);
  if (leafTotal < signedSize)
    throw new LogIntegrityError(
      `the log holds ${leafTotal} leaves, but a checkpoint of ${signedSize} was signed: leaves were removed`,
    );
  if (leafTotal < Number(integrated))
    throw new LogIntegrityError(
      `the log holds ${leafTotal} leaves, but ${integrated} were integrated: leaves were removed`,
    );
  if (Number(leaves) !== leafTotal)
    throw new LogIntegrityError(`the log's indexes have gaps: ${leaves} leaves up to index ${leafTotal - 1}`);
  if (Number(attestations) !== Number(leaves))
    throw new LogIntegrityError(
      `${attestations} attestations are stored but ${leaves} leaves: every attestation has exactly one`,
    );

  const size = Number(integrated);
  const result: LogVerification = { checkpointSize: signedSize, leaves: 0, checkpoints: 0, nodes: 0 };
  const checkpoints = checkpointStream(db, size);
  let next = await checkpoints.next();
  const checkCheckpoint = async (at: number, stack: Frame[]) => {
    while (!next.done && next.value.size === at) {
      const root = await fold(stack);
      const { note } = next.value;
      const noteBody = note.split('\n').slice(1, 3).join('\n');
      if (!sameHash(root, next.value.root) || noteBody !== `${at}\n${toBase64(root)}`) {
        throw new LogIntegrityError(
          `the stored leaves do not give the root of the checkpoint of size ${at} the portal signed`,
        );
      }
      result.checkpoints += 1;
      next = await checkpoints.next();
    }
  };

  const stack: Frame[] = [];
  await checkCheckpoint(0, stack);
  for (let from = 0; from < size; from += PAGE) {
    const to = Math.min(size, from + PAGE);
    const rows = await leavesWithTokens(db, from, to);
    const computed: Frame[] = [];
    for (const [i, row] of rows.entries()) {
      stack.push({ level: 0, index: from + i, hash: await checkLeaf(from + i, row) });
      while (stack.length >= 2 && stack[stack.length - 1]!.level === stack[stack.length - 2]!.level) {
        const right = stack.pop()!;
        const left = stack.pop()!;
        const parent = { level: left.level + 1, index: left.index / 2, hash: await nodeHash(left.hash, right.hash) };
        computed.push(parent);
        stack.push(parent);
      }
      await checkCheckpoint(from + i + 1, stack);
    }
    if (rows.length !== to - from) throw new LogIntegrityError(`leaves ${from} to ${to - 1} are not all stored`);
    result.leaves += rows.length;
    result.nodes += await compareNodes(db, computed);
    await breather();
    signal?.throwIfAborted();
  }
  if (!next.done)
    throw new LogIntegrityError(
      `a checkpoint of size ${next.value.size} was signed, beyond the ${size} integrated leaves`,
    );
  return result;
}

/** The signed checkpoints up to `size` in size order, a page at a time. */
async function* checkpointStream(db: PortalDb, size: number) {
  let after = -1;
  for (;;) {
    const rows = await db.kysely
      .selectFrom('log_checkpoints')
      .select(['size', 'root_hash', 'note'])
      .where('size', '>', after)
      .orderBy('size')
      .limit(CHECKPOINT_PAGE)
      .execute();
    for (const row of rows) yield { size: Number(row.size), root: new Uint8Array(row.root_hash), note: row.note };
    if (rows.length < CHECKPOINT_PAGE) return;
    after = Number(rows[rows.length - 1]!.size);
    if (after > size) return;
  }
}

/**
 * Compares the subtree hashes one page of leaves completed with the stored ones. Per level
 * they are a contiguous run of indexes, so one query asks for all of them by range.
 */
async function compareNodes(db: PortalDb, computed: Frame[]): Promise<number> {
  if (computed.length === 0) return 0;
  const ranges = new Map<number, { from: number; to: number }>();
  for (const node of computed) {
    const range = ranges.get(node.level);
    ranges.set(
      node.level,
      range
        ? { from: Math.min(range.from, node.index), to: Math.max(range.to, node.index) }
        : { from: node.index, to: node.index },
    );
  }
  const rows = await db.kysely
    .selectFrom('log_nodes')
    .select(['level', 'idx', 'hash'])
    .where((eb) =>
      eb.or(
        [...ranges].map(([level, { from, to }]) =>
          eb.and([eb('level', '=', level), eb('idx', '>=', from), eb('idx', '<=', to)]),
        ),
      ),
    )
    .execute();
  const stored = new Map(rows.map((row) => [`${row.level}:${row.idx}`, new Uint8Array(row.hash)]));
  for (const node of computed) {
    const hash = stored.get(`${node.level}:${node.index}`);
    if (hash === undefined)
      throw new LogIntegrityError(`subtree ${node.level}:${node.index} of the integrated log is not stored`);
    if (!sameHash(hash, node.hash))
      throw new LogIntegrityError(
        `the stored hash of subtree ${node.level}:${node.index} is not the one its leaves give`,
      );
  }
  return computed.length;
}

/** The condition while the log is unsound, if it is. */
export function logIntegrityFailure(deps: Pick<Deps, 'health'>) {
  return deps.health.conditions().find((condition) => condition.code === LOG_INTEGRITY_FAILED);
}

const refusalDetail = (reason: string) =>
  `The portal found its log inconsistent with what it signed (${reason}); it accepts no writes and signs no ` +
  `checkpoints until an operator restores a sound database. Reads, and the last signed checkpoint, are still served.`;

/** 503 `log-integrity-failed`: what a write gets while the log is unsound. */
export const logIntegrityProblem = (reason: string) =>
  new Problem(503, LOG_INTEGRITY_FAILED, 'Log integrity check failed', refusalDetail(reason));

/**
 * A write whose leaf the append trigger of 0009 refused: the log is marked unsound (by
 * another process, maybe) or the leaf would reuse a signed index. Nothing was stored.
 */
export const logLeafRefused = () =>
  logIntegrityProblem("the log refused this write's leaf: it is marked unsound, or its index was signed before");

/**
 * Latches the failure in this process (healthz, write refusals) without touching the
 * database: for the request path, which never writes on its own behalf.
 */
export function noteLogIntegrityFailure(deps: Pick<Deps, 'health' | 'clock' | 'log'>, reason: string): void {
  const known = logIntegrityFailure(deps);
  if (known?.detail === reason) return;
  deps.health.raise(LOG_INTEGRITY_FAILED, reason, deps.clock.now());
  deps.log(
    `log integrity check failed: ${reason}. The portal stops signing checkpoints and refuses writes (503 ` +
      `${LOG_INTEGRITY_FAILED}); see README "Log integrity".`,
  );
}

/**
 * Latches the failure here and in the database, where every other process and isolate
 * sees it: the append trigger of 0009 then refuses every write's leaf, so no write is
 * attested that no checkpoint will cover. The first reason recorded stays.
 */
export async function recordLogIntegrityFailure(
  deps: Pick<Deps, 'db' | 'health' | 'clock' | 'log'>,
  reason: string,
): Promise<void> {
  noteLogIntegrityFailure(deps, reason);
  try {
    await deps.db.execute(
      deps.db.kysely
        .updateTable('log_state')
        .set({ integrity_failure: reason })
        .where('id', '=', 1)
        .where('integrity_failure', 'is', null)
        .compile(),
    );
  } catch (error) {
    // A full disk, say: the in-process latch still holds, and the next check records it.
    deps.log(
      `could not record the log integrity failure in the database: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

/** Refuses every write (any method but GET, HEAD, OPTIONS) while the log is unsound. */
export function refuseWritesWhileLogUnsound(): MiddlewareHandler<AppEnv> {
  return async function refuseWritesWhileLogUnsound(c, next) {
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD' && c.req.method !== 'OPTIONS') {
      const failure = logIntegrityFailure(c.get('deps'));
      if (failure) throw logIntegrityProblem(failure.detail);
    }
    return next();
  };
}
