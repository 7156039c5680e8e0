import { describe, expect, it } from 'vitest';
import { contactBody, createTestPortal, ORIGIN } from '../test/support/portal.ts';
import { currentOrigin, OriginMismatch, pinOrigin } from './identity.ts';

const now = new Date('2026-12-01T10:00:00.000Z');

describe('the pinned public origin', () => {
  it('is pinned on first use and compared on every later one', async () => {
    const portal = await createTestPortal();
    expect(await currentOrigin(portal.db)).toBeNull();
    expect(await pinOrigin(portal.db, ORIGIN, now)).toEqual({
      origin: ORIGIN,
      pinnedAt: now.toISOString(),
      pinnedNow: true,
    });
    expect(await pinOrigin(portal.db, ORIGIN, new Date('2026-12-02T00:00:00.000Z'))).toEqual({
      origin: ORIGIN,
      pinnedAt: now.toISOString(),
      pinnedNow: false,
    });
    const refused = await pinOrigin(portal.db, 'https://elsewhere.example', now).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OriginMismatch);
    expect(refused).toMatchObject({ pinned: ORIGIN, configured: 'https://elsewhere.example', attestations: 0 });
    expect(await portal.rows('portal_origins')).toBe(1);
  });

  it('takes the origin of data attested before it was pinned from its attestations', async () => {
    const portal = await createTestPortal();
    const at = await portal.registerState('AT');
    expect((await at.post('/contacts', contactBody())).status).toBe(201);
    const attestations = await portal.rows('attestations');
    // A database from before migration 0008, started under another origin: refused.
    const refused = await pinOrigin(portal.db, 'https://elsewhere.example', now).catch((error: unknown) => error);
    expect(refused).toMatchObject({ name: 'OriginMismatch', pinned: ORIGIN, attestations });
    expect((refused as Error).message).toContain(`the iss of the ${attestations} attestation(s)`);
    expect(await currentOrigin(portal.db)).toEqual({ origin: ORIGIN, pinnedAt: now.toISOString() });
    const row = portal.sqlite.prepare('SELECT reason FROM portal_origins').pluck().get();
    expect(row).toBe('pinned from the iss of the attestations issued before the origin was pinned');
  });

  it('changes only to the origin the operator accepted, and records the change', async () => {
    const portal = await createTestPortal();
    await pinOrigin(portal.db, ORIGIN, now);
    await expect(
      pinOrigin(portal.db, 'https://new.example', now, { acceptChangeTo: 'https://other.example' }),
    ).rejects.toBeInstanceOf(OriginMismatch);
    const later = new Date('2026-12-03T00:00:00.000Z');
    expect(
      await pinOrigin(portal.db, 'https://new.example', later, { acceptChangeTo: 'https://new.example' }),
    ).toMatchObject({ origin: 'https://new.example', pinnedNow: true });
    expect(portal.sqlite.prepare('SELECT origin, reason FROM portal_origins ORDER BY seq').all()).toEqual([
      { origin: ORIGIN, reason: 'first start' },
      { origin: 'https://new.example', reason: `changed from ${ORIGIN} by the operator` },
    ]);
    await expect(pinOrigin(portal.db, ORIGIN, later)).rejects.toMatchObject({ pinned: 'https://new.example' });
  });
});
