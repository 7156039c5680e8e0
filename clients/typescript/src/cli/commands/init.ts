/** `cbm init`: the profile (portal, principal, key file), and a first look at the portal. */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { PortalError } from '../../client.ts';
import type { Command } from '../command.ts';
import { LocalError, Unreachable, UsageError } from '../errors.ts';
import { writeProfile, type Profile } from '../profile.ts';
import { noMoreArgs, str } from '../util.ts';

export const initCommands: Command[] = [
  {
    words: ['init'],
    summary: 'write the profile: portal URL, principal and key file (mode 0600); checks them against the portal',
    audience: 'everyone',
    options: {
      force: { type: 'boolean', help: 'replace an existing profile' },
      offline: { type: 'boolean', help: 'do not contact the portal' },
    },
    async run(ctx) {
      noMoreArgs(ctx, 0);
      const portal = str(ctx, 'portal');
      const principal = str(ctx, 'as');
      const key = str(ctx, 'key');
      if (!portal || !principal || !key) throw new UsageError('cbm init --portal URL --as PRINCIPAL --key FILE');
      if (!/^([A-Z]{2}|secretariat)$/.test(principal)) throw new UsageError(`--as is a state code (AT) or secretariat, not ${principal}`);
      ctx.portal(); // validates the URL
      if (ctx.profile && !ctx.opts.force) throw new LocalError(`${ctx.profileFile} exists already; cbm init --force replaces it`);
      const keyPath = resolve(key);
      const profile: Profile = { portal: portal.replace(/\/+$/, ''), principal, key: keyPath };
      writeProfile(ctx.profileFile, profile);
      const lines = [`profile written to ${ctx.profileFile} (mode 0600): ${principal} at ${profile.portal}, key ${profile.key}`];
      const report: Record<string, unknown> = { profile: ctx.profileFile, ...profile, key_exists: existsSync(keyPath) };

      if (!existsSync(keyPath)) {
        lines.push(`no key at ${keyPath} yet: run cbm keygen (it writes there) and hand the printed public key to the Secretariat`);
      } else if (!ctx.opts.offline) {
        try {
          const signer = await ctx.signer();
          report.kid = signer.kid;
          const client = await ctx.client();
          const answer = await client.GET('/principals/{principalId}/keys/{kid}', { params: { path: { principalId: principal, kid: signer.kid } } });
          if (answer.data) {
            report.key_status = answer.data.status;
            report.scopes = answer.data.scopes;
            lines.push(`the portal knows key ${signer.kid}: ${answer.data.status}, scopes ${answer.data.scopes.join(' ')}`);
          } else {
            const problem = new PortalError(answer.response, answer.error);
            report.key_status = problem.code;
            lines.push(`the portal does not accept key ${signer.kid} yet (${problem.code}): hand the public key to the Secretariat`);
          }
          // Remember the log as it is now: later checkpoints must extend it.
          const verifier = await ctx.verifier();
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
];
