/**
 * Every page of the app. The state pages (B) are listed here; the exchange and Secretariat
 * pages (C) in exchange-pages.ts, so neither edits the other's list.
 */
import { exchangePages } from './exchange-pages.ts';
import { homePage } from './home.tsx';
import { keysPage } from './keys.tsx';
import type { PageDefinition } from './page.ts';

export const pages: PageDefinition[] = [homePage, keysPage, ...exchangePages];
