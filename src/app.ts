import { Hono, type MiddlewareHandler } from 'hono';
import { attestations } from './attestations/routes.ts';
import { checks } from './checks/routes.ts';
import { bodies } from './bodies/routes.ts';
import { channels } from './channels/routes.ts';
import { contacts } from './contacts/routes.ts';
import type { Deps } from './deps.ts';
import type { AppEnv } from './http/app-env.ts';
import { authenticate } from './http/authenticate.ts';
import { DEFAULT_MAX_CONCURRENT_UPLOADS, readBody } from './http/body.ts';
import { onError, renderProblem } from './http/errors.ts';
import { negotiate } from './http/negotiate.ts';
import { problems } from './http/problem.ts';
import { feed } from './feed/routes.ts';
import { glossary } from './documents/glossary.ts';
import { documents } from './documents/routes.ts';
import { conditionalGet, contractRoute } from './http/contract-route.ts';
import { incidents } from './incidents/routes.ts';
import { refuseWritesWhileLogUnsound } from './log/integrity.ts';
import { log, logPublic } from './log/routes.ts';
import { witness } from './witness/routes.ts';
import { meetings } from './meetings/routes.ts';
import { metaRoutes } from './meta/routes.ts';
import { overview } from './overview/routes.ts';
import { findActiveKey, findInactiveKey, secretariatAnchorKeys } from './principals/keys-repo.ts';
import { principals } from './principals/routes.ts';
import { requests } from './requests/routes.ts';
import { states } from './states/routes.ts';
import { watchStorage } from './storage-health.ts';
import { webPages } from './web/pages.ts';
import { securityHeaders } from './web/security-headers.ts';

function requestContext(deps: Deps): MiddlewareHandler<AppEnv> {
  return async function requestContext(c, next) {
    // Only needs to be unique, not sortable: the runtime's native UUIDv4 is the cheapest.
    // Not hono/request-id: it takes a client's X-Request-Id by default (our logs must name
    // our ids), and its c.header() before next() is lost on the Responses handlers build
    // themselves (downloads, web assets). Nor hono/secure-headers below: it sets one fixed CSP,
    // where securityHeaders() picks the page or the data policy by the answer's type, and its
    // defaults add HSTS, which is the TLS terminator's call.
    const requestId = crypto.randomUUID();
    c.set('deps', deps);
    c.set('requestId', requestId);
    await next();
    // Set on the finished response itself: c.header() at this point would rebuild the
    // response around its body as a stream, losing the server's direct write of the bytes.
    const headers = c.res.headers;
    headers.set('X-Request-Id', requestId);
    headers.set('X-Content-Type-Options', 'nosniff');
    headers.set('Referrer-Policy', 'no-referrer');
    if (!headers.has('Cache-Control')) headers.set('Cache-Control', 'no-store');
  };
}

/**
 * Builds the portal from its dependencies. Nothing here reads the environment, so the
 * Node entry, the Workers entry and every test compose the same app.
 *
 * @example
 * const app = createApp({ db, keys, clock, ids, config, log: console.error });
 * const res = await app.request('/healthz');
 */
export function createApp(given: Deps): Hono<AppEnv> {
  const deps = watchStorage(given);
  const app = new Hono<AppEnv>();
  app.onError(onError(deps.log));
  app.notFound((c) => renderProblem(c, problems.notFound(`No resource at ${new URL(c.req.url).pathname}.`)));
  app.use(requestContext(deps));
  app.use(securityHeaders());
  // The contract's operation for the request (405 for a method its path lacks), and 304 for
  // every GET whose ETag the request's If-None-Match names.
  app.use(contractRoute());
  app.use(conditionalGet());
  // The web app for browsers: its files, and its pages on the API's paths for a navigation.
  app.use(webPages());
  // While the log is unsound no write is accepted: it would get an attestation no checkpoint covers.
  app.use(refuseWritesWhileLogUnsound());

  // Public documents first: their handlers answer before the signature check below runs.
  app.route('/', metaRoutes({ secretariatAnchorKeys }));
  app.route('/', logPublic);

  const api = new Hono<AppEnv>();
  // The token first: no body is read before it verifies. Then the body, checked against
  // its body_sha256; a body the contract takes as raw bytes (a document file, up to its
  // request body's x-max-bytes or the operator's lower limit) streams to the blob store.
  api.use(authenticate({ findActiveKey, findInactiveKey }));
  api.use(
    readBody({
      limit: (c) => {
        const raw = c.get('route')?.rawBody;
        return raw ? Math.min(raw.maxBytes, deps.config.maxUploadBytes) : deps.config.maxBodyBytes;
      },
      streamed: (c) => Boolean(c.get('route')?.rawBody),
      maxConcurrentUploads: deps.config.maxConcurrentUploads ?? DEFAULT_MAX_CONCURRENT_UPLOADS,
    }),
  );
  api.use(async function acceptJson(c, next) {
    // An operation that answers only JSON refuses an Accept without it before any work;
    // downloads of exact bytes (document files, evidence bodies) negotiate their own type.
    const produces = c.get('route')?.produces;
    if (!produces || produces.every((mediaType) => mediaType === 'application/json')) negotiate(c, 'application/json');
    return next();
  });
  api.route('/principals', principals);
  api.route('/contacts', contacts);
  api.route('/states', states);
  api.route('/attestations', attestations);
  api.route('/checks', checks);
  api.route('/incidents', incidents);
  api.route('/requests', requests);
  api.route('/documents', documents);
  api.route('/glossary', glossary);
  api.route('/log', log);
  api.route('/log', witness);
  api.route('/feed', feed);
  api.route('/bodies', bodies);
  api.route('/channels', channels);
  api.route('/meetings', meetings);
  api.route('/overview', overview);
  app.route('/', api);
  return app;
}
