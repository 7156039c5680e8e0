import { describe, expect, it } from 'vitest';
import { contactBody, createTestPortal } from '../test/support/portal.ts';
import { housekeeping } from './housekeeping.ts';

describe('housekeeping', () => {
  it('purges expired replay entries and idempotency keys and keeps live ones', async () => {
    const portal = await createTestPortal();
    const at = await portal.registerState('AT');
    expect((await at.post('/contacts', contactBody(), { headers: { 'idempotency-key': 'old' } })).status).toBe(201);
    portal.clock.advance(25 * 3600 * 1000); // past the 24 h key lifetime and every token's exp
    expect(
      (await at.post('/contacts', contactBody({ name: 'New' }), { headers: { 'idempotency-key': 'new' } })).status,
    ).toBe(201);

    const done = await housekeeping(portal.deps);
    expect(done.purgedIdempotencyKeys).toBe(1);
    expect(done.purgedJtis).toBe(3); // the key registration, AT's key and the first contact
    expect(portal.sqlite.prepare('SELECT key FROM idempotency_keys').pluck().all()).toEqual(['new']);
    expect(portal.sqlite.prepare('SELECT count(*) FROM request_jtis').pluck().get()).toBe(1);
  });
});
