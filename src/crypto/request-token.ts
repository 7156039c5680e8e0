import type { JWK, JWTPayload, ProtectedHeaderParameters } from 'jose';
import { Base64Error, fromBase64url } from '../../clients/typescript/src/base64.ts';
import { Problem, problems } from '../http/problem.ts';
import { scanJson } from '../http/strict-json.ts';
import { ALLOWED_ALGS, type SigningAlg } from './jwk.ts';
import { webSignatures, type SignatureSuite } from './signatures.ts';
import { requestTokenShapeError } from './token-schemas.ts';
import { createVerifyKeyCache, type VerifyKeyCache } from './verify-keys.ts';

export const REQUEST_TOKEN_TYPE = 'cbm-request+jwt';
export const MAX_TOKEN_LIFETIME_SECONDS = 300;
export const CLOCK_TOLERANCE_SECONDS = 60;
/** A request token is a few hundred bytes; this bounds the work on anything longer. */
export const MAX_TOKEN_LENGTH = 4096;
/** Methods whose requests carry a body, bound by body_sha256. */
export const METHODS_WITH_BODY: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

interface RememberedToken {
  kid: string;
  alg: SigningAlg;
  audience: string;
  claims: RequestClaims;
}

/**
 * Read tokens may be reused until they expire (DESIGN.md section 3), and pollers do:
 * remembering a token whose signature verified skips the signature check on reuse. Keyed
 * by the whole token, so nothing about another token can be inferred; bounded; entries
 * leave when their token expires. One per app, in Deps.
 */
export interface ReadTokenMemory {
  get(token: string): RememberedToken | undefined;
  remember(token: string, entry: RememberedToken, now: Date): void;
  forget(token: string): void;
}

export function createReadTokenMemory(max = 10_000): ReadTokenMemory {
  const tokens = new Map<string, RememberedToken>();
  return {
    get: (token) => tokens.get(token),
    forget: (token) => void tokens.delete(token),
    remember(token, entry, now) {
      if (tokens.size >= max) {
        const nowSeconds = now.getTime() / 1000;
        for (const [remembered, { claims }] of tokens) if (claims.exp < nowSeconds) tokens.delete(remembered);
        if (tokens.size >= max) tokens.clear();
      }
      tokens.set(token, entry);
    },
  };
}

export interface RegisteredKey {
  kid: string;
  principalId: string;
  alg: SigningAlg;
  jwk: JWK;
  scopes: string[];
  principalKind: 'state' | 'secretariat';
}

export interface RequestClaims extends JWTPayload {
  iss: string;
  aud: string;
  iat: number;
  exp: number;
  jti: string;
  htm: string;
  htu: string;
  body_sha256?: string;
}

export interface RequestToVerify {
  token: string;
  method: string;
  /**
   * The request-target exactly as sent (origin-form: path and query), not re-encoded:
   * `htu` must equal it character for character.
   */
  target: string;
}

export interface VerifyOptions {
  audience: string;
  now: Date;
  /** Finds a key among the issuer's keys that are valid at `now`; null otherwise. */
  findActiveKey(issuer: string, kid: string): Promise<RegisteredKey | null>;
  /** Why the issuer's key `kid` is not active (expired or revoked), or null when it has none. */
  findInactiveKey?(issuer: string, kid: string): Promise<InactiveKeyInfo | null>;
  /** Verifies signatures: node:crypto on Node, WebCrypto on Workers (Deps.signatures); WebCrypto when absent. */
  signatures?: SignatureSuite;
  /** Imported public keys (Deps.trust.verifyKeys); without it each verification imports the key anew. */
  verifyKeys?: VerifyKeyCache;
  /** Remembered read tokens (Deps.trust.readTokens); without it every read token is verified in full. */
  readTokens?: ReadTokenMemory;
}

/** The signature of a compact JWS over its first two segments, with an imported key. */
async function signatureVerifies(
  token: string,
  verify: () => ReturnType<VerifyKeyCache['get']>,
  suite: SignatureSuite,
) {
  const dot = token.lastIndexOf('.');
  const input = new TextEncoder().encode(token.slice(0, dot));
  return suite.verify(await verify(), input, fromBase64url(token.slice(dot + 1)));
}

const keysFor = (options: VerifyOptions) =>
  options.verifyKeys ?? createVerifyKeyCache(options.signatures ?? webSignatures, 1);

