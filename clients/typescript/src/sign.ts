import { importJWK, SignJWT, type JWK, type JWTPayload } from 'jose';
import { sha256b64u } from './digest.ts';
import { algorithmOf, thumbprint, type KeyAlgorithm } from './keys.ts';

export const REQUEST_TOKEN_TYPE = 'cbm-request+jwt';
const METHODS_WITH_BODY = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export interface SignerOptions {
  /** Principal id: the state's ISO 3166-1 alpha-2 code, or `secretariat`. */
  principal: string;
  /** Private JWK (Ed25519 or P-256) registered for the principal. */
  privateJwk: JWK;
  /** The portal's public origin, e.g. https://cbm.example.org. */
  audience: string;
  /** Token lifetime in seconds (the portal accepts at most 300). Default 120. */
  lifetimeSeconds?: number;
  /** Clock, for tests and for hosts with a known offset. Default: the system clock. */
  now?: () => Date;
}

export interface RequestToSign {
  method: string;
  /** Path and query exactly as they will be sent, e.g. `/contacts?state=AT`. */
  pathAndQuery: string;
  /** The exact body bytes (or text, sent as UTF-8). */
  body?: Uint8Array | string;
}

export interface RequestSigner {
  readonly principal: string;
  readonly kid: string;
  readonly alg: KeyAlgorithm;
  /** A fresh `cbm-request+jwt` for one request. */
  sign(request: RequestToSign): Promise<string>;
  /** The same, with claims or header members changed (for testing a portal's refusals). */
  signWith(
    request: RequestToSign,
    overrides: { claims?: Partial<JWTPayload> & Record<string, unknown>; header?: Record<string, unknown> },
  ): Promise<string>;
}

/**
 * Signs requests as DESIGN.md section 3 specifies: `typ`, `kid`, `iss`, `aud`, `iat`,
 * `exp`, a fresh `jti`, `htm`, `htu`, and `body_sha256` over the exact body bytes.
 *
 * @example
 * const signer = await createRequestSigner({ principal: 'AT', privateJwk, audience: 'http://127.0.0.1:8787' });
 * const token = await signer.sign({ method: 'GET', pathAndQuery: '/contacts' });
 */
export async function createRequestSigner(options: SignerOptions): Promise<RequestSigner> {
  const alg = algorithmOf(options.privateJwk);
  const kid = await thumbprint(options.privateJwk);
  const key = await importJWK({ ...options.privateJwk, alg }, alg);
  return tokenSigner(options, alg, kid, key);
}

export interface KeySignerOptions extends Omit<SignerOptions, 'privateJwk'> {
  /**
   * The private key as a WebCrypto key (Ed25519 or ECDSA P-256) that can sign. It must be
   * non-extractable: a browser keeps it in IndexedDB and nothing can read its secret back.
   */
  privateKey: CryptoKey;
  /** Its public JWK (as registered with the Secretariat): gives the `kid` and the algorithm. */
  publicJwk: JWK;
}

/** Thrown when a WebCrypto key cannot sign as the portal requires; `reason` says why. */
export class SigningKeyError extends Error {
  constructor(readonly reason: string) {
    super(`signing key refused: ${reason}`);
    this.name = 'SigningKeyError';
  }
}

const WEBCRYPTO_NAME: Record<KeyAlgorithm, string> = { EdDSA: 'Ed25519', ES256: 'ECDSA' };

/**
 * The same signer as `createRequestSigner` (same token rules, same code), for a private key
 * held as a non-extractable WebCrypto `CryptoKey`, as the browser portal keeps it. Refuses
 * an extractable key, a key that cannot sign, a key of another algorithm than its public
 * JWK, and a private key that does not belong to the public JWK (checked by signing and
 * verifying one probe message).
 *
 * @example
 * const { privateKey } = await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify']);
 * const signer = await createRequestSignerFromKey({ principal: 'AT', privateKey, publicJwk, audience });
 */
