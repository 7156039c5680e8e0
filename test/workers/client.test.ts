import { clientSuite } from '../shared/client.cases.ts';
import { createWorkersPortal } from './support.ts';

clientSuite('workerd + D1', () => createWorkersPortal());
