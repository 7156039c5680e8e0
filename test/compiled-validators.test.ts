/**
 * The contract's schemas compiled to code (scripts/gen/validators.ts, Ajv) and the
 * interpreter (@cfworker/json-schema) must judge every value alike: the compiled check
 * lets a request through, the interpreter explains a refusal. The setup file
 * (test/support/cross-check-validators.ts) makes every validation in the suite run both and
 * throw on a difference; here each body the contract takes and the tokens' claims meet
 * the edge cases where two JSON Schema engines part ways (formats, lengths in code points,
 * integral floats, unknown fields, types), valid and invalid alike.
 */
import { describe, expect, it } from 'vitest';
import { createRequestSigner, generateSigningKey } from '../clients/typescript/src/index.ts';
import { decodeTokenParts } from '../src/crypto/token-schemas.ts';
import { allOperations, compiledOperation, schemaValidator } from '../src/http/spec-index.ts';
import { contactBody } from './support/harness.ts';

type Json = Record<string, unknown>;

/** Values where JSON Schema engines are known to differ, for any field. */
const EDGE_VALUES: unknown[] = [
  null,
  '',
  ' ',
  'x',
  '😀',
  '😀'.repeat(64),
  'a'.repeat(257),
  'é'.repeat(300),
  0,
  1,
  1.0,
  1.5,
  -1,
  2 ** 53,
  1e308,
  true,
  false,
  [],
  [''],
  ['en', 'en'],
  {},
  { unknown: 1 },
  'not an email',
  'duty@cert.example.at',
  'duty@localhost',
  '"quoted"@example.org',
  'https://example.org/a?b#c',
  'example.org',
  'urn:cbm:contact:x',
  '2026-12-02T07:00:00Z',
  '2026-12-02T07:00:00.123+01:00',
  '2026-02-30T07:00:00Z',
  '2026-12-02 07:00:00Z',
  '2026-12-02T24:00:00Z',
  'AT',
  'at',
  'TLP:AMBER',
  'TLP:AMBER+STRICT',
  '0192f0c0-0000-7000-8000-000000000000',
];

/** The value itself, each field replaced by each edge value, each field removed, and one unknown field added. */
function* variants(valid: Json): Generator<unknown> {
  yield valid;
  for (const key of Object.keys(valid)) {
    for (const value of EDGE_VALUES) yield { ...valid, [key]: value };
    const { [key]: _removed, ...rest } = valid;
    yield rest;
    const nested = valid[key];
    if (Array.isArray(nested)) for (const value of EDGE_VALUES) yield { ...valid, [key]: [...nested, value] };
  }
  yield { ...valid, surprise: true };
  for (const value of EDGE_VALUES) yield value;
}

/** Runs the validator over every variant; the setup's cross-check throws on a difference. Returns the verdicts. */
function judge(validator: { validate(value: unknown): { valid: boolean } }, valid: Json) {
  let accepted = 0;
  let refused = 0;
  for (const value of variants(valid)) {
    if (validator.validate(value).valid) accepted++;
    else refused++;
  }
  return { accepted, refused };
}

describe('compiled validators agree with the interpreter', () => {
  it('on a contact body and its variants, accepting the valid and refusing the rest', () => {
    for (const operationId of ['createContact', 'updateContact']) {
      const { accepted, refused } = judge(compiledOperation(operationId).body!.validator, contactBody());
      // Both verdicts occur: the cross-check saw agreement on each side, not only one.
      expect(accepted).toBeGreaterThan(20);
      expect(refused).toBeGreaterThan(200);
    }
  });

  it('on every body the contract takes, with a generic object and its variants', () => {
    const withBodies = allOperations().filter((operation) => operation.body);
    expect(withBodies.length).toBeGreaterThanOrEqual(25);
    for (const operation of withBodies) {
      const { refused } = judge(operation.body!.validator, { name: 'x', title: 'y', reason: 'z', tlp: 'TLP:CLEAR' });
      expect(refused, operation.operationId).toBeGreaterThan(0);
    }
  });

  it('on real request token headers and claims, and their variants', async () => {
    const key = await generateSigningKey('EdDSA');
    const signer = await createRequestSigner({
      principal: 'AT',
      privateJwk: key.privateJwk,
      audience: 'http://portal.test',
      lifetimeSeconds: 300,
    });
    const token = await signer.sign({ method: 'PUT', pathAndQuery: '/contacts/x', body: new Uint8Array([1, 2]) });
    const { header, claims } = decodeTokenParts<Json, Json>(token);
    expect(judge(schemaValidator('RequestTokenHeader'), header).accepted).toBeGreaterThan(0);
    const verdicts = judge(schemaValidator('RequestTokenClaims'), claims);
    expect(verdicts.accepted).toBeGreaterThan(0);
    expect(verdicts.refused).toBeGreaterThan(100);
  });
});
