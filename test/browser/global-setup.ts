/**
 * Vitest global setup of the browser project: builds the web app (esbuild, about a second),
 * so the pages under test are those of the sources as they are now.
 */
import { buildWeb } from '../../scripts/build-web.ts';

export default async function buildForBrowserTests(): Promise<void> {
  await buildWeb();
}
