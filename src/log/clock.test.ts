/**
 * The log clock's own behaviour, each part alone: ticks that coalesce, a failure noticed in
 * this process recorded for the others, the checks a tick makes before signing, when the
 * full check is due, the Workers wait before a tick, and the Node timer that stops.
 */
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { contactBody, createTestPortal, type TestPortal } from '../../test/support/portal.ts';
import { createLogClock } from './clock.ts';
import { noteLogIntegrityFailure } from './integrity.ts';

const state = async (portal: TestPortal) =>
  (
    await sql<{
      integrated_size: number;
      integrity_failure: string | null;
      verified_at: string | null;
      verified_size: number | null;
    }>`SELECT integrated_size, integrity_failure, verified_at, verified_size FROM log_state`.execute(portal.db.kysely)
  ).rows[0]!;

/** A portal whose leaves the test integrates itself, with a clock of its own config. */
async function manual(config: { checkpointIntervalMs?: number; logVerifyIntervalMs?: number } = {}) {
  const portal = await createTestPortal({ logClock: 'manual' });
  const at = await portal.registerState('AT');
  const clock = createLogClock({
    ...portal.deps,
    config: { ...portal.deps.config, checkpointIntervalMs: 0, logVerifyIntervalMs: 60_000, ...config },
  });
  return { portal, at, clock };
}

describe('tick', () => {
  it('runs one tick at a time; ticks asked for meanwhile share the one after it', async () => {
    const { clock, at } = await manual();
    expect((await at.post('/contacts', contactBody())).status).toBe(201);
    const first = clock.tick();
    const second = clock.tick();
    const third = clock.tick();
    expect(second).toBe(third);
    expect(first).not.toBe(second);
    expect(await first).toMatchObject({ size: 3, signed: { size: 3 } });
    expect(await second).toEqual({ size: 3 });
    // Once done, a tick runs anew.
    const fourth = clock.tick();
    expect(fourth).not.toBe(second);
    expect(await fourth).toEqual({ size: 3 });
  });

  it('records a failure noticed in this process only, for every other process, and ticks no more', async () => {
    const { portal, clock } = await manual();
    noteLogIntegrityFailure(portal.deps, 'noticed here');
    expect((await state(portal)).integrity_failure).toBeNull();
    expect(await clock.tick()).toBeUndefined();
    expect((await state(portal)).integrity_failure).toBe('noticed here');
  });

  it('refuses to go on when a checkpoint was signed beyond the integrated leaves', async () => {
    const { portal, clock } = await manual();
    await sql`INSERT INTO log_checkpoints (size, root_hash, note, signed_at)
      VALUES (99, zeroblob(32), 'x', '2026-11-27T09:00:00.000Z')`.execute(portal.db.kysely);
    expect(await clock.tick()).toBeUndefined();
    expect((await state(portal)).integrity_failure).toBe('2 leaves are integrated, but a checkpoint of 99 was signed');
    expect(portal.deps.health.conditions()).toEqual([expect.objectContaining({ code: 'log-integrity-failed' })]);
  });

  it('refuses to sign over stored subtrees that no longer give the root signed last', async () => {
    const { portal, at, clock } = await manual();
    await clock.tick();
    await sql`UPDATE log_leaves SET leaf_hash = zeroblob(32) WHERE idx = 0`.execute(portal.db.kysely);
    await sql`UPDATE log_nodes SET hash = zeroblob(32) WHERE level = 1 AND idx = 0`.execute(portal.db.kysely);
    expect((await at.post('/contacts', contactBody())).status).toBe(201);
    expect(await clock.tick()).toBeUndefined();
    expect((await state(portal)).integrity_failure).toBe(
      'the stored subtree hashes no longer give the root of the checkpoint of size 2',
    );
  });

  it('integrates without signing while the size did not change or the interval has not passed', async () => {
    const { portal, at, clock } = await manual({ checkpointIntervalMs: 1000 });
    expect(await clock.tick()).toEqual({ size: 2 });
    expect((await at.post('/contacts', contactBody())).status).toBe(201);
    expect(await clock.tick()).toEqual({ size: 3 });
    portal.clock.advance(1000);
    expect(await clock.tick()).toMatchObject({ size: 3, signed: { size: 3 } });
    portal.clock.advance(5000);
    expect(await clock.tick()).toEqual({ size: 3 });
  });
});

