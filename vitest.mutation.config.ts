import { defineConfig } from 'vitest/config';
import { mutationTarget } from './mutation-targets.mjs';

/**
 * The vitest setup Stryker runs each mutant under (`npm run test:mutation`): the node
 * environment, and only the test files of the target being mutated (mutation-targets.mjs).
 */
export default defineConfig({
  test: {
    name: 'mutation',
    include: mutationTarget().tests,
    environment: 'node',
    testTimeout: 30_000,
  },
});
