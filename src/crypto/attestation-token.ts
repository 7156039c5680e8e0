import { b64u, utf8 } from './encoding.ts';
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

// The header is the same for every attestation a key signs: encoded once per key.
const headerSegments = new WeakMap<PortalKeys['signing'], string>();
function headerSegment(signing: PortalKeys['signing']): string {
  let segment = headerSegments.get(signing);
  if (segment === undefined) {
    segment = b64u.encode(JSON.stringify({ alg: signing.alg, typ: ATTESTATION_TOKEN_TYPE, kid: signing.kid }));
    headerSegments.set(signing, segment);
  }
  return segment;
}

/**
 * Signs an attestation with the portal key, at the injected time (never the wall clock):
 * a compact JWS of `{alg, typ, kid}` over the claims, then `iss` and `iat`, in that
 * member order (as jose's SignJWT wrote it before, byte for byte).
 */
export async function signAttestation(
  keys: PortalKeys,
  issuer: string,
  issuedAt: Date,
  claims: AttestationClaims,
): Promise<string> {
  const payload = { ...claims, iss: issuer, iat: Math.floor(issuedAt.getTime() / 1000) };
  const input = `${headerSegment(keys.signing)}.${b64u.encode(JSON.stringify(payload))}`;
  return `${input}.${b64u.encode(await keys.signing.sign(utf8(input)))}`;
}
