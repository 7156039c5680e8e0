/**
 * The Worker pins its public origin in D1 on first use (src/identity.ts, migrations/0008),
 * as the Node portal does at start: another PUBLIC_ORIGIN on the same database is refused
 * (503, the reason in the logs) until ACCEPT_ORIGIN_CHANGE names it.
 */
import { applyD1Migrations, createExecutionContext, env } from 'cloudflare:test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import worker from '../../src/worker.ts';

const origins = async () =>
  (
    await env.DB.prepare('SELECT origin, reason FROM portal_origins ORDER BY seq').all<{
      origin: string;
      reason: string;
    }>()
  ).results;

// A new env object is a new deployment to the Worker entry (its portal is built per env).
const healthz = (bindings: typeof env, origin: string) =>
  worker.fetch(
    new Request(`${origin}/healthz`) as never,
    bindings,
    createExecutionContext() as never,
  ) as unknown as Promise<Response>;

describe('the Worker pins its public origin', () => {
  beforeAll(async () => {
    await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
    await env.DB.prepare('DELETE FROM portal_origins').run();
  });
  afterAll(async () => {
    await env.DB.prepare('DELETE FROM portal_origins').run();
  });

  it('pins it on the first request, refuses another one, and takes the change the operator accepts', async () => {
    expect((await healthz({ ...env }, 'http://portal.test')).status).toBe(200);
    expect(await origins()).toEqual([{ origin: 'http://portal.test', reason: 'first start' }]);

    const logged: string[] = [];
    const consoleError = console.error;
    console.error = (line: unknown) => logged.push(String(line));
    const moved = await healthz({ ...env, PUBLIC_ORIGIN: 'https://moved.example' }, 'https://moved.example').finally(
      () => (console.error = consoleError),
    );
    expect(logged.join('\n')).toContain('pinned to the public origin http://portal.test');
    expect(logged.join('\n')).toContain('set ACCEPT_ORIGIN_CHANGE to the new PUBLIC_ORIGIN');
    expect(moved.status).toBe(503);
    expect(moved.headers.get('content-type')).toBe('application/problem+json');
    expect(((await moved.json()) as { code: string }).code).toBe('unavailable');
    expect(await origins()).toHaveLength(1);

    // Another name in ACCEPT_ORIGIN_CHANGE is no consent to this change.
    const wrongConsent = await healthz(
      { ...env, PUBLIC_ORIGIN: 'https://moved.example', ACCEPT_ORIGIN_CHANGE: 'https://other.example' },
      'https://moved.example',
    );
    expect(wrongConsent.status).toBe(503);

    const accepted = await healthz(
      { ...env, PUBLIC_ORIGIN: 'https://moved.example', ACCEPT_ORIGIN_CHANGE: 'https://moved.example' },
      'https://moved.example',
    );
    expect(accepted.status).toBe(200);
    expect(await origins()).toEqual([
      { origin: 'http://portal.test', reason: 'first start' },
      { origin: 'https://moved.example', reason: 'changed from http://portal.test by the operator' },
    ]);
    // The old origin is now the other one.
    expect((await healthz({ ...env }, 'http://portal.test')).status).toBe(503);
  });
});
