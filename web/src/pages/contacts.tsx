/**
 * The points-of-contact directory (CBM 8): search and filter by state, role and sector; a
 * state publishes its own contacts, publishes new versions (If-Match, with the 412 of a
 * concurrent change shown and reapplied), withdraws them; every version's history.
 */
import { useState } from 'hono/jsx/dom';
import { ok, PortalError, type Schemas } from '../../../clients/typescript/src/client.ts';
import { contactRoleValues, nis2SectorValues } from '../../../clients/typescript/src/generated/openapi.ts';
import { idempotencyKey, withEtag } from '../components/api.ts';
import { AttestationSlot } from '../components/attestation-slot.tsx';
import { commonMessages } from '../components/common.messages.ts';
import { labelMessages } from '../components/labels.messages.ts';
import { useLoad } from '../components/load.ts';
import { Empty, ErrorNotice, Show, WithKey } from '../components/states.tsx';
import { WithdrawWithReason } from '../components/withdraw.tsx';
import { useApp, useT } from '../context.ts';
import { href } from '../router.ts';
import { type ContactInput, ContactFields, contactInputOf, readContactForm } from './contact-form.tsx';
import { contactsMessages } from './contacts.messages.ts';
import { definePage, type PageProps } from './page.ts';

type Contact = Schemas['Contact'];
const PAGE_SIZE = 50;

/** The longest search text the portal takes (`listContacts` q). */
const MAX_SEARCH = 100;

