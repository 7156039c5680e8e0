/**
 * `cbm verify`: an attestation, its evidence, the key that signed it (its attested
 * registration, not revoked before), its inclusion in the log, and the record the portal
 * serves, checked on this machine with the client's own verifiers against the portal keys
 * pinned at `cbm init` (never the portal's or the bundle's word). cbm remembers the last
 * checkpoint it verified for each portal; every newer one must extend it (a consistency
 * proof), else the log was rewritten: exit 3.
 */
import { writeFileSync } from 'node:fs';
import {
  TrustError,
  verifyBundle,
  type RecordBundle,
  type ServedComparison,
  type VerifiedRecord,
} from '../../audit.ts';
import { ok, PortalError } from '../../client.ts';
import { toBase64, type Checkpoint } from '../../log.ts';
import type { Command } from '../command.ts';
import type { Context } from '../context.ts';
import { LocalError, Unreachable, UsageError, VerificationFailed } from '../errors.ts';
import { trustedJwks } from '../trust.ts';
import { noMoreArgs, str } from '../util.ts';
import { checkWitnessPolicy, verifyMisbehaviourFile, WITNESS_POLICY_OPTIONS, witnessThreshold } from './witness.ts';
import { verifyArchiveFile } from './archive.ts';
import { witnessedCheckpointCovering } from '../../witness.ts';

/** Checks `latest` against the remembered checkpoint, then remembers it. */
async function advance(ctx: Context, latest: Checkpoint): Promise<{ previous?: number; status: string }> {
  const remembered = ctx.memory.checkpoint(latest.origin);
  if (remembered) {
    const verifier = await ctx.verifier();
    try {
      await verifier.consistency(remembered, latest);
    } catch (error) {
      throw new VerificationFailed(
        `${(error as Error).message}. The checkpoint cbm remembered is in ` +
          `${ctx.memory.checkpointFile(latest.origin)} (seen ${remembered.seen_at}).`,
      );
    }
  }
  if (!remembered || latest.size >= remembered.size) ctx.memory.rememberCheckpoint(latest);
  return remembered
    ? {
        previous: remembered.size,
        status:
          remembered.size === latest.size ? 'unchanged' : `consistent with the ${remembered.size} entries seen before`,
      }
    : { status: 'first checkpoint seen; remembered' };
}

function reportLines(report: VerifiedRecord['report'], log: string, served?: ServedComparison): string[] {
  return [
    `verified: ${report.subject}`,
    `  ${report.operation} by ${report.principal} at ${report.issued_at}`,
    `  portal signature valid (pinned keys); ${report.principal}'s own signature over the ` +
      `${report.body_bytes} body bytes valid (key ${report.principal_kid})`,
    ...report.keys.map(
      (key) => `  key ${key.kid} of ${key.principal}: proven by ${key.proven_by}, not revoked before it signed`,
    ),
    `  in the log at index ${report.log_index} of ${report.tree_size} (signed checkpoint); log ${log}`,
    ...(served
      ? [
          served.status === 'matches'
            ? `  the record served at ${served.href} carries exactly the fields ${report.principal} signed`
            : '  no served record to compare (a key event or file upload)',
        ]
      : []),
  ];
}

type Witnessed = Awaited<ReturnType<typeof checkWitnessPolicy>> | undefined;
const witnessReport = (witnessed: Witnessed) =>
  witnessed
    ? {
        witnesses: witnessed.cosigners.map((cosigner) => ({
          principal: cosigner.principal,
          name: cosigner.name,
          timestamp: cosigner.timestamp,
        })),
      }
    : {};
const witnessLines = (witnessed: Witnessed) =>
  witnessed
    ? [
        `  witnessed by ${witnessed.cosigners
          .map((cosigner) => `${cosigner.principal} (${new Date(cosigner.timestamp * 1000).toISOString()})`)
          .join(', ')}; ${witnessed.keys}`,
      ]
    : [];

