/**
 * The full check of the log (verifyLog), each finding alone with its exact reason, and
 * what the portal does while the log is unsound: writes refused with the reason, reads
 * (GET, HEAD, OPTIONS) still answered, the failure noted once. Tampering end to end, on
 * both runtimes, is in test/shared/log.cases.ts.
 */
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { contactBody, createTestPortal, ORIGIN } from '../../test/support/portal.ts';
import { LOG_INTEGRITY_FAILED, logIntegrityFailure, noteLogIntegrityFailure, verifyLog } from './integrity.ts';
import { leafHash } from './merkle.ts';

/** A portal whose log holds 5 integrated leaves under a checkpoint of 5. */
async function logOf5() {
  const portal = await createTestPortal();
  const at = await portal.registerState('AT');
  for (let i = 0; i < 3; i += 1)
    expect((await at.post('/contacts', contactBody({ name: `Contact ${i}` }))).status).toBe(201);
  const run = (query: ReturnType<typeof sql>) => query.execute(portal.db.kysely);
  return { portal, at, run };
}

async function finding(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    expect((error as Error).name).toBe('LogIntegrityError');
    return (error as Error).message;
  }
  throw new Error('expected the check to find something');
}

describe('verifyLog', () => {
  it('re-derives a sound log', async () => {
    const { portal } = await logOf5();
    expect(await verifyLog(portal.db)).toEqual({ checkpointSize: 5, leaves: 5, checkpoints: 6, nodes: 3 });
  });

  it('passes an empty log', async () => {
    const portal = await createTestPortal();
    expect(await verifyLog(portal.db)).toEqual({ checkpointSize: 0, leaves: 0, checkpoints: 1, nodes: 0 });
  });

  it('finds the last leaves removed under a signed checkpoint', async () => {
    const { portal, run } = await logOf5();
    await run(sql`DELETE FROM log_leaves WHERE idx = 4`);
    expect(await finding(verifyLog(portal.db))).toBe(
      'the log holds 4 leaves, but a checkpoint of 5 was signed: leaves were removed',
    );
  });

  it('finds integrated leaves removed beyond the last checkpoint', async () => {
    const { portal, run } = await logOf5();
    await run(sql`DELETE FROM log_checkpoints WHERE size = 5`);
    await run(sql`DELETE FROM log_leaves WHERE idx = 4`);
    expect(await finding(verifyLog(portal.db))).toBe(
      'the log holds 4 leaves, but 5 were integrated: leaves were removed',
    );
  });

  it('finds a gap in the indexes', async () => {
    const { portal, run } = await logOf5();
    await run(sql`DELETE FROM log_leaves WHERE idx = 2`);
    expect(await finding(verifyLog(portal.db))).toBe("the log's indexes have gaps: 4 leaves up to index 4");
  });

  it('finds an attestation without its leaf', async () => {
    const { portal, run } = await logOf5();
    await run(sql`INSERT INTO attestations (id, subject, principal_id, kid, operation, issued_at, token,
      method, path, content_type, request_token, body, body_sha256)
      VALUES ('019ac1e2-0000-7000-8000-000000000099', 'urn:cbm:x', 'secretariat', 'k', 'x',
        '2026-11-27T09:00:00.000Z', 't', 'POST', '/', NULL, 't', x'', 'd')`);
    expect(await finding(verifyLog(portal.db))).toBe(
      '6 attestations are stored but 5 leaves: every attestation has exactly one',
    );
  });

  it("finds a checkpoint whose stored root, or whose note, is not the leaves' root", async () => {
    const root = await logOf5();
    await root.run(sql`UPDATE log_checkpoints SET root_hash = zeroblob(32) WHERE size = 3`);
    expect(await finding(verifyLog(root.portal.db))).toBe(
      'the stored leaves do not give the root of the checkpoint of size 3 the portal signed',
    );
    const note = await logOf5();
    await note.run(sql`UPDATE log_checkpoints SET note = replace(note, ${'\n3\n'}, ${'\n4\n'}) WHERE size = 3`);
    expect(await finding(verifyLog(note.portal.db))).toBe(
      'the stored leaves do not give the root of the checkpoint of size 3 the portal signed',
    );
  });

  it('finds a checkpoint signed beyond the integrated leaves', async () => {
    const { portal, run } = await logOf5();
    const token = 'token-5';
    await run(sql`INSERT INTO attestations (id, subject, principal_id, kid, operation, issued_at, token,
      method, path, content_type, request_token, body, body_sha256)
      VALUES ('019ac1e2-0000-7000-8000-000000000005', 'urn:cbm:x', 'secretariat', 'k', 'x',
        '2026-11-27T09:00:00.000Z', ${token}, 'POST', '/', NULL, 't', x'', 'd')`);
    await run(
      sql`INSERT INTO log_leaves (idx, attestation_id, leaf_hash)
        VALUES (5, '019ac1e2-0000-7000-8000-000000000005', ${await leafHash(new TextEncoder().encode(token))})`,
    );
    await run(
      sql`INSERT INTO log_checkpoints (size, root_hash, note, signed_at) VALUES (6, zeroblob(32), 'x', '2026-11-27T09:00:00.000Z')`,
    );
    expect(await finding(verifyLog(portal.db))).toBe(
      'a checkpoint of size 6 was signed, beyond the 5 integrated leaves',
    );
  });

  it('stops between pages once asked to', async () => {
    const { portal } = await logOf5();
    const stop = new AbortController();
    stop.abort(new Error('shutting down'));
    await expect(verifyLog(portal.db, stop.signal)).rejects.toThrow('shutting down');
  });
});

describe('while the log is unsound', () => {
  it('refuses every write with the reason, and answers reads', async () => {
    const { portal, at } = await logOf5();
    noteLogIntegrityFailure(portal.deps, 'a reason found here');
    const refused = await at.post('/contacts', contactBody({ name: 'Refused' }));
    expect(refused.status).toBe(503);
    expect(await refused.json()).toMatchObject({
      code: LOG_INTEGRITY_FAILED,
      title: 'Log integrity check failed',
      detail:
        'The portal found its log inconsistent with what it signed (a reason found here); it accepts no ' +
        'writes and signs no checkpoints until an operator restores a sound database. Reads, and the last ' +
        'signed checkpoint, are still served.',
    });
    expect((await at.get('/contacts')).status).toBe(200);
    expect((await portal.fetch(new Request(`${ORIGIN}/log/checkpoint`, { method: 'HEAD' }))).status).toBe(200);
    expect((await portal.fetch(new Request(`${ORIGIN}/contacts`, { method: 'OPTIONS' }))).status).not.toBe(503);
  });

  it('notes the failure once per reason, and only a log failure counts', async () => {
    const { portal } = await logOf5();
    portal.deps.health.raise('storage-full', 'the disk is full', portal.clock.now());
    expect(logIntegrityFailure(portal.deps)).toBeUndefined();
    const logged = portal.logged.length;
    noteLogIntegrityFailure(portal.deps, 'one reason');
    noteLogIntegrityFailure(portal.deps, 'one reason');
    expect(portal.logged.length - logged).toBe(1);
    expect(logIntegrityFailure(portal.deps)).toMatchObject({ code: LOG_INTEGRITY_FAILED, detail: 'one reason' });
    noteLogIntegrityFailure(portal.deps, 'another reason');
    expect(portal.logged.length - logged).toBe(2);
  });
});
