import type { Deps } from './deps.ts';
import { purgeExpiredIdempotencyKeys } from './write/idempotency.ts';
import { purgeExpiredJtis } from './http/replay-store.ts';

/**
 * Periodic clean-up, on a timer on Node and from the cron trigger on Workers: drop replay
 * entries of expired tokens and Idempotency-Keys past their 24 hours. The log has its own
 * clock (src/log/clock.ts). Incident deadlines need nothing here: "overdue" is computed
 * when read.
 */
export async function housekeeping(
  deps: Pick<Deps, 'db' | 'clock'>,
): Promise<{ purgedJtis: number; purgedIdempotencyKeys: number }> {
  const now = deps.clock.now();
  const purgedJtis = await purgeExpiredJtis(deps.db, now);
  const purgedIdempotencyKeys = await purgeExpiredIdempotencyKeys(deps.db, now);
  return { purgedJtis, purgedIdempotencyKeys };
}
