/**
 * `cbm witness`: a state witnesses the portal's log (C2SP tlog-cosignature). Each round
 * fetches the latest checkpoint, verifies the portal's signature (pinned keys) and that it
 * extends the last checkpoint this witness cosigned, records it durably (never moving
 * backwards), then cosigns and submits. A checkpoint that contradicts the cosigned one is
 * refused: exit 3, and a proof of misbehaviour anyone can check offline with
 * `cbm verify --misbehaviour FILE`. `--once` for cron; without it, a round every interval.
 *
 * Also the witness policy of `cbm verify` and `cbm log check` (`--witnesses K`).
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { JWK } from 'jose';
import type { Checkpoint } from '../../log.ts';
import {
  provenWitnessKeys,
  verifyCosignedCheckpoint,
  verifyMisbehaviour,
  witnessOnce,
  type Cosigner,
  type MisbehaviourProof,
  type WitnessKey,
  type WitnessState,
} from '../../witness.ts';
import type { Command, OptionSpec } from '../command.ts';
import type { Context } from '../context.ts';
import { LocalError, Unreachable, UsageError, VerificationFailed } from '../errors.ts';
import { writePrivate } from '../profile.ts';
import { trustedJwks } from '../trust.ts';
import { noMoreArgs, str } from '../util.ts';

const slug = (text: string) => text.replace(/^https?:\/\//, '').replace(/[^A-Za-z0-9.-]+/g, '_');

/** Writes `text` so that after a crash the file holds either the old or the new text, on disk. */
function writeDurably(path: string, text: string): void {
  writePrivate(`${path}.new`, text);
  const fd = openSync(`${path}.new`, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(`${path}.new`, path);
  const dir = openSync(dirname(path), 'r');
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
}

function readState(file: string): WitnessState | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as WitnessState;
  } catch (error) {
    throw new LocalError(
      `the witness state ${file} is unreadable (${(error as Error).message}): restore it from a backup; never ` +
        `start a witness afresh for a log it cosigned`,
    );
  }
}

/** The options of the witness policy, shared by verify and log check. */
export const WITNESS_POLICY_OPTIONS: Record<string, OptionSpec> = {
  witnesses: {
    type: 'string',
    value: 'K',
    help: 'require cosignatures of at least K distinct states on the checkpoint (witness policy)',
  },
  'witness-keys': {
    type: 'string',
    value: 'FILE',
    help: 'trust these witness keys (JSON [{principal, jwk, name?}]) instead of proving the portal-listed ones through the log',
  },
};

export function witnessThreshold(ctx: Context): number | undefined {
  const raw = str(ctx, 'witnesses');
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw) || Number(raw) < 1)
    throw new UsageError(`--witnesses is a number of states (at least 1), not ${raw}`);
  return Number(raw);
}

/**
 * Applies the witness policy to `head` (a verified checkpoint): the keys pinned with
 * --witness-keys, else those the portal lists, each proven by its attested registration.
 * Returns the cosigners; throws VerificationFailed (exit 3) below the threshold.
 */
export async function checkWitnessPolicy(
  ctx: Context,
  head: Checkpoint,
  threshold: number,
  options: { online: boolean; issuer?: string },
): Promise<{ cosigners: Cosigner[]; keys: string }> {
  const jwks = await trustedJwks(ctx, { online: options.online });
  const pinnedFile = str(ctx, 'witness-keys');
  let witnessKeys: WitnessKey[];
  let keys: string;
  if (pinnedFile) {
    witnessKeys = ctx.readJsonFile<WitnessKey[]>(pinnedFile);
    if (!Array.isArray(witnessKeys)) throw new LocalError(`${pinnedFile} is not a JSON array of witness keys`);
    keys = `${witnessKeys.length} pinned witness key(s)`;
  } else {
    if (!options.online)
      throw new UsageError('offline, the witness policy needs the witness keys you trust: --witness-keys FILE');
    const verifier = await ctx.verifier();
    const proven = await provenWitnessKeys(await ctx.client(), verifier, head, jwks);
    for (const refused of proven.refused)
      ctx.note(`witness key ${refused.kid} of ${refused.principal} not trusted: ${refused.reason}`);
    witnessKeys = proven.keys;
    keys = `${witnessKeys.length} witness key(s) proven by their registration in the log`;
  }
  try {
    const { cosigners } = await verifyCosignedCheckpoint(head.note, {
      portalJwks: jwks,
      issuer: options.issuer ?? ctx.origin(),
      witnessKeys,
      threshold,
    });
    return { cosigners, keys };
  } catch (error) {
    throw new VerificationFailed(`witness policy: ${(error as Error).message} (${keys})`);
  }
}

