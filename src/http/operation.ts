import type { Context, MiddlewareHandler, Next } from 'hono';
import type { operations } from '../generated/openapi.ts';
import type { AppEnv } from './app-env.ts';
import { problems, type FieldError } from './problem.ts';
import { compiledOperation, describeErrors } from './spec-index.ts';
import { scanJson, type JsonLimits, type JsonRefusalKind } from './strict-json.ts';

export type OperationId = keyof operations;
type Operation<Id extends OperationId> = operations[Id];
type JsonBody<Id extends OperationId> =
  Operation<Id> extends { requestBody: { content: { 'application/json': infer B } } }
    ? B
    : Operation<Id> extends { requestBody?: { content: { 'application/json': infer B } } }
      ? B | undefined
      : undefined;
type Query<Id extends OperationId> = Operation<Id>['parameters'] extends { query?: infer Q }
  ? NonNullable<Q>
  : Record<string, never>;
type PathParams<Id extends OperationId> = Operation<Id>['parameters'] extends { path: infer P }
  ? P
  : Record<string, never>;

export interface OperationInput<Id extends OperationId> {
  body: JsonBody<Id>;
  query: Query<Id>;
  path: PathParams<Id>;
}

// fatal: invalid UTF-8 (including encoded surrogates) is refused, never replaced by U+FFFD.
// ignoreBOM: a BOM stays in the text and is refused as JSON, since parsers differ on it.
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Query strings are text; the contract says which ones are numbers. */
function coerce(value: string, type: unknown): unknown {
  if ((type === 'integer' || type === 'number') && /^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  if (type === 'boolean' && (value === 'true' || value === 'false')) return value === 'true';
  return value;
}

const malformed = (detail: string) =>
  problems.badRequest('malformed-json', 'The body is not valid UTF-8 JSON.', [{ pointer: '', detail }]);

/** I-JSON violations and bounds, as refused before JSON.parse and the schema validator run. */
const refusalCodes: Record<Exclude<JsonRefusalKind, 'syntax' | 'too-many-items' | 'too-long'>, string> = {
  'duplicate-member': 'json-duplicate-member',
  'lone-surrogate': 'json-lone-surrogate',
  'number-out-of-range': 'json-number-out-of-range',
  'too-deep': 'json-too-deep',
  'too-many-values': 'json-too-many-values',
};

/**
 * The body as the one value every reader of the signed bytes gets: strict UTF-8, I-JSON
 * (RFC 7493), within the contract's bounds, checked by a scan that costs no more than
 * parsing (http/strict-json.ts) before JSON.parse and the schema validator see it.
 */
function parseJsonBody<E extends AppEnv>(c: Context<E>, limits: JsonLimits): unknown {
  const raw: Uint8Array = (c.get('rawBody') as Uint8Array | null) ?? new Uint8Array();
  const contentType = c.req.header('content-type');
  const mediaType = contentType?.split(';')[0]?.trim().toLowerCase();
  if (raw.byteLength === 0 && !mediaType) return undefined;
  if (mediaType !== 'application/json') throw problems.unsupportedMediaType('application/json');
  // JSON is UTF-8 (RFC 8259 section 8.1); a reader honouring another charset would read other text.
  const charset = /;\s*charset\s*=\s*"?([^";\s]*)/i.exec(contentType ?? '')?.[1]?.toLowerCase();
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8')
    throw problems.unsupportedMediaType('application/json (UTF-8)');
  let text: string;
  try {
    text = decoder.decode(raw);
  } catch {
    throw malformed('not valid UTF-8');
  }
  const refusal = scanJson(text, limits);
  if (refusal) {
    if (refusal.kind === 'syntax') throw malformed(refusal.detail);
    if (refusal.kind === 'too-many-items' || refusal.kind === 'too-long') {
      throw problems.unprocessable('The body does not match the contract.', [
        { pointer: refusal.pointer, detail: refusal.detail },
      ]);
    }
    throw problems.badRequest(
      refusalCodes[refusal.kind],
      `The body is not I-JSON within this operation's bounds: ${refusal.detail}.`,
      [{ pointer: refusal.pointer, detail: refusal.detail }],
    );
  }
  try {
    return JSON.parse(text);
  } catch {
    throw malformed('not valid JSON');
  }
}

