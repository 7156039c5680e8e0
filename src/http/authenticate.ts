import type { MiddlewareHandler } from 'hono';
import { sha256b64u } from '../crypto/encoding.ts';
import { CLOCK_TOLERANCE_SECONDS, verifyRequestToken } from '../crypto/request-token.ts';
import { findActiveKey } from '../principals/keys-repo.ts';
import type { AppEnv } from './app-env.ts';
import { problems } from './problem.ts';
import { consumeJti, jtiReplayed, jtiSeen } from './replay-store.ts';
import type { ReplayGuard } from './app-env.ts';

const SAFE_METHODS = new Set(['GET', 'HEAD']);
// The auth-scheme is case-insensitive (RFC 9110 section 11.1): `bearer` is `Bearer`.
const BEARER = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/i;

/**
 * Verifies the signed request (DESIGN.md section 3) and sets `caller`. Write tokens are
 * single use: a seen jti is refused at once, and the jti is recorded in the write's own
 * commit (a concurrent replay loses at commit time, on the primary key) or, when the
 * request ends without committing, right after it: even a request that failed cannot be
 * replayed later, when it might succeed. Read tokens may be reused until they expire
 * (htm/htu bind them to one read), so reads never write.
 */
export function authenticate(): MiddlewareHandler<AppEnv> {
  return async function authenticate(c, next) {
    const { deps } = c.var;
    const authorization = c.req.header('authorization');
    if (!authorization) {
      throw problems.unauthorized('token-missing', 'Sign the request: Authorization: Bearer <cbm-request+jwt>.');
    }
    const token = BEARER.exec(authorization)?.[1];
    if (!token) throw problems.unauthorized('malformed-token', 'The Authorization header must be Bearer and a compact JWS.');

    const url = new URL(c.req.url);
    const rawBody = c.var.rawBody;
    const now = deps.clock.now();
    const { claims, key } = await verifyRequestToken(
      {
        token,
        method: c.req.method,
        pathAndQuery: url.pathname + url.search,
        bodySha256: rawBody === null ? null : await sha256b64u(rawBody),
      },
      {
        audience: deps.config.publicOrigin,
        now,
        findActiveKey: (issuer, kid) => findActiveKey(deps.db, issuer, kid, now),
      },
    );
    const write = !SAFE_METHODS.has(c.req.method);
    const replay: ReplayGuard | undefined = write ? { issuer: claims.iss, jti: claims.jti, expiresAt: claims.exp + CLOCK_TOLERANCE_SECONDS, recorded: false } : undefined;
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
    if (!replay) return next();
    try {
      await next();
    } finally {
      if (!replay.recorded) await consumeJti(deps.db, replay.issuer, replay.jti, replay.expiresAt);
    }
  };
}
