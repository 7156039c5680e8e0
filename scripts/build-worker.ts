/**
 * `npm run build:worker`: bundles the Workers build exactly as `wrangler deploy` would
 * (`--dry-run`, offline, nothing uploaded) and reports the bundle size against the
 * Workers limits (3 MiB gzip on the free plan, 10 MiB on paid).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { buildWeb } from './build-web.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
// wrangler.toml's [assets] directory must exist: the web app, built when it is missing.
if (!existsSync(`${root}dist/web/index.html`)) await buildWeb();
const outdir = `${root}.wrangler/dist`;
rmSync(outdir, { recursive: true, force: true });
const result = spawnSync(`${root}node_modules/.bin/wrangler`, ['deploy', '--dry-run', '--outdir', outdir], {
  cwd: root,
  env: {
    ...process.env,
    WRANGLER_SEND_METRICS: 'false',
    CLOUDFLARE_CF_FETCH_ENABLED: 'false',
    XDG_CONFIG_HOME: `${root}.config`,
  },
  encoding: 'utf8',
});
if (result.status !== 0) {
  console.error(result.stdout, result.stderr);
  console.error('build:worker: wrangler deploy --dry-run failed');
  process.exit(1);
}
const files = readdirSync(outdir).filter((name) => name.endsWith('.js'));
let raw = 0;
let gzip = 0;
for (const name of files) {
  const bytes = readFileSync(`${outdir}/${name}`);
  raw += statSync(`${outdir}/${name}`).size;
  gzip += gzipSync(bytes).byteLength;
}
const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
console.log(
  `Worker bundle (${files.join(', ')}): ${kib(raw)}, ${kib(gzip)} gzip (limit 3072 KiB gzip on the free plan)`,
);
if (gzip > 3 * 1024 * 1024) {
  console.error('build:worker: the bundle exceeds the free plan limit');
  process.exit(1);
}
