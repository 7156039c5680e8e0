/**
 * The client ships as JavaScript (issue 12 item 7): `npm pack` of clients/typescript builds
 * dist/ (prepack) and packs JavaScript with type declarations, no TypeScript sources and no
 * TypeScript runner; installed into an empty project it works under plain `node` (signing
 * reproduces the request-signing test vectors, a key it generates is safe, `cbm` runs) and
 * type-checks for a TypeScript user. The portal itself needs no TypeScript runner in
 * production either: `npm run build` bundles it, and it serves from the JavaScript.
 */
import { execFile, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, test } from 'vitest';
import { freePort, ROOT, stopChild } from '../support/real-portal.ts';

const run = promisify(execFile);
const scratch = mkdtempSync(join(tmpdir(), 'cbm-client-package-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

// npm's own environment for child npm runs: offline-first from the cache the repository's
// install filled, nothing reported, no scripts of the dependencies.
const npmEnv = {
  ...process.env,
  npm_config_audit: 'false',
  npm_config_fund: 'false',
  npm_config_update_notifier: 'false',
  npm_config_ignore_scripts: 'false',
};

describe('the client package', () => {
  test('packs JavaScript with declarations, installs into an empty project and works there under plain node', {
    timeout: 180_000,
  }, async () => {
    // Packed from a copy, so its prepack build does not rewrite the dist/ other tests run.
    const source = join(scratch, 'client');
    cpSync(join(ROOT, 'clients/typescript'), source, {
      recursive: true,
      filter: (path) => !/\/(dist|test|node_modules)(\/|$)/.test(path.slice(ROOT.length)),
    });
    symlinkSync(join(ROOT, 'node_modules'), join(source, 'node_modules'));
    const packed = await run('npm', ['pack', '--json', '--pack-destination', scratch], {
      cwd: source,
      env: npmEnv,
      maxBuffer: 16 * 1024 * 1024,
    });
    const [info] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as {
      filename: string;
      files: { path: string }[];
    }[];
    const files = info!.files.map((file) => file.path);
    expect(files).toContain('dist/index.js');
    expect(files).toContain('dist/index.d.ts');
    expect(files).toContain('dist/cli.js');
    expect(files).toContain('bin/cbm.mjs');
    expect(files.filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))).toEqual([]);
    const manifest = JSON.parse(readFileSync(join(ROOT, 'clients/typescript/package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    expect(Object.keys(manifest.dependencies)).not.toContain('tsx');

    const project = join(scratch, 'partner');
    await run('mkdir', ['-p', project]);
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({ name: 'partner', version: '1.0.0', private: true, type: 'module' }),
    );
    await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', join(scratch, info!.filename)], {
      cwd: project,
      env: npmEnv,
    });

    // Plain node: sign the test vectors' requests with the package and compare byte for byte.
    const vectorsPath = join(ROOT, 'test/vectors/request-signing.json');
    writeFileSync(
      join(project, 'check.mjs'),
      `import { readFileSync } from 'node:fs';
import { createRequestSigner, generateSigningKey, assertSafePublicJwk, thumbprint } from '@cbm-portal/client';
const file = JSON.parse(readFileSync(${JSON.stringify(vectorsPath)}, 'utf8'));
const results = [];
for (const vector of file.vectors) {
  const signer = await createRequestSigner({
    principal: file.key.principal,
    privateJwk: file.key.private_jwk,
    audience: file.portal.aud,
    now: () => new Date(vector.claims.iat * 1000),
    lifetimeSeconds: vector.claims.exp - vector.claims.iat,
  });
  const token = await signer.signWith(
    { method: vector.request.method, pathAndQuery: vector.request.target, body: vector.request.body_utf8 ?? undefined },
    { claims: { jti: vector.claims.jti } },
  );
  results.push(token === vector.expected.token);
}
const key = await generateSigningKey();
assertSafePublicJwk(key.publicJwk);
console.log(JSON.stringify({ results, kid: key.kid === (await thumbprint(key.publicJwk)) }));
`,
    );
    const checked = await run(process.execPath, ['check.mjs'], { cwd: project });
    expect(JSON.parse(checked.stdout)).toEqual({ results: [true, true, true, true], kid: true });

    const help = await run(process.execPath, [join(project, 'node_modules/.bin/cbm'), '--help'], { cwd: project });
    expect(help.stdout).toContain('usage: cbm COMMAND');

    // A TypeScript user gets the declarations: a misuse is a compile error, proper use is not.
    writeFileSync(
      join(project, 'use.ts'),
      `import { createPortalClient, ok, type Schemas } from '@cbm-portal/client';
const portal = await createPortalClient({ baseUrl: 'https://cbm.example.org' });
const contact: Schemas['ContactInput'] = {
  role: 'technical',
  name: 'A',
  organisation: 'B',
  email: 'a@b.example',
  phone_24x7: '+4315056416',
  languages: ['en'],
  time_zone: 'Europe/Vienna',
};
export const call = () => ok(portal.POST('/contacts', { body: contact }));
`,
    );
    writeFileSync(
      join(project, 'misuse.ts'),
      `import { createPortalClient } from '@cbm-portal/client';\nexport const p = createPortalClient({ baseUrl: 42 });\n`,
    );
    const tsconfig = {
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        noEmit: true,
        skipLibCheck: false,
        lib: ['ES2023', 'DOM'],
        types: [],
      },
    };
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({ ...tsconfig, files: ['use.ts'] }));
    await run(join(ROOT, 'node_modules/.bin/tsc'), ['-p', project], { cwd: project }).catch(
      (error: { stdout?: string }) => {
        throw new Error(`the declarations do not type-check a proper use:\n${error.stdout}`);
      },
    );
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({ ...tsconfig, files: ['misuse.ts'] }));
    const misuse = await run(join(ROOT, 'node_modules/.bin/tsc'), ['-p', project], { cwd: project }).then(
      () => '',
      (error: { stdout?: string }) => error.stdout ?? '',
    );
    expect(misuse).toMatch(/misuse\.ts.*error TS2322/);
  });
});

describe('the portal in production', () => {
  test('has no TypeScript runner among its dependencies, and serves from the JavaScript `npm run build` writes', {
    timeout: 120_000,
  }, async () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      scripts: Record<string, string>;
    };
    expect(Object.keys(manifest.dependencies)).not.toContain('tsx');
    expect(manifest.scripts.serve).toMatch(/^node .*dist\/portal\/node\.js$/);

    // dist/portal, as `npm run build` writes it (the bundle finds migrations/ from where it sits).
    const out = join(ROOT, 'dist/portal');
    await run(join(ROOT, 'node_modules/.bin/tsx'), ['scripts/build.ts', '--portal-only'], { cwd: ROOT });
    const port = await freePort();
    const dataDir = join(scratch, 'data');
    const child = spawn(process.execPath, [join(out, 'node.js')], {
      cwd: scratch,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: scratch,
        CBM_DATA_DIR: dataDir,
        CBM_PORT: String(port),
        CBM_HOST: '127.0.0.1',
      },
      stdio: 'ignore',
      detached: true,
    });
    try {
      let health: Response | undefined;
      for (let attempt = 0; attempt < 100 && !health; attempt++) {
        health = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined);
        if (!health) await new Promise((wait) => setTimeout(wait, 100));
      }
      expect(health?.status).toBe(200);
      const contract = await fetch(`http://127.0.0.1:${port}/openapi.yaml`);
      expect(contract.status).toBe(200);
      expect(await contract.text()).toBe(readFileSync(join(ROOT, 'openapi/openapi.yaml'), 'utf8'));
    } finally {
      await stopChild(child);
    }
  });
});
