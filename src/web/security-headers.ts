import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../http/app-env.ts';

/**
 * The policy of every page the portal serves: its own scripts, styles and images only (the
 * ministries this is for run air-gapped networks, and a key that signs for a state must
 * never meet a script from elsewhere), no inline script, no eval, no framing.
 */
export const PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join('; ');

/** Every other answer (JSON, problem documents, files) is data: nothing in it may run or be framed. */
export const DATA_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/** Powerful features no page of the portal uses, refused for it and anything it might embed. */
export const PERMISSIONS_POLICY = [
  'accelerometer=()',
  'camera=()',
  'geolocation=()',
  'gyroscope=()',
  'magnetometer=()',
  'microphone=()',
  'payment=()',
  'usb=()',
].join(', ');

/** The headers a page gets (also written to the Workers assets' _headers by scripts/build-web.ts). */
export function pageSecurityHeaders(csp: string = PAGE_CSP): Record<string, string> {
  return {
    'Content-Security-Policy': csp,
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Permissions-Policy': PERMISSIONS_POLICY,
    'X-Frame-Options': 'DENY',
  };
}

/**
 * Sets the security headers on every answer, after everything else (errors included): an
 * HTML answer gets the page policy unless its handler chose a policy of its own, every other
 * answer the data policy.
 */
export function securityHeaders(): MiddlewareHandler<AppEnv> {
  return async function securityHeaders(c, next) {
    await next();
    const headers = c.res.headers;
    const html = headers.get('Content-Type')?.startsWith('text/html') ?? false;
    const wanted = pageSecurityHeaders(html ? PAGE_CSP : DATA_CSP);
    for (const [name, value] of Object.entries(wanted)) if (!headers.has(name)) headers.set(name, value);
  };
}
