/**
 * What every page gets from the shell (`useApp()`): the signed API client, the person's
 * principal and key, the language with `fmt` for dates and numbers, the pinned portal keys,
 * and navigation. Pages never build clients or read keys themselves.
 */
import { createContext, useContext, useMemo } from 'hono/jsx/dom';
import type { PortalClient } from '../../clients/typescript/src/client.ts';
import type { Formatters } from './i18n/format.ts';
import type { Locale } from './i18n/locales.ts';
import { translator, type MessageSet, type Messages, type Translate } from './i18n/messages.ts';
import type { PinState } from './keys/pins.ts';
import type { StoredKey } from './keys/store.ts';

export interface Session {
  /** `AT`, `FR`, ... or `secretariat`. */
  principal: string;
  kind: 'state' | 'secretariat';
  key: Omit<StoredKey, 'privateKey'>;
}

export interface AppContext {
  /** The portal's origin (the `aud` of request tokens), e.g. `http://127.0.0.1:8787`. */
  origin: string;
  locale: Locale;
  setLocale(locale: Locale): void;
  fmt: Formatters;
  /** Signed with the person's key when there is a session; unsigned otherwise (public endpoints only). */
  client: PortalClient;
  session: Session | null;
  /** Reloads the stored keys (after loading, creating or forgetting one). */
  refreshSession(): Promise<void>;
  pins: PinState;
  acceptPins(): Promise<void>;
  navigate(to: string, options?: { replace?: boolean }): void;
  /** The current URL's query. */
  query: URLSearchParams;
}

export const App = createContext<AppContext | null>(null);

export function useApp(): AppContext {
  const context = useContext(App);
  if (!context) throw new Error('useApp outside the portal shell');
  return context;
}

/** The page's translate function in the current language. */
export function useT<M extends MessageSet>(messages: Messages<M>): Translate<M> {
  const { locale } = useApp();
  return useMemo(() => translator(messages, locale), [messages, locale]);
}
