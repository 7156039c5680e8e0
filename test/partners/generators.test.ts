/**
 * A partner with a generator the project does not use (issue 12 item 6): the contract is
 * downloaded from a real portal (`npm start`'s src/node.ts on a temporary data dir),
 * clients are generated with @hey-api/openapi-ts (its fetch client) and orval (its
 * default axios client), compiled with tsc in strict mode, and driven over real HTTP with
 * signed calls: read the directory, publish a contact, upload a file and download it
 * byte-identical, fetch the checkpoint as text. Nothing generated is edited; the only
 * code written here is what a partner writes around a generated client (README,
 * "Generating a client"): a fetch or an axios interceptor that signs each request.
 *
 * The generators' versions are pinned in package.json (devDependencies).
 */
import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  createPortalClient,
  createRequestSigner,
  generateSigningKey,
  ok,
  sha256b64u,
  signedFetch,
  type RequestSigner,
} from '../../clients/typescript/src/index.ts';
import { removeDataDir, ROOT, startRealPortal, type RealPortal } from '../support/real-portal.ts';

const run = promisify(execFile);
const OUT = join(ROOT, 'test/partners/.generated');
const bin = (name: string) => join(ROOT, 'node_modules/.bin', name);

let portal: RealPortal;
let signer: RequestSigner;

const contact = {
  role: 'technical',
  name: 'Anna Berger',
  organisation: 'CERT.at',
  email: 'duty@cert.example.at',
  phone_24x7: '+4315056416',
  languages: ['de-AT', 'en'],
  time_zone: 'Europe/Vienna',
} as const;

/** A small PDF-looking file with every byte value in it, so any text decoding on the way would show. */
function fileBytes(seed: string): Uint8Array {
  const bytes = new Uint8Array(70_000);
  const head = new TextEncoder().encode(`%PDF-1.7 ${seed}\n`);
  bytes.set(head);
  for (let i = head.length; i < bytes.length; i++) bytes[i] = (i * 31 + seed.length) % 256;
  return bytes;
}

async function documentInput(seed: string, bytes: Uint8Array) {
  return {
    type: 'strategy' as const,
    title: `National cyber security strategy (${seed})`,
    summary: 'The strategy, as adopted.',
    language: 'en',
    tlp: 'TLP:CLEAR' as const,
    content: {
      file: {
        media_type: 'application/pdf' as const,
        sha256: await sha256b64u(bytes),
        size: bytes.byteLength,
        filename: `${seed}.pdf`,
      },
    },
  };
}

beforeAll(async () => {
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  portal = await startRealPortal();
  // The Secretariat registers Austria and a key for it, through the project's own client.
  const secretariat = await createPortalClient({
    baseUrl: portal.origin,
    principal: 'secretariat',
    privateJwk: portal.secretariatJwk(),
  });
  await ok(secretariat.POST('/principals', { body: { id: 'AT', name: 'Austria' } }));
  const key = await generateSigningKey();
  await ok(
    secretariat.POST('/principals/{principalId}/keys', {
      params: { path: { principalId: 'AT' } },
      body: { jwk: key.publicJwk as never, scopes: ['read', 'contacts:write', 'documents:write'] },
    }),
  );
  signer = await createRequestSigner({ principal: 'AT', privateJwk: key.privateJwk, audience: portal.origin });

  // What a partner knows: the contract the portal serves.
  const contract = await (await fetch(`${portal.origin}/openapi.yaml`)).text();
  writeFileSync(join(OUT, 'openapi.yaml'), contract);
  writeFileSync(
    join(OUT, 'orval.config.cjs'),
    `module.exports = { portal: { input: { target: './openapi.yaml' }, output: { target: './orval/portal.ts', ` +
      `client: 'axios-functions', mode: 'single' } } };\n`,
  );
  writeFileSync(
    join(OUT, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'ESNext',
        moduleResolution: 'Bundler',
        lib: ['ES2022', 'DOM', 'DOM.Iterable'],
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        types: [],
      },
      include: ['hey', 'orval', '../hey-api.partner.ts', '../orval.partner.ts'],
    }),
  );
  const started = Date.now();
  await Promise.all([
    run(bin('openapi-ts'), ['-i', 'openapi.yaml', '-o', 'hey'], { cwd: OUT }),
    run(bin('orval'), ['--config', 'orval.config.cjs'], { cwd: OUT }),
  ]);
  const generated = Date.now();
  // Strict type-check of everything generated: a contract generators misread fails here.
  await run(bin('tsc'), ['-p', join(OUT, 'tsconfig.json')], { cwd: OUT }).catch((error: { stdout?: string }) => {
    throw new Error(`the generated clients do not compile:\n${error.stdout ?? String(error)}`);
  });
  console.log(`generated in ${generated - started} ms, compiled in ${Date.now() - generated} ms`);
}, 180_000);

