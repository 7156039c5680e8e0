// @ts-check
/**
 * Mutation testing of the trust code (issue 9 item 10): `npm run test:mutation` mutates
 * every target of mutation-targets.mjs and fails under a 90% score. One target at a time
 * keeps a run short: `MUTATION_TARGET=log npm run test:mutation` (crypto, authenticate,
 * visibility, log, client). Not part of `npm test`: see the README, "Mutation testing".
 * Reports: reports/mutation/<target>.html and .json (gitignored).
 */
import { mutationTarget } from './mutation-targets.mjs';

const target = mutationTarget();

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  // The test files come from this config (by MUTATION_TARGET), never from `testFiles`.
  vitest: { configFile: 'vitest.mutation.config.ts', related: false },
  // Each mutant runs only the tests that reached it.
  coverageAnalysis: 'perTest',
  mutate: [...target.mutate, '!**/*.test.ts'],
  // The machine has 2 cores; CI runs nothing of this.
  concurrency: Number(process.env.MUTATION_CONCURRENCY ?? 2),
  timeoutMS: 20_000,
  thresholds: { high: 95, low: 90, break: 90 },
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: `reports/mutation/${target.name}.html` },
  jsonReporter: { fileName: `reports/mutation/${target.name}.json` },
  clearTextReporter: { allowEmojis: false, logTests: false, reportScoreTable: true, reportMutants: true },
  tempDirName: '.stryker-tmp',
  ignorePatterns: ['data', 'coverage', 'reports', '.wrangler', '.config', 'test/bench/results', '*.log'],
  // MUTATION_INCREMENTAL=1 re-tests only what changed since the last run (survived static
  // mutants are never re-tested then: finish with a full run).
  incremental: process.env.MUTATION_INCREMENTAL === '1',
  incrementalFile: `reports/mutation/${target.name}.incremental.json`,
};
