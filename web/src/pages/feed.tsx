/**
 * The feed of everything the person may see, newest first, updating while the page is
 * open: the first visit reads the latest entries backwards (`order=desc`), then polls
 * oldest first from the newest entry shown (each poll returns exactly what was committed
 * since); older entries come a page at a time on request. A communication check it
 * announces is answered from here with one click.
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
/** Entries read at once: the first visit's latest ones, and each "older" page. */
export const FEED_PAGE = 50;
/** The most entries one poll reads at once (it reads again at once while there are more). */
const POLL_LIMIT = 200;

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
  const [olderMore, setOlderMore] = useState(false);
  const [olderBusy, setOlderBusy] = useState(false);
  const [olderError, setOlderError] = useState<unknown>(null);
  useEffect(() => {
    let current = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    // After the first read: the newest entry seen (polls ask for what follows it).
    let cursor: string | undefined;
    let first = true;
    const latest = async () => {
      const page = await ok(client.GET('/feed', { params: { query: { order: 'desc', limit: FEED_PAGE } } }));
      if (!current) return;
      cursor = page.items[0]?.cursor;
      setEntries(page.items);
      setOlderMore(page.has_more);
      first = false;
    };
    const since = async () => {
      const added: Entry[] = [];
      for (let more = true; more && current; ) {
        const page = await ok(
          client.GET('/feed', { params: { query: { limit: POLL_LIMIT, ...(cursor ? { cursor } : {}) } } }),
        );
        added.push(...page.items);
        cursor = page.items[page.items.length - 1]?.cursor ?? cursor;
        more = page.has_more;
      }
      if (!current || !added.length) return;
      const newest = added.reverse();
      const ids = new Set(newest.map((entry) => entry.attestation_id));
      // Never the same entry twice, whoever else put it on the page meanwhile.
      setEntries((previous) => [...newest, ...(previous ?? []).filter((entry) => !ids.has(entry.attestation_id))]);
      setFresh(ids);
    };
    const poll = async () => {
      try {
        await (first ? latest() : since());
        if (current) setError(null);
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
  const loadOlder = async () => {
    const oldest = entries?.[entries.length - 1];
    if (!oldest) return;
    setOlderBusy(true);
    setOlderError(null);
    try {
      const page = await ok(
        client.GET('/feed', { params: { query: { order: 'desc', limit: FEED_PAGE, cursor: oldest.cursor } } }),
      );
      setEntries((previous) => {
        const shown = new Set((previous ?? []).map((entry) => entry.attestation_id));
        return [...(previous ?? []), ...page.items.filter((entry) => !shown.has(entry.attestation_id))];
      });
      setOlderMore(page.has_more);
    } catch (failure) {
      setOlderError(failure);
    } finally {
      setOlderBusy(false);
    }
  };
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
      {olderError ? <ErrorNotice error={olderError} onRetry={loadOlder} /> : null}
      {entries?.length && olderMore ? (
        <p>
          <button type="button" data-testid="feed-older" disabled={olderBusy} onClick={loadOlder}>
            {t('older', { count: FEED_PAGE })}
          </button>
        </p>
      ) : null}
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
