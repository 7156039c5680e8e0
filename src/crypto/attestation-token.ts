import { SignJWT } from 'jose';
import type { PortalKeys } from './portal-keys.ts';

export const ATTESTATION_TOKEN_TYPE = 'cbm-attestation+jwt';

export interface AttestationClaims {
  /** Attestation id. */
  jti: string;
  /** Record URN, e.g. urn:cbm:contact:<id>:v2. */
  sub: string;
  principal: string;
  /** The principal's key that signed the request. */
  principal_kid: string;
  operation: string;
  body_sha256: string;
  request_sha256: string;
}

/** Signs an attestation with the portal key, at the injected time (never the wall clock). */
export function signAttestation(
  keys: PortalKeys,
  issuer: string,
  issuedAt: Date,
  claims: AttestationClaims,
): Promise<string> {
  return new SignJWT({ ...claims })
    .setProtectedHeader({ alg: keys.signing.alg, typ: ATTESTATION_TOKEN_TYPE, kid: keys.signing.kid })
    .setIssuer(issuer)
    .setIssuedAt(Math.floor(issuedAt.getTime() / 1000))
    .sign(keys.signing.privateKey);
}
