/**
 * The exchange and Secretariat sections (incidents, consultations, checks, feed, the
 * Secretariat's views, the compliance overview). Owned by engineer C: add each section here
 * (see web/README.md, "The page interface"); nav labels in exchange-nav.messages.ts.
 */
import { exchangeNavMessages } from './exchange-nav.messages.ts';
import { defineNav, type Section } from './page.ts';

export const exchangeSections: Section[] = [
  {
    segments: ['incidents'],
    load: async () => {
      const module = await import('./incidents.tsx');
      return [module.incidentsPage, module.notifyIncidentPage, module.incidentPage];
    },
    nav: [
      defineNav({
        path: '/incidents',
        group: 'exchange',
        order: 10,
        messages: exchangeNavMessages,
        label: 'incidents',
      }),
    ],
  },
];
