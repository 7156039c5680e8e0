/**
 * Response times from communication checks as a small bar chart drawn in inline SVG (no
 * chart library), plus the same numbers as table rows for screen readers and for anyone
 * who prefers numbers. Pure: the page renders what these return.
 */
import type { Schemas } from '../../../clients/typescript/src/client.ts';

export interface ResponsePoint {
  /** The bar's label: a state code, or a check's start date. */
  label: string;
  /** Seconds, or null when there was no answer (drawn as an empty slot, listed in the table). */
  seconds: number | null;
  outcome: 'on-time' | 'late' | 'no-answer';
}

/** One check: each addressed state's response time, in the report's (state) order. */
export function checkResponsePoints(report: Schemas['CheckReport']): ResponsePoint[] {
  return report.rows.map((row) => ({ label: row.state, seconds: row.response_seconds, outcome: row.outcome }));
}

/** Several checks, oldest first: each check's median response time of the answers in time. */
export function medianResponsePoints(reports: readonly Schemas['CheckReport'][]): ResponsePoint[] {
  return [...reports]
    .sort((a, b) => a.check.started_at.localeCompare(b.check.started_at))
    .map((report) => ({
      label: report.check.started_at.slice(0, 10),
      seconds: report.median_response_seconds,
      outcome: report.median_response_seconds === null ? 'no-answer' : 'on-time',
    }));
}

export interface ChartBar extends ResponsePoint {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface BarChart {
  width: number;
  height: number;
  /** The plotting area's bottom (the x axis) and left (the y axis). */
  baseline: number;
  left: number;
  bars: ChartBar[];
  /** Y axis ticks: value in seconds and its y. */
  ticks: { seconds: number; y: number }[];
  max: number;
}

/** Steps a tick can take, in seconds: 1 s up to a week. */
const STEPS = [
  1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14_400, 21_600, 43_200, 86_400, 172_800, 604_800,
];

/** A round top for the axis and its step, so there are at most `count` ticks above zero. */
export function niceScale(max: number, count = 4): { top: number; step: number } {
  const wanted = Math.max(max, 1) / count;
  const step = STEPS.find((candidate) => candidate >= wanted) ?? Math.ceil(wanted / 604_800) * 604_800;
  return { top: Math.max(step, Math.ceil(max / step) * step), step };
}

/** Bars laid out in a `width` x `height` box, with room for labels on the left and below. */
export function barChart(points: readonly ResponsePoint[], width = 480, height = 200): BarChart {
  const left = 56;
  const bottom = 24;
  const top = 8;
  const baseline = height - bottom;
  const plotHeight = baseline - top;
  const answered = points.map((point) => point.seconds ?? 0);
  const { top: max, step } = niceScale(Math.max(0, ...answered));
  const slot = points.length ? (width - left) / points.length : 0;
  const bars = points.map((point, index): ChartBar => {
    const barHeight = point.seconds === null ? 0 : Math.max(1, (point.seconds / max) * plotHeight);
    return {
      ...point,
      x: round(left + index * slot + slot * 0.15),
      y: round(baseline - barHeight),
      width: round(slot * 0.7),
      height: round(barHeight),
    };
  });
  const ticks: BarChart['ticks'] = [];
  for (let seconds = 0; seconds <= max; seconds += step)
    ticks.push({ seconds, y: round(baseline - (seconds / max) * plotHeight) });
  return { width, height, baseline, left, bars, ticks, max };
}

const round = (value: number) => Math.round(value * 10) / 10;

/** A duration for a label: `45 s`, `12 min`, `3 h`, `2 d` (units through Intl, in the reader's language). */
export function durationParts(seconds: number): { value: number; unit: 'second' | 'minute' | 'hour' | 'day' } {
  if (seconds < 120) return { value: Math.round(seconds), unit: 'second' };
  if (seconds < 7200) return { value: Math.round(seconds / 60), unit: 'minute' };
  if (seconds < 172_800) return { value: Math.round(seconds / 3600), unit: 'hour' };
  return { value: Math.round(seconds / 86_400), unit: 'day' };
}

export function formatDuration(seconds: number, locale: string): string {
  const { value, unit } = durationParts(seconds);
  return new Intl.NumberFormat(locale, { style: 'unit', unit, unitDisplay: 'short' }).format(value);
}
