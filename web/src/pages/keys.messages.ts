import { defineMessages } from '../i18n/messages.ts';

export const keysMessages = defineMessages({
  en: {
    registered: 'The portal knows it (scopes: {scopes}).',
    notRegistered:
      'The portal does not accept this key for this principal yet: it is kept here, but requests signed ' +
      'with it are refused until the Secretariat registers it. The portal said:',
    title: 'Keys',
    intro:
      'Every request you make is signed in this browser with your state’s key. The private key stays here: it is kept so that ' +
      'no page, not even this one, can read it back.',
    myKeys: 'Your keys for this portal',
    noKeys: 'No key is kept in this browser for this portal yet.',
    fromFile: 'loaded from a file',
    generatedHere: 'created in this browser',
    inUse: 'in use',
    kid: 'Key id:',
    showPublic: 'Show the public key',
    useKey: 'Sign with this key',
    forget: 'Forget this key',
    forgetConfirm: 'Forget the key of {principal} in this browser? Keep a copy of its file if you need it again.',
    'file-not-json': 'This file is not a JSON key file.',
    'file-not-private': 'This file holds a public key only; load the private key file that cbm keygen wrote.',
    'file-unsupported': 'This kind of key is not supported: use an Ed25519 or P-256 key.',
    'file-import-failed': 'The browser could not import this key; the file may be damaged.',
    keyRefused: 'This key cannot be used to sign: {reason}',
    loadTitle: 'Load your key file',
    loadIntro:
      'Choose the private key file (JWK) you were given or made with cbm keygen. You need to do this only once per browser.',
    principal: 'Who you sign for',
    principalHint: 'Your state’s two-letter code (for example AT), or secretariat.',
    keyFile: 'Private key file',
    load: 'Load the key',
    badPrincipal: 'Enter a two-letter state code such as AT, or secretariat.',
    chooseFile: 'Choose a key file first.',
    loaded: 'The key {kid} now signs for {principal}.',
    createTitle: 'Create a new key',
    createIntro:
      'The browser makes a new key pair. Hand the public key to the Secretariat, who registers it; until then the portal refuses ' +
      'requests signed with it. The private key can never leave this browser, so it cannot be backed up.',
    algorithm: 'Algorithm',
    ed25519: 'Ed25519 (recommended)',
    p256: 'P-256',
    create: 'Create the key',
    algUnsupported: 'This browser cannot create keys of this kind; choose the other algorithm.',
    createdNext: 'Your new key is kept in this browser. Send this public key to the Secretariat:',
    copy: 'Copy',
    download: 'Download',
    copied: 'Copied.',
    portalKeys: 'The portal’s keys',
    portalKeysIntro:
      'The portal signs every record it stores. Its keys were pinned the first time this browser visited; if they ever change, ' +
      'you are warned and nothing is verified until you accept the new ones.',
    pinnedAt: 'Pinned on {when}:',
  },
  fr: {
    registered: 'Le portail la connaît (portées : {scopes}).',
    notRegistered:
      'Le portail n’accepte pas encore cette clé pour ce mandant : elle est conservée ici, mais les ' +
      'requêtes signées avec elle sont refusées tant que le Secrétariat ne l’a pas enregistrée. Le portail ' +
      'a répondu :',
    title: 'Clés',
    intro:
      'Chaque requête est signée dans ce navigateur avec la clé de votre État. La clé privée reste ici, conservée de sorte ' +
      'qu’aucune page, pas même celle-ci, ne puisse la relire.',
    myKeys: 'Vos clés pour ce portail',
    noKeys: 'Aucune clé n’est encore conservée dans ce navigateur pour ce portail.',
    fromFile: 'chargée depuis un fichier',
    generatedHere: 'créée dans ce navigateur',
    inUse: 'utilisée',
    kid: 'Identifiant de clé :',
    showPublic: 'Afficher la clé publique',
    useKey: 'Signer avec cette clé',
    forget: 'Oublier cette clé',
    forgetConfirm:
      'Oublier la clé de {principal} dans ce navigateur ? Conservez une copie de son fichier si vous en avez encore besoin.',
    'file-not-json': 'Ce fichier n’est pas un fichier de clé JSON.',
    'file-not-private':
      'Ce fichier ne contient qu’une clé publique ; chargez le fichier de clé privée écrit par cbm keygen.',
    'file-unsupported': 'Ce type de clé n’est pas pris en charge : utilisez une clé Ed25519 ou P-256.',
    'file-import-failed': 'Le navigateur n’a pas pu importer cette clé ; le fichier est peut-être endommagé.',
    keyRefused: 'Cette clé ne peut pas servir à signer : {reason}',
    loadTitle: 'Charger votre fichier de clé',
    loadIntro:
      'Choisissez le fichier de clé privée (JWK) qui vous a été remis ou que vous avez créé avec cbm keygen. ' +
      'Une seule fois par navigateur suffit.',
    principal: 'Pour qui vous signez',
    principalHint: 'Le code à deux lettres de votre État (par exemple AT), ou secretariat.',
    keyFile: 'Fichier de clé privée',
    load: 'Charger la clé',
    badPrincipal: 'Saisissez un code d’État à deux lettres comme AT, ou secretariat.',
    chooseFile: 'Choisissez d’abord un fichier de clé.',
    loaded: 'La clé {kid} signe désormais pour {principal}.',
    createTitle: 'Créer une nouvelle clé',
    createIntro:
      'Le navigateur crée une nouvelle paire de clés. Remettez la clé publique au Secrétariat, qui l’enregistre ; d’ici là, le portail ' +
      'refuse les requêtes signées avec elle. La clé privée ne peut jamais quitter ce navigateur et ne peut donc pas être sauvegardée.',
    algorithm: 'Algorithme',
    ed25519: 'Ed25519 (recommandé)',
    p256: 'P-256',
    create: 'Créer la clé',
    algUnsupported: 'Ce navigateur ne sait pas créer ce type de clé ; choisissez l’autre algorithme.',
    createdNext: 'Votre nouvelle clé est conservée dans ce navigateur. Envoyez cette clé publique au Secrétariat :',
    copy: 'Copier',
    download: 'Télécharger',
    copied: 'Copié.',
    portalKeys: 'Les clés du portail',
    portalKeysIntro:
      'Le portail signe chaque enregistrement qu’il conserve. Ses clés ont été épinglées lors de la première visite de ce navigateur ; ' +
      'si elles changent, vous êtes averti et rien n’est vérifié tant que vous n’avez pas accepté les nouvelles.',
    pinnedAt: 'Épinglées le {when} :',
  },
  de: {
    registered: 'Das Portal kennt ihn (Berechtigungen: {scopes}).',
    notRegistered:
      'Das Portal akzeptiert diesen Schlüssel für diese Kennung noch nicht: Er bleibt hier gespeichert, ' +
      'aber damit signierte Anfragen werden abgelehnt, bis das Sekretariat ihn registriert. Das Portal ' +
      'antwortete:',
    title: 'Schlüssel',
    intro:
      'Jede Anfrage wird in diesem Browser mit dem Schlüssel Ihres Staates signiert. Der private Schlüssel bleibt hier und wird so ' +
      'aufbewahrt, dass keine Seite, auch diese nicht, ihn auslesen kann.',
    myKeys: 'Ihre Schlüssel für dieses Portal',
    noKeys: 'In diesem Browser ist noch kein Schlüssel für dieses Portal gespeichert.',
    fromFile: 'aus einer Datei geladen',
    generatedHere: 'in diesem Browser erstellt',
    inUse: 'in Verwendung',
    kid: 'Schlüsselkennung:',
    showPublic: 'Öffentlichen Schlüssel anzeigen',
    useKey: 'Mit diesem Schlüssel signieren',
    forget: 'Diesen Schlüssel vergessen',
    forgetConfirm:
      'Den Schlüssel von {principal} in diesem Browser vergessen? Bewahren Sie eine Kopie der Datei auf, falls Sie ihn wieder brauchen.',
    'file-not-json': 'Diese Datei ist keine JSON-Schlüsseldatei.',
    'file-not-private':
      'Diese Datei enthält nur einen öffentlichen Schlüssel; laden Sie die private Schlüsseldatei von cbm keygen.',
    'file-unsupported': 'Diese Schlüsselart wird nicht unterstützt: Verwenden Sie einen Ed25519- oder P-256-Schlüssel.',
    'file-import-failed':
      'Der Browser konnte diesen Schlüssel nicht importieren; die Datei ist möglicherweise beschädigt.',
    keyRefused: 'Mit diesem Schlüssel kann nicht signiert werden: {reason}',
    loadTitle: 'Schlüsseldatei laden',
    loadIntro:
      'Wählen Sie die private Schlüsseldatei (JWK), die Sie erhalten oder mit cbm keygen erzeugt haben. ' +
      'Das ist nur einmal pro Browser nötig.',
    principal: 'Für wen Sie signieren',
    principalHint: 'Der zweistellige Code Ihres Staates (zum Beispiel AT) oder secretariat.',
    keyFile: 'Private Schlüsseldatei',
    load: 'Schlüssel laden',
    badPrincipal: 'Geben Sie einen zweistelligen Staatencode wie AT oder secretariat ein.',
    chooseFile: 'Wählen Sie zuerst eine Schlüsseldatei.',
    loaded: 'Der Schlüssel {kid} signiert jetzt für {principal}.',
    createTitle: 'Neuen Schlüssel erstellen',
    createIntro:
      'Der Browser erzeugt ein neues Schlüsselpaar. Übergeben Sie den öffentlichen Schlüssel dem Sekretariat, das ihn registriert; bis ' +
      'dahin lehnt das Portal damit signierte Anfragen ab. Der private Schlüssel kann diesen Browser nie verlassen und daher nicht ' +
      'gesichert werden.',
    algorithm: 'Algorithmus',
    ed25519: 'Ed25519 (empfohlen)',
    p256: 'P-256',
    create: 'Schlüssel erstellen',
    algUnsupported: 'Dieser Browser kann keine Schlüssel dieser Art erzeugen; wählen Sie den anderen Algorithmus.',
    createdNext:
      'Ihr neuer Schlüssel ist in diesem Browser gespeichert. Senden Sie diesen öffentlichen Schlüssel an das Sekretariat:',
    copy: 'Kopieren',
    download: 'Herunterladen',
    copied: 'Kopiert.',
    portalKeys: 'Die Schlüssel des Portals',
    portalKeysIntro:
      'Das Portal signiert jeden gespeicherten Eintrag. Seine Schlüssel wurden beim ersten Besuch dieses Browsers gepinnt; ändern sie ' +
      'sich, werden Sie gewarnt, und nichts wird verifiziert, bis Sie die neuen annehmen.',
    pinnedAt: 'Gepinnt am {when}:',
  },
  it: {
    registered: 'Il portale la conosce (ambiti: {scopes}).',
    notRegistered:
      'Il portale non accetta ancora questa chiave per questo soggetto: resta conservata qui, ma le ' +
      'richieste firmate con essa sono rifiutate finché il Segretariato non la registra. Il portale ha ' +
      'risposto:',
    title: 'Chiavi',
    intro:
      'Ogni richiesta viene firmata in questo browser con la chiave del vostro Stato. La chiave privata resta qui, conservata in modo ' +
      'che nessuna pagina, nemmeno questa, possa rileggerla.',
    myKeys: 'Le vostre chiavi per questo portale',
    noKeys: 'In questo browser non è ancora conservata alcuna chiave per questo portale.',
    fromFile: 'caricata da un file',
    generatedHere: 'creata in questo browser',
    inUse: 'in uso',
    kid: 'Identificativo della chiave:',
    showPublic: 'Mostra la chiave pubblica',
    useKey: 'Firma con questa chiave',
    forget: 'Dimentica questa chiave',
    forgetConfirm:
      'Dimenticare la chiave di {principal} in questo browser? Conservate una copia del file se vi servirà ancora.',
    'file-not-json': 'Questo file non è un file di chiave JSON.',
    'file-not-private':
      'Questo file contiene solo una chiave pubblica; caricate il file della chiave privata scritto da cbm keygen.',
    'file-unsupported': 'Questo tipo di chiave non è supportato: usate una chiave Ed25519 o P-256.',
    'file-import-failed': 'Il browser non è riuscito a importare questa chiave; il file potrebbe essere danneggiato.',
    keyRefused: 'Questa chiave non può essere usata per firmare: {reason}',
    loadTitle: 'Caricate il vostro file di chiave',
    loadIntro:
      'Scegliete il file della chiave privata (JWK) che avete ricevuto o creato con cbm keygen. Basta farlo una volta per browser.',
    principal: 'Per chi firmate',
    principalHint: 'Il codice di due lettere del vostro Stato (ad esempio AT), oppure secretariat.',
    keyFile: 'File della chiave privata',
    load: 'Carica la chiave',
    badPrincipal: 'Inserite un codice di Stato di due lettere come AT, oppure secretariat.',
    chooseFile: 'Scegliete prima un file di chiave.',
    loaded: 'La chiave {kid} ora firma per {principal}.',
    createTitle: 'Crea una nuova chiave',
    createIntro:
      'Il browser crea una nuova coppia di chiavi. Consegnate la chiave pubblica al Segretariato, che la registra; fino ad allora il ' +
      'portale rifiuta le richieste firmate con essa. La chiave privata non può mai lasciare questo browser, quindi non se ne può fare ' +
      'una copia di sicurezza.',
    algorithm: 'Algoritmo',
    ed25519: 'Ed25519 (consigliato)',
    p256: 'P-256',
    create: 'Crea la chiave',
    algUnsupported: 'Questo browser non può creare chiavi di questo tipo; scegliete l’altro algoritmo.',
    createdNext: 'La nuova chiave è conservata in questo browser. Inviate questa chiave pubblica al Segretariato:',
    copy: 'Copia',
    download: 'Scarica',
    copied: 'Copiata.',
    portalKeys: 'Le chiavi del portale',
    portalKeysIntro:
      'Il portale firma ogni registrazione che conserva. Le sue chiavi sono state fissate alla prima visita di questo browser; se ' +
      'cambiano, riceverete un avviso e nulla verrà verificato finché non accetterete le nuove.',
    pinnedAt: 'Fissate il {when}:',
  },
  ru: {
    registered: 'Портал знает этот ключ (права: {scopes}).',
    notRegistered:
      'Портал пока не принимает этот ключ для этого участника: он сохранён здесь, но подписанные им ' +
      'запросы отклоняются, пока Секретариат его не зарегистрирует. Ответ портала:',
    title: 'Ключи',
    intro:
      'Каждый ваш запрос подписывается в этом браузере ключом вашего государства. Закрытый ключ остаётся здесь и хранится так, что ' +
      'ни одна страница, даже эта, не может его прочитать.',
    myKeys: 'Ваши ключи для этого портала',
    noKeys: 'В этом браузере пока нет ключей для этого портала.',
    fromFile: 'загружен из файла',
    generatedHere: 'создан в этом браузере',
    inUse: 'используется',
    kid: 'Идентификатор ключа:',
    showPublic: 'Показать открытый ключ',
    useKey: 'Подписывать этим ключом',
    forget: 'Забыть этот ключ',
    forgetConfirm: 'Забыть ключ {principal} в этом браузере? Сохраните копию файла, если он вам ещё понадобится.',
    'file-not-json': 'Этот файл не является файлом ключа в формате JSON.',
    'file-not-private': 'В этом файле только открытый ключ; загрузите файл закрытого ключа, созданный cbm keygen.',
    'file-unsupported': 'Такой тип ключа не поддерживается: используйте ключ Ed25519 или P-256.',
    'file-import-failed': 'Браузер не смог импортировать этот ключ; возможно, файл повреждён.',
    keyRefused: 'Этим ключом нельзя подписывать: {reason}',
    loadTitle: 'Загрузите файл ключа',
    loadIntro:
      'Выберите файл закрытого ключа (JWK), который вам передали или который вы создали с помощью cbm keygen. ' +
      'Это нужно сделать один раз в каждом браузере.',
    principal: 'От чьего имени вы подписываете',
    principalHint: 'Двухбуквенный код вашего государства (например, AT) или secretariat.',
    keyFile: 'Файл закрытого ключа',
    load: 'Загрузить ключ',
    badPrincipal: 'Введите двухбуквенный код государства, например AT, или secretariat.',
    chooseFile: 'Сначала выберите файл ключа.',
    loaded: 'Ключ {kid} теперь подписывает от имени {principal}.',
    createTitle: 'Создать новый ключ',
    createIntro:
      'Браузер создаёт новую пару ключей. Передайте открытый ключ Секретариату для регистрации; до этого портал отклоняет запросы, ' +
      'подписанные им. Закрытый ключ никогда не покидает этот браузер, поэтому сделать его резервную копию нельзя.',
    algorithm: 'Алгоритм',
    ed25519: 'Ed25519 (рекомендуется)',
    p256: 'P-256',
    create: 'Создать ключ',
    algUnsupported: 'Этот браузер не может создавать ключи такого типа; выберите другой алгоритм.',
    createdNext: 'Новый ключ сохранён в этом браузере. Отправьте этот открытый ключ Секретариату:',
    copy: 'Копировать',
    download: 'Скачать',
    copied: 'Скопировано.',
    portalKeys: 'Ключи портала',
    portalKeysIntro:
      'Портал подписывает каждую сохраняемую запись. Его ключи были закреплены при первом посещении из этого браузера; если они ' +
      'изменятся, вы получите предупреждение, и ничего не будет проверяться, пока вы не примете новые.',
    pinnedAt: 'Закреплены {when}:',
  },
  es: {
    registered: 'El portal la conoce (ámbitos: {scopes}).',
    notRegistered:
      'El portal todavía no acepta esta clave para este principal: se guarda aquí, pero las solicitudes ' +
      'firmadas con ella se rechazan hasta que la Secretaría la registre. El portal respondió:',
    title: 'Claves',
    intro:
      'Cada solicitud se firma en este navegador con la clave de su Estado. La clave privada permanece aquí, guardada de modo que ' +
      'ninguna página, ni siquiera esta, pueda leerla.',
    myKeys: 'Sus claves para este portal',
    noKeys: 'Este navegador todavía no guarda ninguna clave para este portal.',
    fromFile: 'cargada desde un archivo',
    generatedHere: 'creada en este navegador',
    inUse: 'en uso',
    kid: 'Identificador de la clave:',
    showPublic: 'Mostrar la clave pública',
    useKey: 'Firmar con esta clave',
    forget: 'Olvidar esta clave',
    forgetConfirm:
      '¿Olvidar la clave de {principal} en este navegador? Guarde una copia de su archivo si la vuelve a necesitar.',
    'file-not-json': 'Este archivo no es un archivo de clave JSON.',
    'file-not-private':
      'Este archivo solo contiene una clave pública; cargue el archivo de clave privada que escribió cbm keygen.',
    'file-unsupported': 'Este tipo de clave no es compatible: use una clave Ed25519 o P-256.',
    'file-import-failed': 'El navegador no pudo importar esta clave; puede que el archivo esté dañado.',
    keyRefused: 'Esta clave no puede usarse para firmar: {reason}',
    loadTitle: 'Cargue su archivo de clave',
    loadIntro:
      'Elija el archivo de clave privada (JWK) que recibió o que creó con cbm keygen. Basta con hacerlo una vez en cada navegador.',
    principal: 'En nombre de quién firma',
    principalHint: 'El código de dos letras de su Estado (por ejemplo, AT) o secretariat.',
    keyFile: 'Archivo de clave privada',
    load: 'Cargar la clave',
    badPrincipal: 'Introduzca un código de Estado de dos letras, como AT, o secretariat.',
    chooseFile: 'Elija primero un archivo de clave.',
    loaded: 'La clave {kid} firma ahora en nombre de {principal}.',
    createTitle: 'Crear una clave nueva',
    createIntro:
      'El navegador crea un nuevo par de claves. Entregue la clave pública a la Secretaría, que la registra; hasta entonces el portal ' +
      'rechaza las solicitudes firmadas con ella. La clave privada nunca puede salir de este navegador, por lo que no se puede ' +
      'hacer una copia de seguridad.',
    algorithm: 'Algoritmo',
    ed25519: 'Ed25519 (recomendado)',
    p256: 'P-256',
    create: 'Crear la clave',
    algUnsupported: 'Este navegador no puede crear claves de este tipo; elija el otro algoritmo.',
    createdNext: 'Su nueva clave está guardada en este navegador. Envíe esta clave pública a la Secretaría:',
    copy: 'Copiar',
    download: 'Descargar',
    copied: 'Copiada.',
    portalKeys: 'Las claves del portal',
    portalKeysIntro:
      'El portal firma cada registro que guarda. Sus claves se fijaron la primera vez que este navegador lo visitó; si cambian, se le ' +
      'avisará y no se verificará nada hasta que acepte las nuevas.',
    pinnedAt: 'Fijadas el {when}:',
  },
  ar: {
    registered: 'تعرفه البوابة (الصلاحيات: {scopes}).',
    notRegistered:
      'لا تقبل البوابة هذا المفتاح لهذه الجهة بعد: يبقى محفوظًا هنا، لكن الطلبات الموقّعة به تُرفض حتى تسجّله الأمانة. ردّت البوابة:',
    title: 'المفاتيح',
    intro:
      'يُوقَّع كل طلب تقدّمه في هذا المتصفح بمفتاح دولتك. يبقى المفتاح الخاص هنا، ويُحفظ بحيث لا تستطيع أي صفحة، ولا هذه الصفحة، قراءته.',
    myKeys: 'مفاتيحك لهذه البوابة',
    noKeys: 'لا يحفظ هذا المتصفح أي مفتاح لهذه البوابة بعد.',
    fromFile: 'حُمِّل من ملف',
    generatedHere: 'أُنشئ في هذا المتصفح',
    inUse: 'قيد الاستخدام',
    kid: 'معرّف المفتاح:',
    showPublic: 'عرض المفتاح العام',
    useKey: 'التوقيع بهذا المفتاح',
    forget: 'نسيان هذا المفتاح',
    forgetConfirm: 'هل تريد نسيان مفتاح {principal} في هذا المتصفح؟ احتفظ بنسخة من ملفه إن كنت ستحتاج إليه مجددًا.',
    'file-not-json': 'هذا الملف ليس ملف مفتاح بصيغة JSON.',
    'file-not-private': 'يحتوي هذا الملف على مفتاح عام فقط؛ حمّل ملف المفتاح الخاص الذي كتبه cbm keygen.',
    'file-unsupported': 'هذا النوع من المفاتيح غير مدعوم: استخدم مفتاح Ed25519 أو P-256.',
    'file-import-failed': 'تعذّر على المتصفح استيراد هذا المفتاح؛ ربما يكون الملف تالفًا.',
    keyRefused: 'لا يمكن التوقيع بهذا المفتاح: {reason}',
    loadTitle: 'تحميل ملف مفتاحك',
    loadIntro:
      'اختر ملف المفتاح الخاص (JWK) الذي تسلّمته أو أنشأته باستخدام cbm keygen. يكفي القيام بذلك مرة واحدة في كل متصفح.',
    principal: 'الجهة التي توقّع باسمها',
    principalHint: 'رمز دولتك المكوّن من حرفين (مثل AT)، أو secretariat.',
    keyFile: 'ملف المفتاح الخاص',
    load: 'تحميل المفتاح',
    badPrincipal: 'أدخل رمز دولة من حرفين مثل AT، أو secretariat.',
    chooseFile: 'اختر ملف مفتاح أولًا.',
    loaded: 'أصبح المفتاح {kid} يوقّع باسم {principal}.',
    createTitle: 'إنشاء مفتاح جديد',
    createIntro:
      'ينشئ المتصفح زوج مفاتيح جديدًا. سلّم المفتاح العام إلى الأمانة لتسجّله؛ وحتى ذلك الحين ترفض البوابة الطلبات الموقّعة به. ' +
      'لا يمكن للمفتاح الخاص أن يغادر هذا المتصفح أبدًا، لذا لا يمكن حفظ نسخة احتياطية منه.',
    algorithm: 'الخوارزمية',
    ed25519: 'Ed25519 (موصى بها)',
    p256: 'P-256',
    create: 'إنشاء المفتاح',
    algUnsupported: 'لا يستطيع هذا المتصفح إنشاء مفاتيح من هذا النوع؛ اختر الخوارزمية الأخرى.',
    createdNext: 'حُفظ مفتاحك الجديد في هذا المتصفح. أرسل هذا المفتاح العام إلى الأمانة:',
    copy: 'نسخ',
    download: 'تنزيل',
    copied: 'تم النسخ.',
    portalKeys: 'مفاتيح البوابة',
    portalKeysIntro:
      'توقّع البوابة كل سجل تحفظه. ثُبّتت مفاتيحها عند أول زيارة من هذا المتصفح؛ ' +
      'وإذا تغيّرت، ستُنبَّه ولن يُتحقَّق من أي شيء حتى تقبل المفاتيح الجديدة.',
    pinnedAt: 'ثُبّتت في {when}:',
  },
  zh: {
    registered: '门户已知此密钥（权限：{scopes}）。',
    notRegistered:
      '门户尚未接受此主体的这个密钥：密钥保存在此处，但在秘书处登记之前，用它签名的请求会被拒绝。门户的答复：',
    title: '密钥',
    intro:
      '您的每个请求都在此浏览器中用贵国的密钥签名。私钥保留在此处，其保存方式使任何页面（包括本页面）都无法读取它。',
    myKeys: '您在此门户的密钥',
    noKeys: '此浏览器尚未保存此门户的任何密钥。',
    fromFile: '从文件加载',
    generatedHere: '在此浏览器中创建',
    inUse: '使用中',
    kid: '密钥标识：',
    showPublic: '显示公钥',
    useKey: '使用此密钥签名',
    forget: '忘记此密钥',
    forgetConfirm: '要在此浏览器中忘记 {principal} 的密钥吗？如果以后还需要，请保留其文件的副本。',
    'file-not-json': '此文件不是 JSON 密钥文件。',
    'file-not-private': '此文件只包含公钥；请加载 cbm keygen 生成的私钥文件。',
    'file-unsupported': '不支持此类密钥：请使用 Ed25519 或 P-256 密钥。',
    'file-import-failed': '浏览器无法导入此密钥；文件可能已损坏。',
    keyRefused: '此密钥不能用于签名：{reason}',
    loadTitle: '加载您的密钥文件',
    loadIntro: '选择您收到的或用 cbm keygen 生成的私钥文件（JWK）。每个浏览器只需操作一次。',
    principal: '您代表谁签名',
    principalHint: '贵国的两字母代码（例如 AT），或 secretariat。',
    keyFile: '私钥文件',
    load: '加载密钥',
    badPrincipal: '请输入两字母国家代码（如 AT）或 secretariat。',
    chooseFile: '请先选择密钥文件。',
    loaded: '密钥 {kid} 现在代表 {principal} 签名。',
    createTitle: '创建新密钥',
    createIntro:
      '浏览器会生成新的密钥对。请将公钥交给秘书处登记；在此之前，门户会拒绝用它签名的请求。私钥永远不会离开此浏览器，因此无法备份。',
    algorithm: '算法',
    ed25519: 'Ed25519（推荐）',
    p256: 'P-256',
    create: '创建密钥',
    algUnsupported: '此浏览器无法创建此类密钥；请选择另一种算法。',
    createdNext: '您的新密钥已保存在此浏览器中。请将此公钥发送给秘书处：',
    copy: '复制',
    download: '下载',
    copied: '已复制。',
    portalKeys: '门户的密钥',
    portalKeysIntro:
      '门户会对其保存的每条记录签名。此浏览器首次访问时已固定其密钥；如果密钥发生变化，您会收到警告，在您接受新密钥之前不会验证任何内容。',
    pinnedAt: '固定于 {when}：',
  },
});
