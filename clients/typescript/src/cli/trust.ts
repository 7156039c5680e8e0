/**
 * The portal's keys as cbm trusts them: pinned in the profile at first contact (`cbm init`),
 * or named explicitly (`--jwks FILE`). A key the portal serves that was not pinned is an
 * error, with both fingerprints, until the user accepts it (`cbm trust --accept`); cbm
 * never updates the pinned set by itself.
 */
import type { PinnedJwks } from '../audit.ts';
import { ok } from '../client.ts';
import { changedKeysMessage, unpinned, withAccepted, type Fingerprint } from '../pinning.ts';
import type { Context } from './context.ts';
import { VerificationFailed } from './errors.ts';
import { writeProfile, type Profile } from './profile.ts';

/** A portal key that is not pinned: a new portal, a rotated key, or an impostor. */
export class PortalKeyChanged extends VerificationFailed {
  override name = 'PortalKeyChanged';
}

/** The profile's pinned JWKS, if it was pinned for the portal cbm talks to now. */
export function pinnedFor(ctx: Context): PinnedJwks | undefined {
  const profile = ctx.profile;
  if (!profile?.pinned || !profile.portal || profile.portal.replace(/\/+$/, '') !== ctx.portal()) return undefined;
  return profile.pinned.jwks;
}

/** What the portal serves at /.well-known/jwks.json now (no signature needed). */
export async function servedJwks(ctx: Context): Promise<PinnedJwks> {
  const client = await ctx.anonymous();
  return (await ok(client.GET('/.well-known/jwks.json'))) as PinnedJwks;
}

/** The error for served keys nobody accepted: both fingerprints, and how to accept. */
export async function keyChanged(ctx: Context, pinned: PinnedJwks, added: Fingerprint[]): Promise<PortalKeyChanged> {
  const accept = added.map((key) => `--accept ${key.fingerprint}`).join(' ');
  return new PortalKeyChanged(
    `${await changedKeysMessage(ctx.portal(), pinned, added)}${ctx.profile?.pinned ? ` (${ctx.profile.pinned.pinned_at})` : ''}. ` +
      `If the portal's operator confirms the new fingerprint out of band, accept it: cbm trust ${accept} (or ` +
      `cbm init --force --accept-new-key). Until then cbm verifies nothing from this portal.`,
  );
}

/**
 * The keys to verify against: `--jwks FILE` if given, else the profile's pinned JWKS,
 * which must still cover every key the portal serves (checked online when `online`).
 * With neither, nothing can be verified: exit 3 with what to do.
 */
export async function trustedJwks(ctx: Context, options: { online: boolean }): Promise<PinnedJwks> {
  const file = typeof ctx.opts.jwks === 'string' ? ctx.opts.jwks : undefined;
  if (file) {
    const jwks = ctx.readJsonFile<PinnedJwks>(file);
    if (!Array.isArray(jwks?.keys))
      throw new VerificationFailed(
        `${file} is not a JWKS (no "keys" array): save the portal's /.well-known/jwks.json whole`,
      );
    return jwks;
  }
  const pinned = pinnedFor(ctx);
  if (!pinned) {
    throw new VerificationFailed(
      `no portal keys pinned for ${ctx.portal()}: cbm verifies only against keys you pinned, never against ` +
        `keys a bundle or answer carries. ` +
        `Run cbm init --portal ${ctx.portal()} ... (it pins the portal's keys and shows their fingerprints), ` +
        `or pass --jwks FILE (the portal's /.well-known/jwks.json you kept).`,
    );
  }
  if (options.online) {
    const added = await unpinned(pinned, await servedJwks(ctx));
    if (added.length) throw await keyChanged(ctx, pinned, added);
  }
  return pinned;
}

/** Adds served keys to the pinned set and writes the profile (only on the user's word). */
export function pinKeys(
  ctx: Context,
  profile: Profile,
  pinned: PinnedJwks | undefined,
  accepted: Fingerprint[],
  now = new Date(),
): PinnedJwks {
  const jwks = withAccepted(pinned, accepted);
  writeProfile(ctx.profileFile, { ...profile, pinned: { jwks, pinned_at: now.toISOString() } }, ctx.io.env);
  return jwks;
}
