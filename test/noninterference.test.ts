import { noninterferenceSuite } from './shared/noninterference.cases.ts';
import { createTestPortal } from './support/portal.ts';

noninterferenceSuite('Node + SQLite', createTestPortal);
