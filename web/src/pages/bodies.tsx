/**
 * Competent national bodies (CBM 2): who in each state is responsible for what, and how to
 * reach them. A state publishes its own, publishes new versions (If-Match; a concurrent
 * change is shown and the form keeps the person's values to reapply), withdraws them.
 */
import { useState } from 'hono/jsx/dom';
import { ok, type Schemas } from '../../../clients/typescript/src/client.ts';
import { bodyKindValues, nis2SectorValues } from '../../../clients/typescript/src/generated/openapi.ts';
import { idempotencyKey, withEtag } from '../components/api.ts';
import { AttestationSlot } from '../components/attestation-slot.tsx';
import { commonMessages } from '../components/common.messages.ts';
import { labelMessages } from '../components/labels.messages.ts';
import { useLoad } from '../components/load.ts';
import { Empty, ErrorNotice, Show, WithKey } from '../components/states.tsx';
import { useNewVersion } from '../components/versioned.ts';
import { WithdrawWithReason } from '../components/withdraw.tsx';
import { useApp, useT } from '../context.ts';
import { href } from '../router.ts';
import { bodiesMessages } from './bodies.messages.ts';
import { definePage, type PageProps } from './page.ts';

type Body = Schemas['Body'];
type BodyInput = Schemas['BodyInput'];

function readBodyForm(form: HTMLFormElement): BodyInput {
  const data = new FormData(form);
  const text = (name: string) => String(data.get(name) ?? '').trim();
  const reach: BodyInput['reach'] = { email: text('email') };
  if (text('phone')) reach.phone = text('phone').replace(/[\s()-]/g, '');
  if (text('website')) reach.website = text('website');
  if (text('address')) reach.address = text('address');
  const input: BodyInput = {
    kind: text('kind') as BodyInput['kind'],
    name: text('name'),
    mandate: text('mandate'),
    languages: text('languages')
      .split(/[,\s]+/)
      .filter(Boolean),
    reach,
  };
  if (text('acronym')) input.acronym = text('acronym');
  if (text('notes')) input.notes = text('notes');
  const sectors = data.getAll('sectors').map(String) as BodyInput['sectors'];
  if (sectors?.length) input.sectors = sectors;
  return input;
}

const inputOf = (body: Body): BodyInput => ({
  kind: body.kind,
  name: body.name,
  mandate: body.mandate,
  languages: body.languages,
  reach: body.reach,
  ...(body.acronym ? { acronym: body.acronym } : {}),
  ...(body.notes ? { notes: body.notes } : {}),
  ...(body.sectors?.length ? { sectors: body.sectors } : {}),
});

function BodyFields(props: { value?: Partial<BodyInput>; idPrefix: string }) {
  const t = useT(bodiesMessages);
  const labels = useT(labelMessages);
  const value = props.value ?? {};
  const id = (name: string) => `${props.idPrefix}-${name}`;
  return (
    <>
      <label for={id('kind')}>{t('kind')}</label>
      <select id={id('kind')} name="kind" required>
        {bodyKindValues.map((kind) => (
          <option value={kind} selected={value.kind === kind}>
            {t(`kind:${kind}`)}
          </option>
        ))}
      </select>
      <label for={id('name')}>{t('name')}</label>
      <input id={id('name')} name="name" required maxlength={300} value={value.name ?? ''} />
      <label for={id('acronym')}>{t('acronym')}</label>
      <input id={id('acronym')} name="acronym" maxlength={40} value={value.acronym ?? ''} />
      <label for={id('mandate')}>{t('mandate')}</label>
      <textarea id={id('mandate')} name="mandate" required maxlength={4000}>
        {value.mandate ?? ''}
      </textarea>
      <label for={id('languages')}>{t('languages')}</label>
      <input id={id('languages')} name="languages" required value={(value.languages ?? []).join(', ')} />
      <label for={id('email')}>{t('email')}</label>
      <input id={id('email')} name="email" type="email" required value={value.reach?.email ?? ''} />
      <label for={id('phone')}>{t('phone')}</label>
      <input id={id('phone')} name="phone" type="tel" value={value.reach?.phone ?? ''} />
      <label for={id('website')}>{t('website')}</label>
      <input id={id('website')} name="website" type="url" value={value.reach?.website ?? ''} />
      <label for={id('address')}>{t('address')}</label>
      <textarea id={id('address')} name="address" maxlength={1000}>
        {value.reach?.address ?? ''}
      </textarea>
      <fieldset>
        <legend>{t('sectors')}</legend>
        <div class="checks">
          {nis2SectorValues.map((sector) => (
            <label>
              <input type="checkbox" name="sectors" value={sector} checked={value.sectors?.includes(sector) ?? false} />{' '}
              {labels(`sector:${sector}`)}
            </label>
          ))}
        </div>
      </fieldset>
      <label for={id('notes')}>{t('notes')}</label>
      <textarea id={id('notes')} name="notes" maxlength={4000}>
        {value.notes ?? ''}
      </textarea>
    </>
  );
}

