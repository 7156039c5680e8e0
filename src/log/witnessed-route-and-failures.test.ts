/**
 * Two parts of the log the mutation runs found untested (README "Mutation testing"):
 * GET /log/checkpoint?witnesses=K (the latest checkpoint at least K states cosigned, with
 * exactly its own cosignature lines and the headers of the plain checkpoint), and the log
 * clock's failure logging (a failed tick is logged, with its message or stack, and not once
 * the clock is being stopped).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ok, type PinnedJwks } from '../../clients/typescript/src/index.ts';
import { witnessOnce, type WitnessState } from '../../clients/typescript/src/witness.ts';
import { contactBody, createTestPortal, ORIGIN, type TestClient, type TestPortal } from '../../test/support/portal.ts';
import { problem } from '../../test/support/problem.ts';
import { typedClient } from '../../test/support/typed.ts';
import { representationEtag } from '../http/raw-bytes.ts';
import { createLogClock } from './clock.ts';

const checkpoint = (portal: TestPortal, query = '', headers: Record<string, string> = {}) =>
  portal.fetch(new Request(`${ORIGIN}/log/checkpoint${query}`, { headers }));

async function cosign(portal: TestPortal, state: TestClient, saved: Map<string, WitnessState>) {
  const jwks = (await ok((await typedClient(portal)).GET('/.well-known/jwks.json'))) as PinnedJwks;
  const outcome = await witnessOnce({
    client: await typedClient(portal, state),
    issuer: ORIGIN,
    portalJwks: jwks,
    principal: state.principal,
    privateJwk: state.privateJwk,
    state: saved.get(state.principal),
    saveState: (next) => {
      saved.set(state.principal, next);
    },
    now: () => portal.clock.now(),
  });
  expect(outcome.status).toBe('cosigned');
}

describe('GET /log/checkpoint?witnesses=K', () => {
  it('serves the latest checkpoint K states cosigned, with only its own lines, as the plain one is served', async () => {
    const portal = await createTestPortal();
    const scopes = ['read', 'contacts:write', 'witness'];
    const at = await portal.registerState('AT', { scopes });
    const de = await portal.registerState('DE', { scopes });
    const saved = new Map<string, WitnessState>();
    await cosign(portal, at, saved);
    await cosign(portal, de, saved);
    const both = await (await checkpoint(portal)).text();
    const [body, lines] = both.split('\n\n') as [string, string];
    expect(lines.split('\n').filter((line) => line.startsWith('— cbm-witness/'))).toHaveLength(2);

    // A later checkpoint, cosigned by AT alone.
    expect((await at.post('/contacts', contactBody())).status).toBe(201);
    await cosign(portal, at, saved);
    const latest = await (await checkpoint(portal)).text();
    expect(latest.split('\n')[1]).toBe(String(Number(body.split('\n')[1]) + 1));
    const atLines = latest.split('\n').filter((line) => line.startsWith('— cbm-witness/'));
    expect(atLines.map((line) => line.split(' ')[1])).toEqual(['cbm-witness/AT']);

    const twice = await checkpoint(portal, '?witnesses=2');
    expect(twice.status).toBe(200);
    expect(await twice.text()).toBe(both);
    expect({
      type: twice.headers.get('content-type'),
      cache: twice.headers.get('cache-control'),
      etag: twice.headers.get('etag'),
    }).toEqual({ type: 'text/plain; charset=utf-8', cache: 'no-cache', etag: await representationEtag(both) });
    const once = await checkpoint(portal, '?witnesses=1');
    expect(await once.text()).toBe(latest);
    expect(once.headers.get('etag')).toBe(await representationEtag(latest));
    expect(once.headers.get('etag')).not.toBe(twice.headers.get('etag'));
    // Revalidation by its ETag.
    const etag = twice.headers.get('etag')!;
    expect((await checkpoint(portal, '?witnesses=2', { 'if-none-match': etag })).status).toBe(304);

    const none = await problem(await checkpoint(portal, '?witnesses=3'), 404);
    expect(none.detail).toBe('No checkpoint is cosigned by 3 states yet.');
    expect((await problem(await checkpoint(portal, '?witnesses=1001'), 422)).code).toBe('validation-failed');
    expect((await checkpoint(portal, '?witnesses=1000')).status).toBe(404);
  });
});

describe('the log clock logs what fails', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  /** A portal whose checkpoints table is gone: every tick fails, saying why. */
  async function broken() {
    const portal = await createTestPortal({ logClock: 'manual' });
    const lines: string[] = [];
    const clock = createLogClock({ ...portal.deps, log: (line) => void lines.push(line) });
    portal.sqlite.exec('ALTER TABLE log_checkpoints RENAME TO log_checkpoints_gone');
    return { portal, lines, clock };
  }

  it('a write whose tick fails is answered, and the failure logged with its message', async () => {
    const { lines, clock } = await broken();
    await expect(clock.tickWhenDue()).resolves.toBeUndefined();
    expect(lines).toEqual(['log clock failed: no such table: log_checkpoints']);
  });

  it('the timer logs each failed tick with its stack, and nothing once it is being stopped', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const { lines, clock } = await broken();
    const stop = clock.runEvery(1000);
    vi.advanceTimersByTime(1000);
    await vi.waitFor(() => expect(lines).toHaveLength(1));
    expect(lines[0]).toMatch(/^log clock failed: SqliteError: no such table: log_checkpoints\n\s+at /);

    // A tick that fails while the clock stops: the shutdown is no failure to report.
    vi.advanceTimersByTime(1000);
    await stop();
    vi.advanceTimersByTime(5000);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(lines).toHaveLength(1);
  });
});
