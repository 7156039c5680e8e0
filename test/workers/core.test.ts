import { logSuite } from '../shared/log.cases.ts';
import { coreSuite } from '../shared/core.cases.ts';
import { createWorkersPortal } from './support.ts';

coreSuite('workerd + D1', (options) => createWorkersPortal(options));
logSuite('workerd + D1', () => createWorkersPortal());