function BodiesPage() {
  const { client, query, navigate, session } = useApp();
  const t = useT(bodiesMessages);
  const state = query.get('state') ?? '';
  const kind = query.get('kind') ?? '';
  const loaded = useLoad(
    () =>
      ok(
        client.GET('/bodies', {
          params: {
            query: { ...(state ? { state } : {}), ...(kind ? { kind: kind as Body['kind'] } : {}), limit: 100 },
          },
        }),
      ),
    [state, kind, client],
  );
  const onFilter = (event: Event) => {
    event.preventDefault();
    const data = new FormData(event.target as HTMLFormElement);
    navigate(
      href('/bodies', {
        state: String(data.get('state') ?? '')
          .trim()
          .toUpperCase(),
        kind: String(data.get('kind') ?? ''),
      }),
    );
  };
  return (
    <>
      <h1>{t('title')}</h1>
      <p>{t('intro')}</p>
      {session?.kind === 'state' ? (
        <p class="actions">
          <a class="button" href="/bodies/new">
            {t('publishNew')}
          </a>
        </p>
      ) : null}
      <form class="filters" onSubmit={onFilter} aria-label={t('filters')}>
        <label>
          {t('state')}
          <input name="state" value={state} maxlength={2} size={4} autocomplete="off" />
        </label>
        <label>
          {t('kind')}
          <select name="kind">
            <option value="">{t('any')}</option>
            {bodyKindValues.map((value) => (
              <option value={value} selected={kind === value}>
                {t(`kind:${value}`)}
              </option>
            ))}
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
              <ul class="cards" data-testid="bodies">
                {page.items.map((body) => (
                  <li class="card">
                    <h2>
                      <a href={`/bodies/${body.id}`}>
                        {body.name}
                        {body.acronym ? ` (${body.acronym})` : ''}
                      </a>
                    </h2>
                    <p>
                      {body.state} · {t(`kind:${body.kind}`)}
                    </p>
                    <p>{body.reach.email}</p>
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

function NewBodyPage() {
  const { client, navigate } = useApp();
  const t = useT(bodiesMessages);
  const common = useT(commonMessages);
  const [error, setError] = useState<unknown>(null);
  const [draft, setDraft] = useState<BodyInput | undefined>(undefined);
  const [key] = useState(idempotencyKey);
  const onSubmit = async (event: Event) => {
    event.preventDefault();
    const input = readBodyForm(event.target as HTMLFormElement);
    setDraft(input);
    setError(null);
    try {
      const result = await ok(client.POST('/bodies', { body: input, params: { header: { 'Idempotency-Key': key } } }));
      navigate(`/bodies/${result.data.id}`);
    } catch (caught) {
      setError(caught);
    }
  };
  return (
    <>
      <h1>{t('newTitle')}</h1>
      <WithKey>
        <form class="form" onSubmit={onSubmit}>
          <BodyFields idPrefix="new-body" value={draft} />
          <div class="actions">
            <button type="submit">{t('publish')}</button>
            <a href="/bodies">{common('cancel')}</a>
          </div>
        </form>
        {error ? <ErrorNotice error={error} /> : null}
      </WithKey>
    </>
  );
}

function BodyPage(props: PageProps) {
  const { client, session, fmt } = useApp();
  const t = useT(bodiesMessages);
  const common = useT(commonMessages);
  const labels = useT(labelMessages);
  const { round, reload, editing, setEditing, draft, error, newer, publish } = useNewVersion<BodyInput>();
  const bodyId = props.params.id!;
  const loaded = useLoad(
    () => withEtag(client.GET('/bodies/{bodyId}', { params: { path: { bodyId } } })),
    [bodyId, client, round],
  );
  return (
    <WithKey>
      <Show loaded={loaded}>
        {({ data: body, etag }) => {
          const own = session?.principal === body.state && body.status === 'active';
          const publishVersion = (input: BodyInput) =>
            publish(
              input,
              () =>
                ok(
                  client.PUT('/bodies/{bodyId}', {
                    params: { path: { bodyId }, header: { 'If-Match': etag ?? '' } },
                    body: input,
                  }),
                ),
              async () => (await client.GET('/bodies/{bodyId}', { params: { path: { bodyId } } })).data?.version,
            );
          return (
            <>
              <h1 dir="auto">{body.name}</h1>
              <dl class="record" data-testid="body">
                <dt>{t('state')}</dt>
                <dd>{body.state}</dd>
                <dt>{t('kind')}</dt>
                <dd>{t(`kind:${body.kind}`)}</dd>
                {body.acronym ? (
                  <>
                    <dt>{t('acronym')}</dt>
                    <dd>{body.acronym}</dd>
                  </>
                ) : null}
                <dt>{t('mandate')}</dt>
                <dd>{body.mandate}</dd>
                <dt>{t('languages')}</dt>
                <dd>{fmt.list(body.languages)}</dd>
                <dt>{t('email')}</dt>
                <dd>{body.reach.email}</dd>
                {body.reach.phone ? (
                  <>
                    <dt>{t('phone')}</dt>
                    <dd dir="ltr">{body.reach.phone}</dd>
                  </>
                ) : null}
                {body.reach.website ? (
                  <>
                    <dt>{t('website')}</dt>
                    <dd>{body.reach.website}</dd>
                  </>
                ) : null}
                {body.sectors?.length ? (
                  <>
                    <dt>{t('sectors')}</dt>
                    <dd>{fmt.list(body.sectors.map((sector) => labels(`sector:${sector}`)))}</dd>
                  </>
                ) : null}
                <dt>{t('version')}</dt>
                <dd data-field="version">
                  {fmt.number(body.version)} · {labels(`status:${body.status}`)}
                </dd>
                <dt>{t('published')}</dt>
                <dd>{fmt.dateTime(body.published_at)}</dd>
              </dl>
              {newer ? (
                <p class="notice notice-error" role="alert">
                  {t('conflict', { version: newer })}
                </p>
              ) : null}
              {own && !editing ? (
                <p class="actions">
                  <button type="button" onClick={() => setEditing(true)}>
                    {t('newVersion')}
                  </button>
                </p>
              ) : null}
              {own && editing ? (
                <form
                  class="form"
                  onSubmit={(event: Event) => {
                    event.preventDefault();
                    void publishVersion(readBodyForm(event.target as HTMLFormElement));
                  }}
                >
                  <BodyFields idPrefix="edit-body" value={draft ?? inputOf(body)} />
                  <div class="actions">
                    <button type="submit">{t('publishVersion')}</button>
                    <button type="button" class="secondary" onClick={() => setEditing(false)}>
                      {common('cancel')}
                    </button>
                  </div>
                </form>
              ) : null}
              {error ? <ErrorNotice error={error} /> : null}
              {own && etag ? (
                <WithdrawWithReason
                  reasonId="body-withdraw-reason"
                  labels={{ withdraw: t('withdraw'), reason: t('withdrawalReason') }}
                  confirm={t('withdrawConfirm', { name: body.name })}
                  withdraw={(reason) =>
                    ok(
                      client.POST('/bodies/{bodyId}/withdraw', {
                        params: { path: { bodyId }, header: { 'If-Match': etag } },
                        body: reason ? { reason } : {},
                      }),
                    )
                  }
                  onDone={reload}
                />
              ) : null}
              <p>
                <a href={`/bodies/${body.id}/history`}>{t('history')}</a>
              </p>
              <AttestationSlot attestationId={body.attestation_id} record={body} />
            </>
          );
        }}
      </Show>
    </WithKey>
  );
}

function BodyHistoryPage(props: PageProps) {
  const { client, fmt } = useApp();
  const t = useT(bodiesMessages);
  const labels = useT(labelMessages);
  const bodyId = props.params.id!;
  const loaded = useLoad(
    () => ok(client.GET('/bodies/{bodyId}/history', { params: { path: { bodyId }, query: { limit: 200 } } })),
    [bodyId, client],
  );
  return (
    <>
      <h1>{t('historyTitle')}</h1>
      <p>
        <a href={`/bodies/${bodyId}`}>{t('back')}</a>
      </p>
      <WithKey>
        <Show loaded={loaded}>
          {(page) => (
            <ol data-testid="history">
              {page.items.map((version) => (
                <li>
                  {fmt.number(version.version)} · {labels(`status:${version.status}`)} · {version.name} ·{' '}
                  {fmt.dateTime(version.published_at)}
                </li>
              ))}
            </ol>
          )}
        </Show>
      </WithKey>
    </>
  );
}

export const bodyPages = [
  definePage({ path: '/bodies', messages: bodiesMessages, title: 'title', component: BodiesPage }),
  definePage({ path: '/bodies/new', messages: bodiesMessages, title: 'newTitle', component: NewBodyPage }),
  definePage({ path: '/bodies/:id', messages: bodiesMessages, title: 'bodyTitle', component: BodyPage }),
  definePage({
    path: '/bodies/:id/history',
    messages: bodiesMessages,
    title: 'historyTitle',
    component: BodyHistoryPage,
  }),
];
