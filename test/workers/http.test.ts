import { httpSuite } from '../shared/http.cases.ts';
import { createWorkersPortal } from './support.ts';

httpSuite('workerd + D1', (options) => createWorkersPortal(options));
