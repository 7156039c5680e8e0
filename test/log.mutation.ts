/**
 * The log's shared cases on Node alone, for mutation testing of src/log (mutation-targets.mjs):
 * test/core.test.ts runs them in `npm test` among every other suite, which would make each
 * mutant of the log run every test that writes. Not named *.test.ts, so `npm test` does not
 * run them twice.
 */
import { logIntegritySuite, logSuite } from './shared/log.cases.ts';
import { createTestPortal } from './support/portal.ts';

logSuite('Node + SQLite', () => createTestPortal());
logIntegritySuite('Node + SQLite', () => createTestPortal());
