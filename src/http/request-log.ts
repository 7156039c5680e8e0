/**
 * One line per request for the operator (stdout): method, path, status, time taken,
 * the authenticated principal, the request id. Never a token, a header or a body. Text for
 * people, or JSON lines for a log shipper. Wraps the app's fetch on Node; on Workers the
 * platform logs requests itself.
 */

/** Who a request was authenticated as, set by authenticate() once the token verified. */
export const authenticatedAs = new WeakMap<Request, string>();

export type RequestLogFormat = 'text' | 'json' | 'off';

export interface RequestLogOptions {
  format: RequestLogFormat;
  write(line: string): void;
  now?: () => number;
}

type Fetch = (request: Request, ...rest: never[]) => Response | Promise<Response>;

/**
 * @example
 * serve({ fetch: requestLog(app.fetch, { format: 'text', write: (line) => process.stdout.write(`${line}\n`) }) });
 */
export function requestLog<F extends Fetch>(fetch: F, options: RequestLogOptions): F {
  if (options.format === 'off') return fetch;
  const now = options.now ?? (() => performance.now());
  const logged = async (request: Request, ...rest: never[]) => {
    const started = now();
    let status = 500;
    let requestId: string | null = null;
    try {
      const response = await fetch(request, ...rest);
      status = response.status;
      requestId = response.headers.get('x-request-id');
      return response;
    } finally {
      const url = new URL(request.url);
      const entry = {
        time: new Date().toISOString(),
        method: request.method,
        path: url.pathname + url.search,
        status,
        ms: Math.round((now() - started) * 10) / 10,
        principal: authenticatedAs.get(request) ?? null,
        request_id: requestId,
      };
      options.write(
        options.format === 'json'
          ? JSON.stringify(entry)
          : `${entry.time} ${entry.method} ${entry.path} ${entry.status} ${entry.ms.toFixed(1)} ms ` +
              `${entry.principal ?? '-'}${requestId ? ` ${requestId}` : ''}`,
      );
    }
  };
  return logged as unknown as F;
}

/** `CBM_LOG_FORMAT` (text, json, off) or `--json-log`; text by default. */
export function requestLogFormat(env: Record<string, string | undefined>, argv: readonly string[]): RequestLogFormat {
  if (argv.includes('--json-log')) return 'json';
  const value = env.CBM_LOG_FORMAT ?? 'text';
  if (value === 'text' || value === 'json' || value === 'off') return value;
  throw new Error(`CBM_LOG_FORMAT=${JSON.stringify(value)}: must be text, json or off`);
}
