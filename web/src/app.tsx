/**
 * The shell: skip link, header with navigation, language switch and key status, the
 * warning when the portal's keys changed, and the routed page. It owns the session, the
 * language and the pinned keys, and gives them to pages through `useApp()`.
 */
import { render, useCallback, useEffect, useMemo, useRef, useState } from 'hono/jsx/dom';
import { describeFingerprint } from '../../clients/typescript/src/pinning.ts';
import { App, useApp, useT, type AppContext } from './context.ts';
import { formatters } from './i18n/format.ts';
import {
  applyLocale,
  initialLocale,
  isLocale,
  LOCALE_NAMES,
  LOCALES,
  rememberLocale,
  type Locale,
} from './i18n/locales.ts';
import { translator } from './i18n/messages.ts';
import { acceptKeys, checkPins, type PinState } from './keys/pins.ts';
import { sections } from './pages/index.ts';
import type { NavEntry, NavGroup, PageDefinition, Section } from './pages/page.ts';
import { compileRoutes, isAppNavigation, type Match } from './router.ts';
import { openSession, type Signed } from './session.ts';
import { shellMessages } from './shell.messages.ts';
import { ErrorNotice, Loading } from './components/states.tsx';

const GROUPS: NavGroup[] = ['directory', 'exchange', 'secretariat', 'account'];
const NAV = sections.flatMap((section) => section.nav);

const firstSegment = (pathname: string) => pathname.split('/')[1] ?? '';
const sectionsOf = (pathname: string) =>
  sections.filter((section) => section.segments.includes(firstSegment(pathname)));
/** Whether the app has a page for this path (links to anything else load normally). */
const isAppPath = (pathname: string) => sectionsOf(pathname).length > 0;

/** The loaded pages of each section, and the route matcher over them. */
const loadedSections = new Map<Section, ReturnType<typeof compileRoutes<PageDefinition>>>();
function loadSections(wanted: Section[]): Promise<void> {
  return Promise.all(
    wanted
      .filter((section) => !loadedSections.has(section))
      .map(async (section) => {
        loadedSections.set(section, compileRoutes(await section.load()));
      }),
  ).then(() => undefined);
}

type Routed =
  | { state: 'loading' }
  | { state: 'found'; match: Match<PageDefinition> }
  | { state: 'none' }
  | { state: 'error'; error: unknown };

function route(pathname: string): Routed {
  const wanted = sectionsOf(pathname);
  if (wanted.some((section) => !loadedSections.has(section))) return { state: 'loading' };
  for (const section of wanted) {
    const found = loadedSections.get(section)!(pathname);
    if (found) return { state: 'found', match: found };
  }
  return { state: 'none' };
}

function visibleTo(entry: NavEntry, signed: Signed): boolean {
  const audience = entry.audience ?? 'signed';
  if (audience === 'anyone') return true;
  if (!signed.session) return false;
  if (audience === 'state') return signed.session.kind === 'state';
  if (audience === 'secretariat') return signed.session.kind === 'secretariat';
  return true;
}

export function Shell(props: { origin: string; initial: Signed }) {
  const { origin } = props;
  const [locale, setLocaleState] = useState<Locale>(initialLocale);
  const [signed, setSigned] = useState<Signed>(props.initial);
  const [pins, setPins] = useState<PinState>({ status: 'loading' });
  const [location, setLocation] = useState(() => ({
    pathname: window.location.pathname,
    search: window.location.search,
  }));

  const setLocale = useCallback((next: Locale) => {
    rememberLocale(next);
    applyLocale(next);
    setLocaleState(next);
  }, []);

  const navigate = useCallback((to: string, options: { replace?: boolean } = {}) => {
    const url = new URL(to, window.location.href);
    if (options.replace) history.replaceState(null, '', url);
    else history.pushState(null, '', url);
    setLocation({ pathname: url.pathname, search: url.search });
  }, []);

  const refreshSession = useCallback(async () => setSigned(await openSession(origin)), [origin]);
  const refreshPins = useCallback(async () => {
    try {
      setPins(await checkPins(origin));
    } catch (error) {
      setPins({ status: 'unavailable', error: error instanceof Error ? error.message : String(error) });
    }
  }, [origin]);
  const acceptPins = useCallback(async () => {
    if (pins.status !== 'changed') return;
    await acceptKeys(origin, pins);
    await refreshPins();
  }, [origin, pins]);

  useEffect(() => {
    applyLocale(locale);
    void refreshPins();
    const onPop = () => setLocation({ pathname: window.location.pathname, search: window.location.search });
    const onClick = (event: MouseEvent) => {
      const anchor = (event.target as Element | null)?.closest?.('a');
      if (!anchor?.href || !isAppNavigation(event, anchor, origin)) return;
      const url = new URL(anchor.href);
      if (!isAppPath(url.pathname)) return;
      event.preventDefault();
      navigate(url.pathname + url.search + url.hash);
    };
    window.addEventListener('popstate', onPop);
    document.addEventListener('click', onClick);
    return () => {
      window.removeEventListener('popstate', onPop);
      document.removeEventListener('click', onClick);
    };
  }, []);

  const context = useMemo<AppContext>(
    () => ({
      origin,
      locale,
      setLocale,
      fmt: formatters(locale),
      client: signed.client,
      session: signed.session,
      refreshSession,
      pins,
      acceptPins,
      navigate,
      query: new URLSearchParams(location.search),
    }),
    [origin, locale, signed, pins, location],
  );

  const [routed, setRouted] = useState<Routed>(() => route(location.pathname));
  useEffect(() => {
    let current = true;
    const now = route(location.pathname);
    setRouted(now);
    if (now.state === 'loading')
      loadSections(sectionsOf(location.pathname)).then(
        () => current && setRouted(route(location.pathname)),
        (error: unknown) => current && setRouted({ state: 'error', error }),
      );
    return () => {
      current = false;
    };
  }, [location.pathname]);
  return (
    <App.Provider value={context}>
      <Chrome signed={signed} routed={routed} pathname={location.pathname} />
    </App.Provider>
  );
}

