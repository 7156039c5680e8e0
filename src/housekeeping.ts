import type { Deps } from './deps.ts';
import { purgeExpiredJtis } from './http/replay-store.ts';
import { latestCheckpoint } from './log/checkpoint.ts';

/**
 * Periodic work, on a timer on Node and from the cron trigger on Workers: drop replay
 * entries of expired tokens, and integrate new log leaves and sign a checkpoint, so
 * monitors see the log grow even when nobody asks for a proof.
 */
export async function housekeeping(deps: Pick<Deps, 'db' | 'keys' | 'clock' | 'config'>): Promise<{ purgedJtis: number; logSize: number }> {
  const now = deps.clock.now();
  const purgedJtis = await purgeExpiredJtis(deps.db, now);
  const checkpoint = await latestCheckpoint(deps.db, deps.keys, deps.config.publicOrigin, now);
  return { purgedJtis, logSize: checkpoint.size };
}