/** Any failure of a check is exit 3 with its message; the portal's refusals keep theirs. */
async function checked<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (
      error instanceof TrustError ||
      error instanceof VerificationFailed ||
      (error as Error).name === 'LogVerificationError'
    )
      throw error instanceof VerificationFailed ? error : new VerificationFailed((error as Error).message);
    if (
      error instanceof PortalError ||
      error instanceof Unreachable ||
      error instanceof LocalError ||
      error instanceof UsageError
    )
      throw error;
    // jose and the verifiers throw plain errors for a bad signature or digest.
    throw new VerificationFailed((error as Error).message);
  }
}

/**
 * Verifies one attestation online, for any command: the bundle under the latest checkpoint
 * (which must extend the one cbm remembered), against the pinned keys, then the served
 * record against what was signed.
 */
export async function verifyOnline(
  ctx: Context,
  attestationId: string,
  witnesses?: number,
): Promise<{
  verified: VerifiedRecord;
  bundle: RecordBundle;
  served: ServedComparison;
  log: { previous?: number; status: string };
}> {
  const verifier = await ctx.verifier();
  // A write is provable once a signed checkpoint covers it (the portal signs on a cadence).
  // Under a witness policy, the latest checkpoint enough states cosigned (not the latest one).
  const head = await checked(async () => {
    const logIndex = await verifier.logIndexOf(attestationId);
    return witnesses
      ? witnessedCheckpointCovering(await ctx.client(), {
          issuer: verifier.issuer,
          portalJwks: verifier.jwks,
          threshold: witnesses,
          logIndex,
        })
      : verifier.checkpointCovering(logIndex);
  });
  const log = await advance(ctx, head);
  const bundle = await checked(() => verifier.bundle(attestationId, head));
  const verified = await checked(() => verifyBundle(bundle, { jwks: verifier.jwks }));
  const served = await checked(() => verifier.served(verified));
  return { verified, bundle, served, log };
}

