import type { Context } from 'hono';
import type { CompiledQuery, OnConflictBuilder } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { Attested } from '../attestations/attest.ts';
import { sha256b64u, utf8 } from '../crypto/encoding.ts';
import type { PortalDb } from '../db/portal-db.ts';
import type { AppEnv, IdempotencyClaim } from './app-env.ts';
import { problems } from './problem.ts';

/** How long a key is remembered (the draft leaves it to the server; Stripe keeps 24 h). */
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

const requestFingerprint = async (method: string, path: string, body: Uint8Array) =>
  sha256b64u(new Uint8Array([...utf8(`${method} ${path}\n`), ...body]));

function findClaim(db: PortalDb, principalId: string, key: string) {
  return db.kysely
    .selectFrom('idempotency_keys')
    .leftJoin('log_leaves', 'log_leaves.attestation_id', 'idempotency_keys.attestation_id')
    .selectAll('idempotency_keys')
    .select('log_leaves.idx as log_index')
    .where('principal_id', '=', principalId)
    .where('key', '=', key)
    .executeTakeFirst();
}

type ClaimRow = NonNullable<Awaited<ReturnType<typeof findClaim>>>;

function replay(row: ClaimRow): Response {
  const body = JSON.parse(row.response_body!) as { attestation: Record<string, unknown> };
  body.attestation.log_index = Number(row.log_index);
  const headers = new Headers(JSON.parse(row.response_headers ?? '{}') as Record<string, string>);
  headers.set('Content-Type', 'application/json');
  headers.set('Idempotent-Replayed', 'true');
  return new Response(JSON.stringify(body), { status: row.response_status!, headers });
}

function answerExisting(row: ClaimRow, fingerprint: string): Response {
  if (row.fingerprint !== fingerprint) {
    throw problems.unprocessable('This Idempotency-Key was used with another request; use a new key for a new request.', [
      { parameter: 'Idempotency-Key', in: 'header', detail: 'already used with a different body or path' },
    ]);
  }
  if (row.response_body === null) {
    const problem = problems.conflict('idempotency-request-in-flight', 'The first request with this Idempotency-Key is still being processed; retry shortly.');
    throw Object.assign(problem, { headers: { ...problem.headers, 'Retry-After': '1' } });
  }
  return replay(row);
}

/**
 * Idempotency-Key (draft-ietf-httpapi-idempotency-key-header) for the operations that
 * create. The first request claims the key and runs; its answer is stored in its own
 * commit (commitAndAnswer). A retry with the same key and request replays that answer;
 * the same key with another request is 422; a retry while the first runs is 409. A
 * request that fails releases its claim, so it can be retried.
 */
export async function withIdempotency<E extends AppEnv>(c: Context<E>, run: () => Promise<void>): Promise<Response | void> {
  const header = c.req.header('idempotency-key');
  if (header === undefined) return run();
  const { db, clock } = c.var.deps;
  const key = parseIdempotencyKey(header);
  const principalId = c.var.caller.principalId;
  const url = new URL(c.req.url);
  const fingerprint = await requestFingerprint(c.req.method, url.pathname + url.search, c.var.rawBody ?? new Uint8Array());
  const now = clock.now();

  const existing = await findClaim(db, principalId, key);
  if (existing && existing.expires_at > now.toISOString()) return answerExisting(existing, fingerprint);
  if (existing) {
    await db.execute(db.kysely.deleteFrom('idempotency_keys').where('principal_id', '=', principalId).where('key', '=', key).where('expires_at', '<=', now.toISOString()).compile());
  }
  const claimed = await db.execute(
    db.kysely
      .insertInto('idempotency_keys')
      .values({
        principal_id: principalId,
        key,
        fingerprint,
        created_at: now.toISOString(),
        expires_at: new Date(now.getTime() + IDEMPOTENCY_TTL_MS).toISOString(),
        attestation_id: null,
        response_status: null,
        response_headers: null,
        response_body: null,
      })
      .onConflict((oc: OnConflictBuilder<Database, 'idempotency_keys'>) => oc.doNothing())
      .compile(),
  );
  if (claimed === 0) {
    const winner = await findClaim(db, principalId, key);
    if (winner) return answerExisting(winner, fingerprint);
  }

  const claim: IdempotencyClaim = { principalId, key, completed: false };
  c.set('idempotency', claim);
  try {
    await run();
  } finally {
    if (!claim.completed) {
      await db.execute(
        db.kysely.deleteFrom('idempotency_keys').where('principal_id', '=', principalId).where('key', '=', key).where('response_body', 'is', null).compile(),
      );
    }
  }
}

/** The statement that completes a claim, run inside the write's own commit. */
export function completeClaimQuery(
  db: PortalDb,
  claim: IdempotencyClaim,
  attested: Attested,
  status: number,
  headers: Record<string, string>,
  bodyWithoutLogIndex: unknown,
): CompiledQuery {
  return db.kysely
    .updateTable('idempotency_keys')
    .set({ attestation_id: attested.id, response_status: status, response_headers: JSON.stringify(headers), response_body: JSON.stringify(bodyWithoutLogIndex) })
    .where('principal_id', '=', claim.principalId)
    .where('key', '=', claim.key)
    .where('response_body', 'is', null)
    .compile();
}

/** Forgets keys past their lifetime (housekeeping). */
export function purgeExpiredIdempotencyKeys(db: PortalDb, now: Date): Promise<number> {
  return db.execute(db.kysely.deleteFrom('idempotency_keys').where('expires_at', '<=', now.toISOString()).compile());
}
