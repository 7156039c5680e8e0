import { Validator, type OutputUnit, type Schema } from '@cfworker/json-schema';
import { specDocument } from '../generated/spec.ts';
import { limitsForSchema } from './json-bounds.ts';
import type { JsonLimits } from './strict-json.ts';

interface SpecParameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema: Schema;
}

export interface CompiledOperation {
  operationId: string;
  pathParams: Map<string, { required: boolean; validator: Validator; type: unknown }>;
  queryParams: Map<string, { required: boolean; validator: Validator; type: unknown; default: unknown }>;
  /** Validator of the JSON body, when the operation takes one, and the bounds checked before it. */
  body: { validator: Validator; required: boolean; limits: JsonLimits } | null;
  /** Media types of a body taken as raw bytes (a file upload), when not JSON. */
  rawBody: { mediaTypes: string[] } | null;
  /** The operation declares the Idempotency-Key header: it creates. */
  idempotent: boolean;
}

type Json = Record<string, unknown>;

/** Inlines local `$ref`s. The contract has no recursive schemas; depth guards against one. */
function resolveRefs(node: unknown, depth = 0): unknown {
  if (depth > 64) throw new Error('openapi: $ref nesting too deep (recursive schema?)');
  if (Array.isArray(node)) return node.map((item) => resolveRefs(item, depth + 1));
  if (!node || typeof node !== 'object') return node;
  const { $ref, ...rest } = node as Json;
  if (typeof $ref === 'string') {
    const target = $ref
      .replace(/^#\//, '')
      .split('/')
      .reduce<unknown>((at, part) => (at as Json)[part.replace(/~1/g, '/').replace(/~0/g, '~')], specDocument);
    if (target === undefined) throw new Error(`openapi: unresolved ${$ref}`);
    return { ...(resolveRefs(target, depth + 1) as Json), ...(resolveRefs(rest, depth + 1) as Json) };
  }
  return Object.fromEntries(Object.entries(rest).map(([key, value]) => [key, resolveRefs(value, depth + 1)]));
}

const compile = (schema: Schema) => new Validator(schema, '2020-12', false);

function compileOperation(operationId: string, pathItem: Json, operation: Json): CompiledOperation {
  const parameters = [...((pathItem.parameters as unknown[]) ?? []), ...((operation.parameters as unknown[]) ?? [])].map(
    (parameter) => resolveRefs(parameter) as SpecParameter,
  );
  const pathParams: CompiledOperation['pathParams'] = new Map();
  const queryParams: CompiledOperation['queryParams'] = new Map();
  for (const parameter of parameters) {
    const entry = { required: parameter.required === true, validator: compile(parameter.schema), type: parameter.schema.type };
    if (parameter.in === 'path') pathParams.set(parameter.name, entry);
    if (parameter.in === 'query') queryParams.set(parameter.name, { ...entry, default: parameter.schema.default });
  }
  const requestBody = resolveRefs(operation.requestBody) as { required?: boolean; content?: Record<string, { schema: Schema }> } | undefined;
  const jsonSchema = requestBody?.content?.['application/json']?.schema;
  const rawMediaTypes = Object.keys(requestBody?.content ?? {}).filter((mediaType) => mediaType !== 'application/json');
  return {
    operationId,
    pathParams,
    queryParams,
    body: jsonSchema ? { validator: compile(jsonSchema), required: requestBody?.required === true, limits: limitsForSchema(jsonSchema as Record<string, unknown>) } : null,
    rawBody: !jsonSchema && rawMediaTypes.length ? { mediaTypes: rawMediaTypes } : null,
    idempotent: parameters.some((parameter) => parameter.in === 'header' && parameter.name.toLowerCase() === 'idempotency-key'),
  };
}

let index: Map<string, CompiledOperation> | undefined;

/**
 * The operations of the contract, compiled once per process from the generated spec
 * module. No code is generated at runtime (Workers forbid it): @cfworker/json-schema
 * interprets the schemas.
 */
export function compiledOperation(operationId: string): CompiledOperation {
  if (!index) {
    index = new Map();
    for (const pathItem of Object.values(specDocument.paths as Record<string, Json>)) {
      for (const method of ['get', 'put', 'post', 'delete', 'patch']) {
        const operation = pathItem[method] as Json | undefined;
        if (operation?.operationId) {
          const id = operation.operationId as string;
          index.set(id, compileOperation(id, pathItem, operation));
        }
      }
    }
  }
  const found = index.get(operationId);
  if (!found) throw new Error(`openapi: no operation ${operationId}`);
  return found;
}

/** Turns validator output into one message per bad location, the most specific first. */
export function describeErrors(errors: OutputUnit[]): { pointer: string; detail: string }[] {
  const byLocation = new Map<string, string>();
  for (const unit of errors) {
    // Summary units repeat what their children say more precisely.
    if (['properties', 'items', 'allOf', 'anyOf', '$ref', 'prefixItems'].includes(unit.keyword)) continue;
    let pointer = decodeURIComponent(unit.instanceLocation.replace(/^#/, ''));
    let detail = unit.error;
    if (unit.keyword === 'additionalProperties') continue;
    if (unit.keyword === 'false') detail = 'unknown field';
    if (unit.keyword === 'required') {
      const missing = /"([^"]+)"/.exec(unit.error)?.[1];
      if (missing) {
        pointer = `${pointer}/${missing}`;
        detail = 'required field is missing';
      }
    }
    if (!byLocation.has(pointer)) byLocation.set(pointer, detail);
  }
  return [...byLocation].map(([pointer, detail]) => ({ pointer, detail }));
}
