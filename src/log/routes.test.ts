/**
 * The log's read routes, each refusal alone with its exact problem (status, code, detail,
 * the parameter at fault) and each boundary on both sides; the checkpoint's headers; a
 * stored subtree missing under the integrated size answered as the log's fault (503), not
 * the caller's. The proofs themselves are checked in log.test.ts and test/shared/log.cases.ts.
 */
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { contactBody, createTestPortal, ORIGIN } from '../../test/support/portal.ts';

/** A portal whose log holds 5 integrated leaves (AT registered, three contacts). */
async function logOf5() {
  const portal = await createTestPortal();
  const at = await portal.registerState('AT');
  for (let i = 0; i < 3; i += 1)
    expect((await at.post('/contacts', contactBody({ name: `Contact ${i}` }))).status).toBe(201);
  return { portal, at };
}

async function problemOf(res: Response) {
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  const body = (await res.json()) as { status: number; code: string; detail?: string; errors?: unknown[] };
  return { status: res.status, code: body.code, detail: body.detail, errors: body.errors };
}

const beyond = (parameter: string) => ({
  status: 422,
  code: 'validation-failed',
  detail: 'The log has 5 integrated entries.',
  errors: [{ parameter, in: 'query', detail: 'must be at most 5' }],
});

describe('GET /log/proofs/inclusion', () => {
  it('answers up to the integrated size, and refuses a tree beyond it', async () => {
    const { at } = await logOf5();
    expect((await at.get('/log/proofs/inclusion?leaf_index=4&tree_size=5')).status).toBe(200);
    expect(await problemOf(await at.get('/log/proofs/inclusion?leaf_index=0&tree_size=6'))).toEqual(
      beyond('tree_size'),
    );
  });

  it('refuses a leaf that is not in a tree of that size', async () => {
    const { at } = await logOf5();
    expect((await at.get('/log/proofs/inclusion?leaf_index=2&tree_size=3')).status).toBe(200);
    expect(await problemOf(await at.get('/log/proofs/inclusion?leaf_index=3&tree_size=3'))).toEqual({
      status: 422,
      code: 'validation-failed',
      detail: 'The leaf is not in a tree of that size.',
      errors: [{ parameter: 'leaf_index', in: 'query', detail: 'must be below tree_size 3' }],
    });
  });
});

describe('GET /log/proofs/consistency', () => {
  it('answers up to the integrated size, equal sizes included, and refuses beyond it', async () => {
    const { at } = await logOf5();
    const equal = await at.get('/log/proofs/consistency?first=5&second=5');
    expect(equal.status).toBe(200);
    expect(((await equal.json()) as { proof: string[] }).proof).toEqual([]);
    expect(await problemOf(await at.get('/log/proofs/consistency?first=1&second=6'))).toEqual(beyond('second'));
  });

  it('refuses a first tree larger than the second', async () => {
    const { at } = await logOf5();
    expect(await problemOf(await at.get('/log/proofs/consistency?first=4&second=3'))).toEqual({
      status: 422,
      code: 'validation-failed',
      detail: 'first must not exceed second.',
      errors: [{ parameter: 'first', in: 'query', detail: 'must be at most second (3)' }],
    });
  });
});

