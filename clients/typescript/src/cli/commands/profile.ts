/** The profile's keys: add one the Secretariat registered, drop one that is gone. */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from '../command.ts';
import { LocalError, UsageError } from '../errors.ts';
import { signerFor } from '../keyring.ts';
import { profileKeys, withKeys, writeProfile } from '../profile.ts';
import { arg, noMoreArgs } from '../util.ts';
import type { Context } from '../context.ts';

function profileOf(ctx: Context) {
  if (!ctx.profile)
    throw new LocalError(`no profile at ${ctx.profileFile}: cbm init --portal URL --as PRINCIPAL writes one`);
  return ctx.profile;
}

export const profileCommands: Command[] = [
  {
    words: ['profile', 'add-key'],
    args: 'FILE',
    summary: "add a private key of the profile's principal (cbm picks, per command, a key whose scopes fit)",
    audience: 'everyone',
    offline: true,
    async run(ctx) {
      const file = resolve(arg(ctx, 0, 'FILE'));
      noMoreArgs(ctx, 1);
      const profile = profileOf(ctx);
      if (!existsSync(file)) throw new LocalError(`no key at ${file}: cbm keygen --name NAME makes one and adds it`);
      const signer = await signerFor(ctx, file);
      const keys = profileKeys(profile);
      if (keys.some((key) => key.file === file || key.kid === signer.kid))
        throw new LocalError(`the profile ${ctx.profileFile} has this key already (kid ${signer.kid})`);
      writeProfile(ctx.profileFile, withKeys(profile, [...keys, { file }]), ctx.io.env);
      ctx.emit(
        { profile: ctx.profileFile, added: { file, kid: signer.kid } },
        `added key ${signer.kid} (${file}) to ${ctx.profileFile}; cbm whoami shows what the portal says of each key`,
      );
    },
  },
  {
    words: ['profile', 'remove-key'],
    args: 'FILE|KID',
    summary: "drop a key from the profile (the file stays; revoking is the Secretariat's: cbm keys revoke)",
    audience: 'everyone',
    offline: true,
    async run(ctx) {
      const which = arg(ctx, 0, 'FILE|KID');
      noMoreArgs(ctx, 1);
      const profile = profileOf(ctx);
      const keys = profileKeys(profile);
      const matches = keys.filter(
        (key) => key.file === resolve(which) || (which.length >= 8 && key.kid?.startsWith(which)),
      );
      if (matches.length !== 1) {
        throw new UsageError(
          `${matches.length ? 'several' : 'no'} keys of the profile match ${which}; it has ` +
            `${keys.map((key) => `${key.file}${key.kid ? ` (kid ${key.kid})` : ''}`).join(', ') || 'none'}`,
        );
      }
      writeProfile(
        ctx.profileFile,
        withKeys(
          profile,
          keys.filter((key) => key !== matches[0]),
        ),
        ctx.io.env,
      );
      ctx.emit(
        { profile: ctx.profileFile, removed: matches[0] },
        `removed ${matches[0]!.file} from ${ctx.profileFile} (the file is still there)`,
      );
    },
  },
];
