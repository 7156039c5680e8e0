import { Hono } from 'hono';
import { sql } from 'kysely';
import { specDocument, specYaml } from '../generated/spec.ts';
import type { AppEnv } from '../http/app-env.ts';
import { negotiate } from '../http/negotiate.ts';
import { problems } from '../http/problem.ts';
import { secretariatAnchorKeys } from '../principals/keys-repo.ts';

/** The public documents: no signature needed. */
export const meta = new Hono<AppEnv>()
  .get('/healthz', async (c) => {
    negotiate(c, 'application/json');
    const { db, clock, config, health } = c.var.deps;
    try {
      await sql`SELECT 1`.execute(db.kysely);
    } catch {
      throw problems.unavailable('The database does not answer.');
    }
    // Degraded still answers 200: reads are served; `status` and `conditions` say what is not.
    const conditions = health.conditions();
    const status = conditions.length ? ('degraded' as const) : ('ok' as const);
    return c.json({ status, version: config.version, time: clock.now().toISOString(), ...(conditions.length ? { conditions } : {}) });
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
  .get('/.well-known/jwks.json', async (c) => {
    negotiate(c, 'application/json', 'application/jwk-set+json');
    // The Secretariat's first key rides along: it anchors every key registration, and
    // verifiers pin this document whole (see the contract).
    const secretariatKeys = await secretariatAnchorKeys(c.var.deps.db);
    c.header('Cache-Control', 'public, max-age=300');
    return c.json({ keys: c.var.deps.keys.jwks, secretariat_keys: secretariatKeys });
  });
