/**
 * Pinning the portal's keys (pinning.ts), in process: the CLI tests drive it through a
 * child process, where mutation testing cannot reach. Fingerprints are recomputed from the
 * key, never read from its kid; a served key is new unless pinned in the same role.
 */
import { describe, expect, it } from 'vitest';
import type { PinnedJwks } from '../src/audit.ts';
import { generateSigningKey, thumbprint } from '../src/keys.ts';
import { changedKeysMessage, describeFingerprint, fingerprintsOf, unpinned, withAccepted } from '../src/pinning.ts';

async function keys() {
  const portal = await generateSigningKey();
  const secretariat = await generateSigningKey();
  const p256 = await generateSigningKey('ES256');
  return { portal, secretariat, p256 };
}

describe('pinning the portal keys', () => {
  it('lists every key with its role and its recomputed fingerprint, not its kid', async () => {
    const { portal, secretariat } = await keys();
    const jwks: PinnedJwks = {
      keys: [{ ...portal.publicJwk, kid: 'lies' }],
      secretariat_keys: [secretariat.publicJwk],
    };
    expect(await fingerprintsOf(jwks)).toEqual([
      { role: 'portal', fingerprint: portal.kid, jwk: { kty: 'OKP', crv: 'Ed25519', x: portal.publicJwk.x } },
      {
        role: 'secretariat',
        fingerprint: secretariat.kid,
        jwk: { kty: 'OKP', crv: 'Ed25519', x: secretariat.publicJwk.x },
      },
    ]);
    expect(await fingerprintsOf({} as PinnedJwks)).toEqual([]);
  });

  it('describes a fingerprint with its role', () => {
    expect(describeFingerprint({ role: 'portal', fingerprint: 'abc' })).toBe('portal key abc');
    expect(describeFingerprint({ role: 'secretariat', fingerprint: 'def' })).toBe('Secretariat first key def');
  });

  it('finds the served keys that are not pinned, in their role', async () => {
    const { portal, secretariat, p256 } = await keys();
    const pinned: PinnedJwks = { keys: [portal.publicJwk], secretariat_keys: [secretariat.publicJwk] };
    expect(await unpinned(pinned, pinned)).toEqual([]);
    expect(
      await unpinned(pinned, { keys: [portal.publicJwk, p256.publicJwk], secretariat_keys: [secretariat.publicJwk] }),
    ).toEqual([
      {
        role: 'portal',
        fingerprint: p256.kid,
        jwk: { kty: 'EC', crv: 'P-256', x: p256.publicJwk.x, y: p256.publicJwk.y },
      },
    ]);
    // The Secretariat's key served as a portal key is a new portal key.
    expect((await unpinned(pinned, { keys: [secretariat.publicJwk] })).map(describeFingerprint)).toEqual([
      `portal key ${secretariat.kid}`,
    ]);
  });

  it('adds accepted keys to the pinned set, each with its recomputed kid', async () => {
    const { portal, secretariat, p256 } = await keys();
    const accepted = await fingerprintsOf({
      keys: [portal.publicJwk, p256.publicJwk],
      secretariat_keys: [secretariat.publicJwk],
    });
    const jwks = withAccepted(undefined, accepted);
    expect(jwks).toEqual({
      keys: [
        { kty: 'OKP', crv: 'Ed25519', x: portal.publicJwk.x, kid: portal.kid, alg: 'EdDSA', use: 'sig' },
        { kty: 'EC', crv: 'P-256', x: p256.publicJwk.x, y: p256.publicJwk.y, kid: p256.kid, use: 'sig' },
      ],
      secretariat_keys: [{ kty: 'OKP', crv: 'Ed25519', x: secretariat.publicJwk.x, kid: secretariat.kid }],
    });
    for (const key of [...jwks.keys, ...jwks.secretariat_keys!]) expect(await thumbprint(key)).toBe(key.kid);
    // Added to what was pinned, which stays as it was.
    const before: PinnedJwks = { keys: [secretariat.publicJwk], secretariat_keys: [portal.publicJwk] };
    const after = withAccepted(before, accepted.slice(0, 1));
    expect(after.keys).toHaveLength(2);
    expect(after.secretariat_keys).toEqual([portal.publicJwk]);
    expect(before.keys).toHaveLength(1);
    expect(withAccepted({ keys: [] }, [])).toEqual({ keys: [], secretariat_keys: [] });
  });

  it('says which keys are served and which are pinned', async () => {
    const { portal, secretariat, p256 } = await keys();
    const pinned: PinnedJwks = { keys: [portal.publicJwk], secretariat_keys: [secretariat.publicJwk] };
    const added = await fingerprintsOf({ keys: [p256.publicJwk, secretariat.publicJwk] });
    expect(await changedKeysMessage('https://cbm.example.org', pinned, added)).toBe(
      `the portal at https://cbm.example.org serves portal key ${p256.kid}, portal key ${secretariat.kid}, ` +
        `which you did not pin; you pinned portal key ${portal.kid}, Secretariat first key ${secretariat.kid}`,
    );
  });
});
