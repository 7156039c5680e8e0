import { base64url } from 'jose';

const encoder = new TextEncoder();

export const utf8 = (text: string): Uint8Array => encoder.encode(text);

/** base64url (no padding) SHA-256, the digest format of every `*_sha256` claim. */
export async function sha256b64u(data: Uint8Array | string): Promise<string> {
  const bytes = typeof data === 'string' ? utf8(data) : data;
  return base64url.encode(new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>)));
}

export const b64u = base64url;