describe('GET /log/entries', () => {
  const range = {
    status: 422,
    code: 'validation-failed',
    detail: 'Ask for 1 to 256 entries.',
    errors: [{ parameter: 'start', in: 'query', detail: 'must be below end and at most 256 before it' }],
  };

  it('answers 1 entry and up to the integrated size, and refuses beyond it', async () => {
    const { at } = await logOf5();
    const one = await at.get('/log/entries?start=4&end=5');
    expect(one.status).toBe(200);
    expect(((await one.json()) as { entries: { index: number }[] }).entries.map((entry) => entry.index)).toEqual([4]);
    expect(await problemOf(await at.get('/log/entries?start=0&end=6'))).toEqual(beyond('end'));
  });

  it('refuses an empty or reversed range', async () => {
    const { at } = await logOf5();
    expect(await problemOf(await at.get('/log/entries?start=3&end=3'))).toEqual(range);
    expect(await problemOf(await at.get('/log/entries?start=4&end=3'))).toEqual(range);
  });

  it('answers 256 entries at once, not 257', async () => {
    const { portal, at } = await logOf5();
    // 260 synthetic leaves, integrated by the clock.
    const attestation = portal.sqlite.prepare(
      `INSERT INTO attestations (id, subject, principal_id, kid, operation, issued_at, token, method, path,
        content_type, request_token, body, body_sha256)
       VALUES (?, ?, 'secretariat', 'k', 'synthetic', '2026-11-27T09:00:00.000Z', ?, 'POST', '/', NULL, 't', x'', 'd')`,
    );
    const leaf = portal.sqlite.prepare('INSERT INTO log_leaves (idx, attestation_id, leaf_hash) VALUES (?, ?, ?)');
    const { leafHash } = await import('./merkle.ts');
    for (let i = 5; i < 265; i += 1) {
      const id = `019ac1e2-0000-7000-8000-${String(i).padStart(12, '0')}`;
      attestation.run(id, `urn:cbm:synthetic:${i}`, `token-${i}`);
      leaf.run(i, id, await leafHash(new TextEncoder().encode(`token-${i}`)));
    }
    await portal.logClock.tick();
    expect((await at.get('/log/entries?start=0&end=256')).status).toBe(200);
    expect(await problemOf(await at.get('/log/entries?start=0&end=257'))).toEqual(range);
    expect((await at.get('/log/entries?start=9&end=265')).status).toBe(200);
    expect(await problemOf(await at.get('/log/entries?start=8&end=265'))).toEqual(range);
  });
});

describe('GET /log/checkpoint', () => {
  it('serves the latest signed checkpoint as text, revalidated each time', async () => {
    const { portal } = await logOf5();
    const res = await portal.fetch(new Request(`${ORIGIN}/log/checkpoint`));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(res.headers.get('etag')).toMatch(/^"[^"]+"$/);
    const note = await res.text();
    expect(note).toMatch(/^portal\.test\/log\n5\n[A-Za-z0-9+/]{43}=\n\n— portal\.test\/log [A-Za-z0-9+/=]+\n$/);
  });

  it('says when the log has no signed checkpoint yet, and when to ask again', async () => {
    const { portal } = await logOf5();
    await sql`DELETE FROM log_checkpoints`.execute(portal.db.kysely);
    const res = await portal.fetch(new Request(`${ORIGIN}/log/checkpoint`));
    expect(res.headers.get('retry-after')).toBe('1');
    expect(await problemOf(res)).toMatchObject({
      status: 503,
      code: 'unavailable',
      detail: 'The log has no signed checkpoint yet; the first one is signed within seconds of the start.',
    });
  });

  it.each(['0', '1001', '01', '1.5', 'two', '', '99999'])('refuses witnesses=%s', async (value) => {
    const { portal } = await logOf5();
    expect(await problemOf(await portal.fetch(new Request(`${ORIGIN}/log/checkpoint?witnesses=${value}`)))).toEqual({
      status: 422,
      code: 'validation-failed',
      detail: 'witnesses is a number of states, from 1 to 1000.',
      errors: [{ parameter: 'witnesses', in: 'query', detail: 'must be an integer from 1 to 1000' }],
    });
  });

  it.each(['1', '1000'])(
    'answers witnesses=%s with 404 while no checkpoint is cosigned by that many',
    async (value) => {
      const { portal } = await logOf5();
      expect(
        await problemOf(await portal.fetch(new Request(`${ORIGIN}/log/checkpoint?witnesses=${value}`))),
      ).toMatchObject({
        status: 404,
        detail: `No checkpoint is cosigned by ${value} states yet.`,
      });
    },
  );
});

describe('a subtree missing under the integrated size', () => {
  it("is the log's fault: 503 log-integrity-failed, and this process stops writing", async () => {
    const { portal, at } = await logOf5();
    await sql`DELETE FROM log_nodes WHERE level = 2 AND idx = 0`.execute(portal.db.kysely);
    const res = await at.get('/log/proofs/inclusion?leaf_index=0&tree_size=5');
    expect(await problemOf(res)).toMatchObject({
      status: 503,
      code: 'log-integrity-failed',
      detail: expect.stringContaining('subtree 2:0 of the integrated log is not stored'),
    });
    expect(portal.deps.health.conditions()).toEqual([expect.objectContaining({ code: 'log-integrity-failed' })]);
    expect((await at.post('/contacts', contactBody({ name: 'After' }))).status).toBe(503);
    // Consistency proofs read the same subtrees.
    expect((await problemOf(await at.get('/log/proofs/consistency?first=4&second=5'))).code).toBe(
      'log-integrity-failed',
    );
  });
});
