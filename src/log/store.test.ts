/**
 * The log's storage checks and its cadence, each alone: when a checkpoint is due, a second
 * root refused for a signed size, each way a stored leaf can be wrong, leaves missing
 * under integration, hashes compared byte for byte, and the Merkle helpers at their edges.
 */
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { contactBody, createTestPortal } from '../../test/support/portal.ts';
import { checkpointDue, latestCheckpoint, publishCheckpoint } from './checkpoint.ts';
import { LogIntegrityError } from './integrity-error.ts';
import { consistencyRanges, decompose, foldRange, leafHash } from './merkle.ts';
import { checkLeaf, integrate, leafCount, sameHash } from './store.ts';

const NOW = new Date('2026-11-27T09:00:00.000Z');
const at = (ms: number) => ({ signedAt: new Date(NOW.getTime() + ms).toISOString() });

async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(LogIntegrityError);
    expect((error as Error).name).toBe('LogIntegrityError');
    return (error as Error).message;
  }
  throw new Error('expected a LogIntegrityError');
}

describe('checkpointDue', () => {
  it('is due with no checkpoint yet, and once the interval has passed, not before', () => {
    expect(checkpointDue(undefined, NOW, 1000)).toBe(true);
    expect(checkpointDue(at(-1000), NOW, 1000)).toBe(true);
    expect(checkpointDue(at(-999), NOW, 1000)).toBe(false);
    expect(checkpointDue(at(0), NOW, 1000)).toBe(false);
    expect(checkpointDue(at(0), NOW, 0)).toBe(true);
  });

  it('is due when the last checkpoint is dated after now (the clock was set back)', () => {
    expect(checkpointDue(at(1), NOW, 1000)).toBe(true);
    expect(checkpointDue(at(60_000), NOW, 1000)).toBe(true);
  });
});

describe('publishCheckpoint', () => {
  it('signs nothing within the interval since the last one, and refuses a second root for a signed size', async () => {
    const portal = await createTestPortal({ logClock: 'manual' });
    await portal.registerState('AT');
    const size = await integrate(portal.db);
    const { treeRoot } = await import('./checkpoint.ts');
    const root = await treeRoot(portal.db, size);
    const latest = (await latestCheckpoint(portal.db))!;
    const signedAt = new Date(latest.signedAt);
    // Another process signed at the same instant: within the interval, nothing is signed.
    expect(
      await publishCheckpoint(
        portal.db,
        portal.keys,
        'portal.test/log',
        size,
        root,
        new Date(signedAt.getTime() + 999),
        1000,
      ),
    ).toBeUndefined();
    expect(
      await publishCheckpoint(
        portal.db,
        portal.keys,
        'portal.test/log',
        size,
        root,
        new Date(signedAt.getTime() + 1000),
        1000,
      ),
    ).toMatchObject({ size });
    expect(
      await refusal(
        publishCheckpoint(
          portal.db,
          portal.keys,
          'portal.test/log',
          size,
          new Uint8Array(32),
          new Date(signedAt.getTime() + 5000),
          1000,
        ),
      ),
    ).toBe(`a checkpoint of size ${size} with another root was signed before: the stored log changed`);
  });
});

describe('stored leaves', () => {
  it('counts no leaves in an empty log', async () => {
    const portal = await createTestPortal({ logClock: 'manual' });
    expect(await leafCount(portal.db)).toBe(0);
  });

  it('checks each leaf: at its index, naming a stored attestation, the hash of its token', async () => {
    const hash = await leafHash(new TextEncoder().encode('token'));
    await expect(checkLeaf(3, { idx: 3, leaf_hash: hash, token: 'token' })).resolves.toEqual(hash);
    await expect(checkLeaf(3, { idx: 3n, leaf_hash: [...hash], token: 'token' })).resolves.toEqual(hash);
    expect(await refusal(checkLeaf(3, { idx: 4, leaf_hash: hash, token: 'token' }))).toBe(
      'leaf 3 is missing from the stored log (the next stored one is 4)',
    );
    expect(await refusal(checkLeaf(3, { idx: 3, leaf_hash: hash, token: null }))).toBe(
      'leaf 3 names no stored attestation',
    );
    expect(await refusal(checkLeaf(3, { idx: 3, leaf_hash: hash, token: 'other' }))).toBe(
      'leaf 3 is not the hash of its stored attestation',
    );
  });

  it('refuses to integrate when leaves are missing below the last one', async () => {
    const portal = await createTestPortal({ logClock: 'manual' });
    const client = await portal.registerState('AT');
    for (let i = 0; i < 3; i += 1)
      expect((await client.post('/contacts', contactBody({ name: `C${i}` }))).status).toBe(201);
    const before = await integrate(portal.db);
    for (let i = 0; i < 3; i += 1)
      expect((await client.post('/contacts', contactBody({ name: `D${i}` }))).status).toBe(201);
    await sql`DELETE FROM log_leaves WHERE idx = ${before + 1}`.execute(portal.db.kysely);
    expect(await refusal(integrate(portal.db))).toBe(`leaves ${before} to ${before + 2} are not all stored`);
  });

  it('compares hashes byte for byte, length included', () => {
    const a = new Uint8Array([1, 2, 3]);
    expect(sameHash(a, new Uint8Array([1, 2, 3]))).toBe(true);
    expect(sameHash(a, new Uint8Array([1, 2, 4]))).toBe(false);
    expect(sameHash(a, new Uint8Array([1, 2, 3, 0]))).toBe(false);
    expect(sameHash(new Uint8Array([1, 2, 3, 0]), a)).toBe(false);
    expect(sameHash(new Uint8Array([]), new Uint8Array([]))).toBe(true);
  });
});

describe('Merkle helpers at their edges', () => {
  it('decomposes a range that starts off a power of two', () => {
    expect(decompose({ start: 6, end: 11 })).toEqual([
      { level: 1, index: 3 },
      { level: 1, index: 4 },
      { level: 0, index: 10 },
    ]);
    expect(decompose({ start: 2, end: 6 })).toEqual([
      { level: 1, index: 1 },
      { level: 1, index: 2 },
    ]);
    expect(decompose({ start: 3, end: 3 })).toEqual([]);
  });

  it('folds no hashes into nothing: an error', async () => {
    await expect(foldRange([])).rejects.toThrow('empty range');
  });

  it('has no consistency proof from a tree to itself or to a smaller one', () => {
    expect(consistencyRanges(5, 5)).toEqual([]);
    expect(consistencyRanges(5, 3)).toEqual([]);
  });

  it('names its error', () => {
    expect(new LogIntegrityError('x').name).toBe('LogIntegrityError');
  });
});
