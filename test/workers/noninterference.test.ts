import { noninterferenceSuite } from '../shared/noninterference.cases.ts';
import { createWorkersPortal } from './support.ts';

noninterferenceSuite('workerd + D1', () => createWorkersPortal());
