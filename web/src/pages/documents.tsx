/**
 * National documents (CBMs 1, 4-7, 9, 12, 14, 16): the list a state may see, publishing
 * Markdown or a file (uploaded with a progress bar, the same signed PUT as `cbm documents`),
 * download checked against the declared SHA-256, withdrawal, every version's history.
 */
import { useEffect, useRef, useState } from 'hono/jsx/dom';
import { ok, PortalError, type Schemas } from '../../../clients/typescript/src/client.ts';
import { sha256b64u } from '../../../clients/typescript/src/digest.ts';
import {
  documentMediaTypeValues,
  documentTypeValues,
  tlpValues,
} from '../../../clients/typescript/src/generated/openapi.ts';
import { idempotencyKey, withEtag } from '../components/api.ts';
import { AttestationSlot } from '../components/attestation-slot.tsx';
import { commonMessages } from '../components/common.messages.ts';
import { labelMessages } from '../components/labels.messages.ts';
import { useLoad } from '../components/load.ts';
import { Empty, ErrorNotice, Show, WithKey } from '../components/states.tsx';
import { WithdrawWithReason } from '../components/withdraw.tsx';
import { uploadDocumentContent } from '../components/upload.ts';
import { useApp, useT } from '../context.ts';
import { href } from '../router.ts';
import { documentsMessages } from './documents.messages.ts';
import { definePage, type PageProps } from './page.ts';

type Doc = Schemas['Document'];
type MediaType = Schemas['DocumentMediaType'];

const MEDIA_BY_EXTENSION: Record<string, MediaType> = {
  pdf: 'application/pdf',
  odt: 'application/vnd.oasis.opendocument.text',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  txt: 'text/plain',
};

/** The contract's media type of a chosen file, by its type or else its extension. */
export function mediaTypeOf(file: { name: string; type: string }): MediaType | null {
  if ((documentMediaTypeValues as readonly string[]).includes(file.type)) return file.type as MediaType;
  return MEDIA_BY_EXTENSION[file.name.split('.').pop()?.toLowerCase() ?? ''] ?? null;
}

/** Glossary terms typed one per line as `term: definition`. */
export function parseTerms(text: string): Schemas['GlossaryTermInput'][] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const colon = line.indexOf(':');
      return colon > 0
        ? { term: line.slice(0, colon).trim(), definition: line.slice(colon + 1).trim() }
        : { term: line, definition: '' };
    });
}