export async function createRequestSignerFromKey(options: KeySignerOptions): Promise<RequestSigner> {
  const { privateKey, publicJwk } = options;
  if (publicJwk.d) throw new SigningKeyError('publicJwk holds a private key member d');
  const alg = algorithmOf(publicJwk);
  if (privateKey.type !== 'private') throw new SigningKeyError(`a ${privateKey.type} key cannot sign`);
  if (privateKey.extractable)
    throw new SigningKeyError(
      'the key is extractable: import it with extractable false so its secret cannot be read back',
    );
  if (!privateKey.usages.includes('sign')) throw new SigningKeyError('the key is not usable for sign');
  // Structural, not DOM's EcKeyAlgorithm: the Workers type library has no such name.
  const algorithm = privateKey.algorithm as { name: string; namedCurve?: string };
  if (algorithm.name !== WEBCRYPTO_NAME[alg] || (alg === 'ES256' && algorithm.namedCurve !== 'P-256'))
    throw new SigningKeyError(
      `the key is ${algorithm.name}${algorithm.namedCurve ? ` ${algorithm.namedCurve}` : ''}, its public JWK ${alg}`,
    );
  await assertKeyPairMatches(alg, privateKey, publicJwk);
  return tokenSigner(options, alg, await thumbprint(publicJwk), privateKey);
}

async function assertKeyPairMatches(alg: KeyAlgorithm, privateKey: CryptoKey, publicJwk: JWK) {
  const params = alg === 'EdDSA' ? { name: 'Ed25519' } : { name: 'ECDSA', hash: 'SHA-256' };
  const importParams = alg === 'EdDSA' ? { name: 'Ed25519' } : { name: 'ECDSA', namedCurve: 'P-256' };
  // algorithmOf has checked kty (OKP or EC) before this runs.
  const { kty = '', crv, x, y } = publicJwk;
  const publicKey = await crypto.subtle.importKey('jwk', { kty, crv, x, ...(y ? { y } : {}) }, importParams, false, [
    'verify',
  ]);
  const probe = new TextEncoder().encode('cbm signing key probe');
  const signature = await crypto.subtle.sign(params, privateKey, probe);
  if (!(await crypto.subtle.verify(params, publicKey, signature, probe)))
    throw new SigningKeyError('the private key does not belong to the public JWK');
}

/** The token rules, shared by both signers: only the key differs. */
function tokenSigner(
  options: Omit<SignerOptions, 'privateJwk'>,
  alg: KeyAlgorithm,
  kid: string,
  key: CryptoKey | Uint8Array,
): RequestSigner {
  const lifetime = options.lifetimeSeconds ?? 120;
  const now = options.now ?? (() => new Date());

  async function signWith(
    request: RequestToSign,
    overrides: { claims?: Record<string, unknown>; header?: Record<string, unknown> } = {},
  ) {
    const method = request.method.toUpperCase();
    const iat = Math.floor(now().getTime() / 1000);
    const claims: Record<string, unknown> = {
      iss: options.principal,
      aud: options.audience,
      iat,
      exp: iat + lifetime,
      jti: crypto.randomUUID(),
      htm: method,
      htu: request.pathAndQuery,
    };
    if (METHODS_WITH_BODY.has(method)) claims.body_sha256 = await sha256b64u(request.body ?? new Uint8Array());
    return new SignJWT({ ...claims, ...overrides.claims })
      .setProtectedHeader({ alg, typ: REQUEST_TOKEN_TYPE, kid, ...overrides.header })
      .sign(key);
  }

  return { principal: options.principal, kid, alg, sign: (request) => signWith(request), signWith };
}

/**
 * A `fetch` that signs every request it sends. `fetchImpl` may be any fetch-compatible
 * function, e.g. `app.fetch` of an in-process portal.
 */
export function signedFetch(signer: RequestSigner, fetchImpl: (request: Request) => Promise<Response> = fetch) {
  return async function signedFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
    const request = new Request(input, init);
    const body = request.body ? new Uint8Array(await request.arrayBuffer()) : undefined;
    const url = new URL(request.url);
    const token = await signer.sign({ method: request.method, pathAndQuery: url.pathname + url.search, body });
    const headers = new Headers(request.headers);
    headers.set('Authorization', `Bearer ${token}`);
    return fetchImpl(new Request(request.url, { method: request.method, headers, body: body as BodyInit | undefined }));
  };
}
