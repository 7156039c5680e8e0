/**
 * The browser app's own logic that needs no browser: routes, link handling, key files
 * turned into non-extractable keys (Node's WebCrypto is the same API), the document form's
 * helpers, search snippets, and the Intl formatters per language.
 */
import { describe, expect, it } from 'vitest';
import { createRequestSigner, generateSigningKey } from '../../clients/typescript/src/index.ts';
import { createRequestSignerFromKey } from '../../clients/typescript/src/sign.ts';
import { markedParts } from '../../web/src/components/api.ts';
import { formatters } from '../../web/src/i18n/format.ts';
import { generateKey, importKeyFile, KeyFileError, publicJwkText } from '../../web/src/keys/material.ts';
import { compileRoutes, href, isAppNavigation } from '../../web/src/router.ts';

describe('routes', () => {
  const match = compileRoutes([
    { path: '/' },
    { path: '/contacts' },
    { path: '/contacts/:id' },
    { path: '/contacts/new' },
    { path: '/contacts/:id/history' },
    { path: '/states/:state/confirmations' },
  ]);

  it('matches literal paths before parameters, decodes parameters, allows a trailing slash', () => {
    expect(match('/')).toEqual({ page: { path: '/' }, params: {} });
    expect(match('/contacts/new')?.page.path).toBe('/contacts/new');
    expect(match('/contacts/01a2-x')).toEqual({ page: { path: '/contacts/:id' }, params: { id: '01a2-x' } });
    expect(match('/contacts/a%20b/history/')).toEqual({
      page: { path: '/contacts/:id/history' },
      params: { id: 'a b' },
    });
    expect(match('/states/AT/confirmations')?.params).toEqual({ state: 'AT' });
  });

  it('matches nothing else', () => {
    expect(match('/contacts/a/b')).toBeNull();
    expect(match('/contactsx')).toBeNull();
    expect(match('/docs')).toBeNull();
  });

  it('builds query strings without empty values', () => {
    expect(href('/contacts', { state: 'AT', role: '', sector: undefined, q: 'a b' })).toBe('/contacts?state=AT&q=a+b');
    expect(href('/contacts', {})).toBe('/contacts');
  });

  it('keeps in the app only plain left clicks on same-origin links', () => {
    const origin = 'http://portal.test';
    const anchor = (attributes: Record<string, string> = {}) =>
      ({
        href: attributes.href ?? `${origin}/contacts`,
        target: attributes.target ?? '',
        dataset: attributes.reload === undefined ? {} : { reload: '' },
        hasAttribute: (name: string) => name in attributes,
      }) as unknown as HTMLAnchorElement;
    const click = (changes: Partial<MouseEvent> = {}) =>
      ({
        defaultPrevented: false,
        button: 0,
        metaKey: false,
        ctrlKey: false,
        shiftKey: false,
        altKey: false,
        ...changes,
      }) as MouseEvent;
    expect(isAppNavigation(click(), anchor(), origin)).toBe(true);
    expect(isAppNavigation(click({ button: 1 }), anchor(), origin)).toBe(false);
    expect(isAppNavigation(click({ ctrlKey: true }), anchor(), origin)).toBe(false);
    expect(isAppNavigation(click({ metaKey: true }), anchor(), origin)).toBe(false);
    expect(isAppNavigation(click({ shiftKey: true }), anchor(), origin)).toBe(false);
    expect(isAppNavigation(click({ defaultPrevented: true }), anchor(), origin)).toBe(false);
    expect(isAppNavigation(click(), anchor({ target: '_blank' }), origin)).toBe(false);
    expect(isAppNavigation(click(), anchor({ download: '' }), origin)).toBe(false);
    expect(isAppNavigation(click(), anchor({ reload: '' }), origin)).toBe(false);
    expect(isAppNavigation(click(), anchor({ href: 'https://elsewhere.test/contacts' }), origin)).toBe(false);
  });
});

