/**
 * The typed client: openapi-fetch over the types generated from openapi/openapi.yaml
 * (`npm run gen` writes src/generated/openapi.ts), with a middleware that signs every
 * request as the portal requires.
 */
import createClient, { type Client, type Middleware } from 'openapi-fetch';
import type { JWK } from 'jose';
import type { components, operations, paths } from './generated/openapi.ts';
import { createRequestSigner, type RequestSigner } from './sign.ts';

export type { components, operations, paths };
/** Every schema of the contract by name, e.g. `Schemas['IncidentInput']`. */
export type Schemas = components['schemas'];
export type Problem = Schemas['Problem'];
export type PortalClient = Client<paths>;
export type FetchLike = (request: Request) => Promise<Response>;

export interface PortalClientOptions {
  /** Where the portal is reached, e.g. `https://cbm.example.org` or `http://127.0.0.1:8787`. */
  baseUrl: string;
  /** Sign with this signer ... */
  signer?: RequestSigner;
  /** ... or with this principal's private JWK. Without either, requests go unsigned (public documents only). */
  principal?: string;
  privateJwk?: JWK;
  /** The portal's public origin (`aud` of request tokens); default the origin of `baseUrl`. */
  audience?: string;
  /** Any fetch-compatible function, e.g. `app.fetch` of an in-process portal. */
  fetch?: FetchLike;
  /** Clock for the request tokens (tests, or a host with a known offset). */
  now?: () => Date;
  /** Headers sent with every request (e.g. a User-Agent). */
  headers?: Record<string, string>;
}

/**
 * The middleware that signs each request openapi-fetch sends: `htm`, `htu` (path and
 * query exactly as sent), a fresh `jti`, and `body_sha256` over the exact body bytes.
 * Add it to any openapi-fetch client: `client.use(signingMiddleware(signer))`.
 */
export function signingMiddleware(signer: RequestSigner): Middleware {
  return {
    async onRequest({ request }) {
      const body = request.body ? new Uint8Array(await request.arrayBuffer()) : undefined;
      const url = new URL(request.url);
      const token = await signer.sign({ method: request.method, pathAndQuery: url.pathname + url.search, body });
      const headers = new Headers(request.headers);
      headers.set('Authorization', `Bearer ${token}`);
      return new Request(request.url, {
        method: request.method,
        headers,
        body: body as BodyInit | undefined,
        signal: request.signal,
      });
    },
  };
}

/**
 * A typed client for the portal; every call is checked against the contract at compile
 * time and signed at run time.
 *
 * @example
 * const portal = await createPortalClient({ baseUrl: 'https://cbm.example.org', principal: 'AT', privateJwk });
 * const { data, error } = await portal.GET('/contacts', { params: { query: { state: 'AT' } } });
 */
export async function createPortalClient(options: PortalClientOptions): Promise<PortalClient> {
  const signer =
    options.signer ??
    (options.principal && options.privateJwk
      ? await createRequestSigner({
          principal: options.principal,
          privateJwk: options.privateJwk,
          audience: options.audience ?? new URL(options.baseUrl).origin,
          now: options.now,
        })
      : undefined);
  const client = createClient<paths>({
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    fetch: options.fetch ?? ((request) => fetch(request)),
    headers: { Accept: 'application/json', ...options.headers },
  });
  if (signer) client.use(signingMiddleware(signer));
  return client;
}

/** A refusal by the portal (any non-2xx answer), with its RFC 9457 problem document. */
export class PortalError extends Error {
  readonly status: number;
  readonly problem: Problem;
  constructor(
    readonly response: Response,
    body: unknown,
  ) {
    const problem: Problem =
      body && typeof body === 'object' && 'status' in body
        ? (body as Problem)
        : {
            type: 'about:blank',
            title: response.statusText || `HTTP ${response.status}`,
            status: response.status,
            code: `http-${response.status}`,
            detail: typeof body === 'string' && body ? body.slice(0, 500) : undefined,
          };
    super(`${problem.status} ${problem.title} (${problem.code})${problem.detail ? `: ${problem.detail}` : ''}`);
    this.name = 'PortalError';
    this.status = response.status;
    this.problem = problem;
  }
  get code(): string {
    return this.problem.code;
  }
}

/**
 * The answer's data, or a thrown PortalError with the problem document.
 *
 * @example
 * const { data, attestation } = await ok(portal.POST('/contacts', { body: contact }));
 */
export async function ok<R extends { data?: unknown; error?: unknown; response: Response }>(
  call: Promise<R> | R,
): Promise<Exclude<R['data'], undefined>> {
  const result = await call;
  if (!result.response.ok || result.error !== undefined) throw new PortalError(result.response, result.error);
  return result.data as Exclude<R['data'], undefined>;
}

type Item<R extends { data?: { items: unknown[] } }> = NonNullable<R['data']>['items'][number];

/**
 * Every item of a paged list, following `next_cursor` until the end.
 *
 * @example
 * for await (const contact of pages((cursor) => portal.GET('/contacts', { params: { query: { cursor } } }))) ...
 */
export async function* pages<
  R extends { data?: { items: unknown[]; next_cursor: string | null }; error?: unknown; response: Response },
>(fetchPage: (cursor: string | undefined) => Promise<R>): AsyncGenerator<Item<R>> {
  let cursor: string | undefined;
  for (;;) {
    const page = (await ok(fetchPage(cursor))) as { items: Item<R>[]; next_cursor: string | null };
    for (const item of page.items) yield item;
    if (!page.next_cursor || page.items.length === 0) return;
    cursor = page.next_cursor;
  }
}
