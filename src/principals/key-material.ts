import type { JWK } from 'jose';
import { algForJwk, canonicalPublicJwk, isImportablePublicJwk, jwkThumbprint, type SigningAlg } from '../crypto/jwk.ts';
import { publicKeyFlaw } from '../crypto/key-safety.ts';
import { Problem, problems, type FieldError } from '../http/problem.ts';

/** Scopes only the Secretariat's keys may carry. */
const SECRETARIAT_SCOPES = new Set(['principals:write', 'checks:write']);
/** Scopes that only make sense for a state's keys. */
const STATE_SCOPES = new Set(['contacts:write', 'incidents:write', 'documents:write', 'witness']);

export interface AcceptedKey {
  kid: string;
  alg: SigningAlg;
  jwk: JWK;
}

/**
 * Checks a public key submitted for registration (or rotation) beyond what the schema can
 * say: the curve fits the key type, a declared alg or kid agrees, and the scopes fit the
 * principal (422 validation-failed); the point is a canonical, safe point of its curve
 * (422 key-unsafe: no small-order or mixed-order Ed25519 point, none off P-256). Refusals
 * point at the field.
 */
export async function acceptPublicKey(
  jwk: JWK,
  principalKind: 'state' | 'secretariat',
  scopes: readonly string[],
): Promise<AcceptedKey> {
  const errors: FieldError[] = [];
  const alg = algForJwk(jwk);
  if (!alg) errors.push({ pointer: '/jwk/crv', detail: 'use Ed25519 with kty OKP or P-256 with kty EC' });
  if (jwk.kty === 'EC' && !jwk.y) errors.push({ pointer: '/jwk/y', detail: 'an EC key needs y' });
  if (jwk.kty === 'OKP' && jwk.y) errors.push({ pointer: '/jwk/y', detail: 'an OKP key has no y' });
  if (alg && jwk.alg && jwk.alg !== alg)
    errors.push({ pointer: '/jwk/alg', detail: `a ${jwk.crv} key is used with ${alg}` });
  for (const [index, scope] of scopes.entries()) {
    if (principalKind === 'state' && SECRETARIAT_SCOPES.has(scope))
      errors.push({ pointer: `/scopes/${index}`, detail: 'only Secretariat keys may hold this scope' });
    if (principalKind === 'secretariat' && STATE_SCOPES.has(scope))
      errors.push({ pointer: `/scopes/${index}`, detail: 'only state keys may hold this scope' });
  }
  if (errors.length || !alg) throw problems.unprocessable('The key cannot be registered.', errors);
  const flaw = publicKeyFlaw(jwk);
  if (flaw) {
    throw new Problem(422, 'key-unsafe', 'Unprocessable content', `The key cannot be registered: ${flaw.reason}.`, [
      { pointer: `/jwk/${flaw.member}`, detail: flaw.reason },
    ]);
  }
  if (!(await isImportablePublicJwk(jwk, alg)))
    throw problems.unprocessable('The key cannot be registered.', [
      { pointer: '/jwk', detail: 'not a valid public key of its curve' },
    ]);

  const kid = await jwkThumbprint(jwk);
  if (jwk.kid !== undefined && jwk.kid !== kid) {
    throw problems.unprocessable('The key cannot be registered.', [
      { pointer: '/jwk/kid', detail: `must be absent or the RFC 7638 thumbprint ${kid}` },
    ]);
  }
  return { kid, alg, jwk: { ...canonicalPublicJwk(jwk), kid, alg, use: 'sig' } };
}
