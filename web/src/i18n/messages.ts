/**
 * Messages, one file per page (`*.messages.ts`), each with all eight languages. The types
 * make a missing or extra key in any language a compile error; test/web/messages.test.ts
 * checks the same at run time, and that every translation keeps the English placeholders.
 */
import type { Locale } from './locales.ts';

export type MessageSet = Record<string, string>;
export type Messages<M extends MessageSet = MessageSet> = {
  readonly [L in Locale]: { readonly [K in keyof M]: string };
};

/** Declares a page's messages: English gives the keys, every other language must have exactly them. */
export function defineMessages<const M extends MessageSet>(
  messages: { en: M } & { [L in Exclude<Locale, 'en'>]: { [K in keyof M]: string } },
): Messages<M> {
  return messages as Messages<M>;
}

/** `{name}` placeholders of a message, sorted. */
export const placeholdersOf = (message: string): string[] =>
  [...message.matchAll(/\{([a-z_][a-z0-9_]*)\}/gi)].map((match) => match[1]!).sort();

export type Vars = Record<string, string | number>;
export type Translate<M extends MessageSet> = (key: keyof M & string, vars?: Vars) => string;

/**
 * The translate function for one page's messages in one language. Numbers in `vars` are
 * formatted for the language (`Intl.NumberFormat`); strings are inserted as they are.
 */
export function translator<M extends MessageSet>(messages: Messages<M>, locale: Locale): Translate<M> {
  const numbers = new Intl.NumberFormat(locale);
  return (key, vars) => {
    const message = messages[locale][key] ?? messages.en[key] ?? key;
    if (!vars) return message;
    return message.replace(/\{([a-z_][a-z0-9_]*)\}/gi, (whole, name: string) => {
      const value = vars[name];
      if (value === undefined) return whole;
      return typeof value === 'number' ? numbers.format(value) : value;
    });
  };
}
