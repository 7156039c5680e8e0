import type { Deps } from '../deps.ts';
import type { RequestClaims } from '../crypto/request-token.ts';
import type { CompiledOperation } from './spec-index.ts';

/** An Idempotency-Key this request will record, with its answer, in its own commit. */
export interface IdempotencyClaim {
  principalId: string;
  key: string;
  fingerprint: string;
  createdAt: string;
  expiresAt: string;
}

/** A write token's jti, to be recorded exactly once: in the write's commit, or after the request. */
export interface ReplayGuard {
  issuer: string;
  jti: string;
  /** Epoch seconds after which the token could not be accepted anyway. */
  expiresAt: number;
  recorded: boolean;
}

export interface Caller {
  principalId: string;
  principalKind: 'state' | 'secretariat';
  kid: string;
  scopes: readonly string[];
  token: string;
  claims: RequestClaims;
  /** Present for writes (POST, PUT, PATCH, DELETE). */
  replay?: ReplayGuard;
}

/** Hono environment of the portal: per-request variables set by the middleware chain. */
export interface AppEnv {
  Variables: {
    deps: Deps;
    requestId: string;
    /** The contract's operation this request is for (http/contract-route.ts); unset for a path the contract does not have. */
    route?: CompiledOperation;
    /** Exact body bytes for methods that carry one; null for GET/HEAD and streamed uploads. */
    rawBody: Uint8Array | null;
    /** Limit of a streamed body (see http/body.ts streamedBody). */
    bodyLimit?: number;
    /** The request-target as sent (path and query): what `htu` names and the evidence records. */
    target: string;
    caller: Caller;
    operationId: string;
    /** Set when a create carries an Idempotency-Key that this request has claimed. */
    idempotency?: IdempotencyClaim;
  };
}