describe('key files', () => {
  it('imports cbm keygen output as a non-extractable signing key whose tokens equal the JWK signer', async () => {
    for (const alg of ['EdDSA', 'ES256'] as const) {
      const pair = await generateSigningKey(alg);
      const material = await importKeyFile(`${JSON.stringify(pair.privateJwk, null, 2)}\n`);
      expect(material.alg).toBe(alg);
      expect(material.kid).toBe(pair.kid);
      expect(material.publicJwk).not.toHaveProperty('d');
      expect(material.privateKey.extractable).toBe(false);
      await expect(crypto.subtle.exportKey('jwk', material.privateKey)).rejects.toThrow();
      const now = () => new Date('2026-03-01T10:00:00Z');
      const request = { method: 'GET', pathAndQuery: '/contacts' };
      const fixed = { claims: { jti: 'fixed' } };
      const fromFile = await createRequestSignerFromKey({
        principal: 'AT',
        ...material,
        audience: 'http://p.test',
        now,
      });
      const fromJwk = await createRequestSigner({
        principal: 'AT',
        privateJwk: pair.privateJwk,
        audience: 'http://p.test',
        now,
      });
      if (alg === 'EdDSA') expect(await fromFile.signWith(request, fixed)).toBe(await fromJwk.signWith(request, fixed));
    }
  });

  it('refuses what is not a private Ed25519 or P-256 JWK, naming why', async () => {
    const reason = (text: string) =>
      importKeyFile(text).then(
        () => null,
        (error: unknown) => (error instanceof KeyFileError ? error.reason : String(error)),
      );
    const pair = await generateSigningKey('EdDSA');
    expect(await reason('not json')).toBe('not-json');
    expect(await reason('null')).toBe('not-json');
    expect(await reason(JSON.stringify(pair.publicJwk))).toBe('not-private');
    expect(await reason(JSON.stringify({ kty: 'RSA', n: 'x', e: 'AQAB', d: 'x' }))).toBe('unsupported');
    expect(await reason(JSON.stringify({ ...pair.privateJwk, d: 'AAAA' }))).toBe('import-failed');
  });

  it('creates keys whose private half cannot be exported, and shows the public JWK the Secretariat registers', async () => {
    const material = await generateKey('EdDSA');
    expect(material.privateKey.extractable).toBe(false);
    const shown = JSON.parse(publicJwkText(material));
    expect(shown).toEqual({
      kty: 'OKP',
      crv: 'Ed25519',
      x: material.publicJwk.x,
      kid: material.kid,
      alg: 'EdDSA',
      use: 'sig',
    });
    const p256 = await generateKey('ES256');
    expect(JSON.parse(publicJwkText(p256))).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256' });
    expect(p256.privateKey.extractable).toBe(false);
  });
});

describe('search snippets', () => {
  it('splits **marked** passages into parts, never HTML', () => {
    expect(markedParts('a **critical** b **infra**')).toEqual([
      { text: 'a ', marked: false },
      { text: 'critical', marked: true },
      { text: ' b ', marked: false },
      { text: 'infra', marked: true },
    ]);
    expect(markedParts('<b>x</b>')).toEqual([{ text: '<b>x</b>', marked: false }]);
  });
});

describe('formatters', () => {
  it('formats per language with Intl', () => {
    const at = new Date('2026-03-02T14:05:00Z');
    expect(formatters('de').number(1234567.5)).toBe('1.234.567,5');
    expect(formatters('fr').number(1234.5)).toBe('1\u202f234,5');
    expect(formatters('en').bytes(1_500_000)).toBe('1.5 MB');
    expect(formatters('en').bytes(999)).toBe('999 byte');
    expect(formatters('en').relative(new Date(at.getTime() + 3 * 3_600_000), at)).toBe('in 3 hours');
    expect(formatters('de').relative(new Date(at.getTime() - 2 * 86_400_000), at)).toBe('vorgestern');
    expect(formatters('en').list(['de', 'en', 'fr'])).toBe('de, en, and fr');
    expect(formatters('zh').date(at)).toBe('2026年3月2日');
  });
});
