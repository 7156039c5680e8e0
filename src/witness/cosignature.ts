/**
 * C2SP `tlog-cosignature` (cosignature/v1, Ed25519) as the portal checks it: a witness's
 * note signature line over a checkpoint body. Kept apart from the client's implementation
 * (clients/typescript/src/witness.ts) so that a bug shared by both could be caught by the
 * tests that run one against the other, and by the independent verifier in test/interop.
 */
import { base64url, type JWK } from 'jose';
import { fromBase64 } from '../../clients/typescript/src/base64.ts';

const encoder = new TextEncoder();

/** The cosigner name of a state's witness: the name its note signature lines carry. */
export const witnessName = (stateId: string) => `cbm-witness/${stateId}`;

/** SHA-256(name || 0x0A || 0x04 || 32-byte Ed25519 key)[:4]: 0x04 is the cosignature/v1 signature type. */
export async function cosignatureKeyId(name: string, publicKey: Uint8Array): Promise<Uint8Array> {
  const input = new Uint8Array([...encoder.encode(name), 0x0a, 0x04, ...publicKey]);
  return new Uint8Array(await crypto.subtle.digest('SHA-256', input)).slice(0, 4);
}

/** The message a cosignature/v1 signs: two header lines, then the checkpoint body with its final newline. */
export const cosignedMessage = (body: string, timestamp: bigint) =>
  encoder.encode(`cosignature/v1\ntime ${timestamp}\n${body}`);

/** The note body (text before the blank line, with its final newline), or undefined for a malformed note. */
export function noteBody(note: string): string | undefined {
  const end = note.indexOf('\n\n');
  return end < 0 ? undefined : note.slice(0, end + 1);
}

export type CosignatureFlaw = 'malformed' | 'wrong-name' | 'wrong-key-id' | 'bad-signature' | 'not-ed25519';

/**
 * Checks one signature line as a cosignature/v1 by `jwk` under `name` on `body`. Returns
 * the signed timestamp (POSIX seconds) or the flaw.
 */
export async function checkCosignature(
  line: string,
  name: string,
  jwk: JWK,
  body: string,
): Promise<{ timestamp: bigint } | { flaw: CosignatureFlaw }> {
  const match = /^— (\S+) ([A-Za-z0-9+/]+={0,2})$/.exec(line);
  if (!match) return { flaw: 'malformed' };
  if (match[1] !== name) return { flaw: 'wrong-name' };
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || !jwk.x) return { flaw: 'not-ed25519' };
  let blob: Uint8Array<ArrayBuffer>;
  try {
    blob = fromBase64(match[2]!) as Uint8Array<ArrayBuffer>;
  } catch {
    return { flaw: 'malformed' };
  }
  if (blob.byteLength !== 4 + 8 + 64) return { flaw: 'malformed' };
  const publicKey = new Uint8Array(base64url.decode(jwk.x));
  const keyId = await cosignatureKeyId(name, publicKey);
  if (!keyId.every((byte, index) => byte === blob[index])) return { flaw: 'wrong-key-id' };
  const timestamp = new DataView(blob.buffer, blob.byteOffset + 4, 8).getBigUint64(0);
  if (timestamp >= 2n ** 63n) return { flaw: 'malformed' };
  const key = await crypto.subtle.importKey('raw', publicKey, { name: 'Ed25519' }, false, ['verify']);
  const valid = await crypto.subtle.verify({ name: 'Ed25519' }, key, blob.slice(12), cosignedMessage(body, timestamp));
  return valid ? { timestamp } : { flaw: 'bad-signature' };
}
