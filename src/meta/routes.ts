import { Hono } from 'hono';
import { sql } from 'kysely';
import { specDocument, specYaml } from '../generated/spec.ts';
import type { AppEnv } from '../http/app-env.ts';
import { negotiate } from '../http/negotiate.ts';
import { problems } from '../http/problem.ts';

/** The public documents: no signature needed. */
export const meta = new Hono<AppEnv>()
  .get('/healthz', async (c) => {
    negotiate(c, 'application/json');
    const { db, clock, config } = c.var.deps;
    try {
      await sql`SELECT 1`.execute(db.kysely);
    } catch {
      throw problems.unavailable('The database does not answer.');
    }
    return c.json({ status: 'ok' as const, version: config.version, time: clock.now().toISOString() });
  })
  .get('/openapi.yaml', (c) => {
    const mediaType = negotiate(c, 'application/yaml', 'text/yaml', 'text/plain');
    return c.body(specYaml, 200, { 'Content-Type': `${mediaType}; charset=utf-8`, 'Cache-Control': 'public, max-age=300' });
  })
  .get('/openapi.json', (c) => {
    negotiate(c, 'application/json');
    c.header('Cache-Control', 'public, max-age=300');
    return c.json(specDocument);
  })
  .get('/.well-known/jwks.json', (c) => {
    negotiate(c, 'application/json', 'application/jwk-set+json');
    c.header('Cache-Control', 'public, max-age=300');
    return c.json({ keys: c.var.deps.keys.jwks });
  });
