import type { Deps } from './deps.ts';
import { purgeExpiredIdempotencyKeys } from './http/idempotency.ts';
import { purgeExpiredJtis } from './http/replay-store.ts';
import { latestCheckpoint } from './log/checkpoint.ts';

/**
 * Periodic work, on a timer on Node and from the cron trigger on Workers: drop replay
 * entries of expired tokens and Idempotency-Keys past their lifetime, and integrate new
 * log leaves and sign a checkpoint, so monitors see the log grow even when nobody asks
 * for a proof. Incident deadlines need nothing here: "overdue" is computed when read.
 */
export async function housekeeping(
  deps: Pick<Deps, 'db' | 'keys' | 'clock' | 'config'>,
): Promise<{ purgedJtis: number; purgedIdempotencyKeys: number; logSize: number }> {
  const now = deps.clock.now();
  const purgedJtis = await purgeExpiredJtis(deps.db, now);
  const purgedIdempotencyKeys = await purgeExpiredIdempotencyKeys(deps.db, now);
  const checkpoint = await latestCheckpoint(deps.db, deps.keys, deps.config.publicOrigin, now);
  return { purgedJtis, purgedIdempotencyKeys, logSize: checkpoint.size };
}
