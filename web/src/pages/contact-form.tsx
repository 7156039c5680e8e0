/** The contact form (publish and new version): every field of ContactInput, labelled. */
import type { Schemas } from '../../../clients/typescript/src/client.ts';
import { contactRoleValues, nis2SectorValues } from '../../../clients/typescript/src/generated/openapi.ts';
import { ok } from '../../../clients/typescript/src/client.ts';
import { labelMessages } from '../components/labels.messages.ts';
import { useLoad } from '../components/load.ts';
import { useApp, useT } from '../context.ts';
import { contactsMessages } from './contacts.messages.ts';

export type ContactInput = Schemas['ContactInput'];

/** The browser's IANA time zone, the usual answer for a new contact. */
const localZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone;

/** What the form holds now, as the contract's ContactInput (empty optional fields left out). */
export function readContactForm(form: HTMLFormElement): ContactInput {
  const data = new FormData(form);
  const text = (name: string) => String(data.get(name) ?? '').trim();
  const role = text('role') as ContactInput['role'];
  const input: ContactInput = {
    role,
    name: text('name'),
    organisation: text('organisation'),
    email: text('email'),
    phone_24x7: text('phone_24x7').replace(/[\s()-]/g, ''),
    languages: text('languages')
      .split(/[,\s]+/)
      .filter(Boolean),
    time_zone: text('time_zone'),
  };
  if (text('position')) input.position = text('position');
  if (text('notes')) input.notes = text('notes');
  if (role === 'ci-authority') input.sectors = data.getAll('sectors').map(String) as ContactInput['sectors'];
  if (text('body_id')) input.body_id = text('body_id');
  return input;
}

/** The published values of a contact as form input (for a new version). */
export const contactInputOf = (contact: Schemas['Contact']): ContactInput => ({
  role: contact.role,
  name: contact.name,
  organisation: contact.organisation,
  email: contact.email,
  phone_24x7: contact.phone_24x7,
  languages: contact.languages,
  time_zone: contact.time_zone,
  ...(contact.position ? { position: contact.position } : {}),
  ...(contact.notes ? { notes: contact.notes } : {}),
  ...(contact.sectors.length ? { sectors: contact.sectors } : {}),
  ...(contact.body_id ? { body_id: contact.body_id } : {}),
});

/** The competent body (CBM 2) the contact belongs to: one of the signing state's own bodies. */
function BodySelect(props: { id: string; value?: string }) {
  const { client, session } = useApp();
  const t = useT(contactsMessages);
  const state = session?.kind === 'state' ? session.principal : undefined;
  const bodies = useLoad(
    async () => (state ? (await ok(client.GET('/bodies', { params: { query: { state, limit: 100 } } }))).items : []),
    [state, client],
  );
  const items = bodies.state === 'ok' ? bodies.data : [];
  return (
    <>
      <label for={props.id}>{t('body')}</label>
      <select id={props.id} name="body_id">
        <option value="">{t('noBody')}</option>
        {items.map((body) => (
          <option value={body.id} selected={props.value === body.id}>
            {body.name}
            {body.acronym ? ` (${body.acronym})` : ''}
          </option>
        ))}
      </select>
    </>
  );
}

export function ContactFields(props: { value?: Partial<ContactInput>; idPrefix: string }) {
  const t = useT(contactsMessages);
  const labels = useT(labelMessages);
  const value = props.value ?? {};
  const id = (name: string) => `${props.idPrefix}-${name}`;
  return (
    <>
      <label for={id('role')}>{t('role')}</label>
      <select id={id('role')} name="role" required>
        {contactRoleValues.map((role) => (
          <option value={role} selected={value.role === role}>
            {labels(`role:${role}`)}
          </option>
        ))}
      </select>
      <label for={id('name')}>{t('name')}</label>
      <input id={id('name')} name="name" required maxlength={200} value={value.name ?? ''} autocomplete="off" />
      <label for={id('position')}>{t('position')}</label>
      <input id={id('position')} name="position" maxlength={200} value={value.position ?? ''} />
      <label for={id('organisation')}>{t('organisation')}</label>
      <input id={id('organisation')} name="organisation" required maxlength={300} value={value.organisation ?? ''} />
      <label for={id('email')}>{t('email')}</label>
      <input id={id('email')} name="email" type="email" required maxlength={254} value={value.email ?? ''} />
      <label for={id('phone')}>{t('phone')}</label>
      <input
        id={id('phone')}
        name="phone_24x7"
        type="tel"
        required
        value={value.phone_24x7 ?? ''}
        aria-describedby={id('phone-hint')}
      />
      <p id={id('phone-hint')} class="hint">
        {t('phoneHint')}
      </p>
      <label for={id('languages')}>{t('languages')}</label>
      <input
        id={id('languages')}
        name="languages"
        required
        value={(value.languages ?? []).join(', ')}
        aria-describedby={id('languages-hint')}
      />
      <p id={id('languages-hint')} class="hint">
        {t('languagesHint')}
      </p>
      <label for={id('time_zone')}>{t('timeZone')}</label>
      <input id={id('time_zone')} name="time_zone" required value={value.time_zone ?? localZone()} />
      <fieldset>
        <legend>{t('sectors')}</legend>
        <p class="hint">{t('sectorsHint')}</p>
        <div class="checks">
          {nis2SectorValues.map((sector) => (
            <label>
              <input type="checkbox" name="sectors" value={sector} checked={value.sectors?.includes(sector) ?? false} />{' '}
              {labels(`sector:${sector}`)}
            </label>
          ))}
        </div>
      </fieldset>
      <BodySelect id={id('body')} value={value.body_id} />
      <label for={id('notes')}>{t('notes')}</label>
      <textarea id={id('notes')} name="notes" maxlength={4000}>
        {value.notes ?? ''}
      </textarea>
    </>
  );
}
