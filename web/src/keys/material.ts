/**
 * Turning a private JWK file (`cbm keygen`'s output) into a non-extractable CryptoKey, and
 * creating a new key pair in the browser. The private JWK lives only inside `importKeyFile`:
 * it is parsed, imported with `extractable: false` and dropped; only the CryptoKey and the
 * public JWK are returned.
 */
import { createRequestSignerFromKey } from '../../../clients/typescript/src/sign.ts';
import { thumbprint } from '../../../clients/typescript/src/keys.ts';
import type { JWK } from 'jose';
import type { KeyAlgorithm } from './store.ts';

export interface KeyMaterial {
  alg: KeyAlgorithm;
  kid: string;
  publicJwk: JWK;
  privateKey: CryptoKey;
}

/** A key file the browser cannot use; `reason` is a message key of keys.messages.ts. */
export class KeyFileError extends Error {
  constructor(
    readonly reason: 'not-json' | 'not-private' | 'unsupported' | 'import-failed',
    detail?: string,
  ) {
    super(detail ? `${reason}: ${detail}` : reason);
    this.name = 'KeyFileError';
  }
}

const IMPORT_PARAMS: Record<KeyAlgorithm, EcKeyImportParams | Algorithm> = {
  EdDSA: { name: 'Ed25519' },
  ES256: { name: 'ECDSA', namedCurve: 'P-256' },
};

export function algorithmOfJwk(jwk: { kty?: unknown; crv?: unknown }): KeyAlgorithm | null {
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') return 'EdDSA';
  if (jwk.kty === 'EC' && jwk.crv === 'P-256') return 'ES256';
  return null;
}

export const publicPart = (jwk: JWK): JWK => {
  const { kty, crv, x, y } = jwk;
  return { kty, crv, x, ...(y ? { y } : {}) } as JWK;
};

/** Reads a private JWK file's text into a non-extractable signing key. */
export async function importKeyFile(text: string): Promise<KeyMaterial> {
  let jwk: JWK | null;
  try {
    jwk = JSON.parse(text) as JWK;
  } catch {
    throw new KeyFileError('not-json');
  }
  if (!jwk || typeof jwk !== 'object') throw new KeyFileError('not-json');
  const alg = algorithmOfJwk(jwk);
  if (!alg) throw new KeyFileError('unsupported', `${String(jwk.kty)} ${String(jwk.crv)}`);
  if (typeof jwk.d !== 'string') throw new KeyFileError('not-private');
  const publicJwk = publicPart(jwk);
  let privateKey: CryptoKey;
  try {
    const { kty, crv, x, y, d } = jwk;
    privateKey = await crypto.subtle.importKey('jwk', { kty, crv, x, y, d } as JsonWebKey, IMPORT_PARAMS[alg], false, [
      'sign',
    ]);
  } catch (error) {
    throw new KeyFileError('import-failed', error instanceof Error ? error.message : String(error));
  } finally {
    jwk = null;
  }
  return { alg, kid: await thumbprint(publicJwk), publicJwk, privateKey };
}

/** A new key pair made by the browser; the private half is never extractable. */
export async function generateKey(alg: KeyAlgorithm = 'EdDSA'): Promise<KeyMaterial> {
  const pair = (await crypto.subtle.generateKey(IMPORT_PARAMS[alg] as EcKeyGenParams, false, [
    'sign',
    'verify',
  ])) as CryptoKeyPair;
  const publicJwk = publicPart((await crypto.subtle.exportKey('jwk', pair.publicKey)) as JWK);
  return { alg, kid: await thumbprint(publicJwk), publicJwk, privateKey: pair.privateKey };
}

/** Fails (SigningKeyError) unless the key can sign as the portal requires; used before storing. */
export async function assertUsable(material: KeyMaterial, principal: string, audience: string): Promise<void> {
  await createRequestSignerFromKey({
    principal,
    privateKey: material.privateKey,
    publicJwk: material.publicJwk,
    audience,
  });
}

/** The public JWK as handed to the Secretariat (`cbm keys add` reads this shape). */
export const publicJwkText = (material: Pick<KeyMaterial, 'publicJwk' | 'kid' | 'alg'>) =>
  `${JSON.stringify({ ...material.publicJwk, kid: material.kid, alg: material.alg, use: 'sig' }, null, 2)}\n`;
