// `npm install` (prepare): builds the client package's JavaScript (clients/typescript/dist),
// which the `cbm` command runs. A production install without devDependencies has no
// TypeScript compiler, and the portal needs no client: it skips the build. A type error
// does not fail the install (tsc still writes the JavaScript); `npm test` fails on it.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const tsc = `${root}node_modules/.bin/tsc`;
if (existsSync(tsc)) {
  try {
    execFileSync(tsc, ['-p', `${root}clients/typescript/tsconfig.build.json`], { stdio: 'inherit' });
  } catch {
    console.warn('prepare: the client package built with type errors (see above); npm test will fail on them.');
  }
}
