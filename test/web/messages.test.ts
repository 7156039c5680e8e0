/**
 * Every messages file of the browser app (web/src/**\/*.messages.ts) in all eight languages:
 * the same keys as English (none missing, none extra), the same `{placeholders}`, no empty
 * string, and no sentence left in English. New pages' files are found by the glob.
 */
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LOCALES, negotiate, directionOf } from '../../web/src/i18n/locales.ts';
import { placeholdersOf, translator, type Messages } from '../../web/src/i18n/messages.ts';

const root = fileURLToPath(new URL('../../web/src', import.meta.url));

function* messageFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* messageFiles(path);
    else if (entry.name.endsWith('.messages.ts')) yield path;
  }
}

const files = [...messageFiles(root)].sort();

/** Every exported message set of a file: objects with an `en` member. */
async function messageSets(file: string): Promise<[string, Messages][]> {
  const module = (await import(file)) as Record<string, unknown>;
  return Object.entries(module).filter(
    (entry): entry is [string, Messages] => typeof entry[1] === 'object' && entry[1] !== null && 'en' in entry[1],
  );
}

/** What is wrong with one message set, as readable lines (empty when all is well). */
function problems(messages: Messages): string[] {
  const found: string[] = [];
  const english = messages.en as Record<string, string>;
  const keys = Object.keys(english).sort();
  for (const locale of LOCALES) {
    const translated = messages[locale] as Record<string, string> | undefined;
    if (!translated) {
      found.push(`${locale}: missing`);
      continue;
    }
    const have = Object.keys(translated).sort();
    for (const key of keys) if (!(key in translated)) found.push(`${locale}.${key}: missing`);
    for (const key of have) if (!(key in english)) found.push(`${locale}.${key}: not in English`);
    for (const key of keys) {
      const text = translated[key];
      if (text === undefined) continue;
      if (!text.trim()) found.push(`${locale}.${key}: empty`);
      const [want, got] = [placeholdersOf(english[key]!), placeholdersOf(text)];
      if (want.join() !== got.join())
        found.push(`${locale}.${key}: placeholders {${got.join('}{')}} instead of {${want.join('}{')}}`);
      // A word such as "Attestation" or "P-256" may be the same; a sentence copied from English is not translated.
      if (locale !== 'en' && text === english[key] && english[key]!.split(/\s+/).length >= 3)
        found.push(`${locale}.${key}: the English text, untranslated`);
    }
  }
  return found;
}

describe('web messages', () => {
  it('finds the messages files', () => {
    expect(files.map((file) => relative(root, file))).toEqual(
      expect.arrayContaining(['shell.messages.ts', 'components/common.messages.ts', 'pages/keys.messages.ts']),
    );
  });

  it.each(files.map((file) => [relative(root, file), file]))(
    '%s: every language has every key, placeholder and translation',
    async (_name, file) => {
      const sets = await messageSets(file);
      expect(sets.length).toBeGreaterThan(0);
      for (const [name, messages] of sets) expect({ [name]: problems(messages) }).toEqual({ [name]: [] });
    },
  );

  it('names each fault: a key missing or extra, a placeholder changed, an empty or untranslated string', () => {
    const messages = {
      en: { a: 'Hello {name}', b: 'Two words here', c: 'x' },
      fr: { a: 'Bonjour {nom}', b: 'Two words here', c: ' ' },
      de: { a: 'Hallo {name}', c: 'x', d: 'extra' },
      it: { a: 'Ciao {name}', b: 'Tre parole qui', c: 'x' },
      ru: { a: 'Привет {name}', b: 'Три слова здесь', c: 'x' },
      es: { a: 'Hola {name}', b: 'Tres palabras aquí', c: 'x' },
      ar: { a: 'مرحبا {name}', b: 'ثلاث كلمات هنا', c: 'x' },
      zh: { a: '你好 {name}', b: '这里三个词', c: 'x' },
    } as unknown as Messages;
    expect(problems(messages)).toEqual([
      'fr.a: placeholders {nom} instead of {name}',
      'fr.b: the English text, untranslated',
      'fr.c: empty',
      'de.b: missing',
      'de.d: not in English',
    ]);
    const { zh: _zh, ...withoutChinese } = messages;
    expect(problems(withoutChinese as Messages)).toContain('zh: missing');
  });
});

describe('locales', () => {
  it('picks the first of the browser languages it has, by primary subtag, else English', () => {
    expect(negotiate(['de-AT', 'en'])).toBe('de');
    expect(negotiate(['pt-BR', 'zh-Hans-CN', 'fr'])).toBe('zh');
    expect(negotiate(['AR'])).toBe('ar');
    expect(negotiate(['pt', 'ja'])).toBe('en');
    expect(negotiate([])).toBe('en');
  });

  it('lays out Arabic right to left and the others left to right', () => {
    expect(LOCALES.filter((locale) => directionOf(locale) === 'rtl')).toEqual(['ar']);
  });

  it('translates with placeholders, numbers formatted for the language, and English for a missing key', () => {
    const messages = {
      en: { count: '{n} contacts in {state}', only: 'English only' },
      de: { count: '{n} Kontakte in {state}' },
      ar: { count: '{n} جهات اتصال في {state}' },
    } as unknown as Messages;
    expect(translator(messages, 'de')('count', { n: 12345, state: 'AT' })).toBe('12.345 Kontakte in AT');
    expect(translator(messages, 'ar')('count', { n: 3, state: 'AT' })).toBe(
      `${new Intl.NumberFormat('ar').format(3)} جهات اتصال في AT`,
    );
    expect(translator(messages, 'de')('only')).toBe('English only');
    expect(translator(messages, 'en')('count', { state: 'AT' })).toBe('{n} contacts in AT');
  });
});
