/**
 * What you read is what was signed (served.ts), each rule alone: where every kind of
 * subject is served and which subjects are not compared, how a version is found in a
 * served document, and which differences between the signed and the served value count.
 */
import { describe, expect, it } from 'vitest';
import { sha256b64u } from '../src/digest.ts';
import { findByAttestation, servedLocation, signedFieldMismatches, signedJson } from '../src/served.ts';

const ID = '019ac1e2-0000-7000-8000-00000000abcd';

describe('servedLocation', () => {
  it.each([
    ['urn:cbm:principal:AT', '/principals/AT', false],
    ['urn:cbm:principal:at', '/principals/at', false],
    [`urn:cbm:contact:${ID}:v12`, `/contacts/${ID}/history`, true],
    [`urn:cbm:confirmation:${ID}`, '/states/BE/confirmations', true],
    [`urn:cbm:check:${ID}`, `/checks/${ID}`, true],
    [`urn:cbm:document:${ID}:v3`, `/documents/${ID}/history`, true],
    [`urn:cbm:incident:${ID}:report:14`, `/incidents/${ID}/reports/14`, true],
    [`urn:cbm:incident:${ID}:ack:FR`, `/incidents/${ID}/acknowledgements`, true],
    [`urn:cbm:consultation:${ID}`, `/requests/${ID}`, true],
    [`urn:cbm:consultation:${ID}:response:FR:2`, `/requests/${ID}/responses`, true],
    [`urn:cbm:body:${ID}:v1`, `/bodies/${ID}/history`, true],
    [`urn:cbm:channel:${ID}:v1`, `/channels/${ID}/history`, true],
    [`urn:cbm:meeting:${ID}:v2`, `/meetings/${ID}/history`, true],
    [`urn:cbm:meeting:${ID}:participation:FR`, `/meetings/${ID}/participations`, true],
  ])('serves %s at %s', (subject, href, byAttestation) => {
    expect(servedLocation(subject, 'BE')).toEqual({ href, byAttestation });
  });

  it.each([
    // Key events, file uploads and check acknowledgements have no record of their own.
    'urn:cbm:key:abc',
    `urn:cbm:document:${ID}:file:${'A'.repeat(43)}`,
    `urn:cbm:check:${ID}:ack:AT`,
    // Anything that only looks like a subject.
    'urn:cbm:principal:AUT',
    'urn:cbm:principal:A',
    'urn:cbm:principal:A1',
    'x:urn:cbm:principal:AT',
    `urn:cbm:contact:${ID}:v`,
    `urn:cbm:contact:${ID}:v1:extra`,
    `urn:cbm:contact:${ID.toUpperCase()}:v1`,
    `urn:cbm:contact:${ID.slice(1)}:v1`,
    `xurn:cbm:contact:${ID}:v1`,
    `urn:cbm:confirmation:${ID}:v1`,
    `urn:cbm:check:${ID}x`,
    `urn:cbm:incident:${ID}:report:`,
    `urn:cbm:incident:${ID}:report:1x`,
    `urn:cbm:incident:${ID}:ack:fr`,
    `urn:cbm:incident:${ID}:ack:FRA`,
    `urn:cbm:consultation:${ID}:response:FR`,
    `urn:cbm:consultation:${ID}:response:FR:2x`,
    `urn:cbm:meeting:${ID}:participation:F`,
  ])('does not compare %s', (subject) => {
    expect(servedLocation(subject, 'BE')).toBeNull();
  });
});

describe('findByAttestation', () => {
  it('finds the object with the attestation id at any depth, in arrays and objects', () => {
    const wanted = { attestation_id: 'b', v: 2 };
    expect(findByAttestation({ items: [{ attestation_id: 'a', v: 1 }, wanted] }, 'b')).toBe(wanted);
    expect(findByAttestation([[{ x: { attestation_id: 'b', v: 3 } }]], 'b')).toEqual({ attestation_id: 'b', v: 3 });
    expect(findByAttestation({ attestation_id: 'b', v: 4, reports: [{ attestation_id: 'c' }] }, 'b')).toEqual({
      attestation_id: 'b',
      v: 4,
      reports: [{ attestation_id: 'c' }],
    });
    expect(findByAttestation({ reports: [{ attestation_id: 'c' }, { attestation_id: 'b', v: 5 }] }, 'b')).toEqual({
      attestation_id: 'b',
      v: 5,
    });
    // Found under a later member after an earlier one that holds nothing.
    expect(findByAttestation({ first: { x: 1 }, second: [], third: { attestation_id: 'b', v: 6 } }, 'b')).toEqual({
      attestation_id: 'b',
      v: 6,
    });
    for (const nothing of [{ items: [] }, [], null, 'b', 7, { items: [{ attestation_id: 'a' }] }])
      expect(findByAttestation(nothing, 'b')).toBeUndefined();
  });
});

