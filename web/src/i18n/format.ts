/** Dates, times, numbers and sizes for the chosen language, with Intl (nothing hand-formatted). */
import type { Locale } from './locales.ts';

export interface Formatters {
  /** 2 March 2026 */
  date(value: string | Date): string;
  /** 2 March 2026, 14:05 (the browser's time zone) */
  dateTime(value: string | Date): string;
  number(value: number): string;
  /** 1.5 MB */
  bytes(value: number): string;
  /** in 3 hours, 2 days ago */
  relative(value: string | Date, now?: Date): string;
  /** A list: a, b and c */
  list(values: string[]): string;
}

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 86_400_000],
  ['month', 30 * 86_400_000],
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
  ['second', 1000],
];

export function formatters(locale: Locale): Formatters {
  const date = new Intl.DateTimeFormat(locale, { dateStyle: 'long' });
  const dateTime = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' });
  const number = new Intl.NumberFormat(locale);
  const relative = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
  const list = new Intl.ListFormat(locale, { type: 'conjunction' });
  const asDate = (value: string | Date) => (value instanceof Date ? value : new Date(value));
  return {
    date: (value) => date.format(asDate(value)),
    dateTime: (value) => dateTime.format(asDate(value)),
    number: (value) => number.format(value),
    bytes(value) {
      const [unit, size] =
        value >= 1_000_000
          ? ['megabyte', value / 1_000_000]
          : value >= 1000
            ? ['kilobyte', value / 1000]
            : ['byte', value];
      return new Intl.NumberFormat(locale, { style: 'unit', unit, maximumFractionDigits: 1 }).format(size);
    },
    relative(value, now = new Date()) {
      const delta = asDate(value).getTime() - now.getTime();
      const [unit, ms] = UNITS.find(([, ms]) => Math.abs(delta) >= ms) ?? ['second', 1000];
      return relative.format(Math.round(delta / ms), unit);
    },
    list: (values) => list.format(values),
  };
}
