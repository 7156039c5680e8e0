import { Validator, type OutputUnit, type Schema, type ValidationResult } from '@cfworker/json-schema';
import type { components } from '../generated/openapi.ts';
import * as compiledValidators from '../generated/validators.ts';
import { specDocument } from '../generated/spec.ts';
import { limitsForSchema } from './json-bounds.ts';
import { compiledBodyName, compiledSchemaName, HTTP_METHODS, inlineRefs, unescapePointer } from './spec-refs.ts';
import type { JsonLimits } from './strict-json.ts';

export type Scope = components['schemas']['Scope'];

interface SpecParameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema: Schema;
}

export interface CompiledOperation {
  operationId: string;
  /** Upper case, as on the wire. */
  method: string;
  /** The contract's path template, e.g. `/documents/{documentId}/content`. */
  path: string;
  /** The scope the caller's key must hold (the operation's security requirement); null for a public operation. */
  scope: Scope | null;
  pathParams: Map<string, { required: boolean; validator: Validator; type: unknown }>;
  queryParams: Map<string, { required: boolean; validator: Validator; type: unknown; default: unknown }>;
  /** Validator of the JSON body, when the operation takes one, and the bounds checked before it. */
  body: { validator: Validator; required: boolean; limits: JsonLimits } | null;
  /**
   * A body taken as raw bytes (a file upload): every request media type that is not JSON,
   * streamed rather than buffered, at most `maxBytes` (the request body's `x-max-bytes`).
   */
  rawBody: { mediaTypes: string[]; maxBytes: number } | null;
  /** The operation declares the Idempotency-Key header: it creates. */
  idempotent: boolean;
  /** The media types of its successful answers (2xx), in the contract's order. */
  produces: string[];
}

type Json = Record<string, unknown>;

export { HTTP_METHODS } from './spec-refs.ts';

/** Inlines local `$ref`s against the contract (spec-refs.ts). */
export const resolveRefs = (node: unknown): unknown => inlineRefs(specDocument, node);

/** Keywords whose failure a person fixes by knowing what the value should look like. */
const EXPLAINED_KEYWORDS = new Set(['pattern', 'format', 'minLength', 'maxLength', 'enum', 'const']);

/**
 * What a failed schema expects, in the contract's own words: its `description` (first
 * sentence) and first of its `examples` ("ISO 3166-1 alpha-2 code of a participating
 * state, such as AT"), or its enum. Undefined when the schema says nothing a person can use.
 */
export function expectation(schema: Json | undefined): string | undefined {
  if (!schema) return undefined;
  const description =
    typeof schema.description === 'string'
      ? schema.description
          .split(/(?<=\.)\s/)[0]!
          .replace(/\.$/, '')
          .replace(/`/g, '')
      : undefined;
  const examples = Array.isArray(schema.examples) ? schema.examples : [];
  const example = examples.length
    ? `such as ${examples
        .slice(0, 2)
        .map((value) => (typeof value === 'string' ? value : JSON.stringify(value)))
        .join(' or ')}`
    : undefined;
  const choices = Array.isArray(schema.enum)
    ? `one of ${schema.enum.map((value) => JSON.stringify(value)).join(', ')}`
    : undefined;
  // Without an example, the pattern itself is the most precise word the contract has.
  const pattern =
    !example && typeof schema.pattern === 'string'
      ? `${description ? '' : 'a value '}matching ${schema.pattern}`
      : undefined;
  const parts = [description, choices ?? example ?? pattern].filter(Boolean);
  if (!parts.length) return undefined;
  return parts.join(', ');
}

function schemaAt(root: Schema, keywordLocation: string): Json | undefined {
  const parts = keywordLocation.replace(/^#\/?/, '').split('/').filter(Boolean).slice(0, -1);
  let at: unknown = root;
  for (const part of parts) {
    if (!at || typeof at !== 'object') return undefined;
    at = (at as Json)[unescapePointer(decodeURIComponent(part))];
  }
  return at && typeof at === 'object' ? (at as Json) : undefined;
}

/**
 * A validator of a schema of the contract (JSON Schema 2020-12), interpreted: no code is
 * generated. Its errors say what was expected, from the failing schema's description and
 * examples, so every client shows "expected ... such as AT" rather than "does not match pattern".
 */
class ContractValidator extends Validator {
  constructor(
    private readonly root: Schema,
    private readonly check?: CompiledCheck,
    private readonly label = 'a schema',
  ) {
    super(root, '2020-12', false);
  }

  override validate(instance: unknown): ValidationResult {
    // The compiled check answers the common case, a valid value, in a fraction of the
    // time; the interpreter runs only to explain a refusal (or to cross-check, in tests).
    const verdict = this.check?.(instance);
    if (verdict === true && !crossCheck) return { valid: true, errors: [] };
    const result = this.explain(instance);
    if (verdict !== undefined && verdict !== result.valid) {
      const detail = `compiled ${verdict}, interpreted ${result.valid}: ${JSON.stringify(instance)?.slice(0, 300)}`;
      if (crossCheck) throw new Error(`openapi: the validators of ${this.label} disagree (${detail})`);
      // Only a refusal reaches here outside tests: the stricter verdict stands.
      const [first] = this.check!.errors ?? [];
      return {
        valid: false,
        errors: [
          {
            keyword: first?.keyword ?? 'false',
            keywordLocation: first?.schemaPath ?? '#',
            instanceLocation: `#${first?.instancePath ?? ''}`,
            error: first?.message ?? 'does not match the schema',
          },
        ],
      };
    }
    return result;
  }

  private explain(instance: unknown): ValidationResult {
    const result = super.validate(instance);
    for (const unit of result.errors) {
      if (!EXPLAINED_KEYWORDS.has(unit.keyword)) continue;
      const expected = expectation(schemaAt(this.root, unit.keywordLocation));
      if (!expected) continue;
      // "A BCP 47 tag" reads "expected a BCP 47 tag"; "ISO 3166-1" and "E.164" keep their case.
      const phrase = /^[A-Z][a-z ]/.test(expected) ? expected[0]!.toLowerCase() + expected.slice(1) : expected;
      unit.error =
        unit.keyword === 'pattern' ? `expected ${phrase}` : `expected ${phrase} (${unit.error.replace(/\.$/, '')})`;
    }
    return result;
  }
}

