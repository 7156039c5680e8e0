import { defineMessages } from '../i18n/messages.ts';

export const glossaryMessages = defineMessages({
  en: {
    title: 'Glossary search',
    intro: 'How does each state define a term? Search the glossaries of every terminology document you may see.',
    words: 'Words',
    state: 'State',
    language: 'Language',
    search: 'Search',
    syntax: 'All words must match; word* finds a prefix; "quoted words" find a phrase.',
    noHits: 'Nothing matches “{q}”.',
    hits: 'Terms found: {count}',
  },
  fr: {
    title: 'Recherche dans les glossaires',
    intro:
      'Comment chaque État définit-il un terme ? Cherchez dans les glossaires de tous les documents terminologiques ' +
      'que vous pouvez consulter.',
    words: 'Mots',
    state: 'État',
    language: 'Langue',
    search: 'Rechercher',
    syntax:
      'Tous les mots doivent correspondre ; mot* trouve un préfixe ; des "mots entre guillemets" trouvent une expression.',
    noHits: 'Aucun résultat pour « {q} ».',
    hits: 'Termes trouvés : {count}',
  },
  de: {
    title: 'Glossarsuche',
    intro:
      'Wie definiert jeder Staat einen Begriff? Durchsuchen Sie die Glossare aller Terminologiedokumente, die Sie sehen dürfen.',
    words: 'Wörter',
    state: 'Staat',
    language: 'Sprache',
    search: 'Suchen',
    syntax:
      'Alle Wörter müssen vorkommen; wort* findet einen Wortanfang; "Wörter in Anführungszeichen" finden eine Wendung.',
    noHits: 'Keine Treffer für „{q}“.',
    hits: 'Gefundene Begriffe: {count}',
  },
  it: {
    title: 'Ricerca nei glossari',
    intro:
      'Come definisce un termine ciascuno Stato? Cercate nei glossari di tutti i documenti terminologici che potete consultare.',
    words: 'Parole',
    state: 'Stato',
    language: 'Lingua',
    search: 'Cerca',
    syntax:
      'Tutte le parole devono corrispondere; parola* trova un prefisso; "parole tra virgolette" trovano un’espressione.',
    noHits: 'Nessun risultato per «{q}».',
    hits: 'Termini trovati: {count}',
  },
  ru: {
    title: 'Поиск по глоссариям',
    intro:
      'Как каждое государство определяет термин? Ищите в глоссариях всех терминологических документов, доступных вам.',
    words: 'Слова',
    state: 'Государство',
    language: 'Язык',
    search: 'Найти',
    syntax: 'Должны совпасть все слова; слово* ищет по началу слова; "слова в кавычках" ищут фразу.',
    noHits: 'По запросу «{q}» ничего не найдено.',
    hits: 'Найдено терминов: {count}',
  },
  es: {
    title: 'Búsqueda en glosarios',
    intro:
      '¿Cómo define cada Estado un término? Busque en los glosarios de todos los documentos terminológicos que puede consultar.',
    words: 'Palabras',
    state: 'Estado',
    language: 'Idioma',
    search: 'Buscar',
    syntax:
      'Deben coincidir todas las palabras; palabra* busca un prefijo; "palabras entre comillas" buscan una frase.',
    noHits: 'No hay resultados para «{q}».',
    hits: 'Términos encontrados: {count}',
  },
  ar: {
    title: 'البحث في المسارد',
    intro: 'كيف تعرّف كل دولة مصطلحًا ما؟ ابحث في مسارد جميع وثائق المصطلحات التي يحق لك الاطلاع عليها.',
    words: 'الكلمات',
    state: 'الدولة',
    language: 'اللغة',
    search: 'بحث',
    syntax: 'يجب أن تتطابق كل الكلمات؛ كلمة* تبحث عن بادئة؛ "الكلمات بين علامتي تنصيص" تبحث عن عبارة.',
    noHits: 'لا نتائج لـ «{q}».',
    hits: 'عدد المصطلحات التي وُجدت: {count}',
  },
  zh: {
    title: '术语表搜索',
    intro: '各国如何定义某个术语？在您可查看的所有术语文件的术语表中搜索。',
    words: '词语',
    state: '国家',
    language: '语言',
    search: '搜索',
    syntax: '所有词语都须匹配；词* 查找前缀；"带引号的词语" 查找短语。',
    noHits: '没有与“{q}”匹配的结果。',
    hits: '找到 {count} 个术语',
  },
});
