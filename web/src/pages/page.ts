/** The page interface (web/README.md): every page module exports one `definePage(...)`. */
import type { FC } from 'hono/jsx/dom';
import type { MessageSet, Messages } from '../i18n/messages.ts';

export interface PageProps {
  /** The route's `:name` parameters, decoded. */
  params: Record<string, string>;
}

export type NavGroup = 'directory' | 'exchange' | 'secretariat' | 'account';

export interface PageDefinition<M extends MessageSet = MessageSet> {
  /** Path as in the API, `:name` for a parameter: `/contacts/:id`. */
  path: string;
  messages: Messages<M>;
  /** Message key of the page title (document title and navigation). */
  title: keyof M & string;
  component: FC<PageProps>;
  /** Shown in the navigation, in this group and order; absent for detail pages. */
  nav?: { group: NavGroup; order: number };
  /**
   * Who sees it in the navigation: `signed` anyone with a key, `state` a participating
   * state, `secretariat` the Secretariat. Default `signed`. The API decides what they may
   * actually do; this only keeps the menu short.
   */
  audience?: 'anyone' | 'signed' | 'state' | 'secretariat';
}

export const definePage = <M extends MessageSet>(page: PageDefinition<M>): PageDefinition =>
  page as unknown as PageDefinition;
