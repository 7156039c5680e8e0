/**
 * Pinning the portal's keys: at first contact keep its JWKS (with `secretariat_keys`), show
 * each key's RFC 7638 fingerprint, and from then on treat any other key the portal serves
 * as an error until someone accepts it by fingerprint. Shared by `cbm` and the mirror.
 */
import type { JWK } from 'jose';
import { fingerprints, type PinnedJwks } from './audit.ts';

export type KeyRole = 'portal' | 'secretariat';
const ROLE_NAME: Record<KeyRole, string> = { portal: 'portal key', secretariat: 'Secretariat first key' };

export interface Fingerprint {
  role: KeyRole;
  /** RFC 7638 SHA-256 thumbprint, recomputed from the key (never its `kid` member). */
  fingerprint: string;
  /** The bare public key. */
  jwk: JWK;
}

/** Every key of a (pinned or served) JWKS with its fingerprint and role. */
export async function fingerprintsOf(jwks: PinnedJwks): Promise<Fingerprint[]> {
  const list: Fingerprint[] = [];
  for (const [role, keys] of [
    ['portal', jwks.keys ?? []],
    ['secretariat', jwks.secretariat_keys ?? []],
  ] as const) {
    for (const [fingerprint, jwk] of await fingerprints(keys)) list.push({ role, fingerprint, jwk });
  }
  return list;
}

export const describeFingerprint = (key: Pick<Fingerprint, 'role' | 'fingerprint'>) =>
  `${ROLE_NAME[key.role]} ${key.fingerprint}`;

/** The served keys that are not in the pinned set. */
export async function unpinned(pinned: PinnedJwks, served: PinnedJwks): Promise<Fingerprint[]> {
  const known = new Set((await fingerprintsOf(pinned)).map((key) => `${key.role} ${key.fingerprint}`));
  return (await fingerprintsOf(served)).filter((key) => !known.has(`${key.role} ${key.fingerprint}`));
}

/** The pinned set with `accepted` added; each key's kid is its recomputed thumbprint. */
export function withAccepted(pinned: PinnedJwks | undefined, accepted: Fingerprint[]): PinnedJwks {
  const jwks: PinnedJwks = { keys: [...(pinned?.keys ?? [])], secretariat_keys: [...(pinned?.secretariat_keys ?? [])] };
  for (const key of accepted) {
    // Attestations name their key by kid: keep it, recomputed, for the lookup.
    if (key.role === 'portal')
      jwks.keys.push({
        ...key.jwk,
        kid: key.fingerprint,
        ...(key.jwk.crv === 'Ed25519' ? { alg: 'EdDSA' } : {}),
        use: 'sig',
      });
    else jwks.secretariat_keys!.push({ ...key.jwk, kid: key.fingerprint });
  }
  return jwks;
}

/** The message for served keys nobody accepted: both fingerprints. */
export async function changedKeysMessage(portal: string, pinned: PinnedJwks, added: Fingerprint[]): Promise<string> {
  const mine = (await fingerprintsOf(pinned)).map(describeFingerprint).join(', ');
  return `the portal at ${portal} serves ${added.map(describeFingerprint).join(', ')}, which you did not pin; you pinned ${mine}`;
}
