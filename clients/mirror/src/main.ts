/**
 * cbm-mirror: keeps a local SQLite copy of everything a partner may see on the portal,
 * every entry verified (see mirror.ts). Resumes from its stored cursor.
 *
 *   cbm-mirror --portal URL --as PRINCIPAL --key FILE --db mirror.sqlite [--once]
 *              [--interval SECONDS] [--page N] [--origin URL] [--jwks FILE]
 *              [--accept-new-key FINGERPRINT]
 *
 * The portal's keys are pinned in the mirror's database at its first run (their
 * fingerprints are printed), or given with --jwks FILE; a key the portal serves later that
 * is not pinned stops the mirror (exit 3) until --accept-new-key names its fingerprint.
 *
 * --once stops when caught up (for cron); otherwise it polls every --interval seconds
 * until SIGINT/SIGTERM. --origin is the portal's public origin when it differs from
 * --portal (behind a proxy). Exit codes: 0 done, 1 the portal refused, 2 usage or local
 * error, 3 verification failed (nothing of that page is stored), 4 portal unreachable.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { JWK } from 'jose';
import {
  createPortalClient,
  createRequestSigner,
  createVerifier,
  PortalError,
  signedFetch,
  type PinnedJwks,
} from '../../typescript/src/index.ts';
import { createMirror, MirrorVerificationError, openMirrorDb, pinnedKeys, SCHEMA } from './mirror.ts';

const USAGE =
  'usage: cbm-mirror --portal URL --as PRINCIPAL --key FILE --db FILE [--once] [--interval SECONDS] [--page ' +
  'N] [--origin URL] [--jwks FILE] [--accept-new-key FINGERPRINT]';

const HELP = `${USAGE}

Keeps a local SQLite copy (--db FILE, default cbm-mirror.sqlite) of everything the
principal may see on the portal, from its feed: each entry's attestation, the signed request
and its exact body, verified (portal signature, signer's key, inclusion under a signed
checkpoint that extends the last one) before anything of its page is stored; and the
records the entries name, as served. It resumes from the cursor stored in the database.

The portal's keys are pinned in the database at the first run (fingerprints printed), or
given with --jwks FILE; a key served later that is not pinned stops the mirror (exit 3)
until --accept-new-key FINGERPRINT. --once stops when caught up (for cron); otherwise it
polls every --interval seconds (default 30) until SIGINT/SIGTERM. --page N entries a page
(default 100). --origin URL: the portal's public origin when it differs from --portal.

database schema (query it with sqlite3):
${SCHEMA.trim().replace(/^/gm, '  ')}

  mirror_state holds the feed cursor and the pinned JWKS; entries.body is the signed
  request body byte for byte (a document's Markdown text is in its body or its record).

environment: CBM_PORTAL, CBM_PRINCIPAL, CBM_KEY stand for --portal, --as, --key.
exit codes: 0 done, 1 the portal refused, 2 usage or local error, 3 verification failed
(nothing of that page is stored), 4 portal unreachable.`;

/** The command line's options (parseArgs throws on an unknown or malformed one). */
function parseOptions() {
  return parseArgs({
    options: {
      portal: { type: 'string', default: process.env.CBM_PORTAL },
      origin: { type: 'string' },
      as: { type: 'string', default: process.env.CBM_PRINCIPAL },
      key: { type: 'string', default: process.env.CBM_KEY },
      db: { type: 'string', default: 'cbm-mirror.sqlite' },
      once: { type: 'boolean' },
      interval: { type: 'string', default: '30' },
      page: { type: 'string', default: '100' },
      jwks: { type: 'string' },
      'accept-new-key': { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h' },
    },
  }).values;
}

async function main(): Promise<number> {
  let values: ReturnType<typeof parseOptions>;
  try {
    values = parseOptions();
  } catch (error) {
    console.error(`cbm-mirror: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (!values.portal || !values.as || !values.key) {
    console.error(`cbm-mirror: name the portal, the principal and its key\n${USAGE}`);
    return 2;
  }
  let privateJwk: JWK;
  try {
    privateJwk = JSON.parse(readFileSync(values.key, 'utf8')) as JWK;
  } catch (error) {
    console.error(`cbm-mirror: cannot read the key ${values.key}: ${(error as Error).message}`);
    return 2;
  }
  const baseUrl = values.portal.replace(/\/+$/, '');
  const origin = values.origin ?? new URL(baseUrl).origin;
  const signer = await createRequestSigner({ principal: values.as, privateJwk, audience: origin });
  const client = await createPortalClient({ baseUrl, signer, headers: { 'User-Agent': 'cbm-mirror' } });
  const fetchSigned = signedFetch(signer);
  const db = openMirrorDb(values.db);
  let jwks: PinnedJwks;
  try {
    jwks = values.jwks
      ? (JSON.parse(readFileSync(values.jwks, 'utf8')) as PinnedJwks)
      : await pinnedKeys(db, client, baseUrl, values['accept-new-key'] ?? []);
  } catch (error) {
    db.close();
    if (error instanceof MirrorVerificationError) {
      console.error(`cbm-mirror: NOT verified: ${error.message}`);
      return 3;
    }
    console.error(`cbm-mirror: cannot read the portal's keys: ${(error as Error).message}`);
    return (error as { cause?: unknown }).cause || error instanceof PortalError ? 4 : 2;
  }
  const verifier = createVerifier(client, { issuer: origin, jwks });
  const mirror = createMirror({
    client,
    verifier,
    db,
    pageSize: Number(values.page),
    fetchRecord: (href) => fetchSigned(`${baseUrl}${href}`, { headers: { Accept: 'application/json' } }),
    log: (line) => console.log(line),
  });
  const stop = new AbortController();
  process.once('SIGINT', () => stop.abort());
  process.once('SIGTERM', () => stop.abort());
  try {
    const resumed = mirror.cursor();
    console.error(resumed ? `resuming after cursor ${resumed}` : 'starting at the beginning of the feed');
    if (values.once) {
      const total = await mirror.catchUp();
      console.error(`caught up: ${total} new entries`);
    } else {
      await mirror.follow(Number(values.interval) * 1000, stop.signal);
    }
    return 0;
  } catch (error) {
    if (error instanceof MirrorVerificationError) {
      console.error(
        `cbm-mirror: NOT verified: ${error.message}. Nothing of this page was stored; the mirror stays at ` +
          `cursor ${mirror.cursor() ?? '(start)'}.`,
      );
      return 3;
    }
    if (error instanceof PortalError) {
      console.error(`cbm-mirror: the portal refused: ${error.message}`);
      return error.status >= 500 ? 4 : 1;
    }
    const cause = (error as { cause?: { code?: string } }).cause;
    if (error instanceof TypeError && cause) {
      console.error(`cbm-mirror: cannot reach the portal at ${baseUrl}: ${cause.code ?? error.message}`);
      return 4;
    }
    console.error(`cbm-mirror: ${(error as Error).message}`);
    return 2;
  } finally {
    db.close();
  }
}

process.exitCode = await main();
