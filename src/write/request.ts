import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv } from '../http/app-env.ts';
import { operation, type OperationId, type OperationInput } from '../http/operation.ts';
import { compiledOperation } from '../http/spec-index.ts';
import { withIdempotency } from './idempotency.ts';
import type { Written, WriteInput } from './pipeline.ts';

/**
 * A write operation's guard: the contract's checks (operation()), then, for an operation
 * that creates, the Idempotency-Key: a retry is answered from the stored first answer
 * before the handler runs, and a fresh key is claimed for the pipeline to store.
 */
export function writeOperation<Id extends OperationId>(
  operationId: Id,
): MiddlewareHandler<AppEnv & { Variables: { input: OperationInput<Id> } }> {
  return operation(operationId, compiledOperation(operationId).idempotent ? { idempotency: withIdempotency } : {});
}

/** The request as the write pipeline takes it: a plain value, read off the handler's context once. */
export function writeInput<E extends AppEnv>(c: Context<E>): WriteInput {
  // One read of c.var: Hono builds a fresh object of all variables on each access.
  const { deps, caller, operationId, target, rawBody, idempotency } = c.var;
  return {
    deps,
    caller,
    operationId,
    method: c.req.method,
    target,
    contentType: c.req.header('content-type') ?? null,
    body: rawBody ?? new Uint8Array(),
    idempotency,
  };
}

/** The answer to every accepted write: the stored record and the portal's attestation. */
export function send<E extends AppEnv, T>(c: Context<E>, { answer, attestation }: Written<T>) {
  if (!answer) throw new Error('this write has no answer to send');
  for (const [name, value] of Object.entries(answer.headers ?? {})) c.header(name, value);
  return c.json({ data: answer.data, attestation }, answer.status);
}
