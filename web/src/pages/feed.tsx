/**
 * The feed of everything the person may see, in commit order, updating while the page is
 * open: it follows the portal's cursor (`next_cursor` points after the last entry seen, so
 * each poll returns exactly what was committed since). A communication check it announces
 * is answered from here with one click.
 */
import { useEffect, useState } from 'hono/jsx/dom';
import { ok, type Schemas } from '../../../clients/typescript/src/client.ts';
import { useLoad } from '../components/load.ts';
import { Empty, ErrorNotice, Loading, WithKey } from '../components/states.tsx';
import { useApp, useT } from '../context.ts';
import { AnswerCheck } from './checks.tsx';
import { feedMessages } from './feed.messages.ts';
import { TlpBadge } from './incidents.tsx';
import { definePage } from './page.ts';

type Entry = Schemas['FeedEntry'];

/** How often the feed asks for what was committed since, while the page is open. */
export const FEED_POLL_MS = 4000;
/** Entries kept on the page: the newest ones. */
const KEEP = 200;

const KINDS = [
  'principal',
  'key',
  'contact',
  'confirmation',
  'check',
  'incident',
  'consultation',
  'document',
  'body',
  'channel',
  'meeting',
] as const;
type Kind = (typeof KINDS)[number] | 'other';

/** What an entry is about, from its subject URN (`urn:cbm:<kind>:...`). */
export function kindOf(subject: string): Kind {
  const kind = /^urn:cbm:([a-z]+):/.exec(subject)?.[1];
  return (KINDS as readonly string[]).includes(kind ?? '') ? (kind as Kind) : 'other';
}

/** The check a `startCheck` entry announces. */
const checkIdOf = (entry: Entry) =>
  entry.operation === 'startCheck' ? /^urn:cbm:check:([0-9a-f-]{36})$/.exec(entry.subject)?.[1] : undefined;

function AnnouncedCheck(props: { checkId: string }) {
  const { client } = useApp();
  const check = useLoad(
    () => ok(client.GET('/checks/{checkId}', { params: { path: { checkId: props.checkId } } })),
    [client, props.checkId],
  );
  return check.state === 'ok' ? <AnswerCheck check={check.data} /> : null;
}

function FeedPage() {
  const { client, fmt } = useApp();
  const t = useT(feedMessages);
  const [entries, setEntries] = useState<Entry[] | null>(null);
  const [fresh, setFresh] = useState<Set<string>>(new Set());
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let current = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let cursor: string | undefined;
    let first = true;
    const poll = async () => {
      try {
        const added: Entry[] = [];
        for (let more = true; more && current; ) {
          const page = await ok(
            client.GET('/feed', { params: { query: { limit: 200, ...(cursor ? { cursor } : {}) } } }),
          );
          added.push(...page.items);
          cursor = page.next_cursor ?? cursor;
          more = page.has_more;
        }
        if (!current) return;
        setError(null);
        if (added.length || first) {
          setEntries((previous) => [...added.reverse(), ...(previous ?? [])].slice(0, KEEP));
          if (!first) setFresh(new Set(added.map((entry) => entry.attestation_id)));
        }
        first = false;
      } catch (failure) {
        if (current) setError(failure);
      }
      if (current) timer = setTimeout(poll, FEED_POLL_MS);
    };
    poll();
    return () => {
      current = false;
      if (timer) clearTimeout(timer);
    };
  }, [client]);
  return (
    <WithKey>
      <h1>{t('title')}</h1>
      <p>{t('intro')}</p>
      {error ? <ErrorNotice error={error} /> : null}
      <p role="status" aria-live="polite" class="muted" data-testid="feed-status">
        {entries === null ? '' : fresh.size ? t('newEntries', { count: fresh.size }) : t('upToDate')}
      </p>
      {entries === null ? (
        <Loading />
      ) : entries.length === 0 ? (
        <Empty>{t('none')}</Empty>
      ) : (
        <ol class="feed-list" data-testid="feed">
          {entries.map((entry) => {
            const checkId = checkIdOf(entry);
            return (
              <li
                class={fresh.has(entry.attestation_id) ? 'feed-new' : undefined}
                data-attestation={entry.attestation_id}
                data-operation={entry.operation}
              >
                <p>
                  <strong>{t(`kind.${kindOf(entry.subject)}`)}</strong> —{' '}
                  {t('by', { principal: entry.principal, when: fmt.dateTime(entry.issued_at) })}{' '}
                  {entry.tlp ? <TlpBadge tlp={entry.tlp} /> : null}
                </p>
                <p class="muted">
                  <code>{entry.operation}</code> · {t('logEntry', { index: entry.log_index })}
                  {entry.record_href ? (
                    <>
                      {' · '}
                      <a href={entry.record_href}>{t('open')}</a>
                    </>
                  ) : null}
                </p>
                {checkId ? <AnnouncedCheck checkId={checkId} /> : null}
              </li>
            );
          })}
        </ol>
      )}
    </WithKey>
  );
}

export const feedPage = definePage({
  path: '/feed',
  messages: feedMessages,
  title: 'title',
  component: FeedPage,
  nav: { group: 'exchange', order: 1 },
});
