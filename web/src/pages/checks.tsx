/**
 * Communication checks (CBM 8): a state answers one with one click, naming its contact;
 * the Secretariat starts one and watches the answers arrive (the report is polled while
 * the check is open), with response times as a chart and as a table.
 */
import { useEffect, useMemo, useState } from 'hono/jsx/dom';
import { ok, PortalError, type Schemas } from '../../../clients/typescript/src/client.ts';
import { AttestationSlot } from '../components/attestation-slot.tsx';
import { useLoad } from '../components/load.ts';
import { Empty, ErrorNotice, Loading, Show, WithKey } from '../components/states.tsx';
import { useApp, useT } from '../context.ts';
import {
  barChart,
  checkResponsePoints,
  formatDuration,
  medianResponsePoints,
  type ResponsePoint,
} from './checks.chart.ts';
import { checksMessages } from './checks.messages.ts';
import { fromLocalInput, newIdempotencyKey, parseRecipients, toLocalInput } from './incidents.tsx';
import { definePage, type PageProps } from './page.ts';

type Check = Schemas['Check'];

/** How often an open check's report is asked for again while someone watches it. */
const WATCH_MS = 3000;

/**
 * One click to answer a check for the signed-in state: its active contacts in the addressed
 * roles are looked up, the first is preselected (a choice is offered when there are more).
 */
export function AnswerCheck(props: AnswerProps) {
  const { session } = useApp();
  const addressed = session?.kind === 'state' && props.check.states.includes(session.principal);
  return addressed && props.check.status === 'open' ? <AnswerAs {...props} /> : null;
}

interface AnswerProps {
  check: Pick<Check, 'id' | 'roles' | 'states' | 'status'>;
  onAnswered?: () => void;
}

function AnswerAs(props: AnswerProps) {
  const { client, session } = useApp();
  const t = useT(checksMessages);
  const key = useMemo(newIdempotencyKey, []);
  const [chosen, setChosen] = useState<string | null>(null);
  const [state, setState] = useState<'idle' | 'busy' | 'done'>('idle');
  const [error, setError] = useState<unknown>(null);
  const principal = session?.principal ?? '';
  const contacts = useLoad(async () => {
    const report = await ok(client.GET('/checks/{checkId}/report', { params: { path: { checkId: props.check.id } } }));
    if (report.rows.some((row) => row.state === principal && row.acknowledged_at)) return 'answered' as const;
    const found: Schemas['Contact'][] = [];
    for (const role of props.check.roles) {
      const page = await ok(client.GET('/contacts', { params: { query: { state: principal, role, limit: 50 } } }));
      found.push(...page.items);
    }
    return found;
  }, [client, principal, props.check.id]);
  if (state === 'done' || (contacts.state === 'ok' && contacts.data === 'answered'))
    return (
      <p class="notice notice-ok" role="status" data-testid="check-answered">
        {t('answered')}
      </p>
    );
  const answer = async (contactId: string) => {
    setState('busy');
    setError(null);
    try {
      await ok(
        client.POST('/checks/{checkId}/acknowledgements', {
          params: { path: { checkId: props.check.id }, header: { 'Idempotency-Key': key } },
          body: { contact_id: contactId },
        }),
      );
      setState('done');
      props.onAnswered?.();
    } catch (failure) {
      // Answered already (another tab, another person of the same state): nothing more to do.
      if (failure instanceof PortalError && failure.status === 409 && failure.code !== 'deadline-passed') {
        setState('done');
        return;
      }
      setError(failure);
      setState('idle');
    }
  };
  return (
    <div class="answer-check" data-testid={`answer-${props.check.id}`}>
      <Show loaded={contacts}>
        {(list) =>
          list === 'answered' ? null : list.length === 0 ? (
            <p class="notice">
              {t('noContact')} <a href="/contacts/new">{t('addContact')}</a>
            </p>
          ) : (
            <div class="actions">
              {list.length > 1 ? (
                <>
                  <label for={`contact-${props.check.id}`}>{t('answeringContact')}</label>
                  <select
                    id={`contact-${props.check.id}`}
                    onChange={(event: Event) => setChosen((event.target as HTMLSelectElement).value)}
                  >
                    {list.map((contact) => (
                      <option value={contact.id}>
                        {contact.name} ({contact.role})
                      </option>
                    ))}
                  </select>
                </>
              ) : null}
              <button type="button" disabled={state === 'busy'} onClick={() => answer(chosen ?? list[0]!.id)}>
                {list.length > 1 ? t('answerNow') : t('answerAs', { name: list[0]!.name })}
              </button>
            </div>
          )
        }
      </Show>
      {error ? <ErrorNotice error={error} /> : null}
    </div>
  );
}

