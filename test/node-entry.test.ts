/**
 * The embedded portal as an operator runs it: `tsx src/node.ts` on a data dir, over real
 * HTTP. Every spawned server is stopped in afterEach, even when an assertion fails.
 */
import BetterSqlite3 from 'better-sqlite3';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { JSONWebKeySet, JWK } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createRequestSigner,
  generateSigningKey,
  sha256b64u,
  verifyAttestation,
  verifyEvidence,
} from '../clients/typescript/src/index.ts';
import { ConfigError, parseNodeConfig } from '../src/node-config.ts';
import { freePort, ROOT, stopChild, TSX } from './support/real-portal.ts';

interface Server {
  child: ChildProcess;
  origin: string;
  output: () => string;
  exited: Promise<number | null>;
}

const running = new Set<ChildProcess>();
let dataDir: string;

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'cbm-node-entry-'));
});

afterEach(async () => {
  for (const child of running) await stop(child);
  rmSync(dataDir, { recursive: true, force: true });
});

function launch(env: Record<string, string>): Server {
  const child = spawn(TSX, ['src/node.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so stop() reaches tsx and the node process it starts.
    detached: true,
  });
  running.add(child);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolveExit) => {
    child.once('exit', (code) => {
      running.delete(child);
      resolveExit(code);
    });
  });
  return { child, origin: `http://127.0.0.1:${env.CBM_PORT}`, output: () => output, exited };
}

async function start(port: number): Promise<Server> {
  const server = launch({ CBM_DATA_DIR: dataDir, CBM_PORT: String(port), CBM_HOST: '127.0.0.1' });
  const deadline = Date.now() + 30_000;
  let exitCode: number | null | undefined;
  void server.exited.then((code) => (exitCode = code));
  while (Date.now() < deadline) {
    if (exitCode !== undefined) throw new Error(`the server exited with ${exitCode}:\n${server.output()}`);
    try {
      const res = await fetch(`${server.origin}/healthz`);
      if (res.status === 200) return server;
    } catch {
      // not listening yet
    }
    await new Promise((wait) => setTimeout(wait, 100));
  }
  throw new Error(`the server did not answer /healthz within 30 s:\n${server.output()}`);
}

async function stop(child: ChildProcess): Promise<void> {
  await stopChild(child);
  running.delete(child);
}