/**
 * A schema of the contract compiled to code at build time (scripts/gen/validators.ts):
 * true or false, and Ajv's reasons on the function after a false.
 */
type CompiledCheck = ((instance: unknown) => boolean) & {
  errors?: { instancePath: string; schemaPath: string; keyword: string; message?: string }[] | null;
};
const compiledChecks = compiledValidators as unknown as Record<string, CompiledCheck | undefined>;

function compiledBodyCheck(operationId: string): CompiledCheck {
  const check = compiledChecks[compiledBodyName(operationId)];
  if (!check) throw new Error(`openapi: no compiled validator for ${operationId}'s body: run npm run gen`);
  return check;
}

let crossCheck = false;
/**
 * Tests turn this on (test/support/cross-check-validators.ts): every value is judged by
 * the compiled check and the interpreter, and a difference throws.
 */
export function crossCheckCompiledValidators(on: boolean) {
  crossCheck = on;
}

export const compileSchema = (schema: Schema, check?: CompiledCheck, label?: string): Validator =>
  new ContractValidator(schema, check, label);

const namedSchemas = new Map<string, Validator>();

/** The validator of `components.schemas[name]`, compiled once. */
export function schemaValidator(name: keyof components['schemas']): Validator {
  let validator = namedSchemas.get(name);
  if (!validator) {
    const schema = ((specDocument.components as Json).schemas as Json)[name];
    if (!schema) throw new Error(`openapi: no schema ${name}`);
    validator = compileSchema(resolveRefs(schema) as Schema, compiledChecks[compiledSchemaName(name)], name);
    namedSchemas.set(name, validator);
  }
  return validator;
}

const isJson = (mediaType: string) => mediaType === 'application/json' || mediaType.endsWith('+json');

function scopeOf(operationId: string, operation: Json): Scope | null {
  const security = (operation.security ?? specDocument.security) as Record<string, string[]>[] | undefined;
  if (!security || security.length === 0) return null;
  const scopes = security.flatMap((requirement) => Object.values(requirement).flat());
  // The contract's lint (cbm-operation-scope) holds every operation to this; a break is a bug.
  if (security.length !== 1 || scopes.length !== 1)
    throw new Error(`openapi: ${operationId} must name exactly one scope in its security requirement`);
  return scopes[0] as Scope;
}

function compileOperation(
  operationId: string,
  method: string,
  path: string,
  pathItem: Json,
  operation: Json,
): CompiledOperation {
  const parameters = [
    ...((pathItem.parameters as unknown[]) ?? []),
    ...((operation.parameters as unknown[]) ?? []),
  ].map((parameter) => resolveRefs(parameter) as SpecParameter);
  const pathParams: CompiledOperation['pathParams'] = new Map();
  const queryParams: CompiledOperation['queryParams'] = new Map();
  for (const parameter of parameters) {
    const entry = {
      required: parameter.required === true,
      validator: compileSchema(parameter.schema),
      type: parameter.schema.type,
    };
    if (parameter.in === 'path') pathParams.set(parameter.name, entry);
    if (parameter.in === 'query') queryParams.set(parameter.name, { ...entry, default: parameter.schema.default });
  }
  const requestBody = resolveRefs(operation.requestBody) as
    | { required?: boolean; content?: Record<string, { schema: Schema }>; 'x-max-bytes'?: number }
    | undefined;
  const jsonSchema = requestBody?.content?.['application/json']?.schema;
  const rawMediaTypes = Object.keys(requestBody?.content ?? {}).filter((mediaType) => !isJson(mediaType));
  if (rawMediaTypes.length && typeof requestBody?.['x-max-bytes'] !== 'number')
    throw new Error(`openapi: ${operationId} takes raw bytes but its request body gives no x-max-bytes`);
  const responses = (operation.responses ?? {}) as Record<string, Json>;
  const produces = [
    ...new Set(
      Object.entries(responses)
        .filter(([status]) => /^2\d\d$/.test(status))
        .flatMap(([, response]) => Object.keys(((resolveRefs(response) as Json).content as Json | undefined) ?? {})),
    ),
  ];
  return {
    operationId,
    method: method.toUpperCase(),
    path,
    scope: scopeOf(operationId, operation),
    pathParams,
    queryParams,
    body: jsonSchema
      ? {
          validator: compileSchema(jsonSchema, compiledBodyCheck(operationId), `${operationId}'s body`),
          required: requestBody?.required === true,
          limits: limitsForSchema(jsonSchema as Record<string, unknown>),
        }
      : null,
    rawBody:
      !jsonSchema && rawMediaTypes.length
        ? { mediaTypes: rawMediaTypes, maxBytes: requestBody!['x-max-bytes']! }
        : null,
    idempotent: parameters.some(
      (parameter) => parameter.in === 'header' && parameter.name.toLowerCase() === 'idempotency-key',
    ),
    produces,
  };
}