export interface InactiveKeyInfo {
  kid: string;
  alg: SigningAlg;
  jwk: JWK;
  status: 'expired' | 'revoked';
  at: string;
  replacedBy: string | null;
}

/**
 * The refusal for a kid that is not active: key-unknown, or key-expired / key-revoked with
 * when and the key that replaced it. The details go only to whoever holds the key (the token
 * verifies with it, time aside): anyone else learns nothing beyond key-unknown.
 */
async function inactiveKeyRefusal(
  token: string,
  issuer: string,
  kid: string,
  options: VerifyOptions,
): Promise<Problem> {
  const unknown = problems.unauthorized(
    'key-unknown',
    `${issuer} has no active key ${kid}: hand its public key to the Secretariat, or sign as the principal it belongs to.`,
  );
  const inactive = await options.findInactiveKey?.(issuer, kid);
  if (!inactive) return unknown;
  try {
    const suite = options.signatures ?? webSignatures;
    const holds = await signatureVerifies(
      token,
      () => keysFor(options).get(inactive.kid, inactive.jwk, inactive.alg),
      suite,
    );
    if (!holds) return unknown;
  } catch {
    return unknown;
  }
  const replaced = inactive.replacedBy ? `; it was replaced by key ${inactive.replacedBy}` : '';
  const extensions = {
    kid: inactive.kid,
    [inactive.status === 'revoked' ? 'revoked_at' : 'expired_at']: inactive.at,
    replaced_by: inactive.replacedBy,
  };
  return inactive.status === 'revoked'
    ? problems.unauthorized(
        'key-revoked',
        `Key ${inactive.kid} of ${issuer} was revoked at ${inactive.at}${replaced}.`,
        extensions,
      )
    : problems.unauthorized(
        'key-expired',
        `Key ${inactive.kid} of ${issuer} expired at ${inactive.at}${replaced}.`,
        extensions,
      );
}

const expired = () => problems.unauthorized('token-expired', 'The request token has expired.');
const signatureInvalid = () =>
  problems.unauthorized('signature-invalid', 'The request token signature does not verify with the registered key.');
const claimInvalid = (claim: string) =>
  problems.unauthorized('claim-invalid', `The token's ${claim} claim is not acceptable.`);
/** The registered claims every request token carries, in the order their absence is reported. */
const REQUIRED_CLAIMS = ['iss', 'aud', 'htu', 'htm', 'jti', 'exp', 'iat'] as const;

/**
 * The registered claims as RFC 7519 reads them (as jose's jwtVerify did, refusal for
 * refusal): each present, iss the key's principal, aud naming this portal, and the time
 * claims numbers with nbf and exp within the clock tolerance of `now`.
 */
function checkRegisteredClaims(claims: JWTPayload, issuer: string, audience: string, now: Date): RequestClaims {
  for (const claim of REQUIRED_CLAIMS)
    if (!Object.hasOwn(claims, claim))
      throw problems.unauthorized('claim-missing', `The token lacks the ${claim} claim.`);
  if (claims.iss !== issuer) throw claimInvalid('iss');
  const aud = claims.aud;
  if (!(typeof aud === 'string' ? aud === audience : Array.isArray(aud) && aud.includes(audience)))
    throw problems.unauthorized(...claimCodes.aud!);
  const nowSeconds = Math.floor(now.getTime() / 1000);
  if (claims.iat !== undefined && typeof claims.iat !== 'number') throw claimInvalid('iat');
  if (claims.nbf !== undefined && typeof claims.nbf !== 'number') throw claimInvalid('nbf');
  if (claims.nbf !== undefined && claims.nbf > nowSeconds + CLOCK_TOLERANCE_SECONDS)
    throw problems.unauthorized(...claimCodes.nbf!);
  if (typeof claims.exp !== 'number') throw claimInvalid('exp');
  if (claims.exp <= nowSeconds - CLOCK_TOLERANCE_SECONDS) throw expired();
  return claims as RequestClaims;
}

/** jose's refusals of a claim's value (reason check_failed); a missing claim is claim-missing. */
const claimCodes: Record<string, [string, string]> = {
  aud: ['audience-invalid', "The token's aud is not this portal's origin."],
  typ: ['token-type-invalid', `The token's typ must be ${REQUEST_TOKEN_TYPE}.`],
  iat: ['issued-in-future', 'The token is issued in the future.'],
  nbf: ['token-not-yet-valid', 'The token is not valid yet.'],
};

