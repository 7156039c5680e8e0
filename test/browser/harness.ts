/**
 * The browser test harness: Debian's Chromium driven by playwright-core against a real
 * portal (`tsx src/node.ts` on a temporary data dir and a free port, serving dist/web).
 *
 *   const suite = browserSuite();                      // inside describeBrowser(...)
 *   const portal = await startBrowserPortal();         // fixed Secretariat key
 *   const at = await portal.registerState('AT', 'Austria');
 *   const page = await suite.open(portal, '/contacts', { locale: 'fr' });
 *   await page.setInputFiles('input[type=file]', writePrivateKeyFile(at.privateJwk, 'AT'));
 *   await expectNoAxeViolations(page);
 *   await shoot(page, 'contacts', 'fr');
 *
 * Every page opened through the suite is watched: console errors, uncaught exceptions,
 * Content-Security-Policy violations and requests to any other origin fail the test when
 * it ends (take() hands them to a test that expects some).
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JWK } from 'jose';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createPortalClient,
  generateSigningKey,
  ok,
  type KeyAlgorithm,
  type PortalClient,
  type Schemas,
} from '../../clients/typescript/src/index.ts';
import { ROOT, removeDataDir, startRealPortal, type RealPortal } from '../support/real-portal.ts';
import { BROWSER_MISSING, CHROMIUM, launchChromium } from './chromium.ts';

export { BROWSER_MISSING, CHROMIUM, CHROMIUM_FLAGS, launchChromium } from './chromium.ts';

/** In CI (and wherever CBM_REQUIRE_BROWSER is set) a missing Chromium fails instead of skipping. */
export const BROWSER_REQUIRED = Boolean(process.env.CI || process.env.CBM_REQUIRE_BROWSER);
export const ARTIFACTS = join(ROOT, 'test/browser/artifacts');

/** The locales of the portal (issue 11): the OSCE's six and the UN's Arabic and Chinese. */
export const LOCALES = ['en', 'fr', 'de', 'it', 'ru', 'es', 'ar', 'zh'] as const;
export type Locale = (typeof LOCALES)[number];

/** The Secretariat's key in every browser test: fixed, so runs and screenshots are alike. Test-only. */
export const SECRETARIAT_TEST_JWK: JWK = {
  crv: 'Ed25519',
  d: '2vc2foRW6fmVxf2ybRfgxmbnath4wmNJLikNHRwX-lc',
  x: '-NTZg20RPv281-A3Qo-MSEFwwtq-7fiHMtcV05paCiM',
  kty: 'OKP',
  kid: '_3-GyfDpV8DZz1DXp8ZKKyP7mCWnh9n6QDGTzSKwcZs',
  alg: 'EdDSA',
  use: 'sig',
};

/**
 * `describe` for browser tests: without Chromium it skips, saying so loudly, unless CI or
 * CBM_REQUIRE_BROWSER is set, where it fails.
 */
export function describeBrowser(name: string, body: () => void): void {
  if (!BROWSER_MISSING) {
    describe(name, body);
    return;
  }
  const why = `${CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium) or set CBM_CHROMIUM`;
  if (BROWSER_REQUIRED) {
    describe(name, () => {
      it('needs Chromium', () => {
        throw new Error(`${why}; CI or CBM_REQUIRE_BROWSER is set, so browser tests may not be skipped`);
      });
    });
    return;
  }
  console.warn(`\n${'!'.repeat(100)}\n!! SKIPPED browser tests "${name}": ${why}\n${'!'.repeat(100)}\n`);
  describe.skip(name, body);
}

export interface StateKey {
  id: string;
  name: string;
  privateJwk: JWK;
  publicJwk: JWK;
  kid: string;
  /** A client signing as this state (the project's own client library). */
  client: PortalClient;
}

