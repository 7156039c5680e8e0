import { exchangeSuite } from './shared/exchange.cases.ts';
import { logSuite } from './shared/log.cases.ts';
import { checksSuite } from './shared/checks.cases.ts';
import { coreSuite } from './shared/core.cases.ts';
import { createTestPortal } from './support/portal.ts';

coreSuite('Node + SQLite', (options) => createTestPortal(options));
checksSuite('Node + SQLite', () => createTestPortal());
logSuite('Node + SQLite', () => createTestPortal());
exchangeSuite('Node + SQLite', () => createTestPortal());
