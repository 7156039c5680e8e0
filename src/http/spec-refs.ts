type Json = Record<string, unknown>;

export const unescapePointer = (part: string) => part.replace(/~1/g, '/').replace(/~0/g, '~');

/**
 * Inlines the local `$ref`s of a node of `document` (an OpenAPI document), so a schema
 * stands alone: the runtime validators and the code generated from the contract
 * (scripts/gen.ts) see the very same schema. The contract has no recursive schemas; the
 * depth guards against one.
 */
export function inlineRefs(document: Json, node: unknown, depth = 0): unknown {
  if (depth > 64) throw new Error('openapi: $ref nesting too deep (recursive schema?)');
  if (Array.isArray(node)) return node.map((item) => inlineRefs(document, item, depth + 1));
  if (!node || typeof node !== 'object') return node;
  const { $ref, ...rest } = node as Json;
  if (typeof $ref === 'string') {
    const target = $ref
      .replace(/^#\//, '')
      .split('/')
      .reduce<unknown>((at, part) => (at as Json | undefined)?.[unescapePointer(part)], document);
    if (target === undefined) throw new Error(`openapi: unresolved ${$ref}`);
    return { ...(inlineRefs(document, target, depth + 1) as Json), ...(inlineRefs(document, rest, depth + 1) as Json) };
  }
  return Object.fromEntries(Object.entries(rest).map(([key, value]) => [key, inlineRefs(document, value, depth + 1)]));
}

/** The JSON request body schema of an operation, refs inlined; undefined when it takes none. */
export function jsonBodySchema(document: Json, operation: Json): Json | undefined {
  const requestBody = inlineRefs(document, operation.requestBody) as
    | { content?: Record<string, { schema?: Json }> }
    | undefined;
  return requestBody?.content?.['application/json']?.schema;
}

/** The HTTP methods an OpenAPI path item names operations under. */
export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

/** The names under which src/generated/validators.ts exports each compiled schema. */
export const compiledBodyName = (operationId: string) => `body_${operationId}`;
export const compiledSchemaName = (schemaName: string) => `schema_${schemaName}`;