export interface BrowserPortal extends RealPortal {
  /** The Secretariat, signing with SECRETARIAT_TEST_JWK. */
  secretariat: PortalClient;
  /**
   * Registers a state and a new key for it through the Secretariat's signed API. Scopes
   * default to everything a state may hold but witness.
   */
  registerState(
    code: string,
    name: string,
    options?: { scopes?: Schemas['Scope'][]; alg?: KeyAlgorithm },
  ): Promise<StateKey>;
  /** Registers another key for a state already registered. */
  addKey(
    stateId: string,
    options?: { scopes?: Schemas['Scope'][]; alg?: KeyAlgorithm },
  ): Promise<Omit<StateKey, 'name'>>;
  /** Stops the portal and removes its data dir. */
  close(): Promise<void>;
}

const STATE_SCOPES: Schemas['Scope'][] = ['read', 'contacts:write', 'incidents:write', 'documents:write'];

/**
 * A real portal for the browser: the Node entry on a new data dir whose Secretariat key is
 * SECRETARIAT_TEST_JWK (the first start registers the key it finds there). dist/web must be
 * built (the browser project's global setup does it).
 */
export async function startBrowserPortal(options: { env?: Record<string, string> } = {}): Promise<BrowserPortal> {
  const dataDir = mkdtempSync(join(tmpdir(), 'cbm-browser-'));
  writeFileSync(join(dataDir, 'secretariat.private.jwk'), `${JSON.stringify(SECRETARIAT_TEST_JWK, null, 2)}\n`, {
    mode: 0o600,
  });
  const portal = await startRealPortal({ dataDir, env: options.env ?? {} });
  const clientAs = (principal: string, privateJwk: JWK) =>
    createPortalClient({ baseUrl: portal.origin, principal, privateJwk });
  const secretariat = await clientAs('secretariat', SECRETARIAT_TEST_JWK);
  const addKey: BrowserPortal['addKey'] = async (stateId, keyOptions = {}) => {
    const pair = await generateSigningKey(keyOptions.alg);
    await ok(
      secretariat.POST('/principals/{principalId}/keys', {
        params: { path: { principalId: stateId } },
        body: { jwk: pair.publicJwk as Schemas['KeyInput']['jwk'], scopes: keyOptions.scopes ?? STATE_SCOPES },
      }),
    );
    return { id: stateId, ...pair, client: await clientAs(stateId, pair.privateJwk) };
  };
  return {
    ...portal,
    secretariat,
    addKey,
    async registerState(code, name, keyOptions = {}) {
      await ok(secretariat.POST('/principals', { body: { id: code, name } }));
      return { name, ...(await addKey(code, keyOptions)) };
    },
    async close() {
      await portal.stop();
      removeDataDir(dataDir);
    },
  };
}

/** Writes a private JWK file as a person keeps it, for `page.setInputFiles`; returns its path. */
export function writePrivateKeyFile(jwk: JWK, name: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'cbm-browser-key-'));
  const path = join(dir, `${name}.private.jwk`);
  writeFileSync(path, `${JSON.stringify(jwk, null, 2)}\n`, { mode: 0o600 });
  return path;
}

/** What went wrong in a page, as the test sees it when it ends. */
export interface PageProblems {
  consoleErrors: string[];
  cspViolations: string[];
  offOrigin: string[];
}

export interface WatchedPage extends Page {
  /** Hands over (and forgets) what was collected so far, for a test that expects some of it. */
  take(): Promise<PageProblems>;
}

export interface OpenOptions {
  locale?: string;
  /** Browser zoom: 2 is 200% (a 1280 x 800 window shows 640 x 400 CSS pixels). */
  zoom?: number;
  viewport?: { width: number; height: number };
  colorScheme?: 'light' | 'dark';
}

declare global {
  interface Window {
    __cspViolations?: string[];
  }
}

/** Records CSP violations in the page itself: runs before any script of it (CDP, not subject to the CSP). */
function watchViolations() {
  document.addEventListener('securitypolicyviolation', (event) => {
    window.__cspViolations ??= [];
    window.__cspViolations.push(
      `${event.effectiveDirective} blocked ${event.blockedURI || 'inline'} at ${event.sourceFile}:${event.lineNumber}`,
    );
  });
}

