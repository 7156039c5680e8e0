import { defineMessages } from '../i18n/messages.ts';

export const homeMessages = defineMessages({
  en: {
    title: 'CBM Exchange Portal',
    intro:
      'Points of contact, national documents, incidents and consultations between participating states, under the OSCE’s ' +
      'cyber confidence-building measures. Everything you publish is signed with your state’s key and recorded in a public log.',
    firstStep: 'To begin, load your state’s key file or create a key in this browser.',
    toKeys: 'Set up your key',
    directory: 'Points-of-contact directory',
    documents: 'National documents',
    glossary: 'Glossary search',
  },
  fr: {
    title: 'Portail d’échange des MDC',
    intro:
      'Points de contact, documents nationaux, incidents et consultations entre États participants, dans le cadre des mesures de ' +
      'confiance de l’OSCE dans le cyberespace. Tout ce que vous publiez est signé avec la clé de votre État ' +
      'et consigné dans un journal public.',
    firstStep: 'Pour commencer, chargez le fichier de clé de votre État ou créez une clé dans ce navigateur.',
    toKeys: 'Configurer votre clé',
    directory: 'Annuaire des points de contact',
    documents: 'Documents nationaux',
    glossary: 'Recherche dans les glossaires',
  },
  de: {
    title: 'VBM-Austauschportal',
    intro:
      'Kontaktstellen, nationale Dokumente, Vorfälle und Konsultationen zwischen den Teilnehmerstaaten im Rahmen der ' +
      'vertrauensbildenden Maßnahmen der OSZE im Cyberraum. Alles, was Sie veröffentlichen, wird mit dem Schlüssel Ihres Staates ' +
      'signiert und in einem öffentlichen Protokoll festgehalten.',
    firstStep:
      'Laden Sie zunächst die Schlüsseldatei Ihres Staates oder erstellen Sie einen Schlüssel in diesem Browser.',
    toKeys: 'Schlüssel einrichten',
    directory: 'Verzeichnis der Kontaktstellen',
    documents: 'Nationale Dokumente',
    glossary: 'Glossarsuche',
  },
  it: {
    title: 'Portale di scambio delle CBM',
    intro:
      'Punti di contatto, documenti nazionali, incidenti e consultazioni tra gli Stati partecipanti, nell’ambito delle misure ' +
      'di rafforzamento della fiducia dell’OSCE nel cyberspazio. Tutto ciò che pubblicate è firmato con la chiave del vostro Stato ' +
      'e registrato in un registro pubblico.',
    firstStep: 'Per iniziare, caricate il file di chiave del vostro Stato o create una chiave in questo browser.',
    toKeys: 'Configura la chiave',
    directory: 'Elenco dei punti di contatto',
    documents: 'Documenti nazionali',
    glossary: 'Ricerca nei glossari',
  },
  ru: {
    title: 'Портал обмена МД',
    intro:
      'Контактные пункты, национальные документы, инциденты и консультации между государствами-участниками в рамках мер ' +
      'укрепления доверия ОБСЕ в киберпространстве. Всё, что вы публикуете, подписывается ключом вашего государства и ' +
      'записывается в открытый журнал.',
    firstStep: 'Для начала загрузите файл ключа вашего государства или создайте ключ в этом браузере.',
    toKeys: 'Настроить ключ',
    directory: 'Справочник контактных пунктов',
    documents: 'Национальные документы',
    glossary: 'Поиск по глоссариям',
  },
  es: {
    title: 'Portal de intercambio de MFC',
    intro:
      'Puntos de contacto, documentos nacionales, incidentes y consultas entre los Estados participantes, en el marco de las ' +
      'medidas de fomento de la confianza de la OSCE en el ciberespacio. Todo lo que publica se firma con la clave de su Estado ' +
      'y queda registrado en un registro público.',
    firstStep: 'Para empezar, cargue el archivo de clave de su Estado o cree una clave en este navegador.',
    toKeys: 'Configurar su clave',
    directory: 'Directorio de puntos de contacto',
    documents: 'Documentos nacionales',
    glossary: 'Búsqueda en glosarios',
  },
  ar: {
    title: 'بوابة تبادل تدابير بناء الثقة',
    intro:
      'نقاط الاتصال والوثائق الوطنية والحوادث والمشاورات بين الدول المشاركة، في إطار تدابير بناء الثقة السيبرانية لمنظمة الأمن ' +
      'والتعاون في أوروبا. كل ما تنشره يُوقَّع بمفتاح دولتك ويُسجَّل في سجل عام.',
    firstStep: 'للبدء، حمّل ملف مفتاح دولتك أو أنشئ مفتاحًا في هذا المتصفح.',
    toKeys: 'إعداد مفتاحك',
    directory: 'دليل نقاط الاتصال',
    documents: 'الوثائق الوطنية',
    glossary: 'البحث في المسارد',
  },
  zh: {
    title: '建立信任措施交换门户',
    intro:
      '在欧安组织网络建立信任措施框架下，各参与国之间的联络点、国家文件、事件和磋商。您发布的一切内容都以贵国的密钥签名，并记录在公开日志中。',
    firstStep: '首先，请加载贵国的密钥文件，或在此浏览器中创建密钥。',
    toKeys: '设置您的密钥',
    directory: '联络点名录',
    documents: '国家文件',
    glossary: '术语表搜索',
  },
});
