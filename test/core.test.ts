import { logSuite } from './shared/log.cases.ts';
import { coreSuite } from './shared/core.cases.ts';
import { createTestPortal } from './support/portal.ts';

coreSuite('Node + SQLite', (options) => createTestPortal(options));
logSuite('Node + SQLite', () => createTestPortal());
