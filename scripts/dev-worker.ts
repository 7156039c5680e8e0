/**
 * `npm run dev:worker`: the Workers build on this machine (wrangler dev, workerd, a local
 * D1 and R2 under .wrangler/state), fully offline. On first use it creates development
 * keys in .dev.vars (gitignored) and the Secretariat's private key beside it, applies the
 * migrations to the local D1, then serves on http://127.0.0.1:8788.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { generatePrivateJwk, publicPart } from '../src/crypto/portal-keys.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const port = process.env.CBM_WORKER_PORT ?? '8788';
const origin = `http://127.0.0.1:${port}`;
const env = {
  ...process.env,
  WRANGLER_SEND_METRICS: 'false',
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
  XDG_CONFIG_HOME: `${root}.config`,
};
const wrangler = (...args: string[]) => {
  const result = spawnSync(`${root}node_modules/.bin/wrangler`, args, { cwd: root, env, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
};

const devVars = `${root}.dev.vars`;
const secretariatKeyPath = `${root}.wrangler/dev/secretariat.private.jwk`;
if (!existsSync(devVars)) {
  const portalKey = await generatePrivateJwk();
  const secretariatKey = await generatePrivateJwk();
  mkdirSync(`${root}.wrangler/dev`, { recursive: true, mode: 0o700 });
  writeFileSync(secretariatKeyPath, `${JSON.stringify(secretariatKey, null, 2)}\n`, { mode: 0o600 });
  writeFileSync(
    devVars,
    [
      '# Development secrets for `npm run dev:worker` (gitignored). Production uses `wrangler secret put`.',
      `PORTAL_SIGNING_KEY='${JSON.stringify(portalKey)}'`,
      `SECRETARIAT_PUBLIC_JWK='${JSON.stringify(publicPart(secretariatKey))}'`,
      `PUBLIC_ORIGIN=${origin}`,
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  console.log(`created development keys in .dev.vars; the Secretariat's private key is ${secretariatKeyPath}`);
}

wrangler('d1', 'migrations', 'apply', 'cbm-portal', '--local');
console.log(`\nThe Secretariat signs with ${secretariatKeyPath}; request tokens use aud ${origin}.\n`);
wrangler('dev', '--ip', '127.0.0.1', '--port', port);
