import type { JsonBounds, JsonLimits } from './strict-json.ts';

/** Deepest nesting any request body may have; the contract's bodies use four levels. */
export const MAX_JSON_DEPTH = 32;
/** Most values in one body where the contract sets no tighter bound. */
export const MAX_JSON_VALUES = 100_000;
/**
 * Fewest values a body may always have, however tight the contract's count: a body with a
 * few stray members then gets the validator's answer (422, each unknown field named).
 */
export const MIN_JSON_VALUES = 10_000;

type Schema = Record<string, unknown>;

const codePoints = (text: string) => [...text].length;
/** Either allows it: the larger bound, none where either has none. */
const maxOf = (a: number | undefined, b: number | undefined) =>
  a === undefined || b === undefined ? undefined : Math.max(a, b);
/** Both hold: the smaller bound. */
const minOf = (a: number | undefined, b: number | undefined) =>
  a === undefined ? b : b === undefined ? a : Math.min(a, b);

/**
 * The loosest of two bounds: what either allows is allowed. Bounds only ever refuse what
 * the schema would refuse too, so alternatives (anyOf, oneOf) and combinations (allOf)
 * are merged this way, at the cost of some tightness.
 */
function loosest(a: JsonBounds | undefined, b: JsonBounds | undefined): JsonBounds | undefined {
  return a && b ? combine(a, b, maxOf, loosest) : undefined;
}

/**
 * Member by member, the bounds of two schemas: `limit` joins two numbers, `nested` two
 * child bounds. A member one side does not name falls under its additionalProperties.
 */
function combine(
  a: JsonBounds,
  b: JsonBounds,
  limit: (x: number | undefined, y: number | undefined) => number | undefined,
  nested: (x: JsonBounds | undefined, y: JsonBounds | undefined) => JsonBounds | undefined,
): JsonBounds {
  const properties = new Map<string, JsonBounds>();
  for (const name of new Set([...(a.properties?.keys() ?? []), ...(b.properties?.keys() ?? [])])) {
    const merged = nested(a.properties?.get(name) ?? a.additional, b.properties?.get(name) ?? b.additional);
    if (merged) properties.set(name, merged);
  }
  return {
    maxItems: limit(a.maxItems, b.maxItems),
    maxLength: limit(a.maxLength, b.maxLength),
    properties,
    additional: nested(a.additional, b.additional),
    items: nested(a.items, b.items),
  };
}

/** Bounds of one schema (its own keywords, not its combinators). */
function ownBounds(schema: Schema): JsonBounds {
  const bounds: JsonBounds & { properties: Map<string, JsonBounds> } = { properties: new Map() };
  const strings = (schema.enum as unknown[] | undefined)?.filter((value): value is string => typeof value === 'string');
  if (typeof schema.maxLength === 'number') bounds.maxLength = schema.maxLength;
  else if (typeof schema.const === 'string') bounds.maxLength = codePoints(schema.const);
  else if (strings && strings.length === (schema.enum as unknown[]).length)
    bounds.maxLength = Math.max(0, ...strings.map(codePoints));
  const items = schema.items as Schema | boolean | undefined;
  if (typeof schema.maxItems === 'number') bounds.maxItems = schema.maxItems;
  else if (schema.uniqueItems === true && items && typeof items === 'object' && Array.isArray(items.enum))
    bounds.maxItems = items.enum.length;
  if (items && typeof items === 'object') bounds.items = boundsOf(items);
  if (items === false) bounds.maxItems = 0;
  for (const [name, property] of Object.entries((schema.properties as Record<string, Schema> | undefined) ?? {})) {
    const child = boundsOf(property);
    if (child) bounds.properties.set(name, child);
  }
  const additional = schema.additionalProperties;
  if (additional && typeof additional === 'object') bounds.additional = boundsOf(additional as Schema);
  return bounds;
}

/** Per-location bounds of a (dereferenced) JSON Schema; undefined where it sets none. */
export function boundsOf(schema: Schema | undefined): JsonBounds | undefined {
  if (!schema || typeof schema !== 'object') return undefined;
  let bounds: JsonBounds | undefined = ownBounds(schema);
  const alternatives = [...((schema.anyOf as Schema[]) ?? []), ...((schema.oneOf as Schema[]) ?? [])];
  if (alternatives.length) {
    // A value valid under the schema is valid under one alternative: the loosest holds.
    const either = alternatives.map(boundsOf).reduce((a, b) => loosest(a, b));
    bounds = tightenWith(bounds, either);
  }
  for (const part of (schema.allOf as Schema[]) ?? []) bounds = tightenWith(bounds, boundsOf(part));
  return bounds;
}

/** Both hold (own keywords and a combinator beside them): the tighter of each bound. */
function tightenWith(a: JsonBounds | undefined, b: JsonBounds | undefined): JsonBounds | undefined {
  if (!a) return b;
  if (!b) return a;
  return combine(a, b, minOf, tightenWith);
}

/**
 * Most values a document valid under `bounds` can hold: a closed object counts its
 * members, an array maxItems times its items. Infinity where the contract leaves it open.
 */
function valuesOf(schema: Schema | undefined, depth = 0): number {
  if (!schema || typeof schema !== 'object' || depth > MAX_JSON_DEPTH) return Infinity;
  const parts = (schema.allOf as Schema[] | undefined) ?? [];
  // A value valid under the schema is valid under each of its allOf parts.
  if (parts.length)
    return Math.min(
      valuesOf({ ...schema, allOf: undefined }, depth + 1),
      ...parts.map((part) => valuesOf(part, depth + 1)),
    );
  const alternatives = [...((schema.anyOf as Schema[]) ?? []), ...((schema.oneOf as Schema[]) ?? [])];
  if (alternatives.length)
    return Math.max(
      ...alternatives.map((alternative) =>
        valuesOf({ ...schema, anyOf: undefined, oneOf: undefined, ...alternative }, depth + 1),
      ),
    );
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  let most =
    types.some((type) => ['string', 'number', 'integer', 'boolean', 'null'].includes(type as string)) ||
    schema.enum ||
    schema.const !== undefined
      ? 1
      : 0;
  if (types.includes('array') || schema.items) {
    const maxItems = ownBounds(schema).maxItems;
    most = Math.max(
      most,
      maxItems === undefined ? Infinity : 1 + maxItems * valuesOf(schema.items as Schema, depth + 1),
    );
  }
  if (types.includes('object') || schema.properties) {
    if (schema.additionalProperties !== false) return Infinity;
    let members = 1;
    for (const property of Object.values((schema.properties as Record<string, Schema>) ?? {}))
      members += valuesOf(property, depth + 1);
    most = Math.max(most, members);
  }
  if (most === 0) return Infinity;
  return most;
}

/** The limits a request body of this (dereferenced) schema is scanned with. */
export function limitsForSchema(schema: Schema): JsonLimits {
  return {
    maxDepth: MAX_JSON_DEPTH,
    maxValues: Math.min(MAX_JSON_VALUES, Math.max(MIN_JSON_VALUES, valuesOf(schema))),
    bounds: boundsOf(schema),
  };
}