async function watch(page: Page, context: BrowserContext, origin: string): Promise<WatchedPage> {
  const collected: PageProblems = { consoleErrors: [], cspViolations: [], offOrigin: [] };
  page.on('console', (message) => {
    if (message.type() === 'error') collected.consoleErrors.push(`${message.text()} (${message.location().url})`);
  });
  page.on('pageerror', (error) => collected.consoleErrors.push(`uncaught ${error.name}: ${error.message}`));
  page.on('request', (request) => {
    const url = new URL(request.url());
    if ((url.protocol === 'http:' || url.protocol === 'https:' || url.protocol === 'ws:') && url.origin !== origin) {
      collected.offOrigin.push(request.url());
    }
  });
  await context.addInitScript(watchViolations);
  const watched = page as WatchedPage;
  watched.take = async () => {
    const inPage = page.isClosed()
      ? []
      : await page.evaluate(() => window.__cspViolations?.splice(0) ?? []).catch(() => [] as string[]);
    collected.cspViolations.push(...inPage);
    const taken = {
      consoleErrors: collected.consoleErrors.splice(0),
      cspViolations: collected.cspViolations.splice(0),
      offOrigin: collected.offOrigin.splice(0),
    };
    return taken;
  };
  return watched;
}

/**
 * One Chromium for a test file, and the pages its tests open: each test's pages are checked
 * (no console error, CSP violation or request off the portal's origin) and closed after it.
 */
export function browserSuite() {
  let browser: Browser | undefined;
  const opened: { page: WatchedPage; context: BrowserContext; label: string }[] = [];
  beforeAll(async () => {
    if (!BROWSER_MISSING) browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });
  afterEach(async () => {
    const pages = opened.splice(0);
    const found: Record<string, PageProblems> = {};
    for (const { page, context, label } of pages) {
      const problems = await page.take();
      if (problems.consoleErrors.length || problems.cspViolations.length || problems.offOrigin.length) {
        found[label] = problems;
      }
      await context.close();
    }
    expect(found, 'console errors, CSP violations or requests off the origin').toEqual({});
  });
  return {
    get browser(): Browser {
      if (!browser) throw new Error('Chromium was not launched');
      return browser;
    },
    /** Opens `path` of the portal in a fresh context (no cache, no storage), watched. */
    async open(portal: { origin: string }, path = '/', options: OpenOptions = {}): Promise<WatchedPage> {
      if (!browser) throw new Error('Chromium was not launched');
      const zoom = options.zoom ?? 1;
      const viewport = options.viewport ?? { width: 1280, height: 800 };
      const context = await browser.newContext({
        baseURL: portal.origin,
        locale: options.locale ?? 'en',
        viewport: { width: Math.round(viewport.width / zoom), height: Math.round(viewport.height / zoom) },
        deviceScaleFactor: zoom,
        colorScheme: options.colorScheme ?? 'light',
        acceptDownloads: true,
      });
      const page = await watch(await context.newPage(), context, portal.origin);
      opened.push({ page, context, label: `${path} (${options.locale ?? 'en'}, zoom ${zoom})` });
      await page.goto(path);
      return page;
    },
  };
}

