import { defineMessages } from '../i18n/messages.ts';

/** Navigation labels of the state pages (loaded with the shell; the pages themselves load on demand). */
export const stateNavMessages = defineMessages({
  en: {
    keys: 'Keys',
    contacts: 'Points of contact',
    documents: 'National documents',
    glossary: 'Glossary',
    bodies: 'Competent bodies',
  },
  fr: {
    keys: 'Clés',
    contacts: 'Points de contact',
    documents: 'Documents nationaux',
    glossary: 'Glossaire',
    bodies: 'Organismes compétents',
  },
  de: {
    keys: 'Schlüssel',
    contacts: 'Kontaktstellen',
    documents: 'Nationale Dokumente',
    glossary: 'Glossar',
    bodies: 'Zuständige Stellen',
  },
  it: {
    keys: 'Chiavi',
    contacts: 'Punti di contatto',
    documents: 'Documenti nazionali',
    glossary: 'Glossario',
    bodies: 'Organismi competenti',
  },
  ru: {
    keys: 'Ключи',
    contacts: 'Контактные пункты',
    documents: 'Национальные документы',
    glossary: 'Глоссарий',
    bodies: 'Компетентные органы',
  },
  es: {
    keys: 'Claves',
    contacts: 'Puntos de contacto',
    documents: 'Documentos nacionales',
    glossary: 'Glosario',
    bodies: 'Organismos competentes',
  },
  ar: {
    keys: 'المفاتيح',
    contacts: 'نقاط الاتصال',
    documents: 'الوثائق الوطنية',
    glossary: 'المسرد',
    bodies: 'الهيئات المختصة',
  },
  zh: { keys: '密钥', contacts: '联络点', documents: '国家文件', glossary: '术语表', bodies: '主管机构' },
});
