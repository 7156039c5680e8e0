import type { Deps } from '../deps.ts';
import type { RequestClaims } from '../crypto/request-token.ts';

export interface IdempotencyClaim {
  principalId: string;
  key: string;
  completed: boolean;
}

export interface Caller {
  principalId: string;
  principalKind: 'state' | 'secretariat';
  kid: string;
  scopes: readonly string[];
  token: string;
  claims: RequestClaims;
}

/** Hono environment of the portal: per-request variables set by the middleware chain. */
export interface AppEnv {
  Variables: {
    deps: Deps;
    requestId: string;
    /** Exact body bytes for methods that carry one; null for GET/HEAD. */
    rawBody: Uint8Array | null;
    caller: Caller;
    operationId: string;
    /** Set when a create carries an Idempotency-Key that this request has claimed. */
    idempotency?: IdempotencyClaim;
  };
}
