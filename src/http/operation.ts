import type { Context, MiddlewareHandler } from 'hono';
import type { operations } from '../generated/openapi.ts';
import type { AppEnv } from './app-env.ts';
import { problems, type FieldError } from './problem.ts';
import { withIdempotency } from './idempotency.ts';
import { compiledOperation, describeErrors } from './spec-index.ts';

export type OperationId = keyof operations;
type Operation<Id extends OperationId> = operations[Id];
type JsonBody<Id extends OperationId> = Operation<Id> extends { requestBody: { content: { 'application/json': infer B } } }
  ? B
  : Operation<Id> extends { requestBody?: { content: { 'application/json': infer B } } }
    ? B | undefined
    : undefined;
type Query<Id extends OperationId> = Operation<Id>['parameters'] extends { query?: infer Q } ? NonNullable<Q> : Record<string, never>;
type PathParams<Id extends OperationId> = Operation<Id>['parameters'] extends { path: infer P } ? P : Record<string, never>;

export interface OperationInput<Id extends OperationId> {
  body: JsonBody<Id>;
  query: Query<Id>;
  path: PathParams<Id>;
}

export type Scope = 'read' | 'contacts:write' | 'principals:write' | 'checks:write' | 'incidents:write' | 'documents:write';

const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** Query strings are text; the contract says which ones are numbers. */
function coerce(value: string, type: unknown): unknown {
  if ((type === 'integer' || type === 'number') && /^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  if (type === 'boolean' && (value === 'true' || value === 'false')) return value === 'true';
  return value;
}

function parseJsonBody<E extends AppEnv>(c: Context<E>): unknown {
  const raw: Uint8Array = (c.var.rawBody as Uint8Array | null) ?? new Uint8Array();
  const mediaType = c.req.header('content-type')?.split(';')[0]?.trim().toLowerCase();
  if (raw.byteLength === 0 && !mediaType) return undefined;
  if (mediaType !== 'application/json') throw problems.unsupportedMediaType('application/json');
  try {
    return JSON.parse(decoder.decode(raw));
  } catch {
    throw problems.badRequest('malformed-json', 'The body is not valid UTF-8 JSON.', [{ pointer: '', detail: 'not valid JSON' }]);
  }
}

/**
 * Everything an operation needs before its handler runs: the caller holds the scope,
 * and the path, query and body match the contract (openapi/openapi.yaml). Unknown query
 * parameters and body fields are refused. The handler reads `c.var.input`, typed from the
 * generated types.
 */
export function operation<Id extends OperationId>(
  operationId: Id,
  options: { scope: Scope },
): MiddlewareHandler<AppEnv & { Variables: { input: OperationInput<Id> } }> {
  const compiled = compiledOperation(operationId);
  return async function validateOperation(c, next) {
    c.set('operationId', operationId);
    if (!c.var.caller.scopes.includes(options.scope)) {
      throw problems.forbidden('insufficient-scope', `This key lacks the ${options.scope} scope.`);
    }

    const parameterErrors: FieldError[] = [];
    const path: Record<string, unknown> = {};
    for (const [name, spec] of compiled.pathParams) {
      const value = c.req.param(name);
      if (value === undefined) continue;
      const result = spec.validator.validate(coerce(value, spec.type));
      if (!result.valid) parameterErrors.push({ parameter: name, in: 'path', detail: describeErrors(result.errors)[0]?.detail ?? 'invalid' });
      path[name] = coerce(value, spec.type);
    }
    const query: Record<string, unknown> = {};
    const url = new URL(c.req.url);
    for (const name of new Set(url.searchParams.keys())) {
      const spec = compiled.queryParams.get(name);
      const values = url.searchParams.getAll(name);
      if (!spec) {
        parameterErrors.push({ parameter: name, in: 'query', detail: 'unknown query parameter' });
      } else if (values.length > 1) {
        parameterErrors.push({ parameter: name, in: 'query', detail: 'given more than once' });
      } else {
        const value = coerce(values[0]!, spec.type);
        const result = spec.validator.validate(value);
        if (!result.valid) parameterErrors.push({ parameter: name, in: 'query', detail: describeErrors(result.errors)[0]?.detail ?? 'invalid' });
        query[name] = value;
      }
    }
    for (const [name, spec] of compiled.queryParams) {
      if (!(name in query) && spec.default !== undefined) query[name] = spec.default;
      if (!(name in query) && spec.required) parameterErrors.push({ parameter: name, in: 'query', detail: 'required query parameter is missing' });
    }
    if (parameterErrors.length) throw problems.badRequest('invalid-parameter', 'A path or query parameter is not valid.', parameterErrors);

    let body: unknown;
    if (compiled.body) {
      body = parseJsonBody(c);
      if (body === undefined) {
        if (compiled.body.required) throw problems.unsupportedMediaType('application/json');
      } else {
        const result = compiled.body.validator.validate(body);
        if (!result.valid) throw problems.unprocessable('The body does not match the contract.', describeErrors(result.errors));
      }
    } else if (compiled.rawBody) {
      // A file upload: the exact bytes, in one of the media types the contract lists.
      const mediaType = c.req.header('content-type')?.split(';')[0]?.trim().toLowerCase();
      if (!mediaType || !compiled.rawBody.mediaTypes.includes(mediaType)) throw problems.unsupportedMediaType(compiled.rawBody.mediaTypes.join(', '));
    } else if (c.var.rawBody?.byteLength) {
      throw problems.badRequest('unexpected-body', 'This operation takes no body.');
    }

    c.set('input', { body, query, path } as OperationInput<Id>);
    if (compiled.idempotent) return withIdempotency(c, next);
    return next();
  };
}
