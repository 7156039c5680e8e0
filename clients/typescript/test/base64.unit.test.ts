import { describe, expect, it } from 'vitest';
import { Base64Error, fromBase64, fromBase64url, toBase64, toBase64url } from '../src/base64.ts';

const bytes = (...values: number[]) => new Uint8Array(values);

describe('base64 and base64url, one canonical spelling each', () => {
  it('encodes as RFC 4648 sections 4 and 5 (padded and unpadded)', () => {
    // RFC 4648 section 10 test vectors.
    const vectors: [string, string][] = [
      ['', ''],
      ['f', 'Zg=='],
      ['fo', 'Zm8='],
      ['foo', 'Zm9v'],
      ['foob', 'Zm9vYg=='],
      ['fooba', 'Zm9vYmE='],
      ['foobar', 'Zm9vYmFy'],
    ];
    for (const [text, encoded] of vectors) {
      const data = new TextEncoder().encode(text);
      expect(toBase64(data)).toBe(encoded);
      expect(fromBase64(encoded)).toEqual(data);
      expect(toBase64url(data)).toBe(encoded.replace(/=+$/, ''));
      expect(fromBase64url(encoded.replace(/=+$/, ''))).toEqual(data);
    }
    expect(toBase64(bytes(0xfb, 0xff))).toBe('+/8=');
    expect(toBase64url(bytes(0xfb, 0xff))).toBe('-_8');
  });

  it('encodes arrays far larger than a call may take arguments', () => {
    const large = new Uint8Array(300_000).map((_, index) => index % 251);
    const encoded = toBase64(large);
    expect(encoded.length).toBe(400_000);
    expect(fromBase64(encoded)).toEqual(large);
    expect(fromBase64url(toBase64url(large))).toEqual(large);
  });

  it('refuses every other spelling: padding missing or extra, stray bits, whitespace, the other alphabet', () => {
    for (const text of ['Zg', 'Zg=', 'Zg===', 'Zh==', 'Zm9=', ' Zm9v', 'Zm9v\n', 'Zm 9v', '-_8=', 'Zg==Zg==', '=']) {
      expect(() => fromBase64(text), text).toThrow(Base64Error);
    }
    for (const text of ['Zg==', 'Zh', 'Zm9', 'Z', '+/8', 'Zm9v ', 'Zm9v.']) {
      expect(() => fromBase64url(text), text).toThrow(Base64Error);
    }
  });
});