function Chrome(props: { signed: Signed; routed: Routed; pathname: string }) {
  const app = useApp();
  const t = useT(shellMessages);
  const heading = useRef<HTMLElement>(null);
  const { routed } = props;
  const found = routed.state === 'found' ? routed.match : null;
  const title = found
    ? translator(found.page.messages, app.locale)(found.page.title)
    : routed.state === 'none'
      ? t('notFoundTitle')
      : t('appName');

  useEffect(() => {
    document.title = `${title} · ${t('appName')}`;
  }, [title, app.locale]);
  // After navigating, move focus to the main region so screen readers announce the new page.
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    heading.current?.focus();
  }, [props.pathname]);

  const nav = GROUPS.map((group) => ({
    group,
    items: NAV.filter((entry) => entry.group === group && visibleTo(entry, props.signed)).sort(
      (a, b) => a.order - b.order,
    ),
  })).filter((entry) => entry.items.length);

  const Page = found?.page.component;
  return (
    <>
      <a class="skip-link" href="#main" data-reload>
        {t('skip')}
      </a>
      <header class="site-header">
        <a class="brand" href="/">
          {t('appName')}
        </a>
        <nav aria-label={t('navLabel')} class="site-nav">
          {nav.map((entry) => (
            <div class="nav-group">
              <span class="nav-group-label">{t(entry.group)}</span>
              <ul>
                {entry.items.map((item) => {
                  const current = props.pathname === item.path;
                  return (
                    <li>
                      <a href={item.path} aria-current={current ? 'page' : undefined}>
                        {translator(item.messages, app.locale)(item.label)}
                      </a>
                    </li>
                  );
                })}
              </ul>
            </div>
          ))}
        </nav>
        <div class="site-tools">
          <label class="language">
            <span>{t('language')}</span>
            <select
              value={app.locale}
              onChange={(event: Event) => {
                const value = (event.target as HTMLSelectElement).value;
                if (isLocale(value)) app.setLocale(value);
              }}
            >
              {LOCALES.map((code) => (
                <option value={code} lang={code} selected={code === app.locale}>
                  {LOCALE_NAMES[code]}
                </option>
              ))}
            </select>
          </label>
          <a class="key-status" href="/keys" data-testid="key-status">
            {app.session ? t('signedAs', { principal: app.session.principal }) : t('noKey')}
          </a>
        </div>
      </header>
      <PinWarning />
      <main id="main" tabindex={-1} ref={heading}>
        {Page ? <Page params={found!.params} /> : null}
        {routed.state === 'none' ? <NotFound pathname={props.pathname} /> : null}
        {routed.state === 'loading' ? <Loading /> : null}
        {routed.state === 'error' ? <ErrorNotice error={routed.error} /> : null}
      </main>
      <footer class="site-footer">
        <a href="/docs" data-reload>
          {t('apiDocs')}
        </a>
      </footer>
    </>
  );
}

function NotFound(props: { pathname: string }) {
  const t = useT(shellMessages);
  return (
    <>
      <h1>{t('notFoundTitle')}</h1>
      <p>{t('notFound', { path: props.pathname })}</p>
      <p>
        <a href="/">{t('home')}</a>
      </p>
    </>
  );
}

/** The portal serves keys that were not pinned: stop, show both fingerprints, offer "accept". */
function PinWarning() {
  const { pins, acceptPins } = useApp();
  const t = useT(shellMessages);
  if (pins.status === 'unavailable')
    return (
      <div class="banner banner-warning" role="status">
        {t('keysUnavailable', { error: pins.error })}
      </div>
    );
  if (pins.status !== 'changed') return null;
  return (
    <section class="banner banner-danger" role="alert" aria-labelledby="pins-changed">
      <h2 id="pins-changed">{t('keysChangedTitle')}</h2>
      <p>{t('keysChanged')}</p>
      <dl class="fingerprints">
        <dt>{t('pinnedKeys')}</dt>
        {pins.keys.map((key) => (
          <dd>
            <code>{describeFingerprint(key)}</code>
          </dd>
        ))}
        <dt>{t('newKeys')}</dt>
        {pins.added.map((key) => (
          <dd>
            <code>{describeFingerprint(key)}</code>
          </dd>
        ))}
      </dl>
      <button type="button" class="danger" onClick={() => void acceptPins()}>
        {t('acceptKeys')}
      </button>
    </section>
  );
}

/** Renders the shell into `root`. */
export function mount(root: HTMLElement, origin: string, initial: Signed): void {
  root.textContent = '';
  render(<Shell origin={origin} initial={initial} />, root);
}
