/**
 * The page interface (web/README.md). A page module exports `definePage(...)` records; a
 * section (pages/index.ts, pages/exchange-pages.ts) says which first path segments its
 * module answers and loads it only when one is visited, so the first load carries the shell
 * and one page, not every page's code and eight languages of every page's messages.
 */
import type { FC } from 'hono/jsx/dom';
import type { MessageSet, Messages } from '../i18n/messages.ts';

export interface PageProps {
  /** The route's `:name` parameters, decoded. */
  params: Record<string, string>;
}

export type NavGroup = 'directory' | 'exchange' | 'secretariat' | 'account';
export type Audience = 'anyone' | 'signed' | 'state' | 'secretariat';

export interface PageDefinition<M extends MessageSet = MessageSet> {
  /** Path as in the API, `:name` for a parameter: `/contacts/:id`. */
  path: string;
  messages: Messages<M>;
  /** Message key of the page title (the document title). */
  title: keyof M & string;
  component: FC<PageProps>;
  /** Not read: navigation is declared by the section (NavEntry); kept so older definitions compile. */
  nav?: { group: NavGroup; order: number };
  audience?: Audience;
}

export const definePage = <M extends MessageSet>(page: PageDefinition<M>): PageDefinition =>
  page as unknown as PageDefinition;

/** A link in the navigation; its label comes from a small messages file loaded with the shell. */
export interface NavEntry {
  path: string;
  group: NavGroup;
  order: number;
  /**
   * Who sees it: `signed` anyone with a key (the default), `state` a participating state,
   * `secretariat` the Secretariat. The API decides what they may do; this keeps the menu short.
   */
  audience?: Audience;
  messages: Messages;
  label: string;
}

export interface Section {
  /** First path segments the section's pages live under: `['contacts', 'states']`; `''` is `/`. */
  segments: string[];
  /** The section's pages: `async () => (await import('./contacts.tsx')).contactPages`. */
  load: () => Promise<PageDefinition[]>;
  nav: NavEntry[];
}

export const defineNav = <M extends MessageSet>(
  entry: Omit<NavEntry, 'messages' | 'label'> & { messages: Messages<M>; label: keyof M & string },
): NavEntry => entry as unknown as NavEntry;
