import { defineMessages } from '../i18n/messages.ts';

/** Navigation labels of the state pages (loaded with the shell; the pages themselves load on demand). */
export const stateNavMessages = defineMessages({
  en: { keys: 'Keys', contacts: 'Points of contact', documents: 'National documents', glossary: 'Glossary' },
  fr: { keys: 'Clés', contacts: 'Points de contact', documents: 'Documents nationaux', glossary: 'Glossaire' },
  de: { keys: 'Schlüssel', contacts: 'Kontaktstellen', documents: 'Nationale Dokumente', glossary: 'Glossar' },
  it: { keys: 'Chiavi', contacts: 'Punti di contatto', documents: 'Documenti nazionali', glossary: 'Glossario' },
  ru: { keys: 'Ключи', contacts: 'Контактные пункты', documents: 'Национальные документы', glossary: 'Глоссарий' },
  es: { keys: 'Claves', contacts: 'Puntos de contacto', documents: 'Documentos nacionales', glossary: 'Glosario' },
  ar: { keys: 'المفاتيح', contacts: 'نقاط الاتصال', documents: 'الوثائق الوطنية', glossary: 'المسرد' },
  zh: { keys: '密钥', contacts: '联络点', documents: '国家文件', glossary: '术语表' },
});
