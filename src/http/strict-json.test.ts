/**
 * The I-JSON scanner on its own: it must pass every document JSON.parse reads one way
 * (so no valid body is refused), refuse what parsers read differently, and stop at the
 * first bound exceeded.
 */
import { describe, expect, test } from 'vitest';
import { boundsOf, limitsForSchema } from './json-bounds.ts';
import { scanJson, type JsonLimits } from './strict-json.ts';

const open: JsonLimits = { maxDepth: 32, maxValues: 100_000 };

describe('scanJson passes what JSON.parse reads one way', () => {
  test.each([
    '{}',
    '[]',
    ' \t\r\n{"a" : [1, -0.5e+3, 0, 1E-2, true, false, null, "x"] } \n',
    '"\\u00e9\\ud83d\\ude00\\"\\\\\\/\\b\\f\\n\\r\\t"',
    '{"a":{"b":{"c":[[],[{}]]}}}',
    '"😀 raw pair"',
    '9007199254740991',
    '-9007199254740991',
    '1.7976931348623157e308',
    '{"a":1,"b":{"a":2}}',
  ])('%s', (text) => {
    expect(() => JSON.parse(text)).not.toThrow();
    expect(scanJson(text, open)).toBeNull();
  });
});

describe('scanJson refuses invalid JSON as syntax', () => {
  test.each([
    '',
    '{',
    '{"a":}',
    '{"a" 1}',
    '[1,]',
    '[1 2]',
    '{}x',
    "{'a':1}",
    '{a:1}',
    '"\\x"',
    '"\\u12G4"',
    '01',
    '1.',
    '-',
    '1e',
    'tru',
    '"a\nb"',
    '\ufeff{}',
    '"abc',
  ])('%j', (text) => {
    expect(() => JSON.parse(text)).toThrow();
    expect(scanJson(text, open)).toMatchObject({ kind: 'syntax', pointer: '' });
  });
});

describe('scanJson refuses what parsers read differently (RFC 7493)', () => {
  test('a duplicate member name, pointing at it, at any depth', () => {
    expect(scanJson('{"a":1,"a":2}', open)).toMatchObject({ kind: 'duplicate-member', pointer: '/a' });
    expect(scanJson('{"x":[{"b":1},{"b":1,"c/d":0,"c/d":1}]}', open)).toMatchObject({
      kind: 'duplicate-member',
      pointer: '/x/1/c~1d',
    });
  });

  test('names are compared after unescaping', () => {
    expect(scanJson('{"a":1,"\\u0061":2}', open)).toMatchObject({ kind: 'duplicate-member', pointer: '/a' });
    expect(scanJson('{"é":1,"\\u00e9":2}', open)).toMatchObject({ kind: 'duplicate-member' });
  });

  test.each([
    ['a lone high surrogate escape', '{"name":"x\\ud800y"}', '/name'],
    ['a high surrogate escape at the end', '{"name":"x\\ud800"}', '/name'],
    ['a lone low surrogate escape', '["ok","\\udc00"]', '/1'],
    ['two high surrogate escapes', '"\\ud800\\ud800"', ''],
    ['a raw lone surrogate', '{"n":"a\ud800b"}', '/n'],
    ['a lone surrogate in a member name', '{"\\ud800":1}', ''],
  ])('%s', (_name, text, pointer) => {
    expect(scanJson(text, open)).toMatchObject({ kind: 'lone-surrogate', pointer });
  });

  test.each(['1e400', '-1e400', '9007199254740993', '-12345678901234567890', '1e-400'])(
    'the number %s, beyond IEEE 754 double',
    (text) => {
      expect(scanJson(`{"n":${text}}`, open)).toMatchObject({ kind: 'number-out-of-range', pointer: '/n' });
    },
  );
});

describe('scanJson bounds the work before anything is built', () => {
  test('depth: 32 levels pass, 33 are refused, and 10,000 cost no stack', () => {
    expect(scanJson('['.repeat(32) + ']'.repeat(32), open)).toBeNull();
    expect(scanJson('['.repeat(33) + ']'.repeat(33), open)).toMatchObject({ kind: 'too-deep' });
    expect(scanJson(`{"a":${'['.repeat(10_000)}${']'.repeat(10_000)}}`, open)).toMatchObject({ kind: 'too-deep' });
  });

  test('values: the count is bounded for the whole document', () => {
    const limits = { ...open, maxValues: 5 };
    expect(scanJson('[1,2,3,4]', limits)).toBeNull();
    expect(scanJson('[1,2,3,4,5]', limits)).toMatchObject({ kind: 'too-many-values' });
  });

  const schema = {
    type: 'object',
    additionalProperties: false,
    properties: {
      languages: { type: 'array', maxItems: 3, uniqueItems: true, items: { type: 'string', maxLength: 5 } },
      scopes: { type: 'array', uniqueItems: true, items: { enum: ['read', 'write'] } },
      note: {
        anyOf: [
          { type: 'string', maxLength: 4 },
          { type: 'string', maxLength: 6 },
        ],
      },
      map: { type: 'object', additionalProperties: { type: 'string', maxLength: 2 } },
    },
  };
  const limits = limitsForSchema(schema);

  test('maxItems per location, from the contract, stops at the first item too many', () => {
    expect(scanJson('{"languages":["a","b","c"]}', limits)).toBeNull();
    expect(scanJson('{"languages":["a","b","c","d"]}', limits)).toMatchObject({
      kind: 'too-many-items',
      pointer: '/languages',
    });
    // Items past the bound are never looked at, however malformed.
    expect(scanJson(`{"languages":["a","b","c","d",${'x'.repeat(100)}`, limits)).toMatchObject({
      kind: 'too-many-items',
    });
  });

  test('unique items of an enum are bounded by the enum', () => {
    expect(boundsOf(schema)?.properties?.get('scopes')?.maxItems).toBe(2);
    expect(scanJson('{"scopes":["read","write","read"]}', limits)).toMatchObject({
      kind: 'too-many-items',
      pointer: '/scopes',
    });
  });

  test('maxLength counts code points, as JSON Schema does; alternatives take the loosest bound', () => {
    expect(scanJson('{"languages":["😀😀😀😀😀"]}', limits)).toBeNull();
    expect(scanJson('{"languages":["\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9"]}', limits)).toBeNull();
    expect(scanJson('{"languages":["abcdef"]}', limits)).toMatchObject({ kind: 'too-long', pointer: '/languages/0' });
    expect(scanJson('{"note":"abcdef"}', limits)).toBeNull();
    expect(scanJson('{"note":"abcdefg"}', limits)).toMatchObject({ kind: 'too-long', pointer: '/note' });
    expect(scanJson('{"map":{"k":"abc"}}', limits)).toMatchObject({ kind: 'too-long', pointer: '/map/k' });
  });

  test('the 87,000 distinct languages of the report stop at the 4th, in far less time than parsing takes', () => {
    const body = JSON.stringify({ languages: Array.from({ length: 87_000 }, (_, i) => `l${i}`) });
    const scanStart = performance.now();
    expect(scanJson(body, limits)).toMatchObject({ kind: 'too-many-items', pointer: '/languages' });
    const scanMs = performance.now() - scanStart;
    const parseStart = performance.now();
    JSON.parse(body);
    const parseMs = performance.now() - parseStart;
    console.log(
      `87,000 languages: refused by the scan in ${scanMs.toFixed(3)} ms; JSON.parse alone takes ${parseMs.toFixed(3)} ms`,
    );
    expect(scanMs).toBeLessThan(Math.max(parseMs, 5));
  });
});
