/**
 * Consultation, assistance and information requests between states (CBMs 3, 13): the ones
 * the person may see, sending one, and a request with its answers, where a recipient
 * accepts, declines or answers with a signed response.
 */
import { useMemo, useState } from 'hono/jsx/dom';
import { ok, type Schemas } from '../../../clients/typescript/src/client.ts';
import { AttestationSlot } from '../components/attestation-slot.tsx';
import { useLoad } from '../components/load.ts';
import { Empty, ErrorNotice, Show, WithKey } from '../components/states.tsx';
import { useApp, useT } from '../context.ts';
import { consultationsMessages } from './consultations.messages.ts';
import { fromLocalInput, newIdempotencyKey, parseRecipients, TLPS, TlpBadge } from './incidents.tsx';
import { definePage, type PageProps } from './page.ts';

const TYPES: Schemas['RequestType'][] = ['consultation', 'assistance', 'information'];
const URGENCIES: Schemas['RequestUrgency'][] = ['low', 'normal', 'high', 'critical'];

function value(form: HTMLFormElement, name: string): string {
  return ((form.elements.namedItem(name) as HTMLInputElement | null)?.value ?? '').trim();
}

function ConsultationsPage() {
  const { client, session, fmt } = useApp();
  const t = useT(consultationsMessages);
  const loaded = useLoad(async () => ok(client.GET('/requests', { params: { query: { limit: 100 } } })), [client]);
  return (
    <WithKey>
      <h1>{t('title')}</h1>
      <p>{t('intro')}</p>
      {session?.kind === 'state' ? (
        <p>
          <a class="button" href="/requests/new">
            {t('send')}
          </a>
        </p>
      ) : null}
      <Show loaded={loaded}>
        {(page) =>
          page.items.length === 0 ? (
            <Empty>{t('none')}</Empty>
          ) : (
            <div class="table-wrap">
              <table data-testid="request-list">
                <thead>
                  <tr>
                    <th scope="col">{t('subject')}</th>
                    <th scope="col">{t('from')}</th>
                    <th scope="col">{t('type')}</th>
                    <th scope="col">{t('status')}</th>
                    <th scope="col">{t('sent')}</th>
                  </tr>
                </thead>
                <tbody>
                  {page.items.map((request) => (
                    <tr data-request={request.id}>
                      <td>
                        <a href={`/requests/${request.id}`}>{request.subject}</a> <TlpBadge tlp={request.tlp} />
                      </td>
                      <td>{request.state}</td>
                      <td>{t(`type.${request.type}`)}</td>
                      <td>
                        {t(`status.${request.status}`)}
                        {request.overdue ? <span class="badge badge-danger">{t('overdue')}</span> : null}
                      </td>
                      <td>{fmt.dateTime(request.created_at)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </Show>
    </WithKey>
  );
}

function NewConsultationPage() {
  const { client, navigate, query } = useApp();
  const t = useT(consultationsMessages);
  const key = useMemo(newIdempotencyKey, []);
  const [error, setError] = useState<unknown>(null);
  const submit = async (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const recipients = parseRecipients(value(form, 'recipients'));
    try {
      const created = await ok(
        client.POST('/requests', {
          params: { header: { 'Idempotency-Key': key } },
          body: {
            type: value(form, 'type') as Schemas['RequestType'],
            subject: value(form, 'subject'),
            body: value(form, 'body'),
            urgency: value(form, 'urgency') as Schemas['RequestUrgency'],
            tlp: value(form, 'tlp') as Schemas['Tlp'],
            ...(recipients.length ? { recipients } : {}),
            ...(value(form, 'reply_by') ? { reply_by: fromLocalInput(value(form, 'reply_by')) } : {}),
            ...(value(form, 'related_incident') ? { related_incident: value(form, 'related_incident') } : {}),
          },
        }),
      );
      navigate(`/requests/${created.data.id}`);
    } catch (failure) {
      setError(failure);
    }
  };
  return (
    <WithKey>
      <h1>{t('sendTitle')}</h1>
      {error ? <ErrorNotice error={error} /> : null}
      <form class="form" onSubmit={submit} data-testid="request-form">
        <label for="request-type">{t('type')}</label>
        <select id="request-type" name="type">
          {TYPES.map((type) => (
            <option value={type}>{t(`type.${type}`)}</option>
          ))}
        </select>
        <label for="request-subject">{t('subject')}</label>
        <input id="request-subject" name="subject" required maxLength={300} />
        <label for="request-body">{t('body')}</label>
        <textarea id="request-body" name="body" required maxLength={20000} />
        <label for="request-urgency">{t('urgency')}</label>
        <select id="request-urgency" name="urgency">
          {URGENCIES.map((urgency) => (
            <option value={urgency} selected={urgency === 'normal'}>
              {t(`urgency.${urgency}`)}
            </option>
          ))}
        </select>
        <label for="request-reply-by">{t('replyBy')}</label>
        <input id="request-reply-by" name="reply_by" type="datetime-local" />
        <label for="request-tlp">TLP</label>
        <select id="request-tlp" name="tlp">
          {TLPS.map((tlp) => (
            <option value={tlp} selected={tlp === 'TLP:AMBER'}>
              {tlp}
            </option>
          ))}
        </select>
        <label for="request-recipients">{t('recipients')}</label>
        <input id="request-recipients" name="recipients" aria-describedby="request-recipients-hint" />
        <p id="request-recipients-hint" class="hint">
          {t('recipientsHint')}
        </p>
        <label for="request-incident">{t('relatedIncident')}</label>
        <input id="request-incident" name="related_incident" value={query.get('incident') ?? ''} />
        <div class="actions">
          <button type="submit">{t('sendSubmit')}</button>
        </div>
      </form>
    </WithKey>
  );
}

function Respond(props: { id: string; onDone: () => void }) {
  const { client } = useApp();
  const t = useT(consultationsMessages);
  const [error, setError] = useState<unknown>(null);
  const submit = async (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const action = value(form, 'action') as Schemas['RequestResponseInput']['action'];
    try {
      await ok(
        client.POST('/requests/{requestId}/responses', {
          params: { path: { requestId: props.id }, header: { 'Idempotency-Key': newIdempotencyKey() } },
          body: { action, ...(value(form, 'body') ? { body: value(form, 'body') } : {}) },
        }),
      );
      form.reset();
      props.onDone();
    } catch (failure) {
      setError(failure);
    }
  };
  return (
    <section aria-labelledby="respond">
      <h2 id="respond">{t('respond')}</h2>
      {error ? <ErrorNotice error={error} /> : null}
      <form class="form" onSubmit={submit} data-testid="respond-form">
        <label for="respond-action">{t('action')}</label>
        <select id="respond-action" name="action">
          {(['answer', 'accept', 'decline'] as const).map((action) => (
            <option value={action}>{t(`action.${action}`)}</option>
          ))}
        </select>
        <label for="respond-body">{t('responseBody')}</label>
        <textarea id="respond-body" name="body" maxLength={20000} />
        <div class="actions">
          <button type="submit">{t('respondSubmit')}</button>
        </div>
      </form>
    </section>
  );
}

function ConsultationPage(props: PageProps) {
  const { client, session, fmt } = useApp();
  const t = useT(consultationsMessages);
  const id = props.params.id!;
  const [round, setRound] = useState(0);
  const loaded = useLoad(async () => {
    const path = { params: { path: { requestId: id } } };
    const [request, responses] = await Promise.all([
      ok(client.GET('/requests/{requestId}', path)),
      ok(client.GET('/requests/{requestId}/responses', path)),
    ]);
    return { request, responses: responses.items };
  }, [client, id, round]);
  return (
    <WithKey>
      <Show loaded={loaded}>
        {({ request, responses }) => {
          const mine = session?.principal === request.state;
          return (
            <>
              <h1>{request.subject}</h1>
              <p>
                <TlpBadge tlp={request.tlp} /> <span class="badge badge-muted">{t(`type.${request.type}`)}</span>{' '}
                <span class="badge badge-muted">{t(`status.${request.status}`)}</span>
              </p>
              <dl class="record">
                <dt>{t('from')}</dt>
                <dd>{request.state}</dd>
                <dt>{t('sent')}</dt>
                <dd>{fmt.dateTime(request.created_at)}</dd>
                <dt>{t('urgency')}</dt>
                <dd>{t(`urgency.${request.urgency}`)}</dd>
                <dt>{t('replyBy')}</dt>
                <dd>
                  {request.reply_by ? `${fmt.dateTime(request.reply_by)} (${fmt.relative(request.reply_by)})` : '—'}
                </dd>
                {request.related_incident ? (
                  <>
                    <dt>{t('relatedIncident')}</dt>
                    <dd>
                      <a href={`/incidents/${request.related_incident}`}>{request.related_incident}</a>
                    </dd>
                  </>
                ) : null}
                <dt>{t('body')}</dt>
                <dd class="pre">{request.body}</dd>
              </dl>
              <h2>{t('replies')}</h2>
              <ul data-testid="replies">
                {request.replies.map((reply) => (
                  <li data-state={reply.state}>
                    {reply.state}: {t(`reply.${reply.status}`)}
                    {reply.last_response_at ? ` — ${fmt.dateTime(reply.last_response_at)}` : ''}
                  </li>
                ))}
              </ul>
              {responses.length ? (
                <ol data-testid="responses">
                  {responses.map((response) => (
                    <li data-state={response.state}>
                      <strong>
                        {response.state}: {t(`action.${response.action}`)}
                      </strong>{' '}
                      — {fmt.dateTime(response.responded_at)}
                      {response.body ? <p class="pre">{response.body}</p> : null}
                    </li>
                  ))}
                </ol>
              ) : (
                <Empty>{t('noResponses')}</Empty>
              )}
              {!mine && session?.kind === 'state' ? <Respond id={id} onDone={() => setRound((n) => n + 1)} /> : null}
              <AttestationSlot attestationId={request.attestation_id} record={request} />
            </>
          );
        }}
      </Show>
    </WithKey>
  );
}

export const consultationsPage = definePage({
  path: '/requests',
  messages: consultationsMessages,
  title: 'title',
  component: ConsultationsPage,
});

export const newConsultationPage = definePage({
  path: '/requests/new',
  messages: consultationsMessages,
  title: 'sendTitle',
  component: NewConsultationPage,
});

export const consultationPage = definePage({
  path: '/requests/:id',
  messages: consultationsMessages,
  title: 'title',
  component: ConsultationPage,
});