/**
 * Everything an operation needs before its handler runs, all read from the contract
 * (openapi/openapi.yaml): the caller's key holds the scope of the operation's security
 * requirement, and the path, query and body match. Unknown query parameters and body
 * fields are refused. The handler reads `c.get('input')`, typed from the generated types.
 *
 * @example
 * contacts.get('/:contactId', operation('getContact'), async (c) => c.json(await find(c.get('input').path.contactId)));
 */
export function operation<Id extends OperationId>(
  operationId: Id,
  options: { idempotency?: (c: Context<AppEnv>, next: Next) => Promise<Response | undefined> } = {},
): MiddlewareHandler<AppEnv & { Variables: { input: OperationInput<Id> } }> {
  const compiled = compiledOperation(operationId);
  const { scope } = compiled;
  if (!scope) throw new Error(`openapi: ${operationId} is public; it needs no operation() guard`);
  // The Idempotency-Key belongs to the write pipeline (write/idempotency.ts), above this layer.
  if (compiled.idempotent && !options.idempotency)
    throw new Error(
      `openapi: ${operationId} takes an Idempotency-Key; guard it with writeOperation (src/write/request.ts)`,
    );
  return async function validateOperation(c, next) {
    c.set('operationId', operationId);
    if (!c.get('caller').scopes.includes(scope)) {
      throw problems.forbidden('insufficient-scope', `This key lacks the ${scope} scope.`);
    }

    const parameterErrors: FieldError[] = [];
    const path: Record<string, unknown> = {};
    for (const [name, spec] of compiled.pathParams) {
      const value = c.req.param(name);
      if (value === undefined) continue;
      const result = spec.validator.validate(coerce(value, spec.type));
      if (!result.valid)
        parameterErrors.push({
          parameter: name,
          in: 'path',
          detail: describeErrors(result.errors)[0]?.detail ?? 'invalid',
        });
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
        if (!result.valid)
          parameterErrors.push({
            parameter: name,
            in: 'query',
            detail: describeErrors(result.errors)[0]?.detail ?? 'invalid',
          });
        query[name] = value;
      }
    }
    for (const [name, spec] of compiled.queryParams) {
      if (!(name in query) && spec.default !== undefined) query[name] = spec.default;
      if (!(name in query) && spec.required)
        parameterErrors.push({ parameter: name, in: 'query', detail: 'required query parameter is missing' });
    }
    if (parameterErrors.length)
      throw problems.badRequest('invalid-parameter', 'A path or query parameter is not valid.', parameterErrors);

    let body: unknown;
    if (compiled.body) {
      body = parseJsonBody(c, compiled.body.limits);
      if (body === undefined) {
        if (compiled.body.required) throw problems.unsupportedMediaType('application/json');
      } else {
        const result = compiled.body.validator.validate(body);
        if (!result.valid)
          throw problems.unprocessable('The body does not match the contract.', describeErrors(result.errors));
      }
    } else if (compiled.rawBody) {
      // A file upload: the exact bytes, in one of the media types the contract lists.
      const mediaType = c.req.header('content-type')?.split(';')[0]?.trim().toLowerCase();
      if (!mediaType || !compiled.rawBody.mediaTypes.includes(mediaType))
        throw problems.unsupportedMediaType(compiled.rawBody.mediaTypes.join(', '));
    } else if (c.get('rawBody')?.byteLength) {
      throw problems.badRequest('unexpected-body', 'This operation takes no body.');
    }

    c.set('input', { body, query, path } as OperationInput<Id>);
    if (options.idempotency) return options.idempotency(c as unknown as Context<AppEnv>, next);
    return next();
  };
}
