/**
 * Channels (CBMs 10 and 13): how each state accepts consultations, incident notifications,
 * assistance and information requests, checks, documents and dialogue, with the e-mail
 * encryption key attested with the channel. A state publishes, versions and withdraws its own.
 */
import { useState } from 'hono/jsx/dom';
import { ok, type Schemas } from '../../../clients/typescript/src/client.ts';
import {
  channelKeyTypeValues,
  channelMediumValues,
  exchangeKindValues,
} from '../../../clients/typescript/src/generated/openapi.ts';
import { idempotencyKey, withEtag } from '../components/api.ts';
import { AttestationSlot } from '../components/attestation-slot.tsx';
import { commonMessages } from '../components/common.messages.ts';
import { labelMessages } from '../components/labels.messages.ts';
import { useLoad } from '../components/load.ts';
import { Empty, ErrorNotice, Show, WithKey } from '../components/states.tsx';
import { useNewVersion } from '../components/versioned.ts';
import { useApp, useT } from '../context.ts';
import { href } from '../router.ts';
import { channelsMessages } from './channels.messages.ts';
import { definePage, type PageProps } from './page.ts';

type Channel = Schemas['Channel'];
type ChannelInput = Schemas['ChannelInput'];

function readChannelForm(form: HTMLFormElement): ChannelInput {
  const data = new FormData(form);
  const text = (name: string) => String(data.get(name) ?? '').trim();
  const input: ChannelInput = {
    medium: text('medium') as ChannelInput['medium'],
    exchanges: data.getAll('exchanges').map(String) as ChannelInput['exchanges'],
    address: text('address'),
  };
  const languages = text('languages')
    .split(/[,\s]+/)
    .filter(Boolean);
  if (languages.length) input.languages = languages;
  if (text('hours')) input.hours = text('hours');
  if (text('notes')) input.notes = text('notes');
  if (text('key_fingerprint'))
    input.key = {
      type: text('key_type') as NonNullable<ChannelInput['key']>['type'],
      fingerprint: text('key_fingerprint').replace(/\s/g, '').toUpperCase(),
      ...(text('public_key') ? { public_key: text('public_key') } : {}),
    };
  return input;
}

const inputOf = (channel: Channel): ChannelInput => ({
  medium: channel.medium,
  exchanges: channel.exchanges,
  address: channel.address,
  ...(channel.languages?.length ? { languages: channel.languages } : {}),
  ...(channel.hours ? { hours: channel.hours } : {}),
  ...(channel.notes ? { notes: channel.notes } : {}),
  ...(channel.key ? { key: channel.key } : {}),
});

function ChannelFields(props: { value?: Partial<ChannelInput>; idPrefix: string }) {
  const t = useT(channelsMessages);
  const value = props.value ?? {};
  const id = (name: string) => `${props.idPrefix}-${name}`;
  return (
    <>
      <label for={id('medium')}>{t('medium')}</label>
      <select id={id('medium')} name="medium" required>
        {channelMediumValues.map((medium) => (
          <option value={medium} selected={value.medium === medium}>
            {t(`medium:${medium}`)}
          </option>
        ))}
      </select>
      <fieldset>
        <legend>{t('exchanges')}</legend>
        <div class="checks">
          {exchangeKindValues.map((kind) => (
            <label>
              <input type="checkbox" name="exchanges" value={kind} checked={value.exchanges?.includes(kind) ?? false} />{' '}
              {t(`exchange:${kind}`)}
            </label>
          ))}
        </div>
      </fieldset>
      <label for={id('address')}>{t('address')}</label>
      <input
        id={id('address')}
        name="address"
        required
        maxlength={300}
        value={value.address ?? ''}
        aria-describedby={id('address-hint')}
      />
      <p id={id('address-hint')} class="hint">
        {t('addressHint')}
      </p>
      <label for={id('languages')}>{t('languages')}</label>
      <input id={id('languages')} name="languages" value={(value.languages ?? []).join(', ')} />
      <label for={id('hours')}>{t('hours')}</label>
      <input id={id('hours')} name="hours" maxlength={200} value={value.hours ?? ''} />
      <label for={id('key_type')}>{t('keyType')}</label>
      <select id={id('key_type')} name="key_type">
        {channelKeyTypeValues.map((type) => (
          <option value={type} selected={value.key?.type === type}>
            {type === 'openpgp' ? 'OpenPGP' : 'S/MIME'}
          </option>
        ))}
      </select>
      <label for={id('key_fingerprint')}>{t('fingerprint')}</label>
      <input id={id('key_fingerprint')} name="key_fingerprint" value={value.key?.fingerprint ?? ''} />
      <label for={id('public_key')}>{t('publicKey')}</label>
      <textarea id={id('public_key')} name="public_key" maxlength={20000}>
        {value.key?.public_key ?? ''}
      </textarea>
      <label for={id('notes')}>{t('notes')}</label>
      <textarea id={id('notes')} name="notes" maxlength={4000}>
        {value.notes ?? ''}
      </textarea>
    </>
  );
}