afterAll(async () => {
  await portal?.stop();
  if (portal) removeDataDir(portal.dataDir);
  rmSync(OUT, { recursive: true, force: true });
});

const CHECKPOINT = () => new RegExp(`^127\\.0\\.0\\.1:${portal.port}/log\\n\\d+\\n[A-Za-z0-9+/]{43}=\\n\\n— `);
const reprDigest = async (bytes: Uint8Array) =>
  `sha-256=:${Buffer.from(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>)).toString('base64')}:`;

/**
 * The partner's code, compiled with the generated client in beforeAll; run by vitest. Its
 * types are checked there, against the generated code, not by the repository's tsc (the
 * generated code is not there until this test makes it).
 */
// biome-ignore lint/suspicious/noExplicitAny: the partner code is compiled at test time; tsc never sees its types
type Scenario = (...args: any[]) => Promise<any>;
const partner = async (file: string, name: string) =>
  ((await import(pathToFileURL(join(ROOT, 'test/partners', file)).href)) as Record<string, Scenario>)[name]!;

describe('clients generated from the contract by third-party generators', () => {
  test(
    '@hey-api/openapi-ts (fetch client): signed reads and writes, a file up and down byte-identical, the ' +
      'checkpoint as text',
    async () => {
      const heyApiPartner = await partner('hey-api.partner.ts', 'heyApiPartner');
      const bytes = fileBytes('hey-api');
      const result = await heyApiPartner(
        portal.origin,
        signedFetch(signer) as typeof fetch,
        contact,
        await documentInput('hey-api', bytes),
        bytes,
      );

      expect(result.directory).toMatchObject({ status: 200, items: 0 });
      expect(result.published.status).toBe(201);
      expect(result.published.contact).toMatchObject({ state: 'AT', version: 1, name: 'Anna Berger' });
      expect(result.published.token?.split('.')).toHaveLength(3);
      expect(result.directory.after).toEqual([result.published.contact?.id]);
      expect(result.declared.status).toBe(201);
      expect(result.uploaded).toEqual({ status: 201, available: true, error: undefined });
      expect(result.downloaded).toMatchObject({ status: 200, isBlob: true, reprDigest: await reprDigest(bytes) });
      expect(result.downloaded.bytes).toEqual(bytes);
      expect(result.checkpoint.status).toBe(200);
      expect(result.checkpoint.text).toMatch(CHECKPOINT());
    },
  );

  test('orval (axios client): signed reads and writes, a file up and down byte-identical, the checkpoint as text', async () => {
    const orvalPartner = await partner('orval.partner.ts', 'orvalPartner');
    const bytes = fileBytes('orval');
    const result = await orvalPartner(
      portal.origin,
      (request: Parameters<RequestSigner['sign']>[0]) => signer.sign(request),
      { ...contact, role: 'policy', name: 'Bernd Huber' },
      await documentInput('orval', bytes),
      bytes,
    );

    expect(result.directory).toEqual({ status: 200, items: 1 });
    expect(result.published.status).toBe(201);
    expect(result.published.contact).toMatchObject({ state: 'AT', role: 'policy', version: 1 });
    expect(result.declared.status).toBe(201);
    expect(result.uploaded).toEqual({ status: 201, available: true });
    expect(result.downloaded).toMatchObject({ status: 200, isBlob: true, reprDigest: await reprDigest(bytes) });
    expect(result.downloaded.bytes).toEqual(bytes);
    expect(result.checkpoint.status).toBe(200);
    expect(result.checkpoint.text).toMatch(CHECKPOINT());
  });
});
