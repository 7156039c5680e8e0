import type { Context } from 'hono';
import { problems } from './problem.ts';

/** True when the Accept header (absent means anything) allows `mediaType`. */
export function acceptable(accept: string | undefined, mediaType: string): boolean {
  if (!accept?.trim()) return true;
  const [type] = mediaType.split('/');
  return accept.split(',').some((part) => {
    const [range = '', ...params] = part.split(';').map((piece) => piece.trim().toLowerCase());
    const zeroQuality = params.some((param) => /^q=0(\.0{0,3})?$/.test(param));
    return !zeroQuality && (range === '*/*' || range === mediaType || range === `${type}/*`);
  });
}

/** Refuses with 406 unless the client accepts one of `mediaTypes`; returns the first it does. */
export function negotiate(c: Context, ...mediaTypes: string[]): string {
  const accept = c.req.header('accept');
  const chosen = mediaTypes.find((mediaType) => acceptable(accept, mediaType));
  if (!chosen) throw problems.notAcceptable(mediaTypes.join(', '));
  return chosen;
}
