/**
 * The digests behind every `*_sha256` claim and every log hash, on both paths: node:crypto
 * (Node, Workers with nodejs_compat) and WebCrypto (a runtime without node:crypto, loaded
 * here with `process.getBuiltinModule` hidden). Both must give the published SHA-256
 * values for the same bytes, whole or in pieces.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as nodePath from './encoding.ts';

type Encoding = typeof nodePath;

/** encoding.ts as a runtime without node:crypto loads it. */
async function webCryptoPath(): Promise<Encoding> {
  const original = process.getBuiltinModule;
  (process as { getBuiltinModule?: unknown }).getBuiltinModule = undefined;
  try {
    vi.resetModules();
    return (await import('./encoding.ts')) as Encoding;
  } finally {
    process.getBuiltinModule = original;
  }
}

afterEach(() => vi.resetModules());

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const EMPTY = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const ABC = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
const ABC_B64U = 'ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0';

describe.each([
  ['node:crypto', async () => nodePath],
  ['WebCrypto', webCryptoPath],
])('SHA-256 through %s', (_name, load) => {
  it('gives the published digests, as base64url and as bytes', async () => {
    const encoding = await load();
    expect(await encoding.sha256b64u('abc')).toBe(ABC_B64U);
    expect(await encoding.sha256b64u(new TextEncoder().encode('abc'))).toBe(ABC_B64U);
    expect(await encoding.sha256b64u('')).toBe('47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU');
    expect(hex(await encoding.sha256Bytes())).toBe(EMPTY);
    expect(hex(await encoding.sha256Bytes(new TextEncoder().encode('abc')))).toBe(ABC);
    // The parts are hashed as one message, in order.
    expect(
      hex(await encoding.sha256Bytes(new Uint8Array([0x61]), new Uint8Array([]), new Uint8Array([0x62, 0x63]))),
    ).toBe(ABC);
    expect(hex(await encoding.sha256Bytes(new Uint8Array([0x62, 0x63]), new Uint8Array([0x61])))).not.toBe(ABC);
  });

  it('hashes a stream of pieces as the whole', async () => {
    const encoding = await load();
    const stream = encoding.incrementalSha256();
    for (const piece of ['a', '', 'bc']) stream.update(new TextEncoder().encode(piece));
    expect(await stream.digest()).toBe(ABC_B64U);
    expect(await encoding.incrementalSha256().digest()).toBe('47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU');
  });

  it('encodes UTF-8 and base64url', async () => {
    const encoding = await load();
    expect([...encoding.utf8('é€')]).toEqual([0xc3, 0xa9, 0xe2, 0x82, 0xac]);
    expect(encoding.b64u.encode(new Uint8Array([0xfb, 0xff]))).toBe('-_8');
  });
});

it('uses node:crypto where the runtime has it, WebCrypto elsewhere', async () => {
  const digest = vi.spyOn(crypto.subtle, 'digest');
  try {
    await nodePath.sha256b64u('abc');
    await nodePath.sha256Bytes(new Uint8Array([1]));
    expect(digest).not.toHaveBeenCalled();
    const web = await webCryptoPath();
    await web.sha256b64u('abc');
    await web.sha256Bytes(new Uint8Array([1]));
    expect(digest).toHaveBeenCalledTimes(2);
  } finally {
    digest.mockRestore();
  }
});
