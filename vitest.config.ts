import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-pool-workers';
import { exportJWK, generateKeyPair } from 'jose';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// wrangler and miniflare run fully offline: no metrics, no request.cf fetch, and their
// config dir inside the repository (gitignored).
process.env.WRANGLER_SEND_METRICS = 'false';
process.env.CLOUDFLARE_CF_FETCH_ENABLED = 'false';
process.env.XDG_CONFIG_HOME = fileURLToPath(new URL('./.config', import.meta.url));

async function ed25519Pair() {
  const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const privateJwk = await exportJWK(privateKey);
  const { d: _secret, ...publicJwk } = privateJwk;
  return { privateJwk, publicJwk };
}

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'node',
          include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'clients/**/*.test.ts'],
          exclude: ['test/workers/**', 'test/browser/**', '**/node_modules/**'],
          environment: 'node',
          testTimeout: 30_000,
          // Tests that start the Node entry need the web app built (it refuses to start without).
          globalSetup: ['test/support/web-built.ts'],
          setupFiles: ['test/support/cross-check-validators.ts'],
        },
      },
      {
        // Debian's Chromium through playwright-core against a real portal (test/browser/harness.ts).
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/browser/global-setup.ts'],
          setupFiles: ['test/support/cross-check-validators.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          // One Chromium and one portal at a time: the machine has two cores.
          fileParallelism: false,
        },
      },
      {
        // The Workers build inside workerd, on a local D1 with the project's migrations.
        plugins: [
          cloudflareTest(async () => {
            const secretariat = await ed25519Pair();
            const portal = await ed25519Pair();
            return {
              main: './src/worker.ts',
              wrangler: { configPath: './wrangler.toml' },
              miniflare: {
                bindings: {
                  PUBLIC_ORIGIN: 'http://portal.test',
                  PORTAL_SIGNING_KEY: JSON.stringify(portal.privateJwk),
                  SECRETARIAT_PUBLIC_JWK: JSON.stringify(secretariat.publicJwk),
                  TEST_SECRETARIAT_PRIVATE_JWK: JSON.stringify(secretariat.privateJwk),
                  TEST_MIGRATIONS: await readD1Migrations(fileURLToPath(new URL('./migrations', import.meta.url))),
                },
              },
            };
          }),
        ],
        test: {
          name: 'workers',
          include: ['test/workers/**/*.test.ts'],
          testTimeout: 30_000,
        },
      },
    ],
  },
});
