import { Hono } from 'hono';
import { sql } from 'kysely';
import { specDocument, specYaml } from '../generated/spec.ts';
import type { AppEnv } from '../http/app-env.ts';
import { negotiate } from '../http/negotiate.ts';
import { problems } from '../http/problem.ts';
import { representationEtag } from '../http/raw-bytes.ts';
import type { JWK } from 'jose';
import type { PortalDb } from '../db/portal-db.ts';

/** The contract is fixed for the process: each representation's ETag is computed once. */
const specEtags = new Map<string, Promise<string>>();
let specJson: string | undefined;
const specEtag = (mediaType: string, body: string) => {
  let etag = specEtags.get(mediaType);
  if (!etag) {
    etag = representationEtag(body, mediaType);
    specEtags.set(mediaType, etag);
  }
  return etag;
};

/**
 * The public documents: no signature needed. Each sends an ETag, so a client polling
 * them (a verifier re-reading the JWKS, a generator the contract) gets 304 while nothing
 * changed (http/contract-route.ts conditionalGet).
 */
export interface MetaSources {
  /** The Secretariat's keys that anchor every key registration (principals/keys-repo.ts, handed over by the app). */
  secretariatAnchorKeys(db: PortalDb): Promise<JWK[]>;
}

export const metaRoutes = ({ secretariatAnchorKeys }: MetaSources) =>
  new Hono<AppEnv>()
    .get('/healthz', async (c) => {
      negotiate(c, 'application/json');
      const { db, clock, config, health } = c.get('deps');
      try {
        await sql`SELECT 1`.execute(db.kysely);
      } catch {
        throw problems.unavailable('The database does not answer.');
      }
      // Degraded still answers 200: reads are served; `status` and `conditions` say what is not.
      const conditions = health.conditions();
      const status = conditions.length ? ('degraded' as const) : ('ok' as const);
      return c.json({
        status,
        version: config.version,
        time: clock.now().toISOString(),
        ...(conditions.length ? { conditions } : {}),
      });
    })
    .get('/openapi.yaml', async (c) => {
      const mediaType = negotiate(c, 'application/yaml', 'text/yaml', 'text/plain');
      const etag = await specEtag(mediaType, specYaml);
      return c.body(specYaml, 200, {
        'Content-Type': `${mediaType}; charset=utf-8`,
        'Cache-Control': 'public, max-age=300',
        ETag: etag,
        Vary: 'Accept',
      });
    })
    .get('/openapi.json', async (c) => {
      negotiate(c, 'application/json');
      specJson ??= JSON.stringify(specDocument);
      const etag = await specEtag('application/json', specJson);
      return c.body(specJson, 200, {
        'Content-Type': 'application/json',
        'Cache-Control': 'public, max-age=300',
        ETag: etag,
      });
    })
    .get('/.well-known/jwks.json', async (c) => {
      negotiate(c, 'application/json', 'application/jwk-set+json');
      // The Secretariat's first key rides along: it anchors every key registration, and
      // verifiers pin this document whole (see the contract).
      const secretariatKeys = await secretariatAnchorKeys(c.get('deps').db);
      const body = JSON.stringify({ keys: c.get('deps').keys.jwks, secretariat_keys: secretariatKeys });
      return c.body(body, 200, {
        'Content-Type': 'application/json',
        'Cache-Control': 'public, max-age=300',
        ETag: await representationEtag(body),
      });
    });
