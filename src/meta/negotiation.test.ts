import { describe, expect, it } from 'vitest';
import { specDocument, specYaml } from '../generated/spec.ts';
import { createTestPortal, ORIGIN } from '../../test/support/portal.ts';
import { problem } from '../../test/support/problem.ts';
import { preferred, quality } from '../http/negotiate.ts';

const ranges = (...pairs: [string, number][]) => pairs.map(([type, q]) => ({ type, q }));

describe('quality and preference by q-values (RFC 9110 section 12.5.1)', () => {
  it('takes the q of the most specific range that covers a type', () => {
    const accept = ranges(['*/*', 0.1], ['text/*', 0.5], ['text/plain', 0.8]);
    expect(quality(accept, 'text/plain')).toBe(0.8);
    expect(quality(accept, 'text/yaml')).toBe(0.5);
    expect(quality(accept, 'application/yaml')).toBe(0.1);
    expect(quality(ranges(['text/plain', 1]), 'application/yaml')).toBe(0);
    expect(quality(ranges(['TEXT/Plain', 1]), 'text/plain')).toBe(1);
  });

  it('an exact q=0 excludes a type its wildcard would allow', () => {
    const accept = ranges(['text/*', 1], ['text/yaml', 0]);
    expect(quality(accept, 'text/yaml')).toBe(0);
    expect(preferred(accept, ['application/yaml', 'text/yaml', 'text/plain'])).toBe('text/plain');
  });

  it("prefers the client's higher q; on a tie the server's earlier type; none when all are 0", () => {
    const offered = ['application/yaml', 'text/yaml', 'text/plain'];
    expect(preferred(ranges(['text/plain', 1], ['application/yaml', 0.5]), offered)).toBe('text/plain');
    expect(preferred(ranges(['text/plain', 1], ['application/yaml', 1]), offered)).toBe('application/yaml');
    expect(preferred(ranges(['*/*', 0]), offered)).toBeUndefined();
    expect(preferred(ranges(['application/json', 1]), offered)).toBeUndefined();
    expect(preferred([], offered)).toBe('application/yaml');
  });
});

describe('GET /openapi.yaml and /openapi.json honour the client’s preference', () => {
  const get = async (path: string, accept?: string) => {
    const portal = await createTestPortal();
    return portal.fetch(new Request(`${ORIGIN}${path}`, { headers: accept === undefined ? {} : { accept } }));
  };

  it('answers the YAML in the media type the client prefers, byte for byte, each with its own ETag', async () => {
    const cases: [accept: string | undefined, served: string][] = [
      [undefined, 'application/yaml'],
      ['*/*', 'application/yaml'],
      ['text/plain;q=1, application/yaml;q=0.5', 'text/plain'],
      ['application/yaml;q=0.2, text/yaml;q=0.9', 'text/yaml'],
      ['text/*;q=0.5, application/yaml;q=0.4', 'text/yaml'],
      ['text/*, text/yaml;q=0', 'text/plain'],
      ['application/yaml;q=0, */*;q=0.3', 'text/yaml'],
      ['application/json, text/plain;q=0.1', 'text/plain'],
    ];
    const etags = new Map<string, string>();
    for (const [accept, served] of cases) {
      const res = await get('/openapi.yaml', accept);
      expect({
        accept,
        status: res.status,
        type: res.headers.get('content-type'),
        vary: res.headers.get('vary'),
      }).toEqual({ accept, status: 200, type: `${served}; charset=utf-8`, vary: 'Accept' });
      expect(await res.text()).toBe(specYaml);
      const etag = res.headers.get('etag')!;
      expect(etags.get(served) ?? etag, `one ETag per representation (${served})`).toBe(etag);
      etags.set(served, etag);
    }
    expect(new Set(etags.values()).size).toBe(3);
  });

  it('406 problem+json naming what it serves when the client accepts none of it', async () => {
    for (const accept of [
      'application/json',
      'text/html, application/xml;q=0.9',
      '*/*;q=0',
      'text/*;q=0, application/*;q=0',
    ]) {
      const body = await problem(await get('/openapi.yaml', accept), 406);
      expect({ accept, code: body.code, detail: body.detail }).toEqual({
        accept,
        code: 'not-acceptable',
        detail: 'This resource is available as application/yaml, text/yaml, text/plain.',
      });
    }
    const json = await problem(await get('/openapi.json', 'application/json;q=0, text/plain'), 406);
    expect(json).toMatchObject({ code: 'not-acceptable', detail: 'This resource is available as application/json.' });
  });

  it('serves /openapi.json to any q above 0 for JSON', async () => {
    for (const accept of [undefined, 'application/json', '*/*;q=0.1', 'application/*;q=0.5, text/html']) {
      const res = await get('/openapi.json', accept);
      expect({ accept, status: res.status, type: res.headers.get('content-type') }).toEqual({
        accept,
        status: 200,
        type: 'application/json',
      });
      expect(await res.json()).toEqual(specDocument);
    }
  });
});
