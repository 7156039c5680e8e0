/**
 * `cbm verify`: an attestation, its evidence and its inclusion in the log, checked on this
 * machine with the client's own verifiers (never the portal's word). cbm remembers the
 * last checkpoint it verified for each portal; every newer one must extend it (a
 * consistency proof), else the log was rewritten: exit 3.
 */
import { writeFileSync } from 'node:fs';
import type { JSONWebKeySet } from 'jose';
import { verifyBundle, type RecordBundle } from '../../audit.ts';
import { toBase64, type Checkpoint } from '../../log.ts';
import type { Command } from '../command.ts';
import type { Context } from '../context.ts';
import { LocalError, UsageError, VerificationFailed } from '../errors.ts';
import { noMoreArgs, str } from '../util.ts';

/** Checks `latest` against the remembered checkpoint, then remembers it. */
async function advance(ctx: Context, latest: Checkpoint): Promise<{ previous?: number; status: string }> {
  const remembered = ctx.memory.checkpoint(latest.origin);
  if (remembered) {
    const verifier = await ctx.verifier();
    try {
      await verifier.consistency(remembered, latest);
    } catch (error) {
      throw new VerificationFailed(`${(error as Error).message}. The checkpoint cbm remembered is in ${ctx.memory.checkpointFile(latest.origin)} (seen ${remembered.seen_at}).`);
    }
  }
  if (!remembered || latest.size >= remembered.size) ctx.memory.rememberCheckpoint(latest);
  return remembered
    ? { previous: remembered.size, status: remembered.size === latest.size ? 'unchanged' : `consistent with the ${remembered.size} entries seen before` }
    : { status: 'first checkpoint seen; remembered' };
}

function reportLines(report: Record<string, unknown>, log: string): string[] {
  return [
    `verified: ${report.subject}`,
    `  ${report.operation} by ${report.principal} at ${report.issued_at}`,
    `  portal signature valid; ${report.principal}'s own signature over the ${report.body_bytes} body bytes valid (key ${report.principal_kid})`,
    `  in the log at index ${report.log_index} of ${report.tree_size} (signed checkpoint); log ${log}`,
  ];
}

export const verifyCommands: Command[] = [
  {
    words: ['verify'],
    args: 'ATTESTATION_ID',
    summary: 'verify an attestation, its evidence and its inclusion in the log (--bundle FILE: offline)',
    audience: 'everyone',
    options: {
      save: { type: 'string', value: 'FILE', help: 'also save everything needed to verify again offline (a bundle)' },
      bundle: { type: 'string', value: 'FILE', help: 'verify a saved bundle, offline' },
      jwks: { type: 'string', value: 'FILE', help: "the portal's public keys you pinned (default: the portal's, or the bundle's)" },
    },
    async run(ctx) {
      const bundleFile = str(ctx, 'bundle');
      const jwksFile = str(ctx, 'jwks');
      const pinned = jwksFile ? ctx.readJsonFile<JSONWebKeySet>(jwksFile) : undefined;
      if (bundleFile) {
        noMoreArgs(ctx, 0);
        const bundle = ctx.readJsonFile<RecordBundle>(bundleFile);
        let verified;
        try {
          verified = await verifyBundle(bundle, { jwks: pinned });
        } catch (error) {
          throw new VerificationFailed((error as Error).message);
        }
        // Offline, a remembered checkpoint of the same size must have the same root.
        const remembered = ctx.memory.checkpoint(verified.checkpoint.origin);
        let log = 'consistency not checked offline (no checkpoint remembered for this portal)';
        if (remembered && remembered.size === verified.checkpoint.size) {
          if (toBase64(remembered.root) !== toBase64(verified.checkpoint.root)) throw new VerificationFailed(`the log has another root at size ${remembered.size} than the checkpoint cbm remembered: it was rewritten`);
          log = 'same checkpoint as remembered';
        } else if (remembered) {
          log = `consistency with the remembered checkpoint (${remembered.size} entries) not checked offline: run cbm log check online`;
        }
        ctx.emit({ ...verified.report, offline: true, log }, reportLines(verified.report, log));
        return;
      }
      const id = ctx.args[0];
      if (!id) throw new UsageError('verify needs an ATTESTATION_ID, or --bundle FILE');
      noMoreArgs(ctx, 1);
      const verifier = await ctx.verifier();
      let head: Checkpoint;
      let bundle: RecordBundle;
      let verified;
      try {
        head = await verifier.checkpoint();
      } catch (error) {
        if ((error as Error).name === 'LogVerificationError') throw new VerificationFailed((error as Error).message);
        throw error;
      }
      const growth = await advance(ctx, head);
      try {
        bundle = await verifier.bundle(id, head);
      } catch (error) {
        if ((error as Error).name === 'LogVerificationError') throw new VerificationFailed((error as Error).message);
        throw error;
      }
      try {
        verified = await verifyBundle(bundle, { jwks: pinned });
      } catch (error) {
        throw new VerificationFailed((error as Error).message);
      }
      const saveFile = str(ctx, 'save');
      if (saveFile) {
        try {
          writeFileSync(saveFile, `${JSON.stringify(bundle, null, 2)}\n`);
        } catch (error) {
          throw new LocalError(`cannot write ${saveFile}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
        }
        ctx.note(`bundle saved to ${saveFile}: cbm verify --bundle ${saveFile} checks it again offline`);
      }
      ctx.emit({ ...verified.report, log: growth.status, previous_tree_size: growth.previous ?? null }, reportLines(verified.report, growth.status));
    },
  },
  {
    words: ['log', 'check'],
    summary: "verify the log's latest signed checkpoint and that it extends the one cbm remembered (exit 3 if rewritten)",
    audience: 'everyone',
    async run(ctx) {
      noMoreArgs(ctx, 0);
      const verifier = await ctx.verifier();
      let head: Checkpoint;
      try {
        head = await verifier.checkpoint();
      } catch (error) {
        if ((error as Error).name === 'LogVerificationError') throw new VerificationFailed((error as Error).message);
        throw error;
      }
      const growth = await advance(ctx, head);
      const report = { origin: head.origin, size: head.size, root: toBase64(head.root), previous_size: growth.previous ?? null, status: growth.status };
      ctx.emit(report, [`log ${head.origin}: ${head.size} entries, root ${report.root}`, `  signature by the portal key valid; ${growth.status}`]);
    },
  },
];