const malformedToken = (detail = 'The request token is not a valid compact JWS.') =>
  problems.unauthorized('malformed-token', detail);
const tokenDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** One segment: canonical unpadded base64url (one spelling per byte string). */
function segmentBytes(segment: string): Uint8Array {
  try {
    return fromBase64url(segment);
  } catch (error) {
    if (error instanceof Base64Error && /^[A-Za-z0-9_-]*$/.test(segment) && segment.length % 4 !== 1)
      throw malformedToken('A token segment is not canonical base64url.');
    throw malformedToken();
  }
}

/**
 * The header or claims of a token as I-JSON (no duplicate members, no lone surrogates):
 * a verifier in another language must read the same claims from the stored token.
 */
function segmentJson(segment: string): Record<string, unknown> {
  let text: string;
  try {
    text = tokenDecoder.decode(segmentBytes(segment));
  } catch (error) {
    if (error instanceof Problem) throw error;
    throw malformedToken();
  }
  const refusal = scanJson(text, { maxDepth: 4, maxValues: 256 });
  if (refusal)
    throw malformedToken(
      refusal.kind === 'syntax'
        ? undefined
        : `The token's JSON reads more than one way: ${refusal.detail} (at ${refusal.pointer || 'the top'}).`,
    );
  const value: unknown = JSON.parse(text);
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw malformedToken();
  return value as Record<string, unknown>;
}

/** Header and claims of a compact JWS, strictly decoded; the signature is checked by jose. */
function decodeToken(token: string): { header: ProtectedHeaderParameters; claims: JWTPayload } {
  if (token.length > MAX_TOKEN_LENGTH)
    throw malformedToken(`The request token is longer than ${MAX_TOKEN_LENGTH} characters.`);
  const [header, payload, signature, extra] = token.split('.');
  if (!header || !payload || !signature || extra !== undefined) throw malformedToken();
  segmentBytes(signature);
  return { header: segmentJson(header) as ProtectedHeaderParameters, claims: segmentJson(payload) as JWTPayload };
}

/**
 * Verifies a signed request (DESIGN.md section 3; README "How a request is signed")
 * from its token and request line alone, before a byte of the body is read. Every refusal
 * is a 401 Problem whose code names the failed check. Order: strict decoding, shape and
 * pinned algorithm, key lookup among the issuer's own active keys, the key's safety,
 * signature and time claims, then the binding to this request (htm, htu, and that a
 * body_sha256 is there exactly when the method carries a body). The body's digest is
 * compared by `checkBodyDigest` once the body has been read; replay (jti) is checked by
 * the caller, which owns the store.
 */
