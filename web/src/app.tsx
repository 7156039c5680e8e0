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
import type { NavGroup, PageDefinition } from './pages/page.ts';
import { pages } from './pages/index.ts';
import { compileRoutes, isAppNavigation } from './router.ts';
import { openSession, type Signed } from './session.ts';
import { shellMessages } from './shell.messages.ts';

const match = compileRoutes(pages);
const GROUPS: NavGroup[] = ['directory', 'exchange', 'secretariat', 'account'];

function visibleTo(page: PageDefinition, signed: Signed): boolean {
  const audience = page.audience ?? 'signed';
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
      if (!match(url.pathname)) return;
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

  const found = match(location.pathname);
  return (
    <App.Provider value={context}>
      <Chrome signed={signed} found={found} pathname={location.pathname} />
    </App.Provider>
  );
}

function Chrome(props: { signed: Signed; found: ReturnType<typeof match>; pathname: string }) {
  const app = useApp();
  const t = useT(shellMessages);
  const heading = useRef<HTMLElement>(null);
  const { found } = props;
  const title = found ? translator(found.page.messages, app.locale)(found.page.title) : t('notFoundTitle');

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
    items: pages
      .filter((page) => page.nav?.group === group && visibleTo(page, props.signed))
      .sort((a, b) => a.nav!.order - b.nav!.order),
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
                {entry.items.map((page) => {
                  const current = found?.page === page;
                  return (
                    <li>
                      <a href={page.path} aria-current={current ? 'page' : undefined}>
                        {translator(page.messages, app.locale)(page.title)}
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
        {Page ? <Page params={found!.params} /> : <NotFound pathname={props.pathname} />}
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
