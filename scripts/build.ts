/**
 * `npm run build`: the portal and its operator commands as JavaScript, for production
 * (`npm run serve`, no TypeScript runner at run time), and the client package's dist/.
 *
 *   dist/portal/node.js   src/node.ts (what `npm start` runs through tsx in development)
 *   dist/portal/ops.js    src/ops/main.ts (backup, restore, set-origin)
 *
 * Dependencies stay in node_modules (`packages: 'external'`). The bundles sit two levels
 * below the repository, as the sources do, so paths the code resolves from its own file
 * (the migrations/ folder) hold.
 */
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const outdir = `${root}dist/portal`;
rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: { node: `${root}src/node.ts`, ops: `${root}src/ops/main.ts` },
  outdir,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
});
console.log(`wrote ${outdir}/node.js and ops.js`);

if (!process.argv.includes('--portal-only')) {
  execFileSync(`${root}node_modules/.bin/tsc`, ['-p', `${root}clients/typescript/tsconfig.build.json`], {
    stdio: 'inherit',
  });
  console.log(`wrote ${root}clients/typescript/dist`);
}
