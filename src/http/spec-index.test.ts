import { describe, expect, it } from 'vitest';
import { compiledOperation, describeErrors, schemaValidator } from './spec-index.ts';

/** What a refusal says a field should be, as every client shows it (issue 15 item 4). */
describe('validation errors say what is expected, in the contract words', () => {
  it('a state code names ISO 3166-1 alpha-2 and an example, not the regular expression', () => {
    const result = schemaValidator('StateCode').validate('at');
    expect(result.valid).toBe(false);
    expect(describeErrors(result.errors)).toEqual([
      { pointer: '', detail: 'expected ISO 3166-1 alpha-2 code of a participating state, such as AT' },
    ]);
  });

  it('each bad field of a contact: the phone by its description and example, the language tag by its examples', () => {
    const body = {
      role: 'technical',
      name: 'A',
      organisation: 'x',
      email: 'a@b.at',
      phone_24x7: '+43 1 5056416',
      languages: ['de_AT'],
      time_zone: 'Europe/Vienna',
    };
    const result = compiledOperation('createContact').body!.validator.validate(body);
    const details = Object.fromEntries(describeErrors(result.errors).map((error) => [error.pointer, error.detail]));
    expect(details['/phone_24x7']).toBe(
      'expected E.164 number without spaces, reachable around the clock, such as +4315056416',
    );
    expect(details['/languages/0']).toBe('expected a BCP 47 language tag, such as de-AT or en');
  });

  it('an enum lists its values', () => {
    const result = compiledOperation('createContact').body!.validator.validate({ role: 'boss' });
    const role = describeErrors(result.errors).find((error) => error.pointer === '/role');
    expect(role?.detail).toMatch(/^expected .*one of "policy", "technical"/);
  });
});
