/**
 * Live deadline countdowns for incident reports (NIS2 stages): how long remains, or how
 * long ago a deadline passed, in the largest unit that reads naturally, and how often the
 * page should refresh it (every second in the last hour, else every minute).
 */
import type { Schemas } from '../../../clients/typescript/src/client.ts';

export type DeadlineName = 'early_warning' | 'notification' | 'final';

export interface Countdown {
  name: DeadlineName;
  status: Schemas['IncidentDeadline']['status'];
  dueAt: string | null;
  metAt: string | null;
  /** Milliseconds until due (negative once past), or null when there is no due date yet or it was met. */
  remainingMs: number | null;
  /** For `Intl.RelativeTimeFormat`: e.g. { value: 5, unit: 'hour' } or { value: -20, unit: 'minute' }. */
  relative: { value: number; unit: Intl.RelativeTimeFormatUnit } | null;
  /** `urgent` under an hour left, `overdue` past due and not filed. */
  tone: 'met' | 'pending' | 'urgent' | 'overdue' | 'late';
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** The value and unit `Intl.RelativeTimeFormat` reads best for `ms` from now. */
export function relativeParts(ms: number): { value: number; unit: Intl.RelativeTimeFormatUnit } {
  const abs = Math.abs(ms);
  const sign = ms < 0 ? -1 : 1;
  if (abs < MINUTE) return { value: sign * Math.floor(abs / SECOND), unit: 'second' };
  if (abs < HOUR) return { value: sign * Math.floor(abs / MINUTE), unit: 'minute' };
  if (abs < 2 * DAY) return { value: sign * Math.floor(abs / HOUR), unit: 'hour' };
  return { value: sign * Math.floor(abs / DAY), unit: 'day' };
}

/** A deadline's countdown at `now`; the status is the portal's, recomputed here only when time passed it. */
export function countdown(name: DeadlineName, deadline: Schemas['IncidentDeadline'], now: Date): Countdown {
  const base = { name, dueAt: deadline.due_at, metAt: deadline.met_at };
  if (deadline.met_at || deadline.status === 'met' || deadline.status === 'late') {
    return {
      ...base,
      status: deadline.status,
      remainingMs: null,
      relative: null,
      tone: deadline.status === 'late' ? 'late' : 'met',
    };
  }
  if (!deadline.due_at) return { ...base, status: deadline.status, remainingMs: null, relative: null, tone: 'pending' };
  const remainingMs = Date.parse(deadline.due_at) - now.getTime();
  const status = remainingMs < 0 ? 'overdue' : deadline.status;
  return {
    ...base,
    status,
    remainingMs,
    relative: relativeParts(remainingMs),
    tone: remainingMs < 0 ? 'overdue' : remainingMs < HOUR ? 'urgent' : 'pending',
  };
}

/** The incident's three countdowns in stage order. */
export function incidentCountdowns(deadlines: Schemas['IncidentDeadlines'], now: Date): Countdown[] {
  return (['early_warning', 'notification', 'final'] as const).map((name) => countdown(name, deadlines[name], now));
}

/** How soon to redraw: each second while any open deadline is within an hour (either side), else each minute. */
export function refreshInterval(countdowns: readonly Countdown[]): number {
  return countdowns.some((one) => one.remainingMs !== null && Math.abs(one.remainingMs) < HOUR) ? SECOND : MINUTE;
}

export function formatCountdown(one: Countdown, locale: string): string | null {
  if (!one.relative) return null;
  return new Intl.RelativeTimeFormat(locale, { numeric: 'auto' }).format(one.relative.value, one.relative.unit);
}