describe('the full check', () => {
  it('records when it passed and for which size, and how long it took', async () => {
    const { portal, clock } = await manual();
    await clock.tick();
    const result = await clock.verify();
    expect(result).toMatchObject({ checkpointSize: 2, leaves: 2 });
    expect(result!.ms).toBeGreaterThanOrEqual(0);
    expect(result!.ms).toBeLessThan(60_000);
    expect(await state(portal)).toMatchObject({ verified_at: portal.clock.now().toISOString(), verified_size: 2 });
  });

  it('is due when it never ran, then once the interval has passed since it last did', async () => {
    const { portal, clock } = await manual({ logVerifyIntervalMs: 60_000 });
    await clock.tick();
    await sql`UPDATE log_state SET verified_at = NULL`.execute(portal.db.kysely);
    expect(await clock.verifyIfDue()).toMatchObject({ leaves: 2 });
    portal.clock.advance(59_999);
    expect(await clock.verifyIfDue()).toBeUndefined();
    portal.clock.advance(1);
    expect(await clock.verifyIfDue()).toMatchObject({ leaves: 2 });
  });

  it('does not run on a log known to be unsound', async () => {
    const { portal, clock } = await manual();
    noteLogIntegrityFailure(portal.deps, 'noticed here');
    expect(await clock.verify()).toBeUndefined();
    expect((await state(portal)).integrity_failure).toBe('noticed here');
  });
});

describe('Workers: tickWhenDue', () => {
  it('waits out the interval since the last checkpoint, then ticks', async () => {
    const { portal, at, clock } = await manual({ checkpointIntervalMs: 120 });
    await clock.tick(); // signs now
    expect((await at.post('/contacts', contactBody())).status).toBe(201);
    const started = performance.now();
    await clock.tickWhenDue();
    expect(performance.now() - started).toBeGreaterThanOrEqual(100);
    expect((await state(portal)).integrated_size).toBe(3);
  });

  it('ticks at once when a checkpoint is due', async () => {
    const { portal, at, clock } = await manual({ checkpointIntervalMs: 5000 });
    await clock.tick();
    portal.clock.advance(5000);
    expect((await at.post('/contacts', contactBody())).status).toBe(201);
    const started = performance.now();
    await Promise.all([clock.tickWhenDue(), clock.tickWhenDue()]);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(
      (await sql<{ size: number }>`SELECT max(size) AS size FROM log_checkpoints`.execute(portal.db.kysely)).rows[0]!
        .size,
    ).toBe(3);
  });

  it('ticks at once, and signs, when no checkpoint was signed yet', async () => {
    const { portal, clock } = await manual({ checkpointIntervalMs: 60_000 });
    await sql`DELETE FROM log_checkpoints`.execute(portal.db.kysely);
    await clock.tickWhenDue();
    expect((await state(portal)).integrated_size).toBe(2);
    expect(
      (await sql<{ size: number }>`SELECT max(size) AS size FROM log_checkpoints`.execute(portal.db.kysely)).rows[0]!
        .size,
    ).toBe(2);
    expect(portal.logged.filter((line) => line.startsWith('log clock failed'))).toEqual([]);
  });
});

describe('Node: runEvery', () => {
  it('ticks and checks on its timer until stopped', async () => {
    const { portal, at, clock } = await manual();
    await sql`UPDATE log_state SET verified_at = NULL`.execute(portal.db.kysely);
    const stop = clock.runEvery(20);
    expect((await at.post('/contacts', contactBody())).status).toBe(201);
    for (
      let i = 0;
      i < 100 && ((await state(portal)).integrated_size !== 3 || (await state(portal)).verified_at === null);
      i += 1
    )
      await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await state(portal)).toMatchObject({ integrated_size: 3, verified_at: portal.clock.now().toISOString() });
    await stop();
    expect((await at.post('/contacts', contactBody({ name: 'After stop' }))).status).toBe(201);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await state(portal)).integrated_size).toBe(3);
    expect(portal.logged.filter((line) => line.startsWith('log clock failed'))).toEqual([]);
  });
});
