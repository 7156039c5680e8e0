/**
 * Web portal load bench: what a browser fetches on its first visit to the portal, and how
 * long until DOMContentLoaded, in Debian's Chromium against a real portal (`tsx src/node.ts`
 * on a temporary data dir, serving dist/web over loopback). Prints, for `/` and `/docs`
 * (the baseline measured in the same run: the API reference, Swagger UI, a heavy page by
 * design), the requests, JavaScript and CSS over the wire (compressed) and decoded, the
 * median DOMContentLoaded and load of BENCH_WEB_RUNS (5) fresh-profile loads, and the
 * figures of `/` against the budget (test/browser/budget.ts BUDGET, README: Web portal).
 *
 *   npx tsx test/bench/web-load.ts            (builds dist/web first; BENCH_WEB_BUILT=1 keeps it)
 */
import { buildWeb } from '../../scripts/build-web.ts';
import { BUDGET, type FirstLoad, kib, measureFirstLoad } from '../browser/budget.ts';
import { BROWSER_MISSING, CHROMIUM, launchChromium } from '../browser/chromium.ts';
import { removeDataDir, startRealPortal } from '../support/real-portal.ts';
import { intFromEnv } from './settings.ts';

const RUNS = intFromEnv('BENCH_WEB_RUNS', 5, 1, 100);

if (BROWSER_MISSING) {
  console.error(`web-load: ${CHROMIUM} not found (apt-get install chromium)`);
  process.exit(1);
}
if (!process.env.BENCH_WEB_BUILT) await buildWeb();

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};
const percent = (value: number, of: number) => `${((100 * value) / of).toFixed(0)}%`;

const portal = await startRealPortal();
const browser = await launchChromium();
try {
  const measured = new Map<string, FirstLoad[]>();
  for (const path of ['/', '/docs']) {
    const loads: FirstLoad[] = [];
    for (let run = 0; run < RUNS; run++) loads.push(await measureFirstLoad(browser, portal.origin, path));
    measured.set(path, loads);
  }
  console.log(`web-load: first visit (fresh profile), ${RUNS} loads each, Chromium over loopback, ${portal.origin}`);
  console.log('path   requests  JS wire    JS decoded  CSS wire   CSS decoded  DCL median  load median');
  for (const [path, loads] of measured) {
    const first = loads[0]!;
    console.log(
      [
        path.padEnd(6),
        String(first.requests).padStart(8),
        kib(first.javascriptWire).padStart(10),
        kib(first.javascriptBytes).padStart(11),
        kib(first.cssWire).padStart(10),
        kib(first.cssBytes).padStart(12),
        `${median(loads.map((load) => load.domContentLoadedMs)).toFixed(0)} ms`.padStart(11),
        `${median(loads.map((load) => load.loadMs)).toFixed(0)} ms`.padStart(12),
      ].join(' '),
    );
  }
  const root = measured.get('/')!;
  const docs = measured.get('/docs')!;
  const dcl = median(root.map((load) => load.domContentLoadedMs));
  console.log('');
  console.log('/ against the budget:');
  const rootLoad = root[0]!;
  const javascriptShare = percent(rootLoad.javascriptWire, BUDGET.javascriptKiB * 1024);
  console.log(`  JavaScript ${kib(rootLoad.javascriptWire)} of ${BUDGET.javascriptKiB} KiB (${javascriptShare})`);
  console.log(
    `  CSS        ${kib(rootLoad.cssWire)} of ${BUDGET.cssKiB} KiB (${percent(rootLoad.cssWire, BUDGET.cssKiB * 1024)})`,
  );
  console.log(`  requests   ${root[0]!.requests} of ${BUDGET.requests}`);
  console.log(`  DOMContentLoaded ${dcl.toFixed(0)} of ${BUDGET.domContentLoadedMs} ms`);
  console.log(
    `  / vs /docs: JavaScript ${(root[0]!.javascriptWire / docs[0]!.javascriptWire).toFixed(2)}x, ` +
      `DOMContentLoaded ${(dcl / median(docs.map((load) => load.domContentLoadedMs))).toFixed(2)}x`,
  );
  console.log('');
  console.log('files of the first load of /:');
  for (const resource of root[0]!.resources) {
    console.log(
      `  ${resource.kind.padEnd(10)} ${String(resource.status).padEnd(4)} ${kib(resource.wireBytes).padStart(10)} ` +
        `${(resource.encoding ?? '').padEnd(4)} ${resource.path}`,
    );
  }
} finally {
  await browser.close();
  await portal.stop();
  removeDataDir(portal.dataDir);
}
