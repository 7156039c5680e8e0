/**
 * Vitest global setup of the node project: the Node entry refuses to start without the
 * built web app (dist/web), so a test run on a fresh clone builds it once when it is missing.
 * `npm test` has built it already (npm run build:web).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { buildWeb } from '../../scripts/build-web.ts';
import { ROOT } from './real-portal.ts';

export default async function webBuilt(): Promise<void> {
  if (!existsSync(join(ROOT, 'dist/web/index.html'))) await buildWeb();
}
