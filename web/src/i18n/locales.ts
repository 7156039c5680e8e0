/**
 * The eight languages: the OSCE's six working languages and the UN's Arabic and Chinese.
 * Chosen from the browser's preferences unless the person picked one (kept in localStorage).
 */
export const LOCALES = ['en', 'fr', 'de', 'it', 'ru', 'es', 'ar', 'zh'] as const;
export type Locale = (typeof LOCALES)[number];

/** Each language's name in itself, for the language switch. */
export const LOCALE_NAMES: Record<Locale, string> = {
  en: 'English',
  fr: 'Français',
  de: 'Deutsch',
  it: 'Italiano',
  ru: 'Русский',
  es: 'Español',
  ar: 'العربية',
  zh: '中文',
};

const RIGHT_TO_LEFT = new Set<Locale>(['ar']);
export const directionOf = (locale: Locale): 'rtl' | 'ltr' => (RIGHT_TO_LEFT.has(locale) ? 'rtl' : 'ltr');

export const isLocale = (value: unknown): value is Locale =>
  typeof value === 'string' && (LOCALES as readonly string[]).includes(value);

/** The first of the browser's languages we have (by primary subtag: `de-AT` is `de`), else English. */
export function negotiate(preferred: readonly string[]): Locale {
  for (const tag of preferred) {
    const primary = tag.toLowerCase().split('-')[0];
    if (isLocale(primary)) return primary;
  }
  return 'en';
}

const STORAGE_KEY = 'cbm.locale';

export function initialLocale(): Locale {
  try {
    const chosen = localStorage.getItem(STORAGE_KEY);
    if (isLocale(chosen)) return chosen;
  } catch {
    // Storage may be disabled; the browser's preference still applies.
  }
  return negotiate(typeof navigator === 'undefined' ? [] : navigator.languages);
}

export function rememberLocale(locale: Locale): void {
  try {
    localStorage.setItem(STORAGE_KEY, locale);
  } catch {
    // Not remembered, still switched.
  }
}

/** Sets `lang` and `dir` on <html>, so screen readers and the layout follow the language. */
export function applyLocale(locale: Locale, root: HTMLElement = document.documentElement): void {
  root.lang = locale;
  root.dir = directionOf(locale);
}
