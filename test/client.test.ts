import { clientSuite } from './shared/client.cases.ts';
import { createTestPortal } from './support/portal.ts';

clientSuite('Node + SQLite', () => createTestPortal());
