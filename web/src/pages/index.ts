/**
 * Every section of the app: the state pages (B) here, the exchange and Secretariat pages
 * (C) in exchange-pages.ts, so neither edits the other's list. A section's module is
 * loaded (a chunk of its own) the first time one of its paths is visited.
 */
import { exchangeSections } from './exchange-pages.ts';
import { stateNavMessages } from './nav.messages.ts';
import { defineNav, type Section } from './page.ts';

export const sections: Section[] = [
  { segments: [''], load: async () => [(await import('./home.tsx')).homePage], nav: [] },
  {
    segments: ['keys'],
    load: async () => [(await import('./keys.tsx')).keysPage],
    nav: [
      defineNav({
        path: '/keys',
        group: 'account',
        order: 1,
        audience: 'anyone',
        messages: stateNavMessages,
        label: 'keys',
      }),
    ],
  },
  {
    segments: ['contacts', 'states'],
    load: async () => (await import('./contacts.tsx')).contactPages,
    nav: [
      defineNav({ path: '/contacts', group: 'directory', order: 1, messages: stateNavMessages, label: 'contacts' }),
    ],
  },
  {
    segments: ['documents'],
    load: async () => (await import('./documents.tsx')).documentPages,
    nav: [
      defineNav({ path: '/documents', group: 'directory', order: 2, messages: stateNavMessages, label: 'documents' }),
    ],
  },
  {
    segments: ['glossary'],
    load: async () => [(await import('./glossary.tsx')).glossaryPage],
    nav: [
      defineNav({ path: '/glossary', group: 'directory', order: 3, messages: stateNavMessages, label: 'glossary' }),
    ],
  },
  {
    segments: ['bodies'],
    load: async () => (await import('./bodies.tsx')).bodyPages,
    nav: [defineNav({ path: '/bodies', group: 'directory', order: 4, messages: stateNavMessages, label: 'bodies' })],
  },
  {
    segments: ['channels'],
    load: async () => (await import('./channels.tsx')).channelPages,
    nav: [
      defineNav({ path: '/channels', group: 'directory', order: 5, messages: stateNavMessages, label: 'channels' }),
    ],
  },
  {
    segments: ['meetings'],
    load: async () => (await import('./meetings.tsx')).meetingPages,
    nav: [
      defineNav({ path: '/meetings', group: 'directory', order: 6, messages: stateNavMessages, label: 'meetings' }),
    ],
  },
  ...exchangeSections,
];
