import type { Context } from 'hono';
import type { CompiledQuery } from 'kysely';
import { incrementalSha256, utf8 } from '../crypto/encoding.ts';
import type { PortalDb } from '../db/portal-db.ts';
import type { AppEnv, IdempotencyClaim } from '../http/app-env.ts';
import { problems } from '../http/problem.ts';
import { attestationHref, type AttestationRef } from './attestation-ref.ts';

/**
 * How long a key is remembered (the draft leaves it to the server; Stripe keeps 24 h):
 * the contract and the README say 24 hours. Housekeeping deletes older keys.
 */
export const IDEMPOTENCY_TTL_MS = 24 * 3600 * 1000;
const KEY = /^[\x21-\x7e]{1,255}$/;

/** The Idempotency-Key header is an sf-string ("..."); a bare token is accepted too. */
export function parseIdempotencyKey(header: string): string {
  const key = header.trim().replace(/^"(.*)"$/, '$1');
  if (!KEY.test(key)) {
    throw problems.badRequest('invalid-idempotency-key', 'Idempotency-Key must be 1 to 255 visible ASCII characters.', [
      { parameter: 'Idempotency-Key', in: 'header', detail: 'not a valid key' },
    ]);
  }
  return key;
}

/** SHA-256 of `METHOD path\n` and the body bytes, hashed in two pieces (no copy of the body). */
async function requestFingerprint(method: string, path: string, body: Uint8Array): Promise<string> {
  const hash = incrementalSha256();
  hash.update(utf8(`${method} ${path}\n`));
  hash.update(body);
  return hash.digest();
}

function findClaim(db: PortalDb, principalId: string, key: string) {
  return db.kysely
    .selectFrom('idempotency_keys')
    .innerJoin('attestations', 'attestations.id', 'idempotency_keys.attestation_id')
    .leftJoin('log_leaves', 'log_leaves.attestation_id', 'idempotency_keys.attestation_id')
    .select([
      'idempotency_keys.fingerprint',
      'idempotency_keys.expires_at',
      'idempotency_keys.status',
      'idempotency_keys.headers',
      'idempotency_keys.data',
    ])
    .select(['attestations.id as attestation_id', 'attestations.token', 'log_leaves.idx as log_index'])
    .where('idempotency_keys.principal_id', '=', principalId)
    .where('idempotency_keys.key', '=', key)
    .executeTakeFirst();
}

type ClaimRow = NonNullable<Awaited<ReturnType<typeof findClaim>>>;

/**
 * The first answer again, byte for byte: `{"data":...,"attestation":...}` as `send`
 * (write/request.ts) serialised it, from the stored `data` and the attestation the row points to.
 */
function replay(row: ClaimRow): Response {
  const attestation: AttestationRef = {
    id: row.attestation_id,
    token: row.token,
    log_index: Number(row.log_index),
    href: attestationHref(row.attestation_id),
  };
  const headers = new Headers(JSON.parse(row.headers) as Record<string, string>);
  headers.set('Content-Type', 'application/json');
  headers.set('Idempotent-Replayed', 'true');
  return new Response(`{"data":${row.data},"attestation":${JSON.stringify(attestation)}}`, {
    status: row.status,
    headers,
  });
}

function answerExisting(row: ClaimRow, fingerprint: string): Response {
  if (row.fingerprint !== fingerprint) {
    throw problems.unprocessable(
      'This Idempotency-Key was used with another request; use a new key for a new request.',
      [{ parameter: 'Idempotency-Key', in: 'header', detail: 'already used with a different body or path' }],
    );
  }
  return replay(row);
}

/**
 * Idempotency-Key (draft-ietf-httpapi-idempotency-key-header) for the operations that
 * create. The key is recorded with the answer in the write's own commit (write/pipeline.ts),
 * so a write and its stored answer never exist apart, and costs no extra transaction. A
 * retry with the same key and request replays that answer; the same key with another
 * request is 422; a duplicate that raced the first loses at commit time on the primary
 * key: 409. A request that fails records nothing, so it can be retried.
 */
export async function withIdempotency<E extends AppEnv>(
  c: Context<E>,
  run: () => Promise<void>,
): Promise<Response | undefined> {
  const header = c.req.header('idempotency-key');
  if (header === undefined) {
    await run();
    return undefined;
  }
  const { db, clock } = c.get('deps');
  const key = parseIdempotencyKey(header);
  const principalId = c.get('caller').principalId;
  const url = new URL(c.req.url);
  const fingerprint = await requestFingerprint(
    c.req.method,
    url.pathname + url.search,
    c.get('rawBody') ?? new Uint8Array(),
  );
  const now = clock.now();

  const existing = await findClaim(db, principalId, key);
  if (existing && existing.expires_at > now.toISOString()) return answerExisting(existing, fingerprint);
  if (existing) {
    await db.execute(
      db.kysely
        .deleteFrom('idempotency_keys')
        .where('principal_id', '=', principalId)
        .where('key', '=', key)
        .where('expires_at', '<=', now.toISOString())
        .compile(),
    );
  }
  c.set('idempotency', {
    principalId,
    key,
    fingerprint,
    createdAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + IDEMPOTENCY_TTL_MS).toISOString(),
  });
  await run();
  return undefined;
}

export const duplicateInFlight = () => {
  const problem = problems.conflict(
    'idempotency-request-in-flight',
    'The first request with this Idempotency-Key is still being processed; retry shortly.',
  );
  return Object.assign(problem, { headers: { ...problem.headers, 'Retry-After': '1' } });
};

/**
 * The statement that records the key with its answer, run inside the write's own commit.
 * Only what the attestation row cannot give back is stored: status, the answer's own
 * headers, and `data` as it is sent.
 */
export function completeClaimQuery(
  db: PortalDb,
  claim: IdempotencyClaim,
  attestationId: string,
  status: number,
  headers: Record<string, string>,
  data: unknown,
): CompiledQuery {
  return db.kysely
    .insertInto('idempotency_keys')
    .values({
      principal_id: claim.principalId,
      key: claim.key,
      fingerprint: claim.fingerprint,
      expires_at: claim.expiresAt,
      attestation_id: attestationId,
      status,
      headers: JSON.stringify(headers),
      data: JSON.stringify(data),
    })
    .compile();
}

/** Forgets keys past their lifetime (housekeeping). */
export function purgeExpiredIdempotencyKeys(db: PortalDb, now: Date): Promise<number> {
  return db.execute(db.kysely.deleteFrom('idempotency_keys').where('expires_at', '<=', now.toISOString()).compile());
}