interface Route {
  path: string;
  pattern: RegExp;
  literalSegments: number;
  operations: Map<string, CompiledOperation>;
}

let index: { byId: Map<string, CompiledOperation>; byFirstSegment: Map<string, Route[]> } | undefined;

/**
 * The operations of the contract, compiled once per process from the generated spec
 * module. No code is generated at runtime (Workers forbid it): @cfworker/json-schema
 * interprets the schemas.
 */
function contractIndex() {
  if (!index) {
    const byId = new Map<string, CompiledOperation>();
    const routes: Route[] = [];
    for (const [path, pathItem] of Object.entries(specDocument.paths as Record<string, Json>)) {
      const segments = path.split('/').slice(1);
      const pattern = new RegExp(
        `^/${segments.map((segment) => (/^\{.+\}$/.test(segment) ? '[^/]+' : segment.replace(/[.*+?^$()|[\]\\]/g, '\\$&'))).join('/')}$`,
      );
      const route: Route = {
        path,
        pattern,
        literalSegments: segments.filter((segment) => !segment.startsWith('{')).length,
        operations: new Map(),
      };
      for (const method of HTTP_METHODS) {
        const operation = pathItem[method] as Json | undefined;
        if (!operation?.operationId) continue;
        const compiled = compileOperation(operation.operationId as string, method, path, pathItem, operation);
        byId.set(compiled.operationId, compiled);
        route.operations.set(compiled.method, compiled);
      }
      routes.push(route);
    }
    // `/a/literal` before `/a/{param}`: the more literal segments, the more specific.
    routes.sort((a, b) => b.literalSegments - a.literalSegments);
    // Every path of the contract starts with a literal segment: a request tries only the
    // few routes under its own (a handful of regular expressions, not all of them).
    const byFirstSegment = new Map<string, Route[]>();
    for (const route of routes) {
      const first = route.path.split('/')[1]!;
      byFirstSegment.set(first, [...(byFirstSegment.get(first) ?? []), route]);
    }
    index = { byId, byFirstSegment };
  }
  return index;
}

export function compiledOperation(operationId: string): CompiledOperation {
  const found = contractIndex().byId.get(operationId);
  if (!found) throw new Error(`openapi: no operation ${operationId}`);
  return found;
}

/** Every operation of the contract. */
export const allOperations = (): CompiledOperation[] => [...contractIndex().byId.values()];

export type RouteMatch =
  | { kind: 'operation'; operation: CompiledOperation }
  /** The path is the contract's, the method is not: 405 with these in `Allow`. */
  | { kind: 'method-not-allowed'; allow: string[] }
  | { kind: 'unknown' };

/**
 * The operation a request is for, from the contract's paths and methods (HEAD is GET
 * without the body). What the server knows about a route before its handler runs (its
 * scope, whether it takes raw bytes and how many, what it answers) comes from here.
 */
export function matchOperation(method: string, pathname: string): RouteMatch {
  const slash = pathname.indexOf('/', 1);
  const first = slash === -1 ? pathname.slice(1) : pathname.slice(1, slash);
  const route = contractIndex()
    .byFirstSegment.get(first)
    ?.find((candidate) => candidate.pattern.test(pathname));
  if (!route) return { kind: 'unknown' };
  const operation = route.operations.get(method === 'HEAD' ? 'GET' : method);
  if (operation) return { kind: 'operation', operation };
  const allow = [...route.operations.keys()];
  if (allow.includes('GET')) allow.splice(allow.indexOf('GET') + 1, 0, 'HEAD');
  return { kind: 'method-not-allowed', allow };
}

/** Turns validator output into one message per bad location, the most specific first. */
export function describeErrors(errors: OutputUnit[]): { pointer: string; detail: string }[] {
  const byLocation = new Map<string, string>();
  for (const unit of errors) {
    // Summary units repeat what their children say more precisely.
    if (['properties', 'items', 'allOf', 'anyOf', '$ref', 'prefixItems', 'if', 'then', 'else'].includes(unit.keyword))
      continue;
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