function DocumentsPage() {
  const { client, query, navigate, session, fmt } = useApp();
  const t = useT(documentsMessages);
  const filters = {
    state: query.get('state') ?? '',
    type: query.get('type') ?? '',
    language: query.get('language') ?? '',
    status: query.get('status') ?? '',
  };
  const loaded = useLoad(
    () =>
      ok(
        client.GET('/documents', {
          params: {
            query: {
              ...(filters.state ? { state: filters.state } : {}),
              ...(filters.type ? { type: filters.type as Schemas['DocumentType'] } : {}),
              ...(filters.language ? { language: filters.language } : {}),
              ...(filters.status === 'all' ? { status: 'all' as const } : {}),
              limit: 100,
            },
          },
        }),
      ),
    [JSON.stringify(filters), client],
  );
  const onFilter = (event: Event) => {
    event.preventDefault();
    const data = new FormData(event.target as HTMLFormElement);
    const value = (name: string) => String(data.get(name) ?? '').trim();
    navigate(
      href('/documents', {
        state: value('state').toUpperCase(),
        type: value('type'),
        language: value('language'),
        status: value('status'),
      }),
    );
  };
  return (
    <>
      <h1>{t('title')}</h1>
      <p>{t('intro')}</p>
      {session?.kind === 'state' ? (
        <p class="actions">
          <a class="button" href="/documents/new">
            {t('publishNew')}
          </a>
        </p>
      ) : null}
      <form class="filters" onSubmit={onFilter} aria-label={t('filters')}>
        <label>
          {t('state')}
          <input name="state" value={filters.state} maxlength={2} size={4} autocomplete="off" />
        </label>
        <label>
          {t('type')}
          <select name="type">
            <option value="">{t('any')}</option>
            {documentTypeValues.map((type) => (
              <option value={type} selected={filters.type === type}>
                {t(`type:${type}`)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('language')}
          <input name="language" value={filters.language} size={6} autocomplete="off" />
        </label>
        <label>
          {t('show')}
          <select name="status">
            <option value="">{t('activeOnly')}</option>
            <option value="all" selected={filters.status === 'all'}>
              {t('withWithdrawn')}
            </option>
          </select>
        </label>
        <button type="submit">{t('apply')}</button>
      </form>
      <WithKey>
        <Show loaded={loaded}>
          {(page) =>
            page.items.length === 0 ? (
              <Empty>{t('none')}</Empty>
            ) : (
              <div class="table-wrap">
                <table data-testid="documents">
                  <thead>
                    <tr>
                      <th scope="col">{t('state')}</th>
                      <th scope="col">{t('docTitle')}</th>
                      <th scope="col">{t('type')}</th>
                      <th scope="col">{t('language')}</th>
                      <th scope="col">TLP</th>
                      <th scope="col">{t('published')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {page.items.map((doc) => (
                      <tr data-id={doc.id}>
                        <td>{doc.state}</td>
                        <td>
                          <a href={`/documents/${doc.id}`}>{doc.title}</a>
                        </td>
                        <td>{t(`type:${doc.type}`)}</td>
                        <td>{doc.language}</td>
                        <td>{doc.tlp}</td>
                        <td>{fmt.date(doc.published_at)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )
          }
        </Show>
      </WithKey>
    </>
  );
}

/** The version a new one replaces: its fields prefill the form, its ETag goes in If-Match. */
interface Replacing {
  doc: Doc;
  etag: string;
  markdown: string;
}

function NewDocumentPage() {
  return <DocumentForm />;
}

/**
 * A new version of one of the state's documents (`PUT /documents/{id}` with If-Match, as
 * `cbm documents publish --id`): the form starts from the current version; when another
 * version was published meanwhile (412) the newer one is named, the person's text is kept
 * and the next submit goes against it.
 */
function NewVersionPage(props: PageProps) {
  const { client } = useApp();
  const documentId = props.params.id!;
  const loaded = useLoad(async () => {
    const current = await withEtag(client.GET('/documents/{documentId}', { params: { path: { documentId } } }));
    return { doc: current.data, etag: current.etag ?? '', markdown: await markdownOf(client, current.data) };
  }, [documentId, client]);
  return (
    <WithKey>
      <Show loaded={loaded}>{(replacing) => <DocumentForm replacing={replacing} />}</Show>
    </WithKey>
  );
}

async function markdownOf(client: ReturnType<typeof useApp>['client'], doc: Doc): Promise<string> {
  if (doc.content.kind !== 'markdown' || !doc.content.available) return '';
  return (await ok(
    client.GET('/documents/{documentId}/content', {
      params: { path: { documentId: doc.id }, query: { version: doc.version } },
      headers: { Accept: '*/*' },
      parseAs: 'text',
    }),
  )) as string;
}

function DocumentForm(props: { replacing?: Replacing }) {
  const { client, navigate, locale, fmt } = useApp();
  const t = useT(documentsMessages);
  const common = useT(commonMessages);
  const prior = props.replacing?.doc;
  const [mode, setMode] = useState<'markdown' | 'file'>(prior?.content.kind === 'file' ? 'file' : 'markdown');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [progress, setProgress] = useState<{ sent: number; total: number } | null>(null);
  const [key] = useState(idempotencyKey);
  // The version this submit replaces: the one loaded, or the newer one a 412 named.
  const [base, setBase] = useState<{ version: number; etag: string } | null>(
    prior ? { version: prior.version, etag: props.replacing!.etag } : null,
  );
  const [conflict, setConflict] = useState<Doc | null>(null);
  const onSubmit = async (event: Event) => {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const data = new FormData(form);
    const text = (name: string) => String(data.get(name) ?? '').trim();
    setError(null);
    const type = text('type') as Schemas['DocumentType'];
    const tlp = text('tlp') as Schemas['Tlp'];
    const recipients = text('recipients')
      .split(/[,\s]+/)
      .filter(Boolean)
      .map((id) => (id.toLowerCase() === 'secretariat' ? 'secretariat' : id.toUpperCase()));
    const input: Schemas['DocumentInput'] = {
      type,
      title: text('title'),
      summary: text('summary'),
      language: text('language'),
      tlp,
      ...(recipients.length ? { recipients } : {}),
      content: { markdown: '' },
      ...(type === 'terminology' ? { terms: parseTerms(String(data.get('terms') ?? '')) } : {}),
    };
    let bytes: Uint8Array | null = null;
    let mediaType: MediaType | null = null;
    if (mode === 'file') {
      const file = (form.elements.namedItem('file') as HTMLInputElement).files?.[0];
      if (!file) return setError(new Error(t('chooseFile')));
      mediaType = mediaTypeOf(file);
      if (!mediaType) return setError(new Error(t('unsupportedFile')));
      bytes = new Uint8Array(await file.arrayBuffer());
      input.content = {
        file: { media_type: mediaType, sha256: await sha256b64u(bytes), size: bytes.byteLength, filename: file.name },
      };
    } else {
      input.content = { markdown: String(data.get('markdown') ?? '') };
    }
    setBusy(true);
    try {
      const created = await ok(
        prior && base
          ? client.PUT('/documents/{documentId}', {
              params: { path: { documentId: prior.id }, header: { 'If-Match': base.etag } },
              body: input,
            })
          : client.POST('/documents', { body: input, params: { header: { 'Idempotency-Key': key } } }),
      );
      if (bytes && mediaType) {
        setProgress({ sent: 0, total: bytes.byteLength });
        await uploadDocumentContent(client, created.data.id, bytes, mediaType, (sent, total) =>
          setProgress({ sent, total }),
        );
      }
      navigate(`/documents/${created.data.id}`);
    } catch (caught) {
      if (prior && caught instanceof PortalError && caught.status === 412) {
        try {
          const newer = await withEtag(
            client.GET('/documents/{documentId}', { params: { path: { documentId: prior.id } } }),
          );
          setBase({ version: newer.data.version, etag: newer.etag ?? '' });
          setConflict(newer.data);
        } catch (reloadError) {
          setError(reloadError);
        }
      } else setError(caught);
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <h1 dir="auto">{prior ? t('newVersionTitle', { title: prior.title }) : t('newTitle')}</h1>
      <WithKey>
        {conflict ? (
          <div class="notice notice-error" role="alert" data-testid="document-conflict">
            <p>{t('versionConflict', { version: conflict.version, when: fmt.dateTime(conflict.published_at) })}</p>
            <p>
              <a href={`/documents/${conflict.id}`} target="_blank" rel="noopener">
                {t('seeNewer', { version: conflict.version })}
              </a>
            </p>
          </div>
        ) : null}
        <form class="form" onSubmit={onSubmit}>
          <label for="doc-type">{t('type')}</label>
          <select id="doc-type" name="type" required>
            {documentTypeValues.map((type) => (
              <option value={type} selected={prior?.type === type}>
                {t(`type:${type}`)}
              </option>
            ))}
          </select>
          <label for="doc-title">{t('docTitle')}</label>
          <input id="doc-title" name="title" required maxlength={500} value={prior?.title ?? ''} />
          <label for="doc-summary">{t('summary')}</label>
          <textarea id="doc-summary" name="summary" required maxlength={4000}>
            {prior?.summary ?? ''}
          </textarea>
          <label for="doc-language">{t('language')}</label>
          <input
            id="doc-language"
            name="language"
            required
            value={prior?.language ?? locale}
            aria-describedby="doc-language-hint"
          />
          <p id="doc-language-hint" class="hint">
            {t('languageHint')}
          </p>
          <label for="doc-tlp">TLP</label>
          <select id="doc-tlp" name="tlp" aria-describedby="doc-tlp-hint">
            {tlpValues.map((tlp) => (
              <option value={tlp} selected={tlp === (prior?.tlp ?? 'TLP:GREEN')}>
                {tlp}
              </option>
            ))}
          </select>
          <p id="doc-tlp-hint" class="hint">
            {t('tlpHint')}
          </p>
          <label for="doc-recipients">{t('recipients')}</label>
          <input
            id="doc-recipients"
            name="recipients"
            value={prior?.recipients.join(', ') ?? ''}
            aria-describedby="doc-recipients-hint"
          />
          <p id="doc-recipients-hint" class="hint">
            {t('recipientsHint')}
          </p>
          <fieldset>
            <legend>{t('content')}</legend>
            <label>
              <input
                type="radio"
                name="mode"
                value="markdown"
                checked={mode === 'markdown'}
                onChange={() => setMode('markdown')}
              />{' '}
              {t('markdown')}
            </label>{' '}
            <label>
              <input type="radio" name="mode" value="file" checked={mode === 'file'} onChange={() => setMode('file')} />{' '}
              {t('file')}
            </label>
          </fieldset>
          {mode === 'markdown' ? (
            <>
              <label for="doc-markdown">{t('markdownText')}</label>
              <textarea id="doc-markdown" name="markdown" required maxlength={500000}>
                {props.replacing?.markdown ?? ''}
              </textarea>
            </>
          ) : (
            <>
              <label for="doc-file">{t('fileChoose')}</label>
              <input
                id="doc-file"
                name="file"
                type="file"
                accept=".pdf,.odt,.docx,.txt"
                required
                aria-describedby="doc-file-hint"
              />
              <p id="doc-file-hint" class="hint">
                {t('fileHint')}
              </p>
            </>
          )}
          <label for="doc-terms">{t('terms')}</label>
          <textarea id="doc-terms" name="terms" aria-describedby="doc-terms-hint" />
          <p id="doc-terms-hint" class="hint">
            {t('termsHint')}
          </p>
          <div class="actions">
            <button type="submit" disabled={busy}>
              {busy
                ? common('saving')
                : base && conflict
                  ? t('publishOver', { version: base.version })
                  : prior
                    ? t('publishVersion')
                    : t('publish')}
            </button>
            <a href={prior ? `/documents/${prior.id}` : '/documents'}>{common('cancel')}</a>
          </div>
        </form>
        {progress ? (
          <div class="upload-progress">
            <label for="upload-progress">
              {t('uploading', { sent: fmt.bytes(progress.sent), total: fmt.bytes(progress.total) })}
            </label>
            <progress id="upload-progress" max={progress.total} value={progress.sent} />
          </div>
        ) : null}
        {error ? <ErrorNotice error={error} /> : null}
      </WithKey>
    </>
  );
}

/** Downloads a version's content, refusing bytes whose SHA-256 is not the declared one. */
async function download(client: ReturnType<typeof useApp>['client'], doc: Doc): Promise<void> {
  const answer = await client.GET('/documents/{documentId}/content', {
    params: { path: { documentId: doc.id }, query: { version: doc.version } },
    headers: { Accept: '*/*' },
    parseAs: 'arrayBuffer',
  });
  const bytes = new Uint8Array((await ok(answer)) as ArrayBuffer);
  const digest = await sha256b64u(bytes);
  if (digest !== doc.content.sha256) throw new Error(`sha256 ${digest} ≠ ${doc.content.sha256}`);
  const url = URL.createObjectURL(new Blob([bytes], { type: doc.content.media_type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = doc.content.filename ?? `${doc.id}.md`;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function MarkdownContent(props: { doc: Doc }) {
  const { client } = useApp();
  const loaded = useLoad(
    async () =>
      (await ok(
        client.GET('/documents/{documentId}/content', {
          params: { path: { documentId: props.doc.id }, query: { version: props.doc.version } },
          headers: { Accept: '*/*' },
          parseAs: 'text',
        }),
      )) as string,
    [props.doc.id, props.doc.version],
  );
  return <Show loaded={loaded}>{(text) => <RenderedMarkdown text={text} language={props.doc.language} />}</Show>;
}

/** The Markdown rendered (components/markdown.ts, loaded on first use); its source while that loads or if it fails. */
function RenderedMarkdown(props: { text: string; language: string }) {
  const target = useRef<HTMLDivElement>(null);
  const [rendered, setRendered] = useState(false);
  useEffect(() => {
    let current = true;
    import('../components/markdown.ts')
      .then(({ renderMarkdown }) => renderMarkdown(props.text))
      .then((fragment) => {
        if (!current || !target.current) return;
        target.current.replaceChildren(fragment);
        setRendered(true);
      })
      .catch(() => undefined);
    return () => {
      current = false;
    };
  }, [props.text]);
  return (
    <>
      <div
        ref={target}
        class="markdown markdown-rendered"
        hidden={!rendered}
        data-testid="markdown"
        data-rendered={rendered ? 'yes' : 'no'}
        dir="auto"
        lang={props.language}
      />
      {rendered ? null : (
        <pre class="markdown" data-testid="markdown-source" dir="auto" lang={props.language}>
          {props.text}
        </pre>
      )}
    </>
  );
}

function DocumentPage(props: PageProps) {
  const { client, session, fmt } = useApp();
  const t = useT(documentsMessages);
  const labels = useT(labelMessages);
  const [round, setRound] = useState(0);
  const [downloadError, setDownloadError] = useState<unknown>(null);
  const documentId = props.params.id!;
  const loaded = useLoad(
    () => withEtag(client.GET('/documents/{documentId}', { params: { path: { documentId } } })),
    [documentId, client, round],
  );
  return (
    <WithKey>
      <Show loaded={loaded}>
        {({ data: doc, etag }) => {
          const own = session?.principal === doc.state && doc.status === 'active';
          return (
            <>
              <h1 dir="auto" lang={doc.language}>
                {doc.title}
              </h1>
              <dl class="record" data-testid="document">
                <dt>{t('state')}</dt>
                <dd>{doc.state}</dd>
                <dt>{t('type')}</dt>
                <dd>{t(`type:${doc.type}`)}</dd>
                <dt>CBM</dt>
                <dd>{fmt.list(doc.cbms.map(String))}</dd>
                <dt>{t('language')}</dt>
                <dd>{doc.language}</dd>
                <dt>TLP</dt>
                <dd>
                  {doc.tlp}
                  {doc.recipients.length ? ` · ${fmt.list(doc.recipients)}` : ''}
                </dd>
                <dt>{t('version')}</dt>
                <dd data-field="version">
                  {fmt.number(doc.version)} · {labels(`status:${doc.status}`)}
                </dd>
                <dt>{t('published')}</dt>
                <dd>{fmt.dateTime(doc.published_at)}</dd>
                <dt>{t('summary')}</dt>
                <dd>{doc.summary}</dd>
                <dt>{t('content')}</dt>
                <dd data-field="content">
                  {doc.content.kind === 'file'
                    ? `${doc.content.filename ?? ''} (${doc.content.media_type}, ${fmt.bytes(doc.content.size)})`
                    : t('markdownSize', { size: fmt.bytes(doc.content.size) })}
                  {doc.content.available ? '' : ` · ${t('notUploaded')}`}
                </dd>
                <dt>SHA-256</dt>
                <dd>
                  <code class="break">{doc.content.sha256}</code>
                </dd>
                {doc.term_count ? (
                  <>
                    <dt>{t('terms')}</dt>
                    <dd>{fmt.number(doc.term_count)}</dd>
                  </>
                ) : null}
                {doc.withdrawal_reason ? (
                  <>
                    <dt>{t('withdrawalReason')}</dt>
                    <dd>{doc.withdrawal_reason}</dd>
                  </>
                ) : null}
              </dl>
              <div class="actions">
                {doc.content.available ? (
                  <button
                    type="button"
                    onClick={async () => {
                      setDownloadError(null);
                      try {
                        await download(client, doc);
                      } catch (error) {
                        setDownloadError(error);
                      }
                    }}
                  >
                    {t('download')}
                  </button>
                ) : null}
                <a class="button secondary" href={`/documents/${doc.id}/history`}>
                  {t('history')}
                </a>
                {own ? (
                  <a class="button secondary" href={`/documents/${doc.id}/new-version`} data-testid="new-version">
                    {t('newVersion')}
                  </a>
                ) : null}
              </div>
              {downloadError ? <ErrorNotice error={downloadError} /> : null}
              {doc.content.kind === 'markdown' && doc.content.available ? <MarkdownContent doc={doc} /> : null}
              {own && doc.content.kind === 'file' && !doc.content.available ? (
                <UploadContent doc={doc} onDone={() => setRound((n) => n + 1)} />
              ) : null}
              {own && etag ? <WithdrawDocument doc={doc} etag={etag} onDone={() => setRound((n) => n + 1)} /> : null}
              <AttestationSlot attestationId={doc.attestation_id} record={doc} />
            </>
          );
        }}
      </Show>
    </WithKey>
  );
}

/**
 * The file a version declares, uploaded again (an upload that failed or was cut off): the
 * chosen file must have the declared SHA-256, checked here before anything is sent.
 */
function UploadContent(props: { doc: Doc; onDone: () => void }) {
  const { client, fmt } = useApp();
  const t = useT(documentsMessages);
  const [error, setError] = useState<unknown>(null);
  const [progress, setProgress] = useState<{ sent: number; total: number } | null>(null);
  const onSubmit = async (event: Event) => {
    event.preventDefault();
    const file = ((event.target as HTMLFormElement).elements.namedItem('file') as HTMLInputElement).files?.[0];
    setError(null);
    if (!file) return setError(new Error(t('chooseFile')));
    const bytes = new Uint8Array(await file.arrayBuffer());
    const digest = await sha256b64u(bytes);
    if (digest !== props.doc.content.sha256)
      return setError(new Error(t('notThisFile', { declared: props.doc.content.sha256, chosen: digest })));
    try {
      setProgress({ sent: 0, total: bytes.byteLength });
      await uploadDocumentContent(client, props.doc.id, bytes, props.doc.content.media_type, (sent, total) =>
        setProgress({ sent, total }),
      );
      props.onDone();
    } catch (caught) {
      setError(caught);
    }
  };
  return (
    <section aria-labelledby="upload-content">
      <h2 id="upload-content">{t('uploadTitle')}</h2>
      <form class="form" onSubmit={onSubmit}>
        <label for="upload-file">{t('fileChoose')}</label>
        <input id="upload-file" name="file" type="file" required />
        <div class="actions">
          <button type="submit">{t('upload')}</button>
        </div>
      </form>
      {progress ? (
        <div class="upload-progress">
          <label for="reupload-progress">
            {t('uploading', { sent: fmt.bytes(progress.sent), total: fmt.bytes(progress.total) })}
          </label>
          <progress id="reupload-progress" max={progress.total} value={progress.sent} />
        </div>
      ) : null}
      {error ? <ErrorNotice error={error} /> : null}
    </section>
  );
}

function WithdrawDocument(props: { doc: Doc; etag: string; onDone: () => void }) {
  const { client } = useApp();
  const t = useT(documentsMessages);
  return (
    <WithdrawWithReason
      reasonId="doc-withdraw-reason"
      labels={{ withdraw: t('withdraw'), reason: t('withdrawalReason') }}
      confirm={t('withdrawConfirm', { title: props.doc.title })}
      withdraw={(reason) =>
        ok(
          client.POST('/documents/{documentId}/withdraw', {
            params: { path: { documentId: props.doc.id }, header: { 'If-Match': props.etag } },
            body: reason ? { reason } : {},
          }),
        )
      }
      onDone={props.onDone}
    />
  );
}

function DocumentHistoryPage(props: PageProps) {
  const { client, fmt } = useApp();
  const t = useT(documentsMessages);
  const labels = useT(labelMessages);
  const documentId = props.params.id!;
  const loaded = useLoad(
    () =>
      ok(client.GET('/documents/{documentId}/history', { params: { path: { documentId }, query: { limit: 200 } } })),
    [documentId, client],
  );
  return (
    <>
      <h1>{t('historyTitle')}</h1>
      <p>
        <a href={`/documents/${documentId}`}>{t('backToDocument')}</a>
      </p>
      <WithKey>
        <Show loaded={loaded}>
          {(page) =>
            page.items.length === 0 ? (
              <Empty />
            ) : (
              <div class="table-wrap">
                <table data-testid="history">
                  <thead>
                    <tr>
                      <th scope="col">{t('version')}</th>
                      <th scope="col">{t('docTitle')}</th>
                      <th scope="col">TLP</th>
                      <th scope="col">{t('content')}</th>
                      <th scope="col">{t('published')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {page.items.map((version) => (
                      <tr>
                        <td>
                          {fmt.number(version.version)} · {labels(`status:${version.status}`)}
                        </td>
                        <td>{version.title}</td>
                        <td>{version.tlp}</td>
                        <td>
                          <code class="break">{version.content.sha256}</code>
                        </td>
                        <td>{fmt.dateTime(version.published_at)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )
          }
        </Show>
      </WithKey>
    </>
  );
}

export const documentPages = [
  definePage({ path: '/documents', messages: documentsMessages, title: 'title', component: DocumentsPage }),
  definePage({ path: '/documents/new', messages: documentsMessages, title: 'newTitle', component: NewDocumentPage }),
  definePage({ path: '/documents/:id', messages: documentsMessages, title: 'documentTitle', component: DocumentPage }),
  definePage({
    path: '/documents/:id/new-version',
    messages: documentsMessages,
    title: 'newVersion',
    component: NewVersionPage,
  }),
  definePage({
    path: '/documents/:id/history',
    messages: documentsMessages,
    title: 'historyTitle',
    component: DocumentHistoryPage,
  }),
];
