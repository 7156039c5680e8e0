/**
 * The contract is one any mainstream generator turns into a working client (issue 12 item
 * 1), and the single source of per-operation facts the server reads (item 4). Spectral and
 * Redocly lint it in `npm test`; these are the rules they do not know.
 */
import { describe, expect, test } from 'vitest';
import { specDocument } from '../src/generated/spec.ts';
import { allOperations, HTTP_METHODS } from '../src/http/spec-index.ts';
import { createTestPortal } from './support/portal.ts';

// biome-ignore lint/suspicious/noExplicitAny: response bodies are read by path in assertions; expect checks each value
type Json = Record<string, any>;
const spec = specDocument as Json;

const operations = Object.entries(spec.paths as Json).flatMap(([path, item]) =>
  HTTP_METHODS.filter((method) => item[method]).map((method) => ({ path, method, operation: item[method] as Json })),
);

/** Every media type object of a request or response body in the document, with where it is. */
function mediaTypes(): { where: string; mediaType: string; media: Json }[] {
  const found: { where: string; mediaType: string; media: Json }[] = [];
  const resolve = (node: Json): Json =>
    node.$ref
      ? resolve(
          node.$ref
            .slice(2)
            .split('/')
            .reduce((at: Json, part: string) => at[part], spec),
        )
      : node;
  for (const { path, method, operation } of operations) {
    for (const [mediaType, media] of Object.entries((operation.requestBody?.content ?? {}) as Json))
      found.push({ where: `${method} ${path} request`, mediaType, media });
    for (const [status, response] of Object.entries(operation.responses as Json)) {
      for (const [mediaType, media] of Object.entries((resolve(response).content ?? {}) as Json))
        found.push({ where: `${method} ${path} ${status}`, mediaType, media });
    }
  }
  return found.map((entry) => ({
    ...entry,
    media: { ...entry.media, schema: entry.media.schema && resolve(entry.media.schema) },
  }));
}

describe('the contract', () => {
  test('names every component once across schemas, parameters, responses, headers, request bodies and security schemes', () => {
    const sections = ['schemas', 'parameters', 'responses', 'headers', 'requestBodies', 'securitySchemes'];
    const names = sections.flatMap((section) =>
      Object.keys(spec.components[section] ?? {}).map((name) => ({ section, name })),
    );
    const clashes = names.filter(
      ({ name }, index) => names.findIndex((other) => other.name.toLowerCase() === name.toLowerCase()) !== index,
    );
    expect(clashes).toEqual([]);
    expect(names.length).toBeGreaterThan(100);
  });

  test('describes every operation and says its security: public, or the one scope of the Scope schema its key must hold', () => {
    const scopes = spec.components.schemas.Scope.enum as string[];
    for (const { path, method, operation } of operations) {
      expect({
        path,
        method,
        description: typeof operation.description === 'string' && operation.description.length > 20,
      }).toEqual({ path, method, description: true });
      const security = operation.security as Json[];
      expect(Array.isArray(security), `${method} ${path} says its security`).toBe(true);
      if (security.length) {
        expect(security).toHaveLength(1);
        const [requirement] = Object.values(security[0]!) as string[][];
        expect(requirement).toHaveLength(1);
        expect(scopes).toContain(requirement![0]);
      }
    }
    // The server reads exactly these (src/http/spec-index.ts).
    expect(
      allOperations()
        .filter((op) => op.scope === null)
        .map((op) => op.operationId)
        .sort(),
    ).toEqual(['getHealth', 'getLogCheckpoint', 'getOpenApiJson', 'getOpenApiYaml', 'getPortalJwks']);
  });

  test('types every body that is not JSON: bytes as format binary, text as a string; raw request bodies give x-max-bytes', () => {
    for (const { where, mediaType, media } of mediaTypes()) {
      if (mediaType === 'application/json' || mediaType.endsWith('+json')) {
        expect({ where, mediaType, schema: typeof media.schema }).toEqual({ where, mediaType, schema: 'object' });
        continue;
      }
      const schema = media.schema as Json | undefined;
      expect({ where, mediaType, type: schema?.type }).toEqual({ where, mediaType, type: 'string' });
      // Text (the checkpoint, the contract, a CSV) may be a plain string; anything else is bytes.
      const textual = mediaType.startsWith('text/') || mediaType.endsWith('yaml');
      if (!textual)
        expect({ where, mediaType, format: schema?.format }).toEqual({ where, mediaType, format: 'binary' });
    }
    for (const { path, method, operation } of operations) {
      const content = Object.keys(operation.requestBody?.content ?? {});
      if (content.some((mediaType) => mediaType !== 'application/json'))
        expect({ path, method, max: typeof operation.requestBody['x-max-bytes'] }).toEqual({
          path,
          method,
          max: 'number',
        });
    }
  });

  test('gives binary bodies inline, never through a $ref (generators then send and ask for a Blob)', () => {
    const resolve = (node: Json): Json =>
      node.$ref
        ? resolve(
            node.$ref
              .slice(2)
              .split('/')
              .reduce((at: Json, part: string) => at[part], spec),
          )
        : node;
    const referenced: string[] = [];
    for (const { path, method, operation } of operations) {
      const bodies = [operation.requestBody, ...Object.values(operation.responses as Json).map(resolve)].filter(
        Boolean,
      ) as Json[];
      for (const body of bodies) {
        for (const [mediaType, media] of Object.entries((body.content ?? {}) as Json)) {
          if (media.schema?.$ref && resolve(media.schema).format === 'binary')
            referenced.push(`${method} ${path} ${mediaType}`);
        }
      }
    }
    expect(referenced).toEqual([]);
    expect(mediaTypes().filter(({ media }) => media.schema?.format === 'binary').length).toBeGreaterThan(10);
  });

  test('has no inline enum on a property whose name is a reserved word (generators make a type of it)', () => {
    const reserved = new Set([
      'in',
      'for',
      'if',
      'do',
      'new',
      'var',
      'let',
      'case',
      'default',
      'delete',
      'enum',
      'class',
      'function',
      'return',
      'switch',
      'typeof',
      'void',
      'with',
      'yield',
      'import',
      'export',
    ]);
    const offending: string[] = [];
    const walk = (node: unknown, where: string) => {
      if (Array.isArray(node)) for (const [index, item] of node.entries()) walk(item, `${where}/${index}`);
      else if (node && typeof node === 'object') {
        for (const [key, value] of Object.entries(node as Json)) {
          if (key === 'properties' && value && typeof value === 'object') {
            for (const [name, property] of Object.entries(value as Json))
              if (reserved.has(name) && (property as Json).enum) offending.push(`${where}/properties/${name}`);
          }
          walk(value, `${where}/${key}`);
        }
      }
    };
    walk(spec, '#');
    expect(offending).toEqual([]);
  });

  test('is what the app routes: every operation has a handler, and every handler an operation', async () => {
    const { app } = await createTestPortal();
    const routed = new Set(
      app.routes
        .filter((route) => route.method !== 'ALL')
        .map((route) => `${route.method} ${route.path.replace(/:([A-Za-z]+)/g, '{$1}').replace(/\/$/, '') || '/'}`),
    );
    const contracted = new Set(operations.map(({ path, method }) => `${method.toUpperCase()} ${path}`));
    expect([...routed].filter((route) => !contracted.has(route)).sort()).toEqual([]);
    expect([...contracted].filter((route) => !routed.has(route)).sort()).toEqual([]);
  });
});