export const verifyCommands: Command[] = [
  {
    words: ['verify'],
    args: 'ATTESTATION_ID',
    summary:
      'verify an attestation, its evidence, the signing key, the log and the served record (--bundle FILE: offline)',
    audience: 'everyone',
    options: {
      save: { type: 'string', value: 'FILE', help: 'also save everything needed to verify again offline (a bundle)' },
      bundle: {
        type: 'string',
        value: 'FILE',
        help: 'verify a saved bundle, offline, against the pinned keys (or --jwks FILE)',
      },
      misbehaviour: {
        type: 'string',
        value: 'FILE',
        help: "check a witness's proof that the portal forked its log, offline",
      },
      archive: {
        type: 'string',
        value: 'FILE',
        help: 'verify an archive from cbm export, offline, against the pinned keys (and --witnesses K --witness-keys FILE)',
      },
      ...WITNESS_POLICY_OPTIONS,
    },
    async run(ctx) {
      const misbehaviourFile = str(ctx, 'misbehaviour');
      if (misbehaviourFile) {
        noMoreArgs(ctx, 0);
        await verifyMisbehaviourFile(ctx, misbehaviourFile);
        return;
      }
      const archiveFile = str(ctx, 'archive');
      if (archiveFile) {
        noMoreArgs(ctx, 0);
        await verifyArchiveFile(ctx, archiveFile);
        return;
      }
      const threshold = witnessThreshold(ctx);
      const bundleFile = str(ctx, 'bundle');
      if (bundleFile) {
        noMoreArgs(ctx, 0);
        const bundle = ctx.readJsonFile<RecordBundle>(bundleFile);
        // Offline: the pinned keys (or --jwks), never the bundle's own, and no network.
        const jwks = await trustedJwks(ctx, { online: false });
        const verified = await checked(() => verifyBundle(bundle, { jwks }));
        const witnessed = threshold
          ? await checkWitnessPolicy(ctx, verified.checkpoint, threshold, { online: false, issuer: bundle.portal })
          : undefined;
        // Offline, a remembered checkpoint of the same size must have the same root.
        const remembered = ctx.memory.checkpoint(verified.checkpoint.origin);
        let log = 'consistency not checked offline (no checkpoint remembered for this portal)';
        if (remembered && remembered.size === verified.checkpoint.size) {
          if (toBase64(remembered.root) !== toBase64(verified.checkpoint.root))
            throw new VerificationFailed(
              `the log has another root at size ${remembered.size} than the checkpoint cbm remembered: it was rewritten`,
            );
          log = 'same checkpoint as remembered';
        } else if (remembered) {
          log = `consistency with the remembered checkpoint (${remembered.size} entries) not checked offline: run cbm log check online`;
        }
        ctx.emit(
          { ...verified.report, offline: true, log, served: 'not compared offline', ...witnessReport(witnessed) },
          [...reportLines(verified.report, log), ...witnessLines(witnessed)],
        );
        return;
      }
      const id = ctx.args[0];
      if (!id) throw new UsageError('verify needs an ATTESTATION_ID, or --bundle FILE');
      noMoreArgs(ctx, 1);
      const { verified, bundle, served, log } = await verifyOnline(ctx, id, threshold);
      const witnessed = threshold
        ? await checkWitnessPolicy(ctx, verified.checkpoint, threshold, { online: true })
        : undefined;
      const saveFile = str(ctx, 'save');
      if (saveFile) {
        try {
          writeFileSync(saveFile, `${JSON.stringify(bundle, null, 2)}\n`);
        } catch (error) {
          throw new LocalError(
            `cannot write ${saveFile}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
          );
        }
        ctx.note(`bundle saved to ${saveFile}: cbm verify --bundle ${saveFile} checks it again offline`);
      }
      ctx.emit(
        {
          ...verified.report,
          log: log.status,
          previous_tree_size: log.previous ?? null,
          served: served.status,
          served_href: served.href,
          ...witnessReport(witnessed),
        },
        [...reportLines(verified.report, log.status, served), ...witnessLines(witnessed)],
      );
    },
  },
  {
    words: ['log', 'check'],
    summary:
      "verify the log's latest signed checkpoint and that it extends the one cbm remembered (exit 3 if rewritten)",
    audience: 'everyone',
    options: WITNESS_POLICY_OPTIONS,
    async run(ctx) {
      noMoreArgs(ctx, 0);
      const threshold = witnessThreshold(ctx);
      const verifier = await ctx.verifier();
      // Under a witness policy, the latest checkpoint enough states cosigned; if there is none,
      // the latest one, so that the policy's refusal says who did cosign it.
      const head = await checked(async () =>
        threshold
          ? witnessedCheckpointCovering(await ctx.anonymous(), {
              issuer: verifier.issuer,
              portalJwks: verifier.jwks,
              threshold,
              logIndex: -1,
              timeoutMs: 0,
            }).catch((error: Error) => {
              if (error.name !== 'WitnessPolicyError') throw error;
              return verifier.checkpoint();
            })
          : verifier.checkpoint(),
      );
      const growth = await advance(ctx, head);
      // The portal's own verdict on its log (/healthz): a log it found unsound fails the check.
      const health = await ok((await ctx.client()).GET('/healthz'));
      const unsound = health.conditions?.find((condition) => condition.code === 'log-integrity-failed');
      if (unsound)
        throw new VerificationFailed(
          `the portal reports its log unsound since ${unsound.since} (log-integrity-failed): ${unsound.detail}`,
        );
      const witnessed = threshold ? await checkWitnessPolicy(ctx, head, threshold, { online: true }) : undefined;
      const report = {
        origin: head.origin,
        size: head.size,
        root: toBase64(head.root),
        previous_size: growth.previous ?? null,
        status: growth.status,
        ...witnessReport(witnessed),
      };
      ctx.emit(report, [
        `log ${head.origin}: ${head.size} entries, root ${report.root}`,
        `  signature by the portal key valid; ${growth.status}`,
        ...witnessLines(witnessed),
      ]);
    },
  },
];
