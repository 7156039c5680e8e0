/**
 * Vitest global setup of the browser project: builds the web app (esbuild, a few seconds),
 * so the pages under test are those of the sources as they are now. CBM_WEB_BUILT=1 tests
 * the dist/web already there instead (a build made elsewhere, or while sources are mid-edit).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { buildWeb } from '../../scripts/build-web.ts';
import { ROOT } from '../support/real-portal.ts';

export default async function buildForBrowserTests(): Promise<void> {
  if (process.env.CBM_WEB_BUILT && existsSync(join(ROOT, 'dist/web/index.html'))) return;
  await buildWeb();
}
