/**
 * base64 (RFC 4648 section 4, padded: checkpoint notes, roots, proofs, Repr-Digest) and
 * base64url (section 5, unpadded: JOSE, digests) for every runtime this code runs in (Node,
 * Workers, browsers). Decoding is strict: only the one canonical spelling of a byte string is
 * read (no whitespace, no missing or extra padding, no bits set past the data), so a signed
 * value has a single form. The server uses the same helpers.
 */

export class Base64Error extends Error {
  override name = 'Base64Error';
}

// String.fromCharCode(...bytes) on a whole large array would overflow the call stack.
const CHUNK = 0x8000;
function binaryString(bytes: Uint8Array): string {
  let binary = '';
  for (let offset = 0; offset < bytes.length; offset += CHUNK)
    binary += String.fromCharCode(...bytes.subarray(offset, offset + CHUNK));
  return binary;
}

const bytesOf = (binary: string): Uint8Array => Uint8Array.from(binary, (char) => char.charCodeAt(0));

/**
 * Node's Buffer (also on Workers with nodejs_compat) encodes and decodes natively, many
 * times faster than btoa over a binary string; browsers take the portable path. The
 * canonical checks below are the same on both.
 */
interface NativeBuffer {
  from(bytes: ArrayBufferLike, offset: number, length: number): { toString(encoding: 'base64' | 'base64url'): string };
  from(text: string, encoding: 'base64' | 'base64url'): Uint8Array;
}
const native = (globalThis as { Buffer?: NativeBuffer }).Buffer;

const encodeNative = (bytes: Uint8Array, encoding: 'base64' | 'base64url') =>
  native!.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString(encoding);

export const toBase64 = (bytes: Uint8Array): string =>
  native ? encodeNative(bytes, 'base64') : btoa(binaryString(bytes));

export const toBase64url = (bytes: Uint8Array): string =>
  native
    ? encodeNative(bytes, 'base64url')
    : toBase64(bytes).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

/** The bytes of canonical padded base64; anything else throws Base64Error. */
export function fromBase64(text: string): Uint8Array {
  if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) throw new Base64Error('not canonical base64');
  const bytes = native ? new Uint8Array(native.from(text, 'base64')) : bytesOf(atob(text));
  if (toBase64(bytes) !== text) throw new Base64Error('not canonical base64');
  return bytes;
}

/** The bytes of canonical unpadded base64url; anything else throws Base64Error. */
export function fromBase64url(text: string): Uint8Array {
  if (text.length % 4 === 1 || !/^[A-Za-z0-9_-]*$/.test(text)) throw new Base64Error('not canonical base64url');
  const bytes = native
    ? new Uint8Array(native.from(text, 'base64url'))
    : bytesOf(
        atob(
          text
            .replace(/-/g, '+')
            .replace(/_/g, '/')
            .padEnd(Math.ceil(text.length / 4) * 4, '='),
        ),
      );
  if (toBase64url(bytes) !== text) throw new Base64Error('not canonical base64url');
  return bytes;
}
