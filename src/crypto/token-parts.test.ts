/**
 * The contract's token shapes as the portal reports them (token-schemas.ts): which part,
 * which schema, where and why; and stored tokens decoded for display.
 */
import { base64url } from 'jose';
import { describe, expect, it } from 'vitest';
import { attestationShapeError, decodeTokenParts, requestTokenShapeError } from './token-schemas.ts';

const header = { alg: 'EdDSA', typ: 'cbm-request+jwt', kid: 'A'.repeat(43) };
const claims = {
  iss: 'AT',
  aud: 'http://portal.test',
  iat: 1795770000,
  exp: 1795770060,
  jti: 'a'.repeat(16),
  htm: 'GET',
  htu: '/contacts',
};

describe('token shapes', () => {
  it('names the part, the schema, the pointer and the reason of the first mismatch', () => {
    expect(requestTokenShapeError(header, claims)).toBeNull();
    expect(requestTokenShapeError({ ...header, typ: 'JWT' }, claims)).toMatchObject({
      part: 'header',
      schema: 'RequestTokenHeader',
      pointer: '/typ',
      detail: expect.any(String),
    });
    expect(requestTokenShapeError(header, { ...claims, htm: 'TRACE' })).toMatchObject({
      part: 'claims',
      schema: 'RequestTokenClaims',
      pointer: '/htm',
      detail: expect.any(String),
    });
    // The header is checked first.
    expect(requestTokenShapeError({ ...header, typ: 'JWT' }, { ...claims, htm: 'TRACE' })?.part).toBe('header');
    expect(attestationShapeError({ alg: 'EdDSA', typ: 'cbm-request+jwt', kid: 'k' }, {})).toMatchObject({
      part: 'header',
      schema: 'AttestationTokenHeader',
    });
  });

  it('decodes a stored token for display', () => {
    const part = (value: unknown) => base64url.encode(JSON.stringify(value));
    const token = `${part(header)}.${part(claims)}.${base64url.encode(new Uint8Array(64))}`;
    expect(decodeTokenParts(token)).toEqual({ header, claims });
  });
});
