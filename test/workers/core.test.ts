import { readsSuite } from '../shared/reads.cases.ts';
import { incidentsSuite } from '../shared/incidents.cases.ts';
import { exchangeSuite } from '../shared/exchange.cases.ts';
import { logIntegritySuite, logSuite } from '../shared/log.cases.ts';
import { checksSuite } from '../shared/checks.cases.ts';
import { conflictsSuite } from '../shared/conflicts.cases.ts';
import { coreSuite } from '../shared/core.cases.ts';
import { documentsSuite } from '../shared/documents.cases.ts';
import { createWorkersPortal } from './support.ts';

coreSuite('workerd + D1', (options) => createWorkersPortal(options));
checksSuite('workerd + D1', () => createWorkersPortal());
conflictsSuite('workerd + D1', () => createWorkersPortal());
logSuite('workerd + D1', () => createWorkersPortal());
documentsSuite('workerd + D1', (options) => createWorkersPortal(options));
exchangeSuite('workerd + D1', () => createWorkersPortal());
incidentsSuite('workerd + D1', () => createWorkersPortal());
readsSuite('workerd + D1', () => createWorkersPortal());
logIntegritySuite('workerd + D1', () => createWorkersPortal());
