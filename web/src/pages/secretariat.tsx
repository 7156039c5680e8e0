/**
 * The Secretariat's view: register participating states and their keys (with the witness
 * scope for the log's witnesses), and the CBM 8 compliance of all states at a glance, as a
 * grid coloured by status. Communication checks start from /checks.
 */
import { useMemo, useState } from 'hono/jsx/dom';
import { ok, pages, type Schemas } from '../../../clients/typescript/src/client.ts';
import { useLoad } from '../components/load.ts';
import { Empty, ErrorNotice, Show, WithKey } from '../components/states.tsx';
import { useApp, useT } from '../context.ts';
import { newIdempotencyKey } from './incidents.tsx';
import { definePage } from './page.ts';
import { complianceGrid, type ComplianceTone } from './secretariat.compliance.ts';
import { secretariatMessages } from './secretariat.messages.ts';

const SCOPES = [
  'read',
  'contacts:write',
  'incidents:write',
  'documents:write',
  'witness',
] as const satisfies readonly Schemas['Scope'][];

function value(form: HTMLFormElement, name: string): string {
  return ((form.elements.namedItem(name) as HTMLInputElement | HTMLTextAreaElement | null)?.value ?? '').trim();
}

function RegisterState(props: { onDone: () => void }) {
  const { client } = useApp();
  const t = useT(secretariatMessages);
  const key = useMemo(newIdempotencyKey, []);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);
  const submit = async (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    setError(null);
    setDone(null);
    try {
      const created = await ok(
        client.POST('/principals', {
          params: { header: { 'Idempotency-Key': key } },
          body: { id: value(form, 'id').toUpperCase(), name: value(form, 'name') },
        }),
      );
      setDone(t('stateRegistered', { state: created.data.id }));
      form.reset();
      props.onDone();
    } catch (failure) {
      setError(failure);
    }
  };
  return (
    <section aria-labelledby="register-state">
      <h2 id="register-state">{t('registerState')}</h2>
      <form class="form" onSubmit={submit} data-testid="register-state">
        <label for="state-id">{t('stateCode')}</label>
        <input id="state-id" name="id" required pattern="[A-Za-z]{2}" maxLength={2} aria-describedby="state-id-hint" />
        <p id="state-id-hint" class="hint">
          {t('stateCodeHint')}
        </p>
        <label for="state-name">{t('stateName')}</label>
        <input id="state-name" name="name" required maxLength={200} />
        <div class="actions">
          <button type="submit">{t('registerStateSubmit')}</button>
        </div>
      </form>
      {error ? <ErrorNotice error={error} /> : null}
      {done ? (
        <p class="notice notice-ok" role="status">
          {done}
        </p>
      ) : null}
    </section>
  );
}

function RegisterKey(props: { principals: Schemas['Principal'][] }) {
  const { client } = useApp();
  const t = useT(secretariatMessages);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);
  const submit = async (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    setError(null);
    setDone(null);
    let jwk: Schemas['KeyInput']['jwk'];
    try {
      jwk = JSON.parse(value(form, 'jwk')) as Schemas['KeyInput']['jwk'];
    } catch {
      setError(new Error(t('badJwk')));
      return;
    }
    const scopes = SCOPES.filter((scope) => (form.elements.namedItem(`scope-${scope}`) as HTMLInputElement).checked);
    const principalId = value(form, 'principal');
    try {
      const registered = await ok(
        client.POST('/principals/{principalId}/keys', {
          params: { path: { principalId }, header: { 'Idempotency-Key': newIdempotencyKey() } },
          body: { jwk, scopes, ...(value(form, 'label') ? { label: value(form, 'label') } : {}) },
        }),
      );
      setDone(t('keyRegistered', { state: principalId, kid: registered.data.kid }));
      form.reset();
    } catch (failure) {
      setError(failure);
    }
  };
  return (
    <section aria-labelledby="register-key">
      <h2 id="register-key">{t('registerKey')}</h2>
      <p>{t('registerKeyIntro')}</p>
      <form class="form" onSubmit={submit} data-testid="register-key">
        <label for="key-principal">{t('state')}</label>
        <select id="key-principal" name="principal" required>
          {props.principals
            .filter((principal) => principal.kind === 'state')
            .map((principal) => (
              <option value={principal.id}>
                {principal.id} — {principal.name}
              </option>
            ))}
        </select>
        <label for="key-jwk">{t('publicJwk')}</label>
        <textarea id="key-jwk" name="jwk" required aria-describedby="key-jwk-hint" />
        <p id="key-jwk-hint" class="hint">
          {t('publicJwkHint')}
        </p>
        <fieldset>
          <legend>{t('scopes')}</legend>
          <div class="checks">
            {SCOPES.map((scope) => (
              <label>
                <input type="checkbox" name={`scope-${scope}`} checked={scope !== 'witness'} /> {t(`scope.${scope}`)}
              </label>
            ))}
          </div>
        </fieldset>
        <label for="key-label">{t('keyLabel')}</label>
        <input id="key-label" name="label" maxLength={200} />
        <div class="actions">
          <button type="submit">{t('registerKeySubmit')}</button>
        </div>
      </form>
      {error ? <ErrorNotice error={error} /> : null}
      {done ? (
        <p class="notice notice-ok" role="status" data-testid="key-registered">
          {done}
        </p>
      ) : null}
    </section>
  );
}