export async function verifyRequestToken(
  request: RequestToVerify,
  options: VerifyOptions,
): Promise<{ claims: RequestClaims; key: RegisteredKey }> {
  const { token } = request;
  const hasBody = METHODS_WITH_BODY.has(request.method);
  const remembered = hasBody ? undefined : options.readTokens?.get(token);
  // A remembered token was decoded and checked when first seen: its header is known.
  const { header, claims: unverified } = remembered
    ? { header: { typ: REQUEST_TOKEN_TYPE, alg: remembered.alg, kid: remembered.kid }, claims: remembered.claims }
    : decodeToken(token);
  if (header.typ !== REQUEST_TOKEN_TYPE) throw problems.unauthorized(...claimCodes.typ!);
  if (typeof header.alg !== 'string' || !ALLOWED_ALGS.includes(header.alg as SigningAlg)) {
    throw problems.unauthorized('alg-not-allowed', `Only ${ALLOWED_ALGS.join(' and ')} are accepted.`);
  }
  if (header.jku || header.x5u || header.jwk || header.x5c || header.crit) {
    throw problems.unauthorized(
      'header-not-allowed',
      'Keys are looked up by kid only; jku, x5u, jwk, x5c and crit are refused.',
    );
  }
  if (typeof header.kid !== 'string' || !header.kid)
    throw problems.unauthorized('kid-missing', 'The token header has no kid.');
  if (typeof unverified.iss !== 'string' || !unverified.iss)
    throw problems.unauthorized('issuer-missing', 'The token has no iss.');

  const key = await options.findActiveKey(unverified.iss, header.kid);
  if (!key) throw await inactiveKeyRefusal(token, unverified.iss, header.kid, options);
  if (key.alg !== header.alg) {
    throw problems.unauthorized('alg-key-mismatch', `The registered key is used with ${key.alg}, not ${header.alg}.`);
  }

  let payload: JWTPayload;
  const verified = remembered;
  if (verified && verified.kid === key.kid && verified.audience === options.audience) {
    // Signature, typ, aud and iss were checked when this exact token was first seen; the
    // key's validity was just checked again, and time is checked again here.
    if (verified.claims.exp <= Math.floor(options.now.getTime() / 1000) - CLOCK_TOLERANCE_SECONDS) {
      options.readTokens?.forget(token);
      throw expired();
    }
    payload = verified.claims;
  } else {
    const suite = options.signatures ?? webSignatures;
    let holds: boolean;
    try {
      holds = await signatureVerifies(token, () => keysFor(options).get(key.kid, key.jwk, key.alg), suite);
    } catch (error) {
      if (error instanceof Problem) throw error;
      throw problems.unauthorized('token-invalid', 'The request token could not be verified.');
    }
    if (!holds) throw signatureInvalid();
    payload = checkRegisteredClaims(unverified, key.principalId, options.audience, options.now);
  }
  const claims = payload as RequestClaims;
  // jose accepts an aud array containing ours; a token meant for several audiences could be
  // replayed at the others, so the portal's origin must be the only audience.
  if (typeof claims.aud !== 'string') throw problems.unauthorized(...claimCodes.aud!);
  const nowSeconds = Math.floor(options.now.getTime() / 1000);
  if (typeof claims.iat !== 'number' || claims.iat > nowSeconds + CLOCK_TOLERANCE_SECONDS) {
    throw problems.unauthorized(...claimCodes.iat!);
  }
  if (claims.exp <= claims.iat) throw problems.unauthorized('lifetime-invalid', 'exp must be later than iat.');
  if (claims.exp - claims.iat > MAX_TOKEN_LIFETIME_SECONDS) {
    throw problems.unauthorized('lifetime-too-long', `exp may be at most ${MAX_TOKEN_LIFETIME_SECONDS} s after iat.`);
  }
  if (typeof claims.jti !== 'string' || claims.jti.length < 16 || claims.jti.length > 128) {
    throw problems.unauthorized('jti-invalid', 'jti must be a string of 16 to 128 characters.');
  }
  if (claims.htm !== request.method) {
    throw problems.unauthorized('method-mismatch', 'The token was signed for another HTTP method (htm).');
  }
  if (claims.htu !== request.target) {
    throw problems.unauthorized(
      'url-mismatch',
      'The token was signed for another path or query (htu must be the request-target exactly as sent).',
    );
  }
  if (hasBody && (typeof claims.body_sha256 !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(claims.body_sha256))) {
    throw problems.unauthorized(
      'body-digest-mismatch',
      `A ${request.method} token must carry body_sha256, the base64url SHA-256 of the exact body bytes (empty or not).`,
    );
  }
  if (!hasBody && claims.body_sha256 !== undefined) {
    throw problems.unauthorized('body-digest-mismatch', 'The token carries body_sha256 but the request has no body.');
  }
  if (!verified) {
    // Last, so each check above keeps its own code: what remains is the contract's shape.
    const shape = requestTokenShapeError(header, claims);
    if (shape) {
      throw problems.unauthorized(
        shape.part === 'header' ? 'header-invalid' : 'claim-invalid',
        `The token's ${shape.part} does not match the contract's ${shape.schema} at ${shape.pointer || 'the top'}: ${shape.detail}.`,
      );
    }
  }
  if (!hasBody && !verified)
    options.readTokens?.remember(
      token,
      { kid: key.kid, alg: key.alg, audience: options.audience, claims },
      options.now,
    );
  return { claims, key };
}

/** Compares the digest of the body as read with the token's body_sha256. */
export function checkBodyDigest(claims: RequestClaims, bodySha256: string): void {
  if (claims.body_sha256 !== bodySha256)
    throw problems.unauthorized('body-digest-mismatch', 'body_sha256 does not match the body received.');
}
