// @ts-check
/**
 * Mutation testing of the trust code (issue 9 item 10): `npm run test:mutation` mutates
 * every target below and fails under a 90% score. One target at a time, to keep a run
 * short: `MUTATION_TARGET=log npm run test:mutation` (crypto, authenticate, visibility,
 * log, client). Not part of `npm test`: see the README, "Mutation testing".
 * Reports: reports/mutation/<target>.html and .json (gitignored).
 */
/** What each target mutates, and the in-process tests that exercise it. */
const TARGETS = {
  crypto: {
    mutate: ['src/crypto/**/*.ts'],
    tests: ['src/crypto/**/*.test.ts', 'src/http/authenticate.security.test.ts', 'test/vectors/request-signing.test.ts', 'src/principals/principals.test.ts', 'src/attestations/attestations.test.ts'],
  },
  authenticate: {
    mutate: ['src/http/authenticate.ts'],
    tests: ['src/http/authenticate*.test.ts', 'test/vectors/request-signing.test.ts'],
  },
  visibility: {
    mutate: ['src/visibility/**/*.ts'],
    tests: ['src/visibility/**/*.test.ts', 'test/noninterference.test.ts', 'src/incidents/incidents.test.ts', 'src/requests/requests.test.ts', 'src/documents/documents.test.ts', 'src/documents/version-visibility.migration.test.ts'],
  },
  log: {
    mutate: ['src/log/**/*.ts'],
    tests: ['src/log/**/*.test.ts', 'src/attestations/attestations.test.ts', 'test/core.test.ts'],
  },
  client: {
    mutate: ['clients/typescript/src/{verify,log,keys,audit,served,pinning}.ts'],
    tests: ['clients/typescript/test/trust.test.ts', 'clients/typescript/test/log-vectors.test.ts', 'clients/typescript/test/*.unit.test.ts', 'test/key-proofs.test.ts', 'test/served-records.test.ts', 'test/client.test.ts'],
  },
};

const target = process.env.MUTATION_TARGET ?? 'all';
const chosen = target === 'all' ? Object.values(TARGETS) : [TARGETS[/** @type {keyof typeof TARGETS} */ (target)]];
if (!chosen[0]) throw new Error(`MUTATION_TARGET must be one of ${Object.keys(TARGETS).join(', ')} (or unset for all), not ${target}`);

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts', related: true },
  // Each mutant runs only the tests that reached it.
  coverageAnalysis: 'perTest',
  mutate: [...chosen.flatMap((t) => t.mutate), '!**/*.test.ts'],
  testFiles: [...new Set(chosen.flatMap((t) => t.tests))],
  // The machine has 2 cores; CI runs nothing of this.
  concurrency: Number(process.env.MUTATION_CONCURRENCY ?? 2),
  timeoutMS: 20_000,
  thresholds: { high: 95, low: 90, break: 90 },
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: `reports/mutation/${target}.html` },
  jsonReporter: { fileName: `reports/mutation/${target}.json` },
  clearTextReporter: { allowEmojis: false, logTests: false, reportScoreTable: true, reportMutants: true },
  tempDirName: '.stryker-tmp',
  ignorePatterns: ['data', 'coverage', 'reports', '.wrangler', '.config', 'test/bench/results', '*.log'],
  incremental: process.env.MUTATION_INCREMENTAL === '1',
  incrementalFile: `reports/mutation/${target}.incremental.json`,
};