/** Response times as bars (inline SVG) and the same numbers as a table. */
export function ResponseChart(props: { points: ResponsePoint[]; caption: string }) {
  const { locale } = useApp();
  const t = useT(checksMessages);
  const chart = barChart(props.points);
  const label = (seconds: number) => formatDuration(seconds, locale);
  return (
    <figure class="response-chart">
      <svg
        class="chart"
        viewBox={`0 0 ${chart.width} ${chart.height}`}
        role="img"
        aria-label={props.caption}
        data-testid="response-chart"
      >
        {chart.ticks.map((tick) => (
          <>
            <line class="grid" x1={chart.left} x2={chart.width} y1={tick.y} y2={tick.y} />
            <text x={chart.left - 4} y={tick.y + 4} text-anchor="end">
              {label(tick.seconds)}
            </text>
          </>
        ))}
        <line class="axis" x1={chart.left} x2={chart.width} y1={chart.baseline} y2={chart.baseline} />
        {chart.bars.map((bar) => (
          <>
            <rect
              class={bar.outcome === 'late' ? 'bar bar-late' : 'bar'}
              x={bar.x}
              y={bar.y}
              width={bar.width}
              height={bar.height}
              data-label={bar.label}
            />
            <text x={bar.x + bar.width / 2} y={chart.height - 8} text-anchor="middle">
              {bar.label}
            </text>
          </>
        ))}
      </svg>
      <figcaption>{props.caption}</figcaption>
      <details>
        <summary>{t('asTable')}</summary>
        <table>
          <thead>
            <tr>
              <th scope="col">{t('item')}</th>
              <th scope="col">{t('responseTime')}</th>
              <th scope="col">{t('outcome')}</th>
            </tr>
          </thead>
          <tbody>
            {props.points.map((point) => (
              <tr>
                <th scope="row">{point.label}</th>
                <td>{point.seconds === null ? '—' : label(point.seconds)}</td>
                <td>{t(`outcome.${point.outcome}`)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}

function ChecksPage() {
  const { client, session, fmt } = useApp();
  const t = useT(checksMessages);
  const loaded = useLoad(async () => {
    const page = await ok(client.GET('/checks', { params: { query: { limit: 50 } } }));
    // The Secretariat sees how response times evolve over the last checks.
    const reports =
      session?.kind === 'secretariat'
        ? await Promise.all(
            page.items
              .slice(0, 10)
              .map((check) => ok(client.GET('/checks/{checkId}/report', { params: { path: { checkId: check.id } } }))),
          )
        : [];
    return { checks: page.items, reports };
  }, [client, session?.kind]);
  return (
    <WithKey>
      <h1>{t('title')}</h1>
      <p>{t('intro')}</p>
      {session?.kind === 'secretariat' ? <StartCheck /> : null}
      <Show loaded={loaded}>
        {({ checks, reports }) => (
          <>
            {reports.some((report) => report.median_response_seconds !== null) ? (
              <ResponseChart points={medianResponsePoints(reports)} caption={t('medianCaption')} />
            ) : null}
            {checks.length === 0 ? (
              <Empty>{t('none')}</Empty>
            ) : (
              <ul class="cards" data-testid="check-list">
                {checks.map((check) => (
                  <li class="card" data-check={check.id}>
                    <h2>
                      <a href={`/checks/${check.id}`}>{t('checkOf', { date: fmt.dateTime(check.started_at) })}</a>
                    </h2>
                    <p>
                      {t(check.status === 'open' ? 'openUntil' : 'closedAt', { date: fmt.dateTime(check.deadline) })}
                    </p>
                    {check.message ? <p>{check.message}</p> : null}
                    <AnswerCheck check={check} />
                  </li>
                ))}
              </ul>
            )}
          </>
        )}
      </Show>
    </WithKey>
  );
}

function StartCheck() {
  const { client, navigate } = useApp();
  const t = useT(checksMessages);
  const key = useMemo(newIdempotencyKey, []);
  const [error, setError] = useState<unknown>(null);
  const submit = async (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const value = (name: string) => (form.elements.namedItem(name) as HTMLInputElement).value.trim();
    const states = parseRecipients(value('states'));
    const roles = (['policy', 'technical', 'ci-authority'] as const).filter(
      (role) => (form.elements.namedItem(`role-${role}`) as HTMLInputElement).checked,
    );
    try {
      const started = await ok(
        client.POST('/checks', {
          params: { header: { 'Idempotency-Key': key } },
          body: {
            deadline: fromLocalInput(value('deadline')),
            ...(states.length ? { states } : {}),
            ...(roles.length ? { roles } : {}),
            ...(value('message') ? { message: value('message') } : {}),
          },
        }),
      );
      navigate(`/checks/${started.data.id}`);
    } catch (failure) {
      setError(failure);
    }
  };
  return (
    <section aria-labelledby="start-check">
      <h2 id="start-check">{t('start')}</h2>
      {error ? <ErrorNotice error={error} /> : null}
      <form class="form" onSubmit={submit} data-testid="start-check">
        <label for="check-states">{t('states')}</label>
        <input id="check-states" name="states" aria-describedby="check-states-hint" />
        <p id="check-states-hint" class="hint">
          {t('statesHint')}
        </p>
        <fieldset>
          <legend>{t('roles')}</legend>
          <div class="checks">
            {(['policy', 'technical', 'ci-authority'] as const).map((role) => (
              <label>
                <input type="checkbox" name={`role-${role}`} checked={role !== 'ci-authority'} /> {t(`role.${role}`)}
              </label>
            ))}
          </div>
        </fieldset>
        <label for="check-deadline">{t('deadline')}</label>
        <input
          id="check-deadline"
          name="deadline"
          type="datetime-local"
          required
          value={toLocalInput(new Date(Date.now() + 24 * 3600_000))}
        />
        <label for="check-message">{t('message')}</label>
        <textarea id="check-message" name="message" maxLength={2000} />
        <div class="actions">
          <button type="submit">{t('startSubmit')}</button>
        </div>
      </form>
    </section>
  );
}

function CheckPage(props: PageProps) {
  const { client, fmt, locale } = useApp();
  const t = useT(checksMessages);
  const id = props.params.id!;
  const [report, setReport] = useState<Schemas['CheckReport'] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [round, setRound] = useState(0);
  useEffect(() => {
    let current = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      try {
        const next = await ok(client.GET('/checks/{checkId}/report', { params: { path: { checkId: id } } }));
        if (!current) return;
        setReport(next);
        setError(null);
        // Watch answers arrive while the check is open and someone has yet to answer.
        if (next.check.status === 'open' && next.not_answered > 0) timer = setTimeout(poll, WATCH_MS);
      } catch (failure) {
        if (current) setError(failure);
      }
    };
    poll();
    return () => {
      current = false;
      if (timer) clearTimeout(timer);
    };
  }, [client, id, round]);
  if (error) return <ErrorNotice error={error} onRetry={() => setRound((n) => n + 1)} />;
  if (!report) return <Loading />;
  const check = report.check;
  return (
    <WithKey>
      <h1>{t('checkOf', { date: fmt.dateTime(check.started_at) })}</h1>
      <p>{t(check.status === 'open' ? 'openUntil' : 'closedAt', { date: fmt.dateTime(check.deadline) })}</p>
      {check.message ? <p>{check.message}</p> : null}
      <AnswerCheck check={check} onAnswered={() => setRound((n) => n + 1)} />
      <h2>{t('answers')}</h2>
      <p role="status" aria-live="polite" data-testid="check-counts">
        {t('counts', {
          onTime: report.answered_on_time,
          late: report.answered_late,
          missing: report.not_answered,
          addressed: report.addressed,
        })}
        {report.median_response_seconds !== null
          ? ` ${t('median', { time: formatDuration(report.median_response_seconds, locale) })}`
          : ''}
      </p>
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region takes the keyboard focus (WCAG 2.1.1) */}
      <section class="table-wrap" tabIndex={0} aria-label={t('answers')}>
        <table data-testid="check-report">
          <thead>
            <tr>
              <th scope="col">{t('state')}</th>
              <th scope="col">{t('outcome')}</th>
              <th scope="col">{t('answeredAt')}</th>
              <th scope="col">{t('responseTime')}</th>
            </tr>
          </thead>
          <tbody>
            {report.rows.map((row) => (
              <tr data-state={row.state} data-outcome={row.outcome}>
                <th scope="row">{row.state}</th>
                <td>{t(`outcome.${row.outcome}`)}</td>
                <td>{row.acknowledged_at ? fmt.dateTime(row.acknowledged_at) : '—'}</td>
                <td>{row.response_seconds === null ? '—' : formatDuration(row.response_seconds, locale)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <ResponseChart points={checkResponsePoints(report)} caption={t('chartCaption')} />
      <AttestationSlot attestationId={check.attestation_id} />
    </WithKey>
  );
}

export const checksPage = definePage({
  path: '/checks',
  messages: checksMessages,
  title: 'title',
  component: ChecksPage,
  nav: { group: 'exchange', order: 30 },
});

export const checkPage = definePage({
  path: '/checks/:id',
  messages: checksMessages,
  title: 'title',
  component: CheckPage,
});
