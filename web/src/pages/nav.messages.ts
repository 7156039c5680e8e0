import { defineMessages } from '../i18n/messages.ts';

/** Navigation labels of the state pages (loaded with the shell; the pages themselves load on demand). */
export const stateNavMessages = defineMessages({
  en: {
    keys: 'Keys',
    contacts: 'Points of contact',
    documents: 'National documents',
    glossary: 'Glossary',
    bodies: 'Competent bodies',
    channels: 'Channels',
  },
  fr: {
    keys: 'Clés',
    contacts: 'Points de contact',
    documents: 'Documents nationaux',
    glossary: 'Glossaire',
    bodies: 'Organismes compétents',
    channels: 'Canaux',
  },
  de: {
    keys: 'Schlüssel',
    contacts: 'Kontaktstellen',
    documents: 'Nationale Dokumente',
    glossary: 'Glossar',
    bodies: 'Zuständige Stellen',
    channels: 'Kanäle',
  },
  it: {
    keys: 'Chiavi',
    contacts: 'Punti di contatto',
    documents: 'Documenti nazionali',
    glossary: 'Glossario',
    bodies: 'Organismi competenti',
    channels: 'Canali',
  },
  ru: {
    keys: 'Ключи',
    contacts: 'Контактные пункты',
    documents: 'Национальные документы',
    glossary: 'Глоссарий',
    bodies: 'Компетентные органы',
    channels: 'Каналы',
  },
  es: {
    keys: 'Claves',
    contacts: 'Puntos de contacto',
    documents: 'Documentos nacionales',
    glossary: 'Glosario',
    bodies: 'Organismos competentes',
    channels: 'Canales',
  },
  ar: {
    keys: 'المفاتيح',
    contacts: 'نقاط الاتصال',
    documents: 'الوثائق الوطنية',
    glossary: 'المسرد',
    bodies: 'الهيئات المختصة',
    channels: 'القنوات',
  },
  zh: {
    keys: '密钥',
    contacts: '联络点',
    documents: '国家文件',
    glossary: '术语表',
    bodies: '主管机构',
    channels: '渠道',
  },
});