function signedClient(origin: string, principal: string, privateJwk: JWK) {
  const signerPromise = createRequestSigner({ principal, privateJwk, audience: origin });
  return async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    const signer = await signerPromise;
    const bytes = body === undefined ? undefined : new TextEncoder().encode(JSON.stringify(body));
    const token = await signer.sign({ method, pathAndQuery: path, body: bytes });
    return fetch(`${origin}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(bytes ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      body: bytes,
    });
  };
}

const mode = (path: string) => statSync(path).mode & 0o777;

describe('node entry (tsx src/node.ts)', () => {
  it('starts on an empty data dir, serves signed writes over HTTP, and restarts with the same keys', {
    timeout: 120_000,
  }, async () => {
    const port = await freePort();
    const first = await start(port);
    const origin = first.origin;

    // Files of a first start, private keys readable by the owner only.
    const dbPath = join(dataDir, 'portal.sqlite');
    const portalKeyPath = join(dataDir, 'portal-signing-key.jwk');
    const secretariatKeyPath = join(dataDir, 'secretariat.private.jwk');
    for (const path of [dbPath, portalKeyPath, secretariatKeyPath]) expect(existsSync(path), path).toBe(true);
    expect(mode(portalKeyPath)).toBe(0o600);
    expect(mode(secretariatKeyPath)).toBe(0o600);
    expect(first.output()).toContain(secretariatKeyPath);
    expect(first.output()).toContain('applied migration 0001_core.sql');

    // WAL lets a reader in while the server runs.
    const reader = new BetterSqlite3(dbPath, { readonly: true, fileMustExist: true });
    try {
      const migrations = reader.prepare('SELECT name FROM d1_migrations ORDER BY id').pluck().all();
      expect(migrations).toContain('0001_core.sql');
      expect(reader.prepare("SELECT kind FROM principals WHERE id = 'secretariat'").pluck().get()).toBe('secretariat');
    } finally {
      reader.close();
    }

    // Public documents.
    const health = await fetch(`${origin}/healthz`);
    expect(((await health.json()) as { status: string; version: string }).status).toBe('ok');
    const json = await fetch(`${origin}/openapi.json`);
    expect(json.status).toBe(200);
    expect(((await json.json()) as { openapi: string }).openapi).toBe('3.1.0');
    const yaml = await fetch(`${origin}/openapi.yaml`);
    expect(yaml.status).toBe(200);
    expect(await yaml.text()).toMatch(/^openapi: 3\.1\.0/);
    const jwksRes = await fetch(`${origin}/.well-known/jwks.json`);
    expect(jwksRes.status).toBe(200);
    const jwks = (await jwksRes.json()) as JSONWebKeySet;
    const portalKey = JSON.parse(readFileSync(portalKeyPath, 'utf8')) as JWK;
    expect(jwks.keys.map((key) => key.kid)).toEqual([portalKey.kid]);
    expect(jwks.keys[0]).not.toHaveProperty('d');

    // The operator's path: the Secretariat key from the data dir registers a state and its key.
    const secretariatJwk = JSON.parse(readFileSync(secretariatKeyPath, 'utf8')) as JWK;
    const secretariat = signedClient(origin, 'secretariat', secretariatJwk);
    expect((await secretariat('POST', '/principals', { id: 'AT', name: 'Austria' })).status).toBe(201);
    const stateKey = await generateSigningKey('ES256');
    expect(
      (
        await secretariat('POST', '/principals/AT/keys', {
          jwk: stateKey.publicJwk,
          scopes: ['read', 'contacts:write'],
        })
      ).status,
    ).toBe(201);

    const austria = signedClient(origin, 'AT', stateKey.privateJwk);
    const contact = {
      role: 'technical',
      name: 'Anna Berger',
      organisation: 'CERT.at',
      email: 'duty@cert.example.at',
      phone_24x7: '+4315056416',
      languages: ['de-AT', 'en'],
      time_zone: 'Europe/Vienna',
    };
    const published = await austria('POST', '/contacts', contact);
    expect(published.status).toBe(201);
    expect(published.headers.get('etag')).toBe('"1"');
    const written = (await published.json()) as { data: { id: string }; attestation: { id: string; token: string } };

    // Offline verification of what came over the wire.
    const claims = await verifyAttestation(written.attestation.token, jwks, { issuer: origin });
    expect(claims).toMatchObject({
      sub: `urn:cbm:contact:${written.data.id}:v1`,
      principal: 'AT',
      operation: 'createContact',
      body_sha256: await sha256b64u(JSON.stringify(contact)),
    });
    const evidence = (await (
      await austria('GET', `/attestations/${written.attestation.id}/evidence`)
    ).json()) as Parameters<typeof verifyEvidence>[0];
    const { body } = await verifyEvidence(evidence, claims, stateKey.publicJwk);
    expect(new TextDecoder().decode(body)).toBe(JSON.stringify(contact));

    // Restart on the same data dir.
    await stop(first.child);
    const secretariatFile = readFileSync(secretariatKeyPath, 'utf8');
    const secretariatMtime = statSync(secretariatKeyPath).mtimeMs;
    const second = await start(port);
    expect(second.output()).not.toContain('First start');
    expect(second.output()).not.toContain('applied migration');
    expect(readFileSync(secretariatKeyPath, 'utf8')).toBe(secretariatFile);
    expect(statSync(secretariatKeyPath).mtimeMs).toBe(secretariatMtime);

    const jwksAgain = (await (await fetch(`${origin}/.well-known/jwks.json`)).json()) as JSONWebKeySet;
    expect(jwksAgain.keys.map((key) => key.kid)).toEqual([portalKey.kid]);
    // Attestations from before the restart still verify against the served keys.
    await expect(verifyAttestation(written.attestation.token, jwksAgain, { issuer: origin })).resolves.toMatchObject({
      principal: 'AT',
    });

    const listed = await secretariat('GET', '/principals?kind=state');
    expect(listed.status).toBe(200);
    expect(((await listed.json()) as { items: { id: string }[] }).items.map((item) => item.id)).toEqual(['AT']);
    expect((await secretariat('POST', '/principals', { id: 'DE', name: 'Germany' })).status).toBe(201);
    const directory = await austria('GET', '/contacts');
    expect(((await directory.json()) as { items: { id: string }[] }).items.map((item) => item.id)).toEqual([
      written.data.id,
    ]);

    await stop(second.child);
    const after = new BetterSqlite3(dbPath, { readonly: true, fileMustExist: true });
    try {
      expect(
        after.prepare("SELECT count(*) FROM principal_keys WHERE principal_id = 'secretariat'").pluck().get(),
      ).toBe(1);
      // Every migration file, applied once across the two starts.
      const migrations = readdirSync(join(ROOT, 'migrations')).filter((name) => name.endsWith('.sql'));
      expect(after.prepare('SELECT count(*) FROM d1_migrations').pluck().get()).toBe(migrations.length);
    } finally {
      after.close();
    }
  });

  it('exits non-zero with a message naming CBM_PORT when the port is out of range', { timeout: 60_000 }, async () => {
    const server = launch({ CBM_DATA_DIR: dataDir, CBM_PORT: '99999' });
    const code = await server.exited;
    expect(code).not.toBe(0);
    expect(code).not.toBeNull();
    expect(server.output()).toContain('CBM_PORT');
    expect(server.output()).toContain('99999');
    // Refused before touching the data dir.
    expect(existsSync(join(dataDir, 'portal.sqlite'))).toBe(false);
  });

  it('exits non-zero naming the address when the port is taken', { timeout: 60_000 }, async () => {
    const blocker = createServer();
    await new Promise<void>((listening) => blocker.listen(0, '127.0.0.1', () => listening()));
    try {
      const address = blocker.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      const server = launch({ CBM_DATA_DIR: dataDir, CBM_PORT: String(port), CBM_HOST: '127.0.0.1' });
      const code = await server.exited;
      expect(code).toBe(1);
      expect(server.output()).toContain(`cannot listen on 127.0.0.1:${port}: EADDRINUSE`);
    } finally {
      await new Promise((closed) => blocker.close(closed));
    }
  });
});

describe('parseNodeConfig', () => {
  it('has safe defaults', () => {
    expect(parseNodeConfig({}, '/srv/cbm')).toEqual({
      host: '127.0.0.1',
      port: 8787,
      dataDir: '/srv/cbm/data',
      publicOrigin: 'http://127.0.0.1:8787',
      maxBodyBytes: 1_048_576,
      maxUploadBytes: 26_214_400,
      housekeepingIntervalMs: 60_000,
      maxDbBytes: null,
      maxBlobBytes: null,
      synchronous: 'FULL',
      checkpointIntervalMs: 1000,
      logVerifyIntervalMs: 900_000,
    });
  });

  it('reads every variable', () => {
    const config = parseNodeConfig(
      {
        CBM_HOST: '0.0.0.0',
        CBM_PORT: '9000',
        CBM_DATA_DIR: 'var/portal',
        CBM_PUBLIC_ORIGIN: 'https://cbm.example.org',
        CBM_MAX_BODY_BYTES: '2048',
        CBM_MAX_UPLOAD_BYTES: '10485760',
        CBM_CHECKPOINT_INTERVAL_MS: '250',
        CBM_LOG_VERIFY_INTERVAL_MS: '3600000',
      },
      '/srv',
    );
    expect(config).toMatchObject({
      host: '0.0.0.0',
      port: 9000,
      dataDir: resolve('/srv', 'var/portal'),
      publicOrigin: 'https://cbm.example.org',
      maxBodyBytes: 2048,
      maxUploadBytes: 10_485_760,
    });
    expect(config).toMatchObject({ checkpointIntervalMs: 250, logVerifyIntervalMs: 3_600_000 });
  });

  it('derives the public origin from host and port, with brackets for IPv6', () => {
    expect(parseNodeConfig({ CBM_HOST: '::1', CBM_PORT: '8080' }).publicOrigin).toBe('http://[::1]:8080');
    expect(parseNodeConfig({ CBM_DATA_DIR: '/abs/dir' }).dataDir).toBe('/abs/dir');
  });

  it('reports every bad value at once, each naming its variable', () => {
    let error: unknown;
    try {
      parseNodeConfig({
        CBM_HOST: 'bad host/',
        CBM_PORT: '99999',
        CBM_MAX_BODY_BYTES: '12',
        CBM_DATA_DIR: '  ',
        CBM_PUBLIC_ORIGIN: 'https://cbm.example.org/api/',
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(5);
    for (const [index, name] of [
      'CBM_HOST',
      'CBM_PORT',
      'CBM_MAX_BODY_BYTES',
      'CBM_DATA_DIR',
      'CBM_PUBLIC_ORIGIN',
    ].entries()) {
      expect(problems[index]).toMatch(new RegExp(`^${name}`));
    }
    expect((error as ConfigError).message).toContain('CBM_PORT="99999"');
  });

  it.each([
    ['CBM_PORT', '0'],
    ['CBM_PORT', '65536'],
    ['CBM_PORT', '80.5'],
    ['CBM_PORT', '-1'],
    ['CBM_PORT', ''],
    ['CBM_PORT', 'http'],
    ['CBM_HOST', 'cbm.example.org/path'],
    ['CBM_MAX_BODY_BYTES', '1e6'],
    ['CBM_MAX_UPLOAD_BYTES', '26214401'],
    ['CBM_MAX_UPLOAD_BYTES', '100'],
    ['CBM_PUBLIC_ORIGIN', 'ftp://cbm.example.org'],
    ['CBM_PUBLIC_ORIGIN', 'not a url'],
  ])('refuses %s=%j with exactly one problem naming it', (name, value) => {
    expect(() => parseNodeConfig({ [name]: value })).toThrow(ConfigError);
    try {
      parseNodeConfig({ [name]: value });
    } catch (error) {
      expect((error as ConfigError).problems).toEqual([expect.stringMatching(new RegExp(`^${name}=`))]);
    }
  });
});