export const witnessCommands: Command[] = [
  {
    words: ['witness'],
    summary:
      "witness the portal's log: check each new checkpoint extends the last one cosigned, then cosign it " +
      '(exit 3 on a forked log, with a proof)',
    audience: 'state',
    options: {
      once: { type: 'boolean', help: 'one round, then exit (for cron)' },
      interval: { type: 'string', value: 'SECONDS', help: 'between rounds when running on (default 60)' },
      state: {
        type: 'string',
        value: 'FILE',
        help: 'the last cosigned checkpoint, kept durably (default: beside the profile)',
      },
      proof: {
        type: 'string',
        value: 'FILE',
        help: 'where to write a proof of misbehaviour (default: beside the state)',
      },
    },
    async run(ctx) {
      noMoreArgs(ctx, 0);
      const interval = Number(str(ctx, 'interval') ?? 60);
      if (!(interval > 0)) throw new UsageError(`--interval is a number of seconds, not ${str(ctx, 'interval')}`);
      const principal = ctx.principal();
      const stateFile = str(ctx, 'state') ?? join(ctx.memory.dir, `witness-${slug(ctx.origin())}-${principal}.json`);
      const privateJwk = ctx.readJsonFile<JWK>(ctx.keyFile());
      const jwks = await trustedJwks(ctx, { online: true });
      // Ctrl-C (or SIGTERM) ends a long run between rounds: a round under way finishes, and
      // the state it saved (written durably) is where the next run starts.
      const stopped = new AbortController();
      const stop = () => stopped.abort();
      const pause = () =>
        new Promise<void>((resolve) => {
          const done = () => {
            clearTimeout(timer);
            stopped.signal.removeEventListener('abort', done);
            resolve();
          };
          const timer = setTimeout(done, interval * 1000);
          stopped.signal.addEventListener('abort', done, { once: true });
        });
      if (!ctx.opts.once) {
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      }
      try {
        while (!stopped.signal.aborted) await witnessRound();
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
      return;

      async function witnessRound(): Promise<void> {
        const state = readState(stateFile);
        let outcome: Awaited<ReturnType<typeof witnessOnce>>;
        try {
          outcome = await witnessOnce({
            client: await ctx.client(),
            issuer: ctx.origin(),
            portalJwks: jwks,
            principal,
            privateJwk,
            state,
            saveState: (next) => {
              // Never backwards, whatever the caller asks.
              const current = readState(stateFile);
              if (current && next.size < current.size)
                throw new VerificationFailed(
                  `refusing to move the witness state back from ${current.size} to ${next.size}`,
                );
              writeDurably(stateFile, `${JSON.stringify(next, null, 2)}\n`);
            },
            now: () => new Date(),
          });
        } catch (error) {
          // Running on, an unreachable portal is one missed round; with --once it is the answer.
          if (!ctx.opts.once && error instanceof Unreachable) {
            ctx.note(`${new Date().toISOString()} ${error.message}; next round in ${interval} s`);
            await pause();
            return;
          }
          if ((error as Error).name === 'LogVerificationError') throw new VerificationFailed((error as Error).message);
          throw error;
        }
        if (outcome.status === 'misbehaviour') {
          const proofFile =
            str(ctx, 'proof') ??
            join(
              dirname(stateFile),
              `misbehaviour-${slug(ctx.origin())}-${outcome.proof.detected_at.replace(/[:.]/g, '')}.json`,
            );
          writeDurably(proofFile, `${JSON.stringify(outcome.proof, null, 2)}\n`);
          throw new VerificationFailed(
            `the portal's log misbehaved (${outcome.proof.kind}): ${outcome.proof.reason}. Not cosigned. ` +
              `Proof written to ${proofFile}; anyone can check it with cbm verify --misbehaviour ${proofFile}`,
          );
        }
        const report =
          outcome.status === 'cosigned'
            ? { status: 'cosigned', size: outcome.size, previous_size: outcome.previous, state: stateFile }
            : { status: 'unchanged', size: outcome.size, state: stateFile };
        ctx.emit(
          report,
          outcome.status === 'cosigned'
            ? `cosigned the checkpoint of ${outcome.size} entries (consistent with ${outcome.previous} cosigned before)`
            : `checkpoint of ${outcome.size} entries already cosigned`,
        );
        if (ctx.opts.once) stopped.abort();
        else await pause();
      }
    },
  },
];

/** `cbm verify --misbehaviour FILE`: checks a proof offline against the pinned portal keys. */
export async function verifyMisbehaviourFile(ctx: Context, file: string): Promise<void> {
  const proof = ctx.readJsonFile<MisbehaviourProof>(file);
  const jwks = await trustedJwks(ctx, { online: false });
  let result: Awaited<ReturnType<typeof verifyMisbehaviour>>;
  try {
    result = await verifyMisbehaviour(proof, jwks);
  } catch (error) {
    throw new VerificationFailed(`not a proof of misbehaviour: ${(error as Error).message}`);
  }
  ctx.emit(
    {
      misbehaviour: true,
      conclusive: result.conclusive,
      kind: proof.kind,
      portal: proof.portal,
      summary: result.summary,
    },
    [
      `misbehaviour of ${proof.portal} (${proof.kind}) shown: ${result.summary}`,
      result.conclusive
        ? '  conclusive: both checkpoints carry the portal signature (pinned keys) and cannot both be true'
        : '  not conclusive offline',
    ],
  );
}
