/** Glossary search across every state's terminology documents (CBM 9) the person may see. */
import { ok } from '../../../clients/typescript/src/client.ts';
import { markedParts } from '../components/api.ts';
import { useLoad } from '../components/load.ts';
import { Empty, Show, WithKey } from '../components/states.tsx';
import { useApp, useT } from '../context.ts';
import { href } from '../router.ts';
import { glossaryMessages } from './glossary.messages.ts';
import { definePage } from './page.ts';

function GlossaryPage() {
  const { client, query, navigate } = useApp();
  const t = useT(glossaryMessages);
  const q = query.get('q') ?? '';
  const state = query.get('state') ?? '';
  const language = query.get('language') ?? '';
  const loaded = useLoad(
    async () =>
      q
        ? ok(
            client.GET('/glossary/search', {
              params: {
                query: { q, ...(state ? { state } : {}), ...(language ? { language } : {}), limit: 100 },
              },
            }),
          )
        : null,
    [q, state, language, client],
  );
  const onSearch = (event: Event) => {
    event.preventDefault();
    const data = new FormData(event.target as HTMLFormElement);
    const value = (name: string) => String(data.get(name) ?? '').trim();
    navigate(href('/glossary', { q: value('q'), state: value('state').toUpperCase(), language: value('language') }));
  };
  return (
    <>
      <h1>{t('title')}</h1>
      <p>{t('intro')}</p>
      <form class="filters" onSubmit={onSearch} aria-label={t('title')}>
        <label>
          {t('words')}
          <input name="q" type="search" value={q} required maxlength={200} />
        </label>
        <label>
          {t('state')}
          <input name="state" value={state} maxlength={2} size={4} autocomplete="off" />
        </label>
        <label>
          {t('language')}
          <input name="language" value={language} size={6} autocomplete="off" />
        </label>
        <button type="submit">{t('search')}</button>
      </form>
      <p class="hint">{t('syntax')}</p>
      <WithKey>
        <Show loaded={loaded}>
          {(page) =>
            page === null ? null : page.items.length === 0 ? (
              <Empty>{t('noHits', { q })}</Empty>
            ) : (
              <>
                <p role="status">{t('hits', { count: page.items.length })}</p>
                <ul class="cards" data-testid="glossary-hits">
                  {page.items.map((hit) => (
                    <li class="card">
                      <h2>
                        {hit.term}{' '}
                        <span class="muted">
                          ({hit.state}, {hit.language})
                        </span>
                      </h2>
                      <p>
                        {markedParts(hit.snippet).map((part) => (part.marked ? <mark>{part.text}</mark> : part.text))}
                      </p>
                      <p>
                        <a href={`/documents/${hit.document_id}`}>{hit.document_title}</a> · {hit.tlp}
                      </p>
                    </li>
                  ))}
                </ul>
              </>
            )
          }
        </Show>
      </WithKey>
    </>
  );
}

export const glossaryPage = definePage({
  path: '/glossary',
  messages: glossaryMessages,
  title: 'title',
  component: GlossaryPage,
});
