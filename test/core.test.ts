import { readsSuite } from './shared/reads.cases.ts';
import { incidentsSuite } from './shared/incidents.cases.ts';
import { exchangeSuite } from './shared/exchange.cases.ts';
import { logIntegritySuite, logSuite } from './shared/log.cases.ts';
import { checksSuite } from './shared/checks.cases.ts';
import { conflictsSuite } from './shared/conflicts.cases.ts';
import { coreSuite } from './shared/core.cases.ts';
import { documentsSuite } from './shared/documents.cases.ts';
import { createTestPortal } from './support/portal.ts';

coreSuite('Node + SQLite', (options) => createTestPortal(options));
checksSuite('Node + SQLite', () => createTestPortal());
conflictsSuite('Node + SQLite', () => createTestPortal());
logSuite('Node + SQLite', () => createTestPortal());
documentsSuite('Node + SQLite', (options) => createTestPortal(options));
exchangeSuite('Node + SQLite', () => createTestPortal());
incidentsSuite('Node + SQLite', () => createTestPortal());
readsSuite('Node + SQLite', () => createTestPortal());
logIntegritySuite('Node + SQLite', () => createTestPortal());
