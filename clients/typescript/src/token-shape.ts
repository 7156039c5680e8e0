/**
 * The request token's and the attestation's header and claims as the contract defines them
 * (generated from openapi/openapi.yaml into ./generated/token-schemas.ts): the verifiers
 * refuse a token that does not match, even one whose signature verifies.
 */
import { Validator, type Schema } from '@cfworker/json-schema';
import { tokenSchemas } from './generated/token-schemas.ts';

type Name = keyof typeof tokenSchemas;
const validators = new Map<Name, Validator>();

function validator(name: Name): Validator {
  let compiled = validators.get(name);
  if (!compiled) {
    compiled = new Validator(tokenSchemas[name] as unknown as Schema, '2020-12', false);
    validators.set(name, compiled);
  }
  return compiled;
}

/** Thrown for a token whose header or claims are not the contract's. */
export class TokenShapeError extends Error {
  readonly code = 'token-shape';
  constructor(
    readonly schema: Name,
    readonly pointer: string,
    readonly detail: string,
  ) {
    super(`does not match the contract's ${schema} at ${pointer || 'the top'}: ${detail}`);
    this.name = 'TokenShapeError';
  }
}

function check(name: Name, value: unknown) {
  const result = validator(name).validate(value);
  if (result.valid) return;
  // The deepest unit names the bad member; summaries (properties, $ref, if/then) come first.
  const unit =
    [...result.errors]
      .reverse()
      .find((error) => !['properties', 'if', 'then', 'else', 'allOf', '$ref'].includes(error.keyword)) ??
    result.errors[0]!;
  const pointer = decodeURIComponent(unit.instanceLocation.replace(/^#/, ''));
  const missing = unit.keyword === 'required' ? /"([^"]+)"/.exec(unit.error)?.[1] : undefined;
  if (missing) throw new TokenShapeError(name, `${pointer}/${missing}`, 'required member is missing');
  throw new TokenShapeError(name, pointer, unit.error);
}

/** Throws TokenShapeError unless the header and claims are the contract's for a request token. */
export function assertRequestTokenShape(header: unknown, claims: unknown): void {
  check('RequestTokenHeader', header);
  check('RequestTokenClaims', claims);
}

/** Throws TokenShapeError unless the header and claims are the contract's for an attestation. */
export function assertAttestationShape(header: unknown, claims: unknown): void {
  check('AttestationTokenHeader', header);
  check('AttestationTokenClaims', claims);
}
