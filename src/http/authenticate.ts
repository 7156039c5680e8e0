import type { Context, MiddlewareHandler } from 'hono';
import {
  CLOCK_TOLERANCE_SECONDS,
  type InactiveKeyInfo,
  type RegisteredKey,
  verifyRequestToken,
} from '../crypto/request-token.ts';
import type { PortalDb } from '../db/portal-db.ts';
import { authenticatedAs } from './request-log.ts';
import type { AppEnv } from './app-env.ts';
import { Problem, problems } from './problem.ts';
import { consumeJti, jtiReplayed, jtiSeen } from './replay-store.ts';
import type { ReplayGuard } from './app-env.ts';

const SAFE_METHODS = new Set(['GET', 'HEAD']);
/** Refusals of the body's bytes, found after the token verified (see readBody). */
const BODY_REFUSALS = new Set(['body-digest-mismatch', 'payload-too-large']);
// The auth-scheme is case-insensitive (RFC 9110 section 11.1): `bearer` is `Bearer`.
const BEARER = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/i;
/** A path segment that URL parsing would resolve away: `.`, `..`, or either percent-encoded. */
const DOT_SEGMENT = /^(?:\.|%2e){1,2}$/i;

/**
 * The request-target as the client sent it, in origin-form (path and query). On Node
 * that is the raw target of the request line; URL parsing would re-encode it
 * (`?state='AT'` becomes `?state=%27AT%27`), and a signer cannot be expected to predict
 * that. Where the runtime hands over only a parsed URL (Workers, in-process requests),
 * its path and query are taken as they are.
 */
export function requestTarget(c: Context): string {
  const raw = (c.env as { incoming?: { url?: unknown } } | undefined)?.incoming?.url;
  const target = typeof raw === 'string' ? raw : c.req.url;
  if (target.startsWith('/')) return target;
  // Absolute-form (RFC 9112 section 3.2.2), and the runtime's full URL: drop scheme and authority.
  const authority = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*/.exec(target)?.[0] ?? '';
  const rest = target.slice(authority.length);
  return rest.startsWith('/') ? rest : `/${rest}`;
}

/**
 * Refuses a target whose path URL parsing would rewrite into another resource (dot
 * segments, backslashes): the token would name one path and the portal act on another.
 */
function assertUnambiguousTarget(target: string) {
  const path = target.split('?', 1)[0]!;
  if (path.includes('\\') || path.split('/').some((segment) => DOT_SEGMENT.test(segment))) {
    throw problems.badRequest(
      'request-target-ambiguous',
      'The request path has dot segments or backslashes; send the path it resolves to.',
      [{ parameter: 'request-target', detail: 'not a normalised path' }],
    );
  }
}

/**
 * Verifies the signed request (DESIGN.md section 3) and sets `caller`, before any of the
 * body is read: signature, key, time, htm/htu and, for writes, that the jti is unseen.
 * The body (read by `readBody`, next) is then compared with the token's body_sha256, so
 * an unauthenticated caller never gets a byte buffered.
 *
 * Write tokens are single use: a seen jti is refused at once, and the jti is recorded in
 * the write's own commit (a concurrent replay loses at commit time, on the primary key)
 * or, when the request ends without committing, right after it: even a request that
 * failed (a body that did not match, say) cannot be replayed later, when it might
 * succeed; unless the body was refused as not the signed bytes. Read tokens may be reused until they expire
 * (htm/htu bind them to one read),
 * so reads never write.
 */
/** Where the principals' keys are looked up (principals/keys-repo.ts, handed over by the app: this layer knows no feature). */
export interface KeyDirectory {
  findActiveKey(db: PortalDb, issuer: string, kid: string, now: Date): Promise<RegisteredKey | null>;
  findInactiveKey(db: PortalDb, issuer: string, kid: string, now: Date): Promise<InactiveKeyInfo | null>;
}

export function authenticate({ findActiveKey, findInactiveKey }: KeyDirectory): MiddlewareHandler<AppEnv> {
  return async function authenticate(c, next) {
    const { deps } = c.var;
    const authorization = c.req.header('authorization');
    if (!authorization) {
      throw problems.unauthorized('token-missing', 'Sign the request: Authorization: Bearer <cbm-request+jwt>.');
    }
    const token = BEARER.exec(authorization)?.[1];
    if (!token)
      throw problems.unauthorized('malformed-token', 'The Authorization header must be Bearer and a compact JWS.');

    const target = requestTarget(c);
    assertUnambiguousTarget(target);
    const now = deps.clock.now();
    const { claims, key } = await verifyRequestToken(
      { token, method: c.req.method, target },
      {
        audience: deps.config.publicOrigin,
        now,
        findActiveKey: (issuer, kid) => findActiveKey(deps.db, issuer, kid, now),
        findInactiveKey: (issuer, kid) => findInactiveKey(deps.db, issuer, kid, now),
        signatures: deps.signatures,
        verifyKeys: deps.memory.verifyKeys,
        readTokens: deps.memory.readTokens,
      },
    );
    const write = !SAFE_METHODS.has(c.req.method);
    const replay: ReplayGuard | undefined = write
      ? { issuer: claims.iss, jti: claims.jti, expiresAt: claims.exp + CLOCK_TOLERANCE_SECONDS, recorded: false }
      : undefined;
    if (replay && (await jtiSeen(deps.db, replay.issuer, replay.jti))) throw jtiReplayed();
    c.set('caller', {
      principalId: key.principalId,
      principalKind: key.principalKind,
      kid: key.kid,
      scopes: key.scopes,
      token,
      claims,
      replay,
    });
    c.set('target', target);
    authenticatedAs.set(c.req.raw, key.principalId);
    if (!replay) return next();
    try {
      await next();
    } finally {
      // A body refused as not the signed one (or too large to tell) does not spend the
      // token: whoever sent those bytes need not be the signer, who may still send its own.
      const refusedBody = c.error instanceof Problem && BODY_REFUSALS.has(c.error.code);
      if (!replay.recorded && !refusedBody) await consumeJti(deps.db, replay.issuer, replay.jti, replay.expiresAt);
    }
  };
}