function DirectoryPage() {
  const { client, query, navigate, session } = useApp();
  const t = useT(contactsMessages);
  const common = useT(commonMessages);
  const labels = useT(labelMessages);
  const filters = {
    state: query.get('state') ?? '',
    role: query.get('role') ?? '',
    sector: query.get('sector') ?? '',
    status: query.get('status') ?? '',
    q: query.get('q') ?? '',
  };
  const [more, setMore] = useState<{ key: string; items: Contact[]; cursor: string | null } | null>(null);
  const text = filters.q.trim().slice(0, MAX_SEARCH);
  const key = JSON.stringify([filters.state, filters.role, filters.sector, filters.status, text]);
  // The portal searches the whole directory (name, organisation, e-mail), not only the pages loaded here.
  const apiQuery = (cursor?: string) => ({
    ...(text ? { q: text } : {}),
    ...(filters.state ? { state: filters.state } : {}),
    ...(filters.role ? { role: filters.role as Schemas['ContactRole'] } : {}),
    ...(filters.sector ? { sector: filters.sector as Schemas['Nis2Sector'] } : {}),
    ...(filters.status === 'all' ? { status: 'all' as const } : {}),
    limit: PAGE_SIZE,
    ...(cursor ? { cursor } : {}),
  });
  const loaded = useLoad(() => ok(client.GET('/contacts', { params: { query: apiQuery() } })), [key, client]);
  const [moreError, setMoreError] = useState<unknown>(null);

  const onFilter = (event: Event) => {
    event.preventDefault();
    const data = new FormData(event.target as HTMLFormElement);
    const value = (name: string) => String(data.get(name) ?? '').trim();
    navigate(
      href('/contacts', {
        state: value('state').toUpperCase(),
        role: value('role'),
        sector: value('sector'),
        status: value('status'),
        q: value('q'),
      }),
    );
  };

  return (
    <>
      <h1>{t('directoryTitle')}</h1>
      <p>{t('directoryIntro')}</p>
      {session?.kind === 'state' ? (
        <p class="actions">
          <a class="button" href="/contacts/new">
            {t('publishNew')}
          </a>
          <a class="button secondary" href={`/states/${session.principal}/confirmations`}>
            {t('annualConfirmation')}
          </a>
        </p>
      ) : null}
      <form class="filters" onSubmit={onFilter} aria-label={t('filters')}>
        <label>
          {t('search')}
          <input name="q" type="search" value={filters.q} maxlength={MAX_SEARCH} />
        </label>
        <label>
          {t('state')}
          <input name="state" value={filters.state} maxlength={2} size={4} pattern="[A-Za-z]{2}" autocomplete="off" />
        </label>
        <label>
          {t('role')}
          <select name="role">
            <option value="">{t('any')}</option>
            {contactRoleValues.map((role) => (
              <option value={role} selected={filters.role === role}>
                {labels(`role:${role}`)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('sector')}
          <select name="sector">
            <option value="">{t('any')}</option>
            {nis2SectorValues.map((sector) => (
              <option value={sector} selected={filters.sector === sector}>
                {labels(`sector:${sector}`)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('statusFilter')}
          <select name="status">
            <option value="">{t('activeOnly')}</option>
            <option value="all" selected={filters.status === 'all'}>
              {t('withWithdrawn')}
            </option>
          </select>
        </label>
        <button type="submit">{t('apply')}</button>
      </form>
      <WithKey>
        <Show loaded={loaded}>
          {(page) => {
            const extra = more?.key === key ? more : null;
            const items = [...page.items, ...(extra?.items ?? [])];
            const cursor = extra ? extra.cursor : page.next_cursor;
            return (
              <>
                <p role="status">{t('count', { count: items.length })}</p>
                {items.length === 0 ? <Empty>{t('noContacts')}</Empty> : <ContactTable contacts={items} />}
                {moreError ? <ErrorNotice error={moreError} /> : null}
                {cursor ? (
                  <button
                    type="button"
                    class="secondary"
                    onClick={async () => {
                      setMoreError(null);
                      try {
                        const next = await ok(client.GET('/contacts', { params: { query: apiQuery(cursor) } }));
                        setMore({ key, items: [...(extra?.items ?? []), ...next.items], cursor: next.next_cursor });
                      } catch (error) {
                        setMoreError(error);
                      }
                    }}
                  >
                    {common('more')}
                  </button>
                ) : null}
              </>
            );
          }}
        </Show>
      </WithKey>
    </>
  );
}

function ContactTable(props: { contacts: Contact[] }) {
  const t = useT(contactsMessages);
  const labels = useT(labelMessages);
  return (
    <div class="table-wrap">
      <table data-testid="contacts">
        <caption class="muted">{t('directoryTitle')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('state')}</th>
            <th scope="col">{t('name')}</th>
            <th scope="col">{t('role')}</th>
            <th scope="col">{t('organisation')}</th>
            <th scope="col">{t('email')}</th>
            <th scope="col">{t('phone')}</th>
          </tr>
        </thead>
        <tbody>
          {props.contacts.map((contact) => (
            <tr data-id={contact.id}>
              <td>{contact.state}</td>
              <td>
                <a href={`/contacts/${contact.id}`}>{contact.name}</a>
                {contact.status === 'withdrawn' ? (
                  <span class="badge badge-muted">{labels('status:withdrawn')}</span>
                ) : null}
              </td>
              <td>{labels(`role:${contact.role}`)}</td>
              <td>{contact.organisation}</td>
              <td>
                <a href={`mailto:${contact.email}`} data-reload>
                  {contact.email}
                </a>
              </td>
              <td>
                <a href={`tel:${contact.phone_24x7}`} data-reload dir="ltr">
                  {contact.phone_24x7}
                </a>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function NewContactPage() {
  const { client, navigate, session } = useApp();
  const t = useT(contactsMessages);
  const common = useT(commonMessages);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [draft, setDraft] = useState<ContactInput | undefined>(undefined);
  // One key per form: a retry after a lost answer is the same publication, not a second one.
  const [key] = useState(idempotencyKey);
  const onSubmit = async (event: Event) => {
    event.preventDefault();
    const input = readContactForm(event.target as HTMLFormElement);
    setDraft(input);
    setError(null);
    setBusy(true);
    try {
      const result = await ok(
        client.POST('/contacts', { body: input, params: { header: { 'Idempotency-Key': key } } }),
      );
      navigate(`/contacts/${result.data.id}`);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <h1>{t('newTitle')}</h1>
      <WithKey>
        <p>{t('newIntro', { state: session?.principal ?? '' })}</p>
        <form class="form" onSubmit={onSubmit}>
          <ContactFields idPrefix="new" value={draft} />
          <div class="actions">
            <button type="submit" disabled={busy}>
              {busy ? common('saving') : t('publish')}
            </button>
            <a href="/contacts">{common('cancel')}</a>
          </div>
        </form>
        {error ? <ErrorNotice error={error} /> : null}
      </WithKey>
    </>
  );
}

function ContactView(props: { contact: Contact }) {
  const { fmt } = useApp();
  const t = useT(contactsMessages);
  const labels = useT(labelMessages);
  const c = props.contact;
  return (
    <dl class="record" data-testid="contact">
      <dt>{t('state')}</dt>
      <dd>{c.state}</dd>
      <dt>{t('role')}</dt>
      <dd>{labels(`role:${c.role}`)}</dd>
      <dt>{t('name')}</dt>
      <dd data-field="name">{c.name}</dd>
      {c.position ? (
        <>
          <dt>{t('position')}</dt>
          <dd>{c.position}</dd>
        </>
      ) : null}
      <dt>{t('organisation')}</dt>
      <dd>{c.organisation}</dd>
      <dt>{t('email')}</dt>
      <dd>
        <a href={`mailto:${c.email}`} data-reload>
          {c.email}
        </a>
      </dd>
      <dt>{t('phone')}</dt>
      <dd dir="ltr">{c.phone_24x7}</dd>
      <dt>{t('languages')}</dt>
      <dd>{fmt.list(c.languages)}</dd>
      <dt>{t('timeZone')}</dt>
      <dd>{c.time_zone}</dd>
      {c.sectors.length ? (
        <>
          <dt>{t('sectors')}</dt>
          <dd>{fmt.list(c.sectors.map((sector) => labels(`sector:${sector}`)))}</dd>
        </>
      ) : null}
      {c.notes ? (
        <>
          <dt>{t('notes')}</dt>
          <dd class="pre-line">{c.notes}</dd>
        </>
      ) : null}
      <dt>{t('version')}</dt>
      <dd data-field="version">
        {fmt.number(c.version)} · {labels(`status:${c.status}`)}
      </dd>
      <dt>{t('effective')}</dt>
      <dd>
        {fmt.dateTime(c.effective_at)}
        {c.late ? <span class="badge badge-danger">{t('late')}</span> : null}
      </dd>
      <dt>{t('filed')}</dt>
      <dd>{fmt.dateTime(c.filed_at)}</dd>
      {c.withdrawal_reason ? (
        <>
          <dt>{t('withdrawalReason')}</dt>
          <dd>{c.withdrawal_reason}</dd>
        </>
      ) : null}
    </dl>
  );
}

function ContactPage(props: PageProps) {
  const { client, session } = useApp();
  const t = useT(contactsMessages);
  const [round, setRound] = useState(0);
  const contactId = props.params.id!;
  const loaded = useLoad(
    () => withEtag(client.GET('/contacts/{contactId}', { params: { path: { contactId } } })),
    [contactId, client, round],
  );
  const reload = () => setRound((n) => n + 1);
  return (
    <WithKey>
      <Show loaded={loaded}>
        {({ data: contact, etag }) => {
          const own = session?.principal === contact.state && contact.status === 'active';
          return (
            <>
              <h1 dir="auto">{contact.name}</h1>
              <ContactView contact={contact} />
              <p>
                <a href={`/contacts/${contact.id}/history`}>{t('history')}</a>
              </p>
              {own && etag ? <EditContact contact={contact} etag={etag} onSaved={reload} /> : null}
              {own && etag ? <WithdrawContact contact={contact} etag={etag} onDone={reload} /> : null}
              <AttestationSlot attestationId={contact.attestation_id} record={contact} />
            </>
          );
        }}
      </Show>
    </WithKey>
  );
}

/** The fields a conflict compares, with the message key of each one's label. */
const FIELDS = {
  role: 'role',
  name: 'name',
  position: 'position',
  organisation: 'organisation',
  email: 'email',
  phone_24x7: 'phone',
  languages: 'languages',
  time_zone: 'timeZone',
  sectors: 'sectors',
  notes: 'notes',
} as const satisfies Partial<Record<keyof ContactInput, keyof (typeof contactsMessages)['en']>>;
const shown = (value: unknown) =>
  Array.isArray(value) ? value.join(', ') : value === undefined || value === null ? '' : String(value);

/**
 * A new version, based on the version shown (its ETag in If-Match). When someone published
 * another version meanwhile (412), the newer one is shown beside the person's changes, which
 * they can reapply to it: nothing is overwritten unseen.
 */
function EditContact(props: { contact: Contact; etag: string; onSaved: () => void }) {
  const { client } = useApp();
  const t = useT(contactsMessages);
  const common = useT(commonMessages);
  const [open, setOpen] = useState(false);
  const [draft, setDraft] = useState<ContactInput | null>(null);
  const [base, setBase] = useState<{ contact: Contact; etag: string } | null>(null);
  const [conflict, setConflict] = useState<Contact | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const current = base ?? { contact: props.contact, etag: props.etag };

  async function publish(input: ContactInput, against: { contact: Contact; etag: string }) {
    setBusy(true);
    setError(null);
    try {
      await ok(
        client.PUT('/contacts/{contactId}', {
          params: { path: { contactId: props.contact.id }, header: { 'If-Match': against.etag } },
          body: input,
        }),
      );
      setOpen(false);
      setDraft(null);
      setBase(null);
      setConflict(null);
      props.onSaved();
    } catch (caught) {
      if (caught instanceof PortalError && caught.status === 412) {
        try {
          const newer = await withEtag(
            client.GET('/contacts/{contactId}', { params: { path: { contactId: props.contact.id } } }),
          );
          setBase({ contact: newer.data, etag: newer.etag ?? '' });
          setConflict(newer.data);
        } catch (reloadError) {
          setError(reloadError);
        }
      } else setError(caught);
    } finally {
      setBusy(false);
    }
  }

  if (!open)
    return (
      <p class="actions">
        <button type="button" onClick={() => setOpen(true)}>
          {t('newVersion')}
        </button>
      </p>
    );
  const theirs = conflict ? contactInputOf(conflict) : null;
  return (
    <section aria-labelledby="edit-contact">
      <h2 id="edit-contact">{t('newVersionOf', { version: current.contact.version })}</h2>
      {conflict && theirs && draft ? (
        <div class="notice notice-error" role="alert" data-testid="conflict">
          <p class="notice-title">{t('conflictTitle')}</p>
          <p>{t('conflict', { version: conflict.version })}</p>
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">{t('field')}</th>
                  <th scope="col">{t('theirVersion', { version: conflict.version })}</th>
                  <th scope="col">{t('yourChange')}</th>
                </tr>
              </thead>
              <tbody>
                {(Object.keys(FIELDS) as (keyof typeof FIELDS)[])
                  .filter((field) => shown(theirs[field]) !== shown(draft[field]))
                  .map((field) => (
                    <tr>
                      <th scope="row">{t(FIELDS[field])}</th>
                      <td>{shown(theirs[field])}</td>
                      <td>{shown(draft[field])}</td>
                    </tr>
                  ))}
              </tbody>
            </table>
          </div>
          <div class="actions">
            <button type="button" disabled={busy} onClick={() => void publish(draft, current)}>
              {t('reapply', { version: conflict.version })}
            </button>
            <button
              type="button"
              class="secondary"
              onClick={() => {
                setDraft(null);
                setConflict(null);
                setOpen(false);
                props.onSaved();
              }}
            >
              {t('discard')}
            </button>
          </div>
        </div>
      ) : null}
      <form
        class="form"
        onSubmit={(event: Event) => {
          event.preventDefault();
          const input = readContactForm(event.target as HTMLFormElement);
          setDraft(input);
          setConflict(null);
          void publish(input, current);
        }}
      >
        <ContactFields idPrefix="edit" value={draft ?? contactInputOf(current.contact)} />
        <div class="actions">
          <button type="submit" disabled={busy}>
            {busy ? common('saving') : t('publishVersion')}
          </button>
          <button type="button" class="secondary" onClick={() => setOpen(false)}>
            {common('cancel')}
          </button>
        </div>
      </form>
      {error ? <ErrorNotice error={error} /> : null}
    </section>
  );
}

function WithdrawContact(props: { contact: Contact; etag: string; onDone: () => void }) {
  const { client } = useApp();
  const t = useT(contactsMessages);
  return (
    <WithdrawWithReason
      reasonId="withdraw-reason"
      labels={{ withdraw: t('withdraw'), reason: t('withdrawalReason') }}
      confirm={t('withdrawConfirm', { name: props.contact.name })}
      withdraw={(reason) =>
        ok(
          client.POST('/contacts/{contactId}/withdraw', {
            params: { path: { contactId: props.contact.id }, header: { 'If-Match': props.etag } },
            body: reason ? { reason } : {},
          }),
        )
      }
      onDone={props.onDone}
    />
  );
}

function HistoryPage(props: PageProps) {
  const { client, fmt } = useApp();
  const t = useT(contactsMessages);
  const labels = useT(labelMessages);
  const contactId = props.params.id!;
  const loaded = useLoad(
    () => ok(client.GET('/contacts/{contactId}/history', { params: { path: { contactId }, query: { limit: 200 } } })),
    [contactId, client],
  );
  return (
    <>
      <h1>{t('historyTitle')}</h1>
      <p>
        <a href={`/contacts/${contactId}`}>{t('backToContact')}</a>
      </p>
      <WithKey>
        <Show loaded={loaded}>
          {(page) =>
            page.items.length === 0 ? (
              <Empty />
            ) : (
              <div class="table-wrap">
                <table data-testid="history">
                  <thead>
                    <tr>
                      <th scope="col">{t('version')}</th>
                      <th scope="col">{t('name')}</th>
                      <th scope="col">{t('email')}</th>
                      <th scope="col">{t('phone')}</th>
                      <th scope="col">{t('effective')}</th>
                      <th scope="col">{t('filed')}</th>
                      <th scope="col">{t('attestation')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {page.items.map((version) => (
                      <tr>
                        <td>
                          {fmt.number(version.version)} · {labels(`status:${version.status}`)}
                        </td>
                        <td>{version.name}</td>
                        <td>{version.email}</td>
                        <td dir="ltr">{version.phone_24x7}</td>
                        <td>
                          {fmt.dateTime(version.effective_at)}
                          {version.late ? <span class="badge badge-danger">{t('late')}</span> : null}
                        </td>
                        <td>{fmt.dateTime(version.filed_at)}</td>
                        <td>
                          <code class="break">{version.attestation_id}</code>
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
    </>
  );
}

function ConfirmationsPage(props: PageProps) {
  const { client, session, fmt } = useApp();
  const t = useT(contactsMessages);
  const [round, setRound] = useState(0);
  const [error, setError] = useState<unknown>(null);
  const [key, setKey] = useState(idempotencyKey);
  const stateId = props.params.state!.toUpperCase();
  const loaded = useLoad(
    () => ok(client.GET('/states/{stateId}/confirmations', { params: { path: { stateId } } })),
    [stateId, client, round],
  );
  const own = session?.principal === stateId;
  const onSubmit = async (event: Event) => {
    event.preventDefault();
    const note = String(new FormData(event.target as HTMLFormElement).get('note') ?? '').trim();
    setError(null);
    try {
      await ok(
        client.POST('/states/{stateId}/confirmations', {
          params: { path: { stateId }, header: { 'Idempotency-Key': key } },
          body: note ? { note } : {},
        }),
      );
      setKey(idempotencyKey());
      setRound((n) => n + 1);
    } catch (caught) {
      setError(caught);
    }
  };
  return (
    <>
      <h1>{t('confirmationsTitle', { state: stateId })}</h1>
      <p>{t('confirmationsIntro')}</p>
      <WithKey>
        {own ? (
          <form class="form" onSubmit={onSubmit}>
            <label for="confirm-note">{t('confirmNote')}</label>
            <textarea id="confirm-note" name="note" maxlength={2000} />
            <div class="actions">
              <button type="submit">{t('confirm')}</button>
            </div>
          </form>
        ) : null}
        {error ? <ErrorNotice error={error} /> : null}
        <Show loaded={loaded}>
          {(page) =>
            page.items.length === 0 ? (
              <Empty>{t('noConfirmations')}</Empty>
            ) : (
              <ul class="cards" data-testid="confirmations">
                {page.items.map((confirmation) => (
                  <li class="card">
                    <p>
                      <strong>{fmt.dateTime(confirmation.confirmed_at)}</strong>
                    </p>
                    <p>{t('activeContacts', { count: confirmation.active_contacts })}</p>
                    {confirmation.note ? <p>{confirmation.note}</p> : null}
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

export const contactPages = [
  definePage({
    path: '/contacts',
    messages: contactsMessages,
    title: 'directoryTitle',
    component: DirectoryPage,
  }),
  definePage({ path: '/contacts/new', messages: contactsMessages, title: 'newTitle', component: NewContactPage }),
  definePage({ path: '/contacts/:id', messages: contactsMessages, title: 'contactTitle', component: ContactPage }),
  definePage({
    path: '/contacts/:id/history',
    messages: contactsMessages,
    title: 'historyTitle',
    component: HistoryPage,
  }),
  definePage({
    path: '/states/:state/confirmations',
    messages: contactsMessages,
    title: 'confirmationsNav',
    component: ConfirmationsPage,
  }),
];
