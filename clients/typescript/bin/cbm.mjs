#!/usr/bin/env node
// The `cbm` command line, run from the package's JavaScript (dist/: `npm run build`, which
// `npm pack` and the repository's `npm install` run): plain node, nothing compiled at run time.
try {
  await import('../dist/cli.js');
} catch (error) {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !String(error.message).includes('dist/cli.js')) throw error;
  console.error(
    'cbm: the package is not built (dist/cli.js is missing); run `npm run build` in clients/typescript, or ' +
      '`npm run build:client` in the repository.',
  );
  process.exit(70);
}
