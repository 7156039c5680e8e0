import { defineMessages } from '../i18n/messages.ts';

/** Navigation labels of the exchange and Secretariat pages (C's; loaded with the shell). */
export const exchangeNavMessages = defineMessages({
  en: { incidents: 'Incidents' },
  fr: { incidents: 'Incidents' },
  de: { incidents: 'Vorfälle' },
  it: { incidents: 'Incidenti' },
  ru: { incidents: 'Инциденты' },
  es: { incidents: 'Incidentes' },
  ar: { incidents: 'الحوادث' },
  zh: { incidents: '事件' },
});