/** A full-page screenshot in test/browser/artifacts/NAME.LOCALE.png (gitignored); returns its path. */
export async function shoot(page: Page, name: string, locale: string = 'en'): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name.replace(/[^\w.-]+/g, '-')}.${locale}.png`);
  await page.screenshot({ path, fullPage: true, animations: 'disabled' });
  return path;
}

/** The WCAG 2.2 AA rules of axe-core (issue 11: no violation on any page). */
export const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

const axeSource = () => readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface AxeResult {
  violations: {
    id: string;
    impact: string | null;
    help: string;
    nodes: { target: unknown[]; failureSummary?: string }[];
  }[];
}

/**
 * Runs axe-core (from node_modules) in the page for the WCAG 2.2 AA tags and fails on any
 * violation, naming rule, impact and elements. axe is evaluated through CDP, which the
 * page's CSP does not govern, so the policy under test stays the real one.
 */
export async function expectNoAxeViolations(page: Page, options: { exclude?: string[] } = {}): Promise<void> {
  const loaded = await page.evaluate(() => typeof (window as unknown as { axe?: unknown }).axe === 'object');
  if (!loaded) await page.evaluate(axeSource());
  const result = await page.evaluate(
    async ({ tags, exclude }) => {
      const axe = (
        window as unknown as {
          axe: { run(context: unknown, options: unknown): Promise<AxeResult> };
        }
      ).axe;
      return axe.run(
        { include: [document], exclude: exclude.map((selector) => [selector]) },
        { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] },
      );
    },
    { tags: WCAG_TAGS, exclude: options.exclude ?? [] },
  );
  const violations = result.violations.map(
    (violation) =>
      `${violation.id} (${violation.impact}): ${violation.help}: ` +
      violation.nodes
        .slice(0, 5)
        .map((node) => JSON.stringify(node.target))
        .join(', ') +
      (violation.nodes.length > 5 ? ` and ${violation.nodes.length - 5} more` : ''),
  );
  expect(violations, `axe-core WCAG 2.2 AA violations on ${page.url()}:\n${violations.join('\n')}\n`).toEqual([]);
}

/** At 200% zoom (OpenOptions.zoom 2) content reflows: nothing needs scrolling sideways (WCAG 1.4.10). */
export async function expectNoHorizontalScroll(page: Page): Promise<void> {
  const sizes = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    clientWidth: document.documentElement.clientWidth,
  }));
  expect(sizes.scrollWidth, `page ${page.url()} scrolls sideways`).toBeLessThanOrEqual(sizes.clientWidth);
}

export interface FocusStop {
  /** Tag, and the accessible text or label of the element that had the focus. */
  element: string;
  /** The element shows that it has the focus (an outline or a box shadow while :focus-visible). */
  focusVisible: boolean;
}

/**
 * Presses Tab (keyboard only) until the focus comes back to where it started or `max`
 * presses, and says where the focus went each time.
 */
export async function tabThrough(page: Page, max = 80): Promise<FocusStop[]> {
  const stops: FocusStop[] = [];
  let first: string | undefined;
  for (let press = 0; press < max; press++) {
    await page.keyboard.press('Tab');
    const stop = await page.evaluate(() => {
      const element = document.activeElement as HTMLElement | null;
      if (!element || element === document.body) return null;
      const style = getComputedStyle(element);
      const outlined = style.outlineStyle !== 'none' && Number.parseFloat(style.outlineWidth) > 0;
      const shadowed = style.boxShadow !== 'none';
      const label =
        element.getAttribute('aria-label') ??
        element.textContent?.trim().slice(0, 40) ??
        element.getAttribute('name') ??
        '';
      const path: string[] = [];
      for (let at: Element | null = element; at; at = at.parentElement) {
        path.unshift(
          `${at.tagName.toLowerCase()}:${Array.prototype.indexOf.call(at.parentElement?.children ?? [], at)}`,
        );
      }
      return {
        key: path.join('/'),
        element: `${element.tagName.toLowerCase()} "${label}"`,
        focusVisible: element.matches(':focus-visible') && (outlined || shadowed),
      };
    });
    if (!stop) continue;
    if (stop.key === first) break;
    first ??= stop.key;
    stops.push({ element: stop.element, focusVisible: stop.focusVisible });
  }
  return stops;
}

/** Every stop of tabThrough shows its focus, and the page has at least `least` of them. */
export async function expectKeyboardUsable(page: Page, least = 1): Promise<FocusStop[]> {
  const stops = await tabThrough(page);
  expect(stops.length, `Tab reaches no control on ${page.url()}`).toBeGreaterThanOrEqual(least);
  expect(stops.filter((stop) => !stop.focusVisible).map((stop) => stop.element)).toEqual([]);
  return stops;
}
