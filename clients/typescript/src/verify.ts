import {
  base64url,
  createLocalJWKSet,
  decodeJwt,
  importJWK,
  jwtVerify,
  type JSONWebKeySet,
  type JWK,
  type JWTPayload,
} from 'jose';
import { sha256b64u } from './digest.ts';
import { algorithmOf, assertSafePublicJwk } from './keys.ts';
import type { components } from './generated/openapi.ts';
import { REQUEST_TOKEN_TYPE } from './sign.ts';
import { assertAttestationShape, assertRequestTokenShape } from './token-shape.ts';

export const ATTESTATION_TOKEN_TYPE = 'cbm-attestation+jwt';

/** The attestation's claims, as the contract's AttestationTokenClaims. */
export type AttestationClaims = components['schemas']['AttestationTokenClaims'] & JWTPayload;

export interface Evidence {
  attestation_id: string;
  principal: string;
  kid: string;
  method: string;
  path: string;
  request_token: string;
  /** base64url of the exact body bytes; empty when they are recorded by reference. */
  body: string;
  body_sha256: string;
  /**
   * Set when the body is recorded by reference (an uploaded document file): the bytes are
   * served at `body_href`; pass them to verifyEvidence as `options.body`.
   */
  body_blob_sha256?: string | null;
  body_href?: string;
}

/**
 * Verifies an attestation offline against the portal's JWKS (from
 * /.well-known/jwks.json, fetched once and kept). Only EdDSA is accepted.
 */
export async function verifyAttestation(
  token: string,
  portalJwks: JSONWebKeySet,
  options: { issuer: string },
): Promise<AttestationClaims> {
  for (const key of portalJwks.keys) assertSafePublicJwk(key);
  const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet(portalJwks), {
    algorithms: ['EdDSA'],
    typ: ATTESTATION_TOKEN_TYPE,
    issuer: options.issuer,
    requiredClaims: ['sub', 'iat', 'jti', 'principal', 'operation', 'body_sha256', 'request_sha256'],
    // An attestation is a lasting receipt: it has no expiry to check.
  });
  // Signed by the portal is not enough: it must say what the contract says an attestation says.
  assertAttestationShape(protectedHeader, payload);
  return payload as AttestationClaims;
}

/**
 * Verifies the evidence behind an attestation: the principal's own signature over its
 * request token (with the principal's registered public key), that the token binds the
 * body bytes, and that the attestation names exactly this token and body.
 * Freshness is not rechecked: the token was valid when the portal accepted it.
 *
 * A body recorded by reference (`body_blob_sha256`, e.g. an uploaded file) is not in the
 * evidence: download it from `body_href` and pass the bytes as `options.body`; they are
 * checked like embedded ones.
 */
export async function verifyEvidence(
  evidence: Evidence,
  attestation: AttestationClaims,
  principalPublicJwk: JWK,
  options: { body?: Uint8Array } = {},
): Promise<{ claims: JWTPayload; body: Uint8Array }> {
  if (evidence.body_blob_sha256 && !options.body && !evidence.body) {
    throw new Error(
      `evidence does not verify: the body is recorded by reference; download it from ` +
        `${evidence.body_href ?? 'the evidence body_href'} and pass it as options.body`,
    );
  }
  const alg = algorithmOf(principalPublicJwk);
  assertSafePublicJwk(principalPublicJwk);
  const key = await importJWK({ ...principalPublicJwk, alg }, alg);
  const { payload, protectedHeader } = await jwtVerify(evidence.request_token, key, {
    algorithms: [alg],
    typ: REQUEST_TOKEN_TYPE,
    issuer: attestation.principal,
    currentDate: new Date(attestation.iat * 1000),
    clockTolerance: 60,
  });
  assertRequestTokenShape(protectedHeader, payload);
  const body = options.body ?? base64url.decode(evidence.body);
  const bodyDigest = await sha256b64u(body);
  const failures: string[] = [];
  // Every write token carries body_sha256; a token without it (a read) binds no body at all.
  if (payload.body_sha256 !== bodyDigest) failures.push('the request token does not bind these body bytes');
  if (attestation.body_sha256 !== bodyDigest) failures.push('the attestation names other body bytes');
  if (evidence.body_blob_sha256 && evidence.body_blob_sha256 !== bodyDigest)
    failures.push('the evidence references other body bytes');
  if (attestation.request_sha256 !== (await sha256b64u(evidence.request_token)))
    failures.push('the attestation names another request token');
  if (payload.htm !== evidence.method || payload.htu !== evidence.path)
    failures.push('the request token was signed for another method or path');
  if (failures.length) throw new Error(`evidence does not verify: ${failures.join('; ')}`);
  return { claims: payload, body };
}

/** The attestation's claims without checking anything: for display only. */
export const peekAttestation = (token: string) => decodeJwt(token) as AttestationClaims;
