/**
 * The exchange and Secretariat pages (incidents, consultations, checks, feed, the
 * Secretariat's views, the compliance overview). Owned by engineer C: add each page's
 * definition here (see web/README.md, "The page interface").
 */
import type { PageDefinition } from './page.ts';

export const exchangePages: PageDefinition[] = [];
