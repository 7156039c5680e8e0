/**
 * The runtime-agnostic part of the test portal: given a migrated PortalDb (SQLite on Node,
 * D1 inside workerd), builds the app with generated keys and a fixed clock, and clients
 * that sign with the same code partner systems use.
 */
import type { JWK } from 'jose';
import { sql } from 'kysely';
import { createApp } from '../../src/app.ts';
import type { Deps } from '../../src/deps.ts';
import { ensureSecretariat } from '../../src/bootstrap.ts';
import { fixedClock } from '../../src/clock.ts';
import { createLogClock } from '../../src/log/clock.ts';
import { createHealth } from '../../src/health.ts';
import { generatePrivateJwk, loadPortalKeys } from '../../src/crypto/portal-keys.ts';
import { webSignatures, type SignatureSuite } from '../../src/crypto/signatures.ts';
import { createAppMemory } from '../../src/memory.ts';
import type { BlobStore } from '../../src/blobs/blob-store.ts';
import type { PortalDb } from '../../src/db/portal-db.ts';
import type { Database } from '../../src/db/schema.ts';
import { uuidv7Generator } from '../../src/ids.ts';
import type { WebAssets } from '../../src/web/assets.ts';
import { checkResponse } from './contract-check.ts';
import {
  createRequestSigner,
  generateSigningKey,
  type KeyAlgorithm,
  type RequestSigner,
} from '../../clients/typescript/src/index.ts';

export const ORIGIN = 'http://portal.test';
export const START = '2026-11-27T09:00:00.000Z';

export interface CallOptions {
  body?: unknown;
  /** Raw body bytes or text, sent as they are. */
  rawBody?: Uint8Array | string;
  headers?: Record<string, string>;
  /** Sign with these claims or header members changed. */
  claims?: Record<string, unknown>;
  header?: Record<string, unknown>;
  /** Send this token instead of signing. */
  token?: string | null;
}

export interface TestClient {
  principal: string;
  signer: RequestSigner;
  privateJwk: JWK;
  publicJwk: JWK;
  kid: string;
  call(method: string, path: string, options?: CallOptions): Promise<Response>;
  get(path: string, options?: CallOptions): Promise<Response>;
  post(path: string, body: unknown, options?: CallOptions): Promise<Response>;
  put(path: string, body: unknown, options?: CallOptions): Promise<Response>;
  /** The token that would be sent, for replay tests. */
  sign(method: string, path: string, body?: Uint8Array | string): Promise<string>;
}

export type PortalHarness = Awaited<ReturnType<typeof createHarness>>;

export interface HarnessOptions {
  now?: string;
  maxBodyBytes?: number;
  /** Document uploads; small by default so tests of the limit stay fast. */
  maxUploadBytes?: number;
  /**
   * The log clock. 'after-writes' (default): it ticks after every write, as the Worker's
   * waitUntil does, with no interval between checkpoints, so a checkpoint covers each write
   * as soon as it is answered. 'manual': the test calls `logClock.tick()` itself.
   */
  logClock?: 'after-writes' | 'manual';
  /** Least time between two checkpoints (0 unless a test is about the cadence). */
  checkpointIntervalMs?: number;
  /** Verify and sign with this suite, as the runtime's entry does (WebCrypto unless given). */
  signatures?: SignatureSuite;
  /** The built web app to serve (src/web); without it only the API answers. */
  web?: WebAssets;
}

