/**
 * Incident notifications (CBMs 3, 13): the list the person may see, notifying a new one,
 * and an incident with its staged reports, live deadline countdowns, acknowledgements of
 * receipt, and the attestation of its latest report.
 */
import { useEffect, useMemo, useState } from 'hono/jsx/dom';
import { ok, type Schemas } from '../../../clients/typescript/src/client.ts';
import { AttestationSlot } from '../components/attestation-slot.tsx';
import { useLoad } from '../components/load.ts';
import { Empty, ErrorNotice, Show, WithKey } from '../components/states.tsx';
import { useApp, useT } from '../context.ts';
import { formatCountdown, incidentCountdowns, refreshInterval, type Countdown } from './incidents.countdown.ts';
import { incidentsMessages } from './incidents.messages.ts';
import { definePage, type PageProps } from './page.ts';

type Incident = Schemas['Incident'];

export const TLPS: Schemas['Tlp'][] = ['TLP:CLEAR', 'TLP:GREEN', 'TLP:AMBER', 'TLP:AMBER+STRICT', 'TLP:RED'];
const RSIT: Schemas['RsitClass'][] = [
  'abusive-content',
  'malicious-code',
  'information-gathering',
  'intrusion-attempts',
  'intrusions',
  'availability',
  'information-content-security',
  'fraud',
  'vulnerable',
  'other',
  'test',
];

/** An IETF Idempotency-Key (an sf-string) for one form: a double submit replays the first answer. */
export const newIdempotencyKey = () => `"web-${crypto.randomUUID()}"`;

/** `AT, BE` as typed into a field, as principal ids. */
export const parseRecipients = (text: string) =>
  text
    .split(/[\s,;]+/)
    .map((code) => code.trim())
    .filter(Boolean)
    .map((code) => (code.toLowerCase() === 'secretariat' ? 'secretariat' : code.toUpperCase()));

/** `datetime-local` (the person's time zone) to RFC 3339 UTC. */
export const fromLocalInput = (value: string) => new Date(value).toISOString();
export const toLocalInput = (date: Date) => {
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 16);
};

export function TlpBadge(props: { tlp: string }) {
  const level = props.tlp.replace('TLP:', '').replace('+STRICT', '-strict').toLowerCase();
  return <span class={`badge tlp tlp-${level}`}>{props.tlp}</span>;
}

/** Re-renders each second or minute, as the countdowns need. */
function useNow(deadlines: Schemas['IncidentDeadlines'] | undefined): Date {
  const [now, setNow] = useState(() => new Date());
  const interval = deadlines ? refreshInterval(incidentCountdowns(deadlines, now)) : 60_000;
  useEffect(() => {
    const timer = setInterval(() => setNow(new Date()), interval);
    return () => clearInterval(timer);
  }, [interval]);
  return now;
}

function CountdownText(props: { countdown: Countdown }) {
  const { locale, fmt } = useApp();
  const t = useT(incidentsMessages);
  const one = props.countdown;
  const text =
    one.tone === 'met'
      ? t('deadlineMet', { when: one.metAt ? fmt.dateTime(one.metAt) : '' })
      : one.tone === 'late'
        ? t('deadlineLate', { when: one.metAt ? fmt.dateTime(one.metAt) : '' })
        : one.dueAt
          ? t(one.tone === 'overdue' ? 'deadlineOverdue' : 'deadlineDue', {
              when: formatCountdown(one, locale) ?? '',
              date: fmt.dateTime(one.dueAt),
            })
          : t('deadlineUnknown');
  return <span class={`countdown countdown-${one.tone}`}>{text}</span>;
}

export function Countdowns(props: { deadlines: Schemas['IncidentDeadlines'] }) {
  const t = useT(incidentsMessages);
  const now = useNow(props.deadlines);
  const countdowns = incidentCountdowns(props.deadlines, now);
  return (
    <dl class="record" data-testid="countdowns">
      {countdowns.map((one) => (
        <>
          <dt>{t(`deadline.${one.name}`)}</dt>
          <dd data-deadline={one.name} data-tone={one.tone}>
            <CountdownText countdown={one} />
          </dd>
        </>
      ))}
    </dl>
  );
}