describe('signedFieldMismatches', () => {
  it('compares only what the record serves, under its served name', async () => {
    expect(await signedFieldMismatches({ note: 'x' }, { id: 'y' })).toEqual([]);
    expect(await signedFieldMismatches({ reason: 'left' }, { withdrawal_reason: 'left' })).toEqual([]);
    expect(await signedFieldMismatches({ reason: 'left' }, { withdrawal_reason: 'moved' })).toEqual([
      'withdrawal_reason',
    ]);
    expect(await signedFieldMismatches({ reason: 'left' }, { reason: 'moved', withdrawal_reason: 'left' })).toEqual([
      'reason',
    ]);
    // Served under neither name: not compared.
    expect(await signedFieldMismatches({ reason: 'left' }, { id: 'y' })).toEqual([]);
    for (const notAnObject of [null, 'text', 7, ['a'], undefined])
      expect(await signedFieldMismatches(notAnObject, { 0: 'a' })).toEqual([]);
  });

  it.each([
    ['the same instant written otherwise', '2026-11-27T10:00:00+01:00', '2026-11-27T09:00:00.000Z', true],
    ['lower-case t and z', '2026-11-27t09:00:00z', '2026-11-27T09:00:00.000Z', true],
    ['another instant', '2026-11-27T10:00:00+01:00', '2026-11-27T09:00:01.000Z', false],
    ['a date without a time', '2026-11-27', '2026-11-27T00:00:00.000Z', false],
    ['an instant inside other text', 'x2026-11-27T09:00:00Z', '2026-11-27T09:00:00.000Z', false],
    ['an instant followed by text', '2026-11-27T09:00:00Zx', '2026-11-27T09:00:00.000Z', false],
    ['an instant without its offset', '2026-11-27T09:00:00', '2026-11-27T09:00:00.000Z', false],
    ['a short year', '226-11-27T09:00:00Z', '0226-11-27T09:00:00.000Z', false],
    ['an offset of one digit', '2026-11-27T10:00:00+1:00', '2026-11-27T09:00:00.000Z', false],
    ['an offset in words', '2026-11-27T10:00:00 01:00', '2026-11-27T09:00:00.000Z', false],
    ['one-digit fields', '2026-1-27T09:00:00Z', '2026-01-27T09:00:00.000Z', false],
    ['one-digit day', '2026-01-7T09:00:00Z', '2026-01-07T09:00:00.000Z', false],
    ['one-digit hour', '2026-01-07T9:00:00Z', '2026-01-07T09:00:00.000Z', false],
    ['one-digit minute', '2026-01-07T09:0:00Z', '2026-01-07T09:00:00.000Z', false],
    ['one-digit second', '2026-01-07T09:00:0Z', '2026-01-07T09:00:00.000Z', false],
    ['fractions written otherwise', '2026-11-27T09:00:00.50Z', '2026-11-27T09:00:00.500Z', true],
    ['a dot without fraction', '2026-11-27T09:00:00.Z', '2026-11-27T09:00:00.000Z', false],
    ['minutes of offset', '2026-11-27T09:30:00+00:30', '2026-11-27T09:00:00.000Z', true],
    ['an offset of one minute digit', '2026-11-27T09:30:00+00:3', '2026-11-27T09:00:00.000Z', false],
    ['equal text', 'same', 'same', true],
    ['other text', 'same', 'other', false],
    ['a string against a number', '1', 1, false],
    ['a number against a string', 1, '1', false],
    ['an instant with an expanded year', '+002026-11-27T09:00:00Z', '2026-11-27T09:00:00.000Z', false],
    ['an instant against a list of it', '2026-11-27T10:00:00+01:00', ['2026-11-27T09:00:00.000Z'], false],
    ['a list of an instant against the instant', ['2026-11-27T10:00:00+01:00'], '2026-11-27T09:00:00.000Z', false],
    ['text against an object of its characters', 'ab', { 0: 'a', 1: 'b' }, false],
    ['an object of characters against the text', { 0: 'a', 1: 'b' }, 'ab', false],
  ])('counts %s as %s', async (_name, signed, served, same) => {
    expect(await signedFieldMismatches({ at: signed }, { at: served })).toEqual(same ? [] : ['at']);
  });

  it.each([
    ['the same list', ['a', 'b'], ['a', 'b'], true],
    ['a list in another order', ['a', 'b'], ['b', 'a'], false],
    ['a longer list', ['a'], ['a', 'b'], false],
    ['a shorter list', ['a', 'b'], ['a'], false],
    ['one item changed', ['a', 'b'], ['a', 'c'], false],
    ['the first item changed', ['a', 'b'], ['c', 'b'], false],
    ['a list against an object', ['a'], { 0: 'a' }, false],
    ['an object against a list', { 0: 'a' }, ['a'], false],
    ['a list against a string', ['a'], 'a', false],
    ['instants in a list', ['2026-11-27T10:00:00+01:00'], ['2026-11-27T09:00:00.000Z'], true],
    ['the same object', { a: 1, b: [2] }, { b: [2], a: 1 }, true],
    ['an object with a member more', { a: 1 }, { a: 1, b: 2 }, false],
    ['an object with a member less', { a: 1, b: 2 }, { a: 1 }, false],
    ['a member null and absent', { a: 1, b: null }, { a: 1 }, true],
    ['an absent member and null', { a: 1 }, { a: 1, b: null }, true],
    ['a nested change', { a: { b: 1 } }, { a: { b: 2 } }, false],
    ['an object against null', { a: 1 }, null, false],
    ['null against an object', null, { a: 1 }, false],
    ['null and null', null, null, true],
    ['an object against a string', { a: 1 }, '[object Object]', false],
    ['a string against an object', '[object Object]', { a: 1 }, false],
    ['false against 0', false, 0, false],
    ['0 against false', 0, false, false],
    ['true against an object', true, { a: 1 }, false],
  ])('counts %s as %s', async (_name, signed, served, same) => {
    expect(await signedFieldMismatches({ v: signed }, { v: served })).toEqual(same ? [] : ['v']);
  });

  it("compares a document's content as the digest it is served as", async () => {
    const markdown = { content: { markdown: '# Strategy\n' } };
    const served = {
      kind: 'markdown',
      media_type: 'text/markdown',
      sha256: await sha256b64u('# Strategy\n'),
      size: 11,
      filename: null,
      available: true,
      href: '/x',
    };
    expect(await signedFieldMismatches(markdown, { content: served })).toEqual([]);
    for (const change of [
      { kind: 'file' },
      { media_type: 'text/plain' },
      { sha256: await sha256b64u('# Other\n') },
      { size: 12 },
      { filename: 'a.md' },
    ]) {
      expect(await signedFieldMismatches(markdown, { content: { ...served, ...change } })).toEqual(['content']);
    }
    const file = {
      content: { file: { media_type: 'application/pdf', sha256: 'A'.repeat(43), size: 10, filename: 'plan.pdf' } },
    };
    const servedFile = {
      kind: 'file',
      media_type: 'application/pdf',
      sha256: 'A'.repeat(43),
      size: 10,
      filename: 'plan.pdf',
      available: false,
      href: '/x',
    };
    expect(await signedFieldMismatches(file, { content: servedFile })).toEqual([]);
    for (const change of [
      { kind: 'markdown' },
      { media_type: 'text/plain' },
      { sha256: 'B'.repeat(43) },
      { size: 11 },
      { filename: null },
    ]) {
      expect(await signedFieldMismatches(file, { content: { ...servedFile, ...change } })).toEqual(['content']);
    }
    // A file signed without a filename is served with filename null.
    const unnamed = { content: { file: { media_type: 'application/pdf', sha256: 'A'.repeat(43), size: 10 } } };
    expect(await signedFieldMismatches(unnamed, { content: { ...servedFile, filename: null } })).toEqual([]);
    expect(await signedFieldMismatches(unnamed, { content: servedFile })).toEqual(['content']);
    // Content that is neither, or served as nothing, never matches.
    for (const signed of [
      { content: null },
      { content: {} },
      { content: { file: 'x' } },
      { content: { markdown: 7 } },
    ]) {
      expect(await signedFieldMismatches(signed, { content: served })).toEqual(['content']);
    }
    expect(await signedFieldMismatches(markdown, { content: null })).toEqual(['content']);
    expect(await signedFieldMismatches(markdown, { content: 'digest' })).toEqual(['content']);
    // The served member is found under the content name only.
    expect(await signedFieldMismatches(markdown, { other: served })).toEqual([]);
  });
});

describe('signedJson', () => {
  it('reads the body as JSON when it is UTF-8 JSON, else not at all', () => {
    const encode = (text: string) => new TextEncoder().encode(text);
    expect(signedJson(encode('{"a":1}'))).toEqual({ a: 1 });
    expect(signedJson(encode('not json'))).toBeUndefined();
    expect(signedJson(new Uint8Array([0x22, 0xff, 0x22]))).toBeUndefined();
    // A leading byte order mark is read past (the decoder does not keep it).
    expect(signedJson(new Uint8Array([0xef, 0xbb, 0xbf, ...encode('{"a":1}')]))).toEqual({ a: 1 });
  });
});
