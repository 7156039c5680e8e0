/**
 * Expert meetings (CBM 11): the Secretariat records a meeting (when, where or online, the
 * agenda); each state confirms its own participation, signed; everyone sees who took part.
 */
import { useState } from 'hono/jsx/dom';
import { ok, type Schemas } from '../../../clients/typescript/src/client.ts';
import { idempotencyKey } from '../components/api.ts';
import { AttestationSlot } from '../components/attestation-slot.tsx';
import { commonMessages } from '../components/common.messages.ts';
import { labelMessages } from '../components/labels.messages.ts';
import { useLoad } from '../components/load.ts';
import { Empty, ErrorNotice, Show, WithKey } from '../components/states.tsx';
import { useApp, useT } from '../context.ts';
import { meetingsMessages } from './meetings.messages.ts';
import { definePage, type PageProps } from './page.ts';

type MeetingInput = Schemas['MeetingInput'];

/** A `datetime-local` value (the browser's time zone) as an RFC 3339 timestamp. */
const timestampOf = (local: string) => new Date(local).toISOString();

function MeetingsPage() {
  const { client, session, fmt } = useApp();
  const t = useT(meetingsMessages);
  const loaded = useLoad(() => ok(client.GET('/meetings', { params: { query: { limit: 100 } } })), [client]);
  return (
    <>
      <h1>{t('title')}</h1>
      <p>{t('intro')}</p>
      {session?.kind === 'secretariat' ? (
        <p class="actions">
          <a class="button" href="/meetings/new">
            {t('record')}
          </a>
        </p>
      ) : null}
      <WithKey>
        <Show loaded={loaded}>
          {(page) =>
            page.items.length === 0 ? (
              <Empty>{t('none')}</Empty>
            ) : (
              <ul class="cards" data-testid="meetings">
                {page.items.map((meeting) => (
                  <li class="card">
                    <h2>
                      <a href={`/meetings/${meeting.id}`}>{meeting.title}</a>
                    </h2>
                    <p>
                      {fmt.dateTime(meeting.starts_at)} · {meeting.place ?? t('onlineOnly')}
                    </p>
                    <p>{t('participants', { count: meeting.participants.length })}</p>
                  </li>
                ))}
              </ul>
            )
          }
        </Show>
      </WithKey>
    </>
  );
}

function NewMeetingPage() {
  const { client, navigate } = useApp();
  const t = useT(meetingsMessages);
  const common = useT(commonMessages);
  const [error, setError] = useState<unknown>(null);
  const [key] = useState(idempotencyKey);
  const onSubmit = async (event: Event) => {
    event.preventDefault();
    const data = new FormData(event.target as HTMLFormElement);
    const text = (name: string) => String(data.get(name) ?? '').trim();
    const input: MeetingInput = {
      title: text('title'),
      starts_at: timestampOf(text('starts_at')),
      agenda: text('agenda')
        .split('\n')
        .map((line) => line.trim())
        .filter(Boolean),
      online: data.get('online') === 'on',
    };
    if (text('ends_at')) input.ends_at = timestampOf(text('ends_at'));
    if (text('place')) input.place = text('place');
    if (text('notes')) input.notes = text('notes');
    setError(null);
    try {
      const result = await ok(
        client.POST('/meetings', { body: input, params: { header: { 'Idempotency-Key': key } } }),
      );
      navigate(`/meetings/${result.data.id}`);
    } catch (caught) {
      setError(caught);
    }
  };
  return (
    <>
      <h1>{t('newTitle')}</h1>
      <WithKey>
        <form class="form" onSubmit={onSubmit}>
          <label for="meeting-title">{t('meetingTitle')}</label>
          <input id="meeting-title" name="title" required maxlength={300} />
          <label for="meeting-starts">{t('starts')}</label>
          <input id="meeting-starts" name="starts_at" type="datetime-local" required />
          <label for="meeting-ends">{t('ends')}</label>
          <input id="meeting-ends" name="ends_at" type="datetime-local" />
          <label for="meeting-place">{t('place')}</label>
          <input id="meeting-place" name="place" maxlength={300} />
          <label>
            <input type="checkbox" name="online" /> {t('online')}
          </label>
          <label for="meeting-agenda">{t('agenda')}</label>
          <textarea id="meeting-agenda" name="agenda" required aria-describedby="meeting-agenda-hint" />
          <p id="meeting-agenda-hint" class="hint">
            {t('agendaHint')}
          </p>
          <label for="meeting-notes">{t('notes')}</label>
          <textarea id="meeting-notes" name="notes" maxlength={4000} />
          <div class="actions">
            <button type="submit">{t('record')}</button>
            <a href="/meetings">{common('cancel')}</a>
          </div>
        </form>
        {error ? <ErrorNotice error={error} /> : null}
      </WithKey>
    </>
  );
}