/** The next open deadline of an incident, for the list. */
function NextDeadline(props: { incident: Incident }) {
  const now = useNow(props.incident.deadlines);
  const open = incidentCountdowns(props.incident.deadlines, now).find((one) => one.remainingMs !== null);
  return open ? <CountdownText countdown={open} /> : null;
}

function IncidentsPage() {
  const { client, session, query } = useApp();
  const t = useT(incidentsMessages);
  const overdue = query.get('overdue');
  const loaded = useLoad(
    async () =>
      ok(
        client.GET('/incidents', {
          params: { query: { limit: 100, ...(overdue ? { overdue: overdue === 'true' } : {}) } },
        }),
      ),
    [client, overdue],
  );
  return (
    <WithKey>
      <h1>{t('title')}</h1>
      <p>{t('intro')}</p>
      {session?.kind === 'state' ? (
        <p>
          <a class="button" href="/incidents/new">
            {t('notify')}
          </a>
        </p>
      ) : null}
      <nav class="filters" aria-label={t('filter')}>
        <a href="/incidents" aria-current={overdue ? undefined : 'page'}>
          {t('all')}
        </a>
        <a href="/incidents?overdue=true" aria-current={overdue === 'true' ? 'page' : undefined}>
          {t('overdueOnly')}
        </a>
      </nav>
      <Show loaded={loaded}>
        {(page) =>
          page.items.length === 0 ? (
            <Empty>{t('none')}</Empty>
          ) : (
            <div class="table-wrap">
              <table data-testid="incident-list">
                <caption class="muted">{t('listCaption')}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t('incident')}</th>
                    <th scope="col">{t('state')}</th>
                    <th scope="col">{t('stage')}</th>
                    <th scope="col">TLP</th>
                    <th scope="col">{t('nextDeadline')}</th>
                  </tr>
                </thead>
                <tbody>
                  {page.items.map((incident) => (
                    <tr data-incident={incident.id}>
                      <td>
                        <a href={`/incidents/${incident.id}`}>{incident.title}</a>
                      </td>
                      <td>{incident.state}</td>
                      <td>{t(`stage.${incident.stage}`)}</td>
                      <td>
                        <TlpBadge tlp={incident.tlp} />
                      </td>
                      <td>
                        <NextDeadline incident={incident} />
                      </td>
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

function field(form: HTMLFormElement, name: string): string {
  const element = form.elements.namedItem(name) as HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement | null;
  return element?.value.trim() ?? '';
}

function NotifyPage() {
  const { client, navigate } = useApp();
  const t = useT(incidentsMessages);
  const key = useMemo(newIdempotencyKey, []);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const tlp = field(form, 'tlp') as Schemas['Tlp'];
    const recipients = parseRecipients(field(form, 'recipients'));
    const body: Schemas['IncidentInput'] = {
      stage: field(form, 'stage') as 'early-warning' | 'notification',
      title: field(form, 'title'),
      summary: field(form, 'summary'),
      aware_at: fromLocalInput(field(form, 'aware_at')),
      rsit_class: field(form, 'rsit_class') as Schemas['RsitClass'],
      ...(field(form, 'rsit_type') ? { rsit_type: field(form, 'rsit_type') } : {}),
      severity: { scale: field(form, 'severity_scale'), value: field(form, 'severity_value') },
      suspected_malicious: (form.elements.namedItem('suspected_malicious') as HTMLInputElement).checked,
      cross_border_impact: field(form, 'cross_border_impact') as Schemas['CrossBorderImpact'],
      tlp,
      ...(recipients.length ? { recipients } : {}),
    };
    setBusy(true);
    setError(null);
    try {
      const created = await ok(client.POST('/incidents', { body, params: { header: { 'Idempotency-Key': key } } }));
      navigate(`/incidents/${created.data.id}`);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  return (
    <WithKey>
      <h1>{t('notifyTitle')}</h1>
      <p>{t('notifyIntro')}</p>
      {error ? <ErrorNotice error={error} /> : null}
      <form class="form" onSubmit={submit} data-testid="notify-form">
        <label for="incident-title">{t('fieldTitle')}</label>
        <input id="incident-title" name="title" required maxLength={200} />
        <label for="incident-summary">{t('fieldSummary')}</label>
        <textarea id="incident-summary" name="summary" required maxLength={20000} />
        <label for="incident-stage">{t('stage')}</label>
        <select id="incident-stage" name="stage">
          <option value="early-warning">{t('stage.early-warning')}</option>
          <option value="notification">{t('stage.notification')}</option>
        </select>
        <label for="incident-aware">{t('fieldAware')}</label>
        <input id="incident-aware" name="aware_at" type="datetime-local" required value={toLocalInput(new Date())} />
        <label for="incident-rsit">{t('fieldRsit')}</label>
        <select id="incident-rsit" name="rsit_class">
          {RSIT.map((rsit) => (
            <option value={rsit}>{rsit}</option>
          ))}
        </select>
        <label for="incident-rsit-type">{t('fieldRsitType')}</label>
        <input id="incident-rsit-type" name="rsit_type" maxLength={64} aria-describedby="rsit-type-hint" />
        <p id="rsit-type-hint" class="hint">
          {t('rsitTypeHint')}
        </p>
        <label for="incident-scale">{t('fieldSeverityScale')}</label>
        <input id="incident-scale" name="severity_scale" required maxLength={100} />
        <label for="incident-severity">{t('fieldSeverity')}</label>
        <input id="incident-severity" name="severity_value" required maxLength={50} />
        <label for="incident-cross">{t('fieldCrossBorder')}</label>
        <select id="incident-cross" name="cross_border_impact">
          <option value="unknown">{t('unknown')}</option>
          <option value="yes">{t('yes')}</option>
          <option value="no">{t('no')}</option>
        </select>
        <label>
          <input type="checkbox" name="suspected_malicious" /> {t('fieldMalicious')}
        </label>
        <label for="incident-tlp">TLP</label>
        <select id="incident-tlp" name="tlp">
          {TLPS.map((tlp) => (
            <option value={tlp} selected={tlp === 'TLP:AMBER'}>
              {tlp}
            </option>
          ))}
        </select>
        <label for="incident-recipients">{t('fieldRecipients')}</label>
        <input id="incident-recipients" name="recipients" aria-describedby="recipients-hint" />
        <p id="recipients-hint" class="hint">
          {t('recipientsHint')}
        </p>
        <div class="actions">
          <button type="submit" disabled={busy}>
            {busy ? t('sending') : t('notifySubmit')}
          </button>
        </div>
      </form>
    </WithKey>
  );
}

function IncidentPage(props: PageProps) {
  const { client, session, fmt } = useApp();
  const t = useT(incidentsMessages);
  const id = props.params.id!;
  const [round, setRound] = useState(0);
  const loaded = useLoad(async () => {
    const path = { params: { path: { incidentId: id } } };
    const [incident, reports, acknowledgements] = await Promise.all([
      ok(client.GET('/incidents/{incidentId}', path)),
      ok(client.GET('/incidents/{incidentId}/reports', path)),
      ok(client.GET('/incidents/{incidentId}/acknowledgements', path)),
    ]);
    return { incident, reports: reports.items, acknowledgements: acknowledgements.items };
  }, [client, id, round]);
  return (
    <WithKey>
      <Show loaded={loaded}>
        {({ incident, reports, acknowledgements }) => {
          const mine = session?.principal === incident.state;
          const acknowledged = acknowledgements.some((one) => one.state === session?.principal);
          return (
            <>
              <h1>{incident.title}</h1>
              <p>
                <TlpBadge tlp={incident.tlp} /> <span class="badge badge-muted">{t(`stage.${incident.stage}`)}</span>{' '}
                {incident.overdue ? <span class="badge badge-danger">{t('overdue')}</span> : null}
              </p>
              <dl class="record">
                <dt>{t('state')}</dt>
                <dd>{incident.state}</dd>
                <dt>{t('fieldAware')}</dt>
                <dd>{fmt.dateTime(incident.aware_at)}</dd>
                <dt>{t('fieldRsit')}</dt>
                <dd>
                  {incident.rsit_class}
                  {incident.rsit_type ? ` / ${incident.rsit_type}` : ''}
                </dd>
                <dt>{t('fieldSeverity')}</dt>
                <dd>
                  {incident.severity.value} ({incident.severity.scale})
                </dd>
                <dt>{t('fieldRecipients')}</dt>
                <dd>{incident.recipients.length ? fmt.list(incident.recipients) : t('everyState')}</dd>
                <dt>{t('fieldSummary')}</dt>
                <dd>{incident.summary}</dd>
              </dl>
              <h2>{t('deadlines')}</h2>
              <Countdowns deadlines={incident.deadlines} />
              {!mine && !acknowledged && session?.kind === 'state' ? (
                <Acknowledge id={id} onDone={() => setRound((n) => n + 1)} />
              ) : null}
              {mine && incident.status === 'open' ? <FileReport id={id} onDone={() => setRound((n) => n + 1)} /> : null}
              <h2>{t('reports')}</h2>
              <ol>
                {reports.map((report) => (
                  <li data-report={report.report_no}>
                    <strong>{t(`stage.${report.stage}`)}</strong> — {fmt.dateTime(report.reported_at)}
                    <p>{report.summary}</p>
                  </li>
                ))}
              </ol>
              <h2>{t('acknowledgements')}</h2>
              {acknowledgements.length ? (
                <ul data-testid="acknowledgements">
                  {acknowledgements.map((one) => (
                    <li data-state={one.state}>
                      {t('acknowledgedBy', { state: one.state, when: fmt.dateTime(one.acknowledged_at) })}
                      {one.note ? ` — ${one.note}` : ''}
                    </li>
                  ))}
                </ul>
              ) : (
                <Empty>{t('noAcknowledgements')}</Empty>
              )}
              <AttestationSlot attestationId={incident.attestation_id} record={incident} />
            </>
          );
        }}
      </Show>
    </WithKey>
  );
}

function Acknowledge(props: { id: string; onDone: () => void }) {
  const { client } = useApp();
  const t = useT(incidentsMessages);
  const key = useMemo(newIdempotencyKey, []);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const acknowledge = async () => {
    setBusy(true);
    try {
      await ok(
        client.POST('/incidents/{incidentId}/acknowledgements', {
          params: { path: { incidentId: props.id }, header: { 'Idempotency-Key': key } },
          body: {},
        }),
      );
      props.onDone();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="actions">
      {error ? <ErrorNotice error={error} /> : null}
      <button type="button" onClick={acknowledge} disabled={busy}>
        {t('acknowledge')}
      </button>
    </div>
  );
}

function FileReport(props: { id: string; onDone: () => void }) {
  const { client } = useApp();
  const t = useT(incidentsMessages);
  const key = useMemo(newIdempotencyKey, []);
  const [error, setError] = useState<unknown>(null);
  const submit = async (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    try {
      await ok(
        client.POST('/incidents/{incidentId}/reports', {
          params: { path: { incidentId: props.id }, header: { 'Idempotency-Key': key } },
          body: {
            stage: field(form, 'stage') as Schemas['IncidentReportInput']['stage'],
            summary: field(form, 'summary'),
          },
        }),
      );
      props.onDone();
    } catch (failure) {
      setError(failure);
    }
  };
  return (
    <section aria-labelledby="file-report">
      <h2 id="file-report">{t('fileReport')}</h2>
      {error ? <ErrorNotice error={error} /> : null}
      <form class="form" onSubmit={submit}>
        <label for="report-stage">{t('stage')}</label>
        <select id="report-stage" name="stage">
          {(['notification', 'intermediate', 'progress', 'final'] as const).map((stage) => (
            <option value={stage}>{t(`stage.${stage}`)}</option>
          ))}
        </select>
        <label for="report-summary">{t('fieldSummary')}</label>
        <textarea id="report-summary" name="summary" required maxLength={20000} />
        <div class="actions">
          <button type="submit">{t('fileReportSubmit')}</button>
        </div>
      </form>
    </section>
  );
}

export const incidentsPage = definePage({
  path: '/incidents',
  messages: incidentsMessages,
  title: 'title',
  component: IncidentsPage,
  nav: { group: 'exchange', order: 10 },
});

export const notifyIncidentPage = definePage({
  path: '/incidents/new',
  messages: incidentsMessages,
  title: 'notifyTitle',
  component: NotifyPage,
});

export const incidentPage = definePage({
  path: '/incidents/:id',
  messages: incidentsMessages,
  title: 'incident',
  component: IncidentPage,
});
