import { defineConfig } from 'vitest/config';

/**
 * The vitest setup Stryker runs each mutant under (`npm run test:mutation`): the node
 * project alone. Which test files a target runs is listed beside it in stryker.config.mjs:
 * only in-process tests, since a mutant is switched on inside the test runner's process
 * and never reaches a child (cbm, the mirror, a real `npm start`).
 */
export default defineConfig({
  test: {
    name: 'mutation',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'clients/typescript/test/**/*.test.ts'],
    exclude: ['test/workers/**', '**/node_modules/**'],
    environment: 'node',
    testTimeout: 30_000,
  },
});