function MeetingPage(props: PageProps) {
  const { client, session, fmt } = useApp();
  const t = useT(meetingsMessages);
  const labels = useT(labelMessages);
  const [round, setRound] = useState(0);
  const [error, setError] = useState<unknown>(null);
  const [key, setKey] = useState(idempotencyKey);
  const meetingId = props.params.id!;
  const loaded = useLoad(
    () => ok(client.GET('/meetings/{meetingId}', { params: { path: { meetingId } } })),
    [meetingId, client, round],
  );
  return (
    <WithKey>
      <Show loaded={loaded}>
        {(meeting) => {
          const mine = session?.kind === 'state' && meeting.participants.includes(session.principal);
          const canConfirm = session?.kind === 'state' && !mine && meeting.status === 'active';
          return (
            <>
              <h1 dir="auto">{meeting.title}</h1>
              <dl class="record" data-testid="meeting">
                <dt>{t('starts')}</dt>
                <dd>{fmt.dateTime(meeting.starts_at)}</dd>
                {meeting.ends_at ? (
                  <>
                    <dt>{t('ends')}</dt>
                    <dd>{fmt.dateTime(meeting.ends_at)}</dd>
                  </>
                ) : null}
                <dt>{t('place')}</dt>
                <dd>
                  {meeting.place ?? t('onlineOnly')}
                  {meeting.place && meeting.online ? ` · ${t('online')}` : ''}
                </dd>
                <dt>{t('agenda')}</dt>
                <dd>
                  <ol>
                    {meeting.agenda.map((item) => (
                      <li>{item}</li>
                    ))}
                  </ol>
                </dd>
                <dt>{t('participantsLabel')}</dt>
                <dd data-field="participants">{meeting.participants.length ? fmt.list(meeting.participants) : '—'}</dd>
                <dt>{t('version')}</dt>
                <dd>
                  {fmt.number(meeting.version)} · {labels(`status:${meeting.status}`)}
                </dd>
              </dl>
              {canConfirm ? (
                <form
                  class="form"
                  onSubmit={async (event: Event) => {
                    event.preventDefault();
                    const note = String(new FormData(event.target as HTMLFormElement).get('note') ?? '').trim();
                    setError(null);
                    try {
                      await ok(
                        client.POST('/meetings/{meetingId}/participations', {
                          params: { path: { meetingId }, header: { 'Idempotency-Key': key } },
                          body: note ? { note } : {},
                        }),
                      );
                      setKey(idempotencyKey());
                      setRound((n) => n + 1);
                    } catch (caught) {
                      setError(caught);
                    }
                  }}
                >
                  <label for="participation-note">{t('note')}</label>
                  <textarea id="participation-note" name="note" maxlength={2000} />
                  <div class="actions">
                    <button type="submit">{t('confirm', { state: session!.principal })}</button>
                  </div>
                </form>
              ) : null}
              {mine ? (
                <p class="notice notice-ok" role="status">
                  {t('confirmed', { state: session!.principal })}
                </p>
              ) : null}
              {error ? <ErrorNotice error={error} /> : null}
              <AttestationSlot attestationId={meeting.attestation_id} record={meeting} />
            </>
          );
        }}
      </Show>
    </WithKey>
  );
}

export const meetingPages = [
  definePage({ path: '/meetings', messages: meetingsMessages, title: 'title', component: MeetingsPage }),
  definePage({ path: '/meetings/new', messages: meetingsMessages, title: 'newTitle', component: NewMeetingPage }),
  definePage({ path: '/meetings/:id', messages: meetingsMessages, title: 'meetingTitle', component: MeetingPage }),
];
