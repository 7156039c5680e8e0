/**
 * The request token's and the attestation's header and claims as the contract defines
 * them (`RequestTokenHeader`, `RequestTokenClaims`, `AttestationTokenHeader`,
 * `AttestationTokenClaims`): partners build verifiers from those schemas, so the portal
 * checks tokens against the very same ones.
 */
import type { components } from '../generated/openapi.ts';
import { b64u } from './encoding.ts';
import { describeErrors, schemaValidator } from '../http/spec-index.ts';

type Schemas = components['schemas'];
export type RequestTokenHeader = Schemas['RequestTokenHeader'];
export type RequestTokenClaims = Schemas['RequestTokenClaims'];
export type AttestationTokenHeader = Schemas['AttestationTokenHeader'];
export type AttestationTokenClaims = Schemas['AttestationTokenClaims'];

export interface ShapeError {
  part: 'header' | 'claims';
  /** The schema the part does not match. */
  schema: keyof Schemas;
  /** JSON pointer into the part; empty for the part as a whole. */
  pointer: string;
  detail: string;
}

function firstError(part: ShapeError['part'], schema: keyof Schemas, value: unknown): ShapeError | null {
  const result = schemaValidator(schema).validate(value);
  if (result.valid) return null;
  const [first] = describeErrors(result.errors);
  return { part, schema, pointer: first?.pointer ?? '', detail: first?.detail ?? 'does not match' };
}

/** Why a request token's header or claims do not match the contract; null when they do. */
export const requestTokenShapeError = (header: unknown, claims: unknown): ShapeError | null =>
  firstError('header', 'RequestTokenHeader', header) ?? firstError('claims', 'RequestTokenClaims', claims);

/** Why an attestation's header or claims do not match the contract; null when they do. */
export const attestationShapeError = (header: unknown, claims: unknown): ShapeError | null =>
  firstError('header', 'AttestationTokenHeader', header) ?? firstError('claims', 'AttestationTokenClaims', claims);

const decoder = new TextDecoder();

/**
 * The header and claims of a compact JWS the portal stored after verifying (a request
 * token) or signing it (an attestation), decoded for display; never a verification.
 */
export function decodeTokenParts<H, C>(token: string): { header: H; claims: C } {
  const [header, claims] = token.split('.');
  const part = (segment: string | undefined) => JSON.parse(decoder.decode(b64u.decode(segment ?? ''))) as unknown;
  return { header: part(header) as H, claims: part(claims) as C };
}
