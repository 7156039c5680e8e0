/**
 * The log's one clock. Requests only append leaves (in their own commit) and read what is
 * stored; everything else the log does happens here, off the request path: integrating new
 * leaves into the stored subtree hashes, signing a checkpoint (at most one per interval,
 * only when the log grew), and re-deriving the whole log from its leaves at start and every
 * so often. Witness cosignatures will attach to the checkpoints this clock signs.
 *
 * Node runs it on a timer (`runEvery`); Workers after each write and from the cron trigger
 * (`tickWhenDue`, under `waitUntil`); tests call `tick()` with their fixed clock.
 */
import type { Deps } from '../deps.ts';
import {
  checkpointDue,
  latestCheckpoint,
  logOrigin,
  publishCheckpoint,
  toBase64,
  treeRoot,
  type Checkpoint,
} from './checkpoint.ts';
import {
  LogIntegrityError,
  logIntegrityFailure,
  noteLogIntegrityFailure,
  recordLogIntegrityFailure,
  verifyLog,
  type LogVerification,
} from './integrity.ts';
import { integrate } from './store.ts';

export interface LogClockConfig {
  /** At most one checkpoint per this many ms (and only when the log grew). */
  checkpointIntervalMs: number;
  /** The full re-derivation of the log runs when this many ms have passed since the last one. */
  logVerifyIntervalMs: number;
}

export interface Tick {
  /** Leaves integrated (the size proofs can be asked for). */
  size: number;
  /** The checkpoint this tick signed, if it signed one. */
  signed?: Checkpoint;
}

export interface LogClock {
  /** Integrates new leaves and signs a checkpoint if one is due. Undefined while the log is unsound. */
  tick(): Promise<Tick | undefined>;
  /** The full check now; records when it passed. Undefined while the log is unsound. */
  verify(): Promise<(LogVerification & { ms: number }) | undefined>;
  /** The full check if the configured interval has passed since the last one that passed. */
  verifyIfDue(): Promise<(LogVerification & { ms: number }) | undefined>;
  /** Workers: waits until a checkpoint may be signed (at most the interval), then ticks, so a write's leaf is soon covered. */
  tickWhenDue(): Promise<void>;
  /**
   * Node: ticks (and verifies when due) every `intervalMs`. The timer keeps no process
   * alive; the returned stop ends it, cuts a running full check short and resolves once
   * nothing of the clock touches the database any more.
   */
  runEvery(intervalMs: number): () => Promise<void>;
}

type ClockDeps = Pick<Deps, 'db' | 'keys' | 'clock' | 'health' | 'log'> & {
  config: Pick<Deps['config'], 'publicOrigin'> & LogClockConfig;
};

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function createLogClock(deps: ClockDeps): LogClock {
  const { db, keys, clock, config } = deps;

  const readState = () =>
    db.kysely
      .selectFrom('log_state')
      .select(['integrity_failure', 'verified_at'])
      .where('id', '=', 1)
      .executeTakeFirstOrThrow();

  /**
   * Whether the log is known to be unsound: recorded in the database (by this or another
   * process), or noticed in this process only (then recorded now, for the others).
   */
  async function unsound(): Promise<boolean> {
    const state = await readState();
    if (state.integrity_failure !== null) {
      noteLogIntegrityFailure(deps, state.integrity_failure);
      return true;
    }
    const noticed = logIntegrityFailure(deps);
    if (noticed) await recordLogIntegrityFailure(deps, noticed.detail);
    return noticed !== undefined;
  }

  async function guarded<T>(work: () => Promise<T>): Promise<T | undefined> {
    try {
      return await work();
    } catch (error) {
      if (!(error instanceof LogIntegrityError)) throw error;
      await recordLogIntegrityFailure(deps, error.message);
      return undefined;
    }
  }

  const step = () =>
    guarded(async (): Promise<Tick | undefined> => {
      if (await unsound()) return undefined;
      const size = await integrate(db);
      const latest = await latestCheckpoint(db);
      if (latest && size < latest.size)
        throw new LogIntegrityError(`${size} leaves are integrated, but a checkpoint of ${latest.size} was signed`);
      const now = clock.now();
      if ((latest && size === latest.size) || !checkpointDue(latest, now, config.checkpointIntervalMs)) return { size };
      // The new root is folded from stored subtree hashes: they must still give the root
      // signed last, or the new checkpoint would contradict it.
      if (latest && toBase64(await treeRoot(db, latest.size)) !== toBase64(latest.root)) {
        throw new LogIntegrityError(
          `the stored subtree hashes no longer give the root of the checkpoint of size ${latest.size}`,
        );
      }
      const signed = await publishCheckpoint(
        db,
        keys,
        logOrigin(config.publicOrigin),
        size,
        await treeRoot(db, size),
        now,
        config.checkpointIntervalMs,
      );
      return signed ? { size, signed } : { size };
    });

  // One tick at a time per process; a tick asked for while one runs runs after it (once),
  // so a leaf committed meanwhile is not left to the tick after next.
  let running: Promise<Tick | undefined> | undefined;
  let queued: Promise<Tick | undefined> | undefined;
  function tick(): Promise<Tick | undefined> {
    if (!running) {
      running = step().finally(() => {
        running = undefined;
      });
      return running;
    }
    queued ??= running
      .catch(() => undefined)
      .then(() => {
        queued = undefined;
        return tick();
      });
    return queued;
  }

  let verifying: Promise<(LogVerification & { ms: number }) | undefined> | undefined;
  const stopping = new AbortController();
  function verify() {
    verifying ??= guarded(async () => {
      if (await unsound()) return undefined;
      const started = performance.now();
      const result = await verifyLog(db, stopping.signal);
      await db.execute(
        db.kysely
          .updateTable('log_state')
          .set({ verified_at: clock.now().toISOString(), verified_size: result.checkpointSize })
          .where('id', '=', 1)
          .compile(),
      );
      return { ...result, ms: performance.now() - started };
    }).finally(() => {
      verifying = undefined;
    });
    return verifying;
  }

  async function verifyIfDue() {
    const { verified_at: verifiedAt } = await readState();
    if (verifiedAt !== null && Date.parse(verifiedAt) + config.logVerifyIntervalMs > clock.now().getTime())
      return undefined;
    return verify();
  }

  // Writes in the same wait share it; each then asks for a tick (ticks coalesce).
  let waiting: Promise<void> | undefined;
  function tickWhenDue(): Promise<void> {
    waiting ??= (async () => {
      const latest = await latestCheckpoint(db);
      const now = clock.now();
      if (latest && !checkpointDue(latest, now, config.checkpointIntervalMs))
        await sleep(Date.parse(latest.signedAt) + config.checkpointIntervalMs - now.getTime());
    })().finally(() => {
      waiting = undefined;
    });
    return waiting
      .then(() => tick())
      .then(() => undefined)
      .catch((error: unknown) =>
        deps.log(`log clock failed: ${error instanceof Error ? error.message : String(error)}`),
      );
  }

  function runEvery(intervalMs: number): () => Promise<void> {
    const timer = setInterval(() => {
      tick()
        .then(() => verifyIfDue())
        .catch((error: unknown) => {
          if (!stopping.signal.aborted)
            deps.log(`log clock failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
        });
    }, intervalMs);
    (timer as { unref?: () => void }).unref?.();
    return async () => {
      clearInterval(timer);
      stopping.abort();
      await Promise.allSettled([running, queued, verifying]);
    };
  }

  return { tick, verify, verifyIfDue, tickWhenDue, runEvery };
}