export async function createHarness(db: PortalDb, blobs: BlobStore, options: HarnessOptions = {}) {
  const clock = fixedClock(options.now ?? START);
  const signatures = options.signatures ?? webSignatures;
  const keys = await loadPortalKeys([await generatePrivateJwk()], signatures);
  const logged: string[] = [];
  const deps: Deps = {
    db,
    blobs,
    keys,
    signatures,
    memory: createAppMemory(signatures),
    clock,
    ids: uuidv7Generator(clock),
    config: {
      publicOrigin: ORIGIN,
      maxBodyBytes: options.maxBodyBytes ?? 64 * 1024,
      maxUploadBytes: options.maxUploadBytes ?? 256 * 1024,
      version: 'test',
      checkpointIntervalMs: options.checkpointIntervalMs ?? 0,
      logVerifyIntervalMs: 15 * 60_000,
    },
    health: createHealth(),
    log: (line) => logged.push(line),
    ...(options.web ? { web: options.web } : {}),
  };
  const app = createApp(deps);
  const logClock = createLogClock(deps);
  const safe = new Set(['GET', 'HEAD', 'OPTIONS']);
  const fetchApp = async (request: Request) => {
    const response = await app.fetch(request);
    if ((options.logClock ?? 'after-writes') === 'after-writes' && !safe.has(request.method)) await logClock.tick();
    // Whatever a test asserts, the answer must be one the contract allows.
    await checkResponse(request, response);
    return response;
  };

  async function client(principal: string, privateJwk: JWK): Promise<TestClient> {
    const signer = await createRequestSigner({ principal, privateJwk, audience: ORIGIN, now: () => clock.now() });
    const { d: _secret, ...publicJwk } = privateJwk;
    async function call(method: string, path: string, opts: CallOptions = {}) {
      const bytes =
        opts.rawBody !== undefined
          ? typeof opts.rawBody === 'string'
            ? new TextEncoder().encode(opts.rawBody)
            : opts.rawBody
          : opts.body !== undefined
            ? new TextEncoder().encode(JSON.stringify(opts.body))
            : undefined;
      const headers = new Headers(opts.headers);
      if (bytes && !headers.has('content-type')) headers.set('content-type', 'application/json');
      const token =
        opts.token !== undefined
          ? opts.token
          : opts.claims || opts.header
            ? await signer.signWith(
                { method, pathAndQuery: path, body: bytes },
                { claims: opts.claims, header: opts.header },
              )
            : await signer.sign({ method, pathAndQuery: path, body: bytes });
      if (token !== null) headers.set('authorization', `Bearer ${token}`);
      return fetchApp(new Request(`${ORIGIN}${path}`, { method, headers, body: bytes as BodyInit | undefined }));
    }
    return {
      principal,
      signer,
      privateJwk,
      publicJwk,
      kid: signer.kid,
      call,
      get: (path, opts) => call('GET', path, opts),
      post: (path, body, opts) => call('POST', path, { ...opts, body }),
      put: (path, body, opts) => call('PUT', path, { ...opts, body }),
      sign: (method, path, body) => signer.sign({ method, pathAndQuery: path, body }),
    };
  }

  const secretariatJwk = await ensureSecretariat(db, clock);
  if (!secretariatJwk) throw new Error('fresh database already had a Secretariat');
  // As at a start: the empty log gets its first checkpoint.
  await logClock.tick();
  const secretariat = await client('secretariat', secretariatJwk);

  /** Registers a state and one key through the API, as the Secretariat would. */
  async function registerState(
    id: string,
    opts: { name?: string; scopes?: string[]; alg?: KeyAlgorithm } = {},
  ): Promise<TestClient> {
    const created = await secretariat.post('/principals', { id, name: opts.name ?? `State ${id}` });
    if (created.status !== 201 && created.status !== 409)
      throw new Error(`registering ${id}: ${created.status} ${await created.text()}`);
    return addKey(id, opts);
  }

  async function addKey(id: string, opts: { scopes?: string[]; alg?: KeyAlgorithm } = {}): Promise<TestClient> {
    const key = await generateSigningKey(opts.alg ?? 'EdDSA');
    const registered = await secretariat.post(`/principals/${id}/keys`, {
      jwk: key.publicJwk,
      scopes: opts.scopes ?? ['read', 'contacts:write'],
    });
    if (registered.status !== 201)
      throw new Error(`registering a key for ${id}: ${registered.status} ${await registered.text()}`);
    return client(id, key.privateJwk);
  }

  /** Rows in a table, through the portal's own database handle (works on every runtime). */
  async function rows(table: keyof Database): Promise<number> {
    const result = await sql<{ n: number }>`SELECT count(*) AS n FROM ${sql.table(table)}`.execute(db.kysely);
    return Number(result.rows[0]?.n ?? 0);
  }

  return {
    app,
    deps,
    db,
    blobs,
    clock,
    keys,
    logged,
    logClock,
    secretariat,
    client,
    registerState,
    addKey,
    rows,
    fetch: fetchApp,
  };
}

/** A valid contact body; override any field. */
export function contactBody(overrides: Record<string, unknown> = {}) {
  return {
    role: 'technical',
    name: 'Anna Berger',
    position: 'Duty officer',
    organisation: 'CERT.at',
    email: 'duty@cert.example.at',
    phone_24x7: '+4315056416',
    languages: ['de-AT', 'en'],
    time_zone: 'Europe/Vienna',
    ...overrides,
  };
}
