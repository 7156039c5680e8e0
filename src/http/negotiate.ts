import type { Context } from 'hono';
import { accepts } from 'hono/accepts';
import { problems } from './problem.ts';

/** One media range of an Accept header, as hono/accepts parses it. */
export interface AcceptRange {
  type: string;
  q: number;
}

/**
 * The quality the client gives `mediaType`: the q of the most specific range that covers it
 * (RFC 9110 section 12.5.1: `text/plain` before `text/*` before any type), 0 when none does.
 */
export function quality(ranges: readonly AcceptRange[], mediaType: string): number {
  const type = mediaType.toLowerCase();
  const wildcard = `${type.split('/')[0]}/*`;
  let specificity = 0;
  let q = 0;
  for (const range of ranges) {
    const name = range.type.toLowerCase();
    const rank = name === type ? 3 : name === wildcard ? 2 : name === '*/*' || name === '*' ? 1 : 0;
    if (rank > specificity) {
      specificity = rank;
      q = range.q;
    }
  }
  return q;
}

/** The media type of `offered` the client prefers (ties go to the earlier one), or undefined. */
export function preferred(ranges: readonly AcceptRange[], offered: readonly string[]): string | undefined {
  // No usable range (an empty or blank Accept) means anything.
  if (!ranges.length) return offered[0];
  let best: string | undefined;
  let bestQ = 0;
  for (const mediaType of offered) {
    const q = quality(ranges, mediaType);
    if (q > bestQ) {
      best = mediaType;
      bestQ = q;
    }
  }
  return best;
}

/**
 * The one of `mediaTypes` the client prefers by its Accept header's q-values (hono/accepts
 * parses the header; absent means anything, ties go to the earlier type); 406 problem+json
 * when it accepts none of them.
 */
export function negotiate(c: Context, ...mediaTypes: string[]): string {
  const chosen = accepts(c, {
    header: 'Accept',
    supports: mediaTypes,
    default: mediaTypes[0]!,
    match: (ranges, { supports }) => preferred(ranges, supports) ?? '',
  });
  if (!chosen) throw problems.notAcceptable(mediaTypes.join(', '));
  return chosen;
}
