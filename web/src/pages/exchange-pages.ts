/**
 * The exchange and Secretariat sections (incidents, consultations, checks, feed, the
 * Secretariat's views, the compliance overview). Owned by engineer C: add each section here
 * (see web/README.md, "The page interface"); nav labels in exchange-nav.messages.ts.
 */
import { exchangeNavMessages } from './exchange-nav.messages.ts';
import { defineNav, type Section } from './page.ts';

const nav = (path: string, label: keyof (typeof exchangeNavMessages)['en'], order: number, extra = {}) =>
  defineNav({ path, group: 'exchange', order, messages: exchangeNavMessages, label, ...extra });

export const exchangeSections: Section[] = [
  {
    segments: ['feed'],
    load: async () => [(await import('./feed.tsx')).feedPage],
    nav: [nav('/feed', 'feed', 1)],
  },
  {
    segments: ['incidents'],
    load: async () => {
      const module = await import('./incidents.tsx');
      return [module.incidentsPage, module.notifyIncidentPage, module.incidentPage];
    },
    nav: [nav('/incidents', 'incidents', 10)],
  },
  {
    segments: ['requests'],
    load: async () => {
      const module = await import('./consultations.tsx');
      return [module.consultationsPage, module.newConsultationPage, module.consultationPage];
    },
    nav: [nav('/requests', 'consultations', 20)],
  },
  {
    segments: ['checks'],
    load: async () => {
      const module = await import('./checks.tsx');
      return [module.checksPage, module.checkPage];
    },
    nav: [nav('/checks', 'checks', 30)],
  },
  {
    segments: ['overview'],
    load: async () => [(await import('./overview.tsx')).overviewPage],
    nav: [nav('/overview', 'overview', 40)],
  },
  {
    segments: ['witnesses'],
    load: async () => [(await import('./witnesses.tsx')).witnessesPage],
    nav: [nav('/witnesses', 'witnesses', 50)],
  },
  {
    segments: ['secretariat'],
    load: async () => {
      const module = await import('./secretariat.tsx');
      return [module.secretariatPage, module.compliancePage];
    },
    nav: [
      defineNav({
        path: '/secretariat',
        group: 'secretariat',
        order: 10,
        messages: exchangeNavMessages,
        label: 'secretariat',
        audience: 'secretariat',
      }),
      defineNav({
        path: '/secretariat/compliance',
        group: 'secretariat',
        order: 20,
        messages: exchangeNavMessages,
        label: 'compliance',
        audience: 'secretariat',
      }),
    ],
  },
];