function ChannelsPage() {
  const { client, query, navigate, session } = useApp();
  const t = useT(channelsMessages);
  const state = query.get('state') ?? '';
  const exchange = query.get('exchange') ?? '';
  const loaded = useLoad(
    () =>
      ok(
        client.GET('/channels', {
          params: {
            query: {
              ...(state ? { state } : {}),
              ...(exchange ? { exchange: exchange as Schemas['ExchangeKind'] } : {}),
              limit: 100,
            },
          },
        }),
      ),
    [state, exchange, client],
  );
  const onFilter = (event: Event) => {
    event.preventDefault();
    const data = new FormData(event.target as HTMLFormElement);
    navigate(
      href('/channels', {
        state: String(data.get('state') ?? '')
          .trim()
          .toUpperCase(),
        exchange: String(data.get('exchange') ?? ''),
      }),
    );
  };
  return (
    <>
      <h1>{t('title')}</h1>
      <p>{t('intro')}</p>
      {session?.kind === 'state' ? (
        <p class="actions">
          <a class="button" href="/channels/new">
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
          {t('exchanges')}
          <select name="exchange">
            <option value="">{t('any')}</option>
            {exchangeKindValues.map((kind) => (
              <option value={kind} selected={exchange === kind}>
                {t(`exchange:${kind}`)}
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
              <ul class="cards" data-testid="channels">
                {page.items.map((channel) => (
                  <li class="card">
                    <h2>
                      <a href={`/channels/${channel.id}`}>
                        {channel.state} · {t(`medium:${channel.medium}`)}
                      </a>
                    </h2>
                    <p class="break">{channel.address}</p>
                    <p>{channel.exchanges.map((kind) => t(`exchange:${kind}`)).join(' · ')}</p>
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

function NewChannelPage() {
  const { client, navigate } = useApp();
  const t = useT(channelsMessages);
  const common = useT(commonMessages);
  const [error, setError] = useState<unknown>(null);
  const [draft, setDraft] = useState<ChannelInput | undefined>(undefined);
  const [key] = useState(idempotencyKey);
  const onSubmit = async (event: Event) => {
    event.preventDefault();
    const input = readChannelForm(event.target as HTMLFormElement);
    setDraft(input);
    setError(null);
    try {
      const result = await ok(
        client.POST('/channels', { body: input, params: { header: { 'Idempotency-Key': key } } }),
      );
      navigate(`/channels/${result.data.id}`);
    } catch (caught) {
      setError(caught);
    }
  };
  return (
    <>
      <h1>{t('newTitle')}</h1>
      <WithKey>
        <form class="form" onSubmit={onSubmit}>
          <ChannelFields idPrefix="new-channel" value={draft} />
          <div class="actions">
            <button type="submit">{t('publish')}</button>
            <a href="/channels">{common('cancel')}</a>
          </div>
        </form>
        {error ? <ErrorNotice error={error} /> : null}
      </WithKey>
    </>
  );
}

function ChannelPage(props: PageProps) {
  const { client, session, fmt } = useApp();
  const t = useT(channelsMessages);
  const common = useT(commonMessages);
  const labels = useT(labelMessages);
  const { round, reload, editing, setEditing, draft, error, newer, publish } = useNewVersion<ChannelInput>();
  const [withdrawError, setWithdrawError] = useState<unknown>(null);
  const channelId = props.params.id!;
  const loaded = useLoad(
    () => withEtag(client.GET('/channels/{channelId}', { params: { path: { channelId } } })),
    [channelId, client, round],
  );
  return (
    <WithKey>
      <Show loaded={loaded}>
        {({ data: channel, etag }) => {
          const own = session?.principal === channel.state && channel.status === 'active';
          const publishVersion = (input: ChannelInput) =>
            publish(
              input,
              () =>
                ok(
                  client.PUT('/channels/{channelId}', {
                    params: { path: { channelId }, header: { 'If-Match': etag ?? '' } },
                    body: input,
                  }),
                ),
              async () =>
                (await client.GET('/channels/{channelId}', { params: { path: { channelId } } })).data?.version,
            );
          return (
            <>
              <h1>
                {channel.state} · {t(`medium:${channel.medium}`)}
              </h1>
              <dl class="record" data-testid="channel">
                <dt>{t('address')}</dt>
                <dd class="break">{channel.address}</dd>
                <dt>{t('exchanges')}</dt>
                <dd>{fmt.list(channel.exchanges.map((kind) => t(`exchange:${kind}`)))}</dd>
                {channel.languages?.length ? (
                  <>
                    <dt>{t('languages')}</dt>
                    <dd>{fmt.list(channel.languages)}</dd>
                  </>
                ) : null}
                {channel.hours ? (
                  <>
                    <dt>{t('hours')}</dt>
                    <dd>{channel.hours}</dd>
                  </>
                ) : null}
                {channel.key ? (
                  <>
                    <dt>{t('fingerprint')}</dt>
                    <dd>
                      {channel.key.type === 'openpgp' ? 'OpenPGP' : 'S/MIME'}{' '}
                      <code class="break">{channel.key.fingerprint}</code>
                    </dd>
                  </>
                ) : null}
                <dt>{t('version')}</dt>
                <dd data-field="version">
                  {fmt.number(channel.version)} · {labels(`status:${channel.status}`)}
                </dd>
                <dt>{t('published')}</dt>
                <dd>{fmt.dateTime(channel.published_at)}</dd>
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
                    void publishVersion(readChannelForm(event.target as HTMLFormElement));
                  }}
                >
                  <ChannelFields idPrefix="edit-channel" value={draft ?? inputOf(channel)} />
                  <div class="actions">
                    <button type="submit">{t('publishVersion')}</button>
                    <button type="button" class="secondary" onClick={() => setEditing(false)}>
                      {common('cancel')}
                    </button>
                  </div>
                </form>
              ) : null}
              {error ? <ErrorNotice error={error} /> : null}
              {withdrawError ? <ErrorNotice error={withdrawError} /> : null}
              {own ? (
                <p class="actions">
                  <button
                    type="button"
                    class="danger"
                    onClick={async () => {
                      if (!window.confirm(t('withdrawConfirm'))) return;
                      setWithdrawError(null);
                      try {
                        await ok(
                          client.POST('/channels/{channelId}/withdraw', {
                            params: { path: { channelId }, header: { 'If-Match': etag ?? '' } },
                            body: {},
                          }),
                        );
                      } catch (caught) {
                        setWithdrawError(caught);
                      }
                      reload();
                    }}
                  >
                    {t('withdraw')}
                  </button>
                </p>
              ) : null}
              <AttestationSlot attestationId={channel.attestation_id} record={channel} />
            </>
          );
        }}
      </Show>
    </WithKey>
  );
}

export const channelPages = [
  definePage({ path: '/channels', messages: channelsMessages, title: 'title', component: ChannelsPage }),
  definePage({ path: '/channels/new', messages: channelsMessages, title: 'newTitle', component: NewChannelPage }),
  definePage({ path: '/channels/:id', messages: channelsMessages, title: 'channelTitle', component: ChannelPage }),
];