function SecretariatPage() {
  const { client } = useApp();
  const t = useT(secretariatMessages);
  const [round, setRound] = useState(0);
  const principals = useLoad(async () => {
    const all: Schemas['Principal'][] = [];
    for await (const principal of pages((cursor) =>
      client.GET('/principals', { params: { query: { limit: 200, ...(cursor ? { cursor } : {}) } } }),
    ))
      all.push(principal);
    return all;
  }, [client, round]);
  return (
    <WithKey>
      <h1>{t('title')}</h1>
      <p>{t('intro')}</p>
      <ul class="link-list">
        <li>
          <a href="/checks">{t('toChecks')}</a>
        </li>
        <li>
          <a href="/secretariat/compliance">{t('toCompliance')}</a>
        </li>
        <li>
          <a href="/overview">{t('toOverview')}</a>
        </li>
        <li>
          <a href="/witnesses">{t('toWitnesses')}</a>
        </li>
      </ul>
      <RegisterState onDone={() => setRound((n) => n + 1)} />
      <Show loaded={principals}>
        {(list) => (
          <>
            <RegisterKey principals={list} />
            <h2>{t('principals')}</h2>
            <ul data-testid="principals">
              {list.map((principal) => (
                <li data-principal={principal.id}>
                  <strong>{principal.id}</strong> {principal.name}
                </li>
              ))}
            </ul>
          </>
        )}
      </Show>
    </WithKey>
  );
}

const TONES: ComplianceTone[] = ['ok', 'attention', 'due'];
const TONE_CLASS: Record<ComplianceTone, string> = {
  ok: 'status-current',
  attention: 'status-stale',
  due: 'status-due',
};

function CompliancePage() {
  const { client, fmt } = useApp();
  const t = useT(secretariatMessages);
  const loaded = useLoad(async () => {
    const items: Schemas['Compliance'][] = [];
    for await (const item of pages((cursor) =>
      client.GET('/states/compliance', { params: { query: { limit: 200, ...(cursor ? { cursor } : {}) } } }),
    ))
      items.push(item);
    return complianceGrid(items);
  }, [client]);
  return (
    <WithKey>
      <h1>{t('complianceTitle')}</h1>
      <p>{t('complianceIntro')}</p>
      <Show loaded={loaded}>
        {(grid) =>
          grid.rows.length === 0 ? (
            <Empty />
          ) : (
            <>
              <ul class="legend" aria-label={t('legend')}>
                {TONES.map((tone) => (
                  <li>
                    <span class={`swatch ${TONE_CLASS[tone]}`} aria-hidden="true" /> {t(`tone.${tone}`)} (
                    {fmt.number(grid.totals[tone])})
                  </li>
                ))}
              </ul>
              {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region takes the keyboard focus (WCAG 2.1.1) */}
              <section class="table-wrap" tabIndex={0} aria-label={t('complianceCaption')}>
                <table class="status-grid" data-testid="compliance-grid">
                  <caption class="muted">{t('complianceCaption')}</caption>
                  <thead>
                    <tr>
                      <th scope="col">{t('state')}</th>
                      <th scope="col">{t('standing')}</th>
                      <th scope="col">{t('lastConfirmed')}</th>
                      <th scope="col">{t('contacts')}</th>
                      <th scope="col">{t('checks')}</th>
                      <th scope="col">{t('lateChanges')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {grid.rows.map((row) => (
                      <tr data-state={row.state} data-tone={row.tone}>
                        <th scope="row">{row.state}</th>
                        <td class={TONE_CLASS[row.tone]}>{t(`tone.${row.tone}`)}</td>
                        <td>{row.lastConfirmedAt ? fmt.date(row.lastConfirmedAt) : t('never')}</td>
                        <td>
                          {t('contactCounts', { policy: row.contacts.policy, technical: row.contacts.technical })}
                          {row.missingRoles.length
                            ? ` — ${t('missing', { roles: fmt.list(row.missingRoles.map((role) => t(`role.${role}`))) })}`
                            : ''}
                        </td>
                        <td>
                          {row.onTimeRate === null
                            ? t('neverChecked')
                            : t('checkRecord', {
                                rate: row.onTimeRate,
                                onTime: row.checks.onTime,
                                addressed: row.checks.addressed,
                                missed: row.checks.missed,
                              })}
                        </td>
                        <td>{fmt.number(row.lateChanges)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </section>
            </>
          )
        }
      </Show>
    </WithKey>
  );
}

export const secretariatPage = definePage({
  path: '/secretariat',
  messages: secretariatMessages,
  title: 'title',
  component: SecretariatPage,
  audience: 'secretariat',
});

export const compliancePage = definePage({
  path: '/secretariat/compliance',
  messages: secretariatMessages,
  title: 'complianceTitle',
  component: CompliancePage,
  audience: 'secretariat',
});
