import { httpSuite } from './shared/http.cases.ts';
import { createTestPortal } from './support/portal.ts';

httpSuite('Node + SQLite', (options) => createTestPortal(options));
