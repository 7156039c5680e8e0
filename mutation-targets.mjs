// @ts-check
/**
 * The targets of `npm run test:mutation` (issue 9 item 10): the files each mutates, and the
 * in-process tests that exercise them. Read by stryker.config.mjs (what to mutate) and by
 * vitest.mutation.config.ts (which tests run). Only in-process tests: a mutant is switched
 * on inside the test runner's process and never reaches a child (cbm, the mirror, a real
 * `npm start`). `MUTATION_TARGET` picks one; unset, all of them.
 *
 * The tests are chosen by the vitest config, not by Stryker's `testFiles`: with `testFiles`,
 * Stryker 9.6.1 switches a static mutant (module-level code, e.g. a regex constant) on
 * after its module has loaded, and reports it survived whatever the tests do
 * (stryker-js issue 6144).
 */
export const TARGETS = {
  crypto: {
    mutate: ['src/crypto/**/*.ts'],
    // The unit tests and the partners' vectors; the HTTP suites (authenticate.security, principals)
    // check the same refusals end to end, at many times the cost per mutant.
    tests: ['src/crypto/**/*.test.ts', 'test/vectors/request-signing.test.ts'],
  },
  authenticate: {
    mutate: ['src/http/authenticate.ts'],
    tests: ['src/http/authenticate*.test.ts', 'test/vectors/request-signing.test.ts'],
  },
  visibility: {
    mutate: ['src/visibility/**/*.ts'],
    tests: [
      'src/visibility/**/*.test.ts',
      'test/noninterference.test.ts',
      'src/incidents/incidents.test.ts',
      'src/requests/requests.test.ts',
      'src/documents/documents.test.ts',
      'src/documents/version-visibility.migration.test.ts',
    ],
  },
  log: {
    mutate: ['src/log/**/*.ts'],
    tests: ['src/log/**/*.test.ts', 'test/log.mutation.ts'],
  },
  client: {
    mutate: ['clients/typescript/src/{verify,log,keys,audit,served,pinning}.ts'],
    tests: [
      'clients/typescript/test/*.unit.test.ts',
      'clients/typescript/test/trust.test.ts',
      'clients/typescript/test/log-vectors.test.ts',
      'src/crypto/key-safety.test.ts',
      'test/key-proofs.test.ts',
      'test/served-records.test.ts',
      'test/client.test.ts',
    ],
  },
};

/** The target named by MUTATION_TARGET (or `all`), and its mutate and test globs. */
export function mutationTarget(name = process.env.MUTATION_TARGET ?? 'all') {
  const chosen = name === 'all' ? Object.values(TARGETS) : [TARGETS[/** @type {keyof typeof TARGETS} */ (name)]];
  if (!chosen[0])
    throw new Error(
      `MUTATION_TARGET must be one of ${Object.keys(TARGETS).join(', ')} (or unset for all), not ${name}`,
    );
  return {
    name,
    mutate: chosen.flatMap((target) => target.mutate),
    tests: [...new Set(chosen.flatMap((target) => target.tests))],
  };
}
