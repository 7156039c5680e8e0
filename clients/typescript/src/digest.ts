import { base64url } from 'jose';

/** base64url (no padding) SHA-256, as in `body_sha256` and `request_sha256`. */
export async function sha256b64u(data: Uint8Array | string): Promise<string> {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  return base64url.encode(new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>)));
}
