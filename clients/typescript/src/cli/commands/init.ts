/**
 * `cbm init`: the profile (portal, principal, key file), the portal's keys pinned at first
 * contact (their fingerprints shown), and a first look at the portal. `cbm trust`: the
 * pinned keys against the ones the portal serves now, and accepting a new one.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createVerifier } from '../../audit.ts';
import { PortalError } from '../../client.ts';
import type { Command } from '../command.ts';
import type { Context } from '../context.ts';
import { LocalError, Unreachable, UsageError } from '../errors.ts';
import { principalId } from '../context.ts';
import { asProfileKeys, keyStates } from '../keyring.ts';
import { keysDir, readProfile, withKeys, writeProfile, type Profile } from '../profile.ts';
import { describeFingerprint, fingerprintsOf, unpinned } from '../../pinning.ts';
import { keyChanged, pinKeys, pinnedFor, servedJwks } from '../trust.ts';
import { flag, list, noMoreArgs, str } from '../util.ts';

const COMPARE_HINT =
  'compare these fingerprints with the ones the Secretariat publishes out of band (its website, a letter): ' +
  'cbm trusts these keys from now on';

export const initCommands: Command[] = [
  {
    words: ['init'],
    summary:
      "write the profile: portal URL, principal and key file (mode 0600); pins the portal's keys and checks the key",
    audience: 'everyone',
    options: {
      key: {
        type: 'string',
        multiple: true,
        value: 'FILE',
        help: "the principal's private key; repeat for each of its keys (default ~/.config/cbm/keys/PRINCIPAL.jwk, written by cbm keygen)",
      },
      force: { type: 'boolean', help: 'replace an existing profile (the pinned keys of the same portal are kept)' },
      offline: {
        type: 'boolean',
        help: 'do not contact the portal (no keys are pinned: nothing verifies until you run cbm init online)',
      },
      'accept-new-key': {
        type: 'boolean',
        help: 'also pin keys the portal serves that differ from the ones pinned before (only after checking their fingerprints)',
      },
    },
    async run(ctx) {
      noMoreArgs(ctx, 0);
      const portal = str(ctx, 'portal');
      const given = str(ctx, 'as');
      if (!portal || !given) throw new UsageError('cbm init --portal URL --as PRINCIPAL [--key FILE ...]');
      const principal = principalId(given);
      if (!/^([A-Z]{2}|secretariat)$/.test(principal))
        throw new UsageError(`--as is a state code (AT) or secretariat, not ${given}`);
      ctx.portal(); // validates the URL
      if (ctx.profile && !ctx.opts.force)
        throw new LocalError(`${ctx.profileFile} exists already; cbm init --force replaces it`);
      const keyFiles = (list(ctx, 'key') ?? [join(keysDir(ctx.io.env), `${principal}.jwk`)]).map((file) =>
        resolve(file),
      );
      const keyPath = keyFiles[0]!;
      const profile: Profile = withKeys(
        { portal: portal.replace(/\/+$/, ''), principal },
        keyFiles.map((file) => ({ file })),
      );
      // The keys pinned for this same portal survive a new profile; another portal starts afresh.
      const previous = pinnedFor(ctx);
      if (previous && ctx.profile?.pinned) profile.pinned = ctx.profile.pinned;
      const lines: string[] = [];
      const report: Record<string, unknown> = {
        profile: ctx.profileFile,
        portal: profile.portal,
        principal,
        key: keyPath,
        key_exists: existsSync(keyPath),
      };

      let pinned = previous;
      if (ctx.opts.offline) {
        writeProfile(ctx.profileFile, profile, ctx.io.env);
        lines.push(
          `profile written to ${ctx.profileFile} (mode 0600): ${principal} at ${profile.portal}, ` +
            `${keyFiles.length > 1 ? 'keys' : 'key'} ${keyFiles.join(', ')}`,
        );
        if (!pinned)
          lines.push('no portal keys pinned (offline): nothing verifies until you run cbm init again online');
      } else {
        let served: Awaited<ReturnType<typeof servedJwks>>;
        try {
          served = await servedJwks(ctx);
        } catch (error) {
          if (!(error instanceof Unreachable) && !(error instanceof PortalError)) throw error;
          throw new Unreachable(
            `${error.message}: cbm init pins the portal's keys at first contact, so it needs the portal (or --offline, and pin later)`,
          );
        }
        if (!previous) {
          const keys = await fingerprintsOf(served);
          pinned = pinKeys(ctx, profile, undefined, keys);
          report.pinned = keys.map(({ role, fingerprint }) => ({ role, fingerprint }));
          lines.push(
            `profile written to ${ctx.profileFile} (mode 0600): ${principal} at ${profile.portal}, ` +
              `${keyFiles.length > 1 ? 'keys' : 'key'} ${keyFiles.join(', ')}`,
          );
          lines.push(
            "pinned the portal's keys (RFC 7638 fingerprints):",
            ...keys.map((entry) => `  ${describeFingerprint(entry)}`),
            `  ${COMPARE_HINT}`,
          );
        } else {
          const added = await unpinned(previous, served);
          if (added.length && !flag(ctx, 'accept-new-key')) throw await keyChanged(ctx, previous, added);
          pinned = added.length ? pinKeys(ctx, profile, previous, added) : previous;
          if (!added.length) writeProfile(ctx.profileFile, profile, ctx.io.env);
          report.pinned = (await fingerprintsOf(pinned)).map(({ role, fingerprint }) => ({ role, fingerprint }));
          report.accepted = added.map(({ role, fingerprint }) => ({ role, fingerprint }));
          lines.push(
            `profile written to ${ctx.profileFile} (mode 0600): ${principal} at ${profile.portal}, ` +
              `${keyFiles.length > 1 ? 'keys' : 'key'} ${keyFiles.join(', ')}`,
          );
          lines.push(
            added.length
              ? `accepted and pinned: ${added.map(describeFingerprint).join(', ')}`
              : "the portal's keys are the ones pinned before",
          );
        }
      }

      const present = keyFiles.filter((file) => existsSync(file));
      for (const file of keyFiles.filter((candidate) => !existsSync(candidate))) {
        lines.push(
          `no key at ${file} yet: run cbm keygen (it writes there, mode 0600) and hand the printed public key to the Secretariat`,
        );
      }
      if (present.length && !ctx.opts.offline && pinned) {
        try {
          const states = await keyStates(ctx, { check: true, entries: present.map((file) => ({ file })) });
          const first = states[0]!;
          report.kid = first.kid;
          report.key_status = first.status === 'unknown' ? first.problem?.code : first.status;
          report.scopes = first.scopes;
          report.keys = states.map((state) => ({
            file: state.file,
            kid: state.kid,
            status: state.status,
            scopes: state.scopes,
          }));
          for (const state of states) {
            lines.push(
              state.status === 'active'
                ? `the portal knows key ${state.kid}: active, scopes ${state.scopes?.join(' ') ?? '?'}`
                : `the portal does not accept key ${state.kid} (${state.problem?.code ?? state.status}): ` +
                    `${state.problem?.detail ?? ''}${state.status === 'unknown' ? ' Hand its public key to the Secretariat.' : ''}`,
            );
          }
          const learnt = asProfileKeys(states);
          const written = readProfile(ctx.profileFile) ?? profile; // with the keys just pinned
          writeProfile(
            ctx.profileFile,
            withKeys(
              written,
              keyFiles.map((file) => learnt.find((entry) => entry.file === file) ?? { file }),
            ),
            ctx.io.env,
          );
          const client = await ctx.clientWith(first.signer);
          // Remember the log as it is now: later checkpoints must extend it.
          const verifier = createVerifier(client, { issuer: ctx.origin(), jwks: pinned });
          const checkpoint = await verifier.checkpoint();
          if (!ctx.memory.checkpoint(checkpoint.origin)) ctx.memory.rememberCheckpoint(checkpoint);
          report.checkpoint_size = checkpoint.size;
          lines.push(`the log has ${checkpoint.size} entries; cbm remembers its signed checkpoint to detect a rewrite`);
        } catch (error) {
          if (!(error instanceof Unreachable) && !(error instanceof PortalError)) throw error;
          report.warning = error.message;
          lines.push(`warning: ${error.message}`);
        }
      }
      ctx.emit(report, lines);
    },
  },
  {
    words: ['trust'],
    summary: 'the portal keys cbm pinned, against the ones the portal serves now; --accept FINGERPRINT pins a new one',
    audience: 'everyone',
    options: {
      accept: {
        type: 'string',
        multiple: true,
        value: 'FINGERPRINT',
        help: 'pin the served key with this RFC 7638 fingerprint (check it out of band first)',
      },
    },
    async run(ctx) {
      noMoreArgs(ctx, 0);
      if (!ctx.profile)
        throw new LocalError(
          `no profile at ${ctx.profileFile}: cbm init --portal URL --as PRINCIPAL --key FILE pins the portal's keys`,
        );
      if (ctx.profile.portal !== ctx.portal())
        throw new UsageError(
          `cbm trust manages the keys pinned for the profile's portal (${ctx.profile.portal ?? 'none'}), not ` +
            `${ctx.portal()}: use a profile for that portal (--profile FILE, cbm init)`,
        );
      const pinned = pinnedFor(ctx);
      const served = await servedJwks(ctx);
      const accept = list(ctx, 'accept');
      if (accept) {
        const offered = await unpinned(pinned ?? { keys: [] }, served);
        const unknown = accept.filter((fingerprint) => !offered.some((entry) => entry.fingerprint === fingerprint));
        if (unknown.length)
          throw new UsageError(
            `the portal at ${ctx.portal()} serves no unpinned key ` +
              `${unknown.join(', ')}${offered.length ? `; it offers ${offered.map(describeFingerprint).join(', ')}` : ''}`,
          );
        const accepted = offered.filter((entry) => accept.includes(entry.fingerprint));
        pinKeys(ctx, ctx.profile, pinned, accepted);
        ctx.emit(
          { accepted: accepted.map(({ role, fingerprint }) => ({ role, fingerprint })) },
          accepted.map((entry) => `pinned ${describeFingerprint(entry)} for ${ctx.portal()}`),
        );
        return;
      }
      if (!pinned) throw await noPin(ctx, served);
      const added = await unpinned(pinned, served);
      const pinnedList = await fingerprintsOf(pinned);
      const servedSet = new Set((await fingerprintsOf(served)).map((entry) => `${entry.role} ${entry.fingerprint}`));
      const report = {
        portal: ctx.portal(),
        pinned_at: ctx.profile.pinned?.pinned_at ?? null,
        pinned: pinnedList.map(({ role, fingerprint }) => ({
          role,
          fingerprint,
          served: servedSet.has(`${role} ${fingerprint}`),
        })),
        not_pinned: added.map(({ role, fingerprint }) => ({ role, fingerprint })),
      };
      if (added.length) throw await keyChanged(ctx, pinned, added);
      ctx.emit(report, [
        `${ctx.portal()}: every key it serves is pinned (since ${report.pinned_at})`,
        ...report.pinned.map(
          (entry) =>
            `  ${describeFingerprint(entry)}${entry.served ? '' : ' (no longer served; still checks what it signed)'}`,
        ),
      ]);
    },
  },
];

async function noPin(ctx: Context, served: Awaited<ReturnType<typeof servedJwks>>) {
  const keys = await fingerprintsOf(served);
  return new LocalError(
    `no keys pinned for ${ctx.portal()} in ${ctx.profileFile}. It serves ${keys.map(describeFingerprint).join(', ')}: ` +
      `check them out of band, then cbm trust ${keys.map((entry) => `--accept ${entry.fingerprint}`).join(' ')} ` +
      '(or cbm init --force online)',
  );
}
