import { entryRecord, entryRoutes, findCurrentEntry } from '../bodies/entries.ts';
import type { FieldError } from '../http/problem.ts';

export const channelHref = (id: string) => `/channels/${id}`;

/**
 * The channels a state accepts for each kind of exchange (CBMs 10, 13): the OSCE
 * Communications Network, e-mail with its OpenPGP or S/MIME key, phone, this portal. A key
 * published here is attested with the channel, so a partner can check the fingerprint it
 * encrypts to against the state's signed word.
 */
export const channels = entryRoutes({
  kind: 'channel',
  urn: 'channel',
  writer: 'state',
  noun: 'channel',
  param: 'channelId',
  operations: {
    list: 'listChannels',
    create: 'createChannel',
    get: 'getChannel',
    update: 'updateChannel',
    withdraw: 'withdrawChannel',
    history: 'listChannelHistory',
  },
  filters: (query) => ({
    owner: query.state as string | undefined,
    data: [
      ...(query.exchange ? [{ member: 'exchanges', value: query.exchange as string, array: true }] : []),
      ...(query.medium ? [{ member: 'medium', value: query.medium as string }] : []),
    ],
  }),
  async check(c, input, owner) {
    const errors: FieldError[] = [];
    const {
      medium,
      address,
      key,
      body_id: bodyId,
    } = input as { medium: string; address: string; key?: unknown; body_id?: string };
    if (medium === 'email' && !/^[^@\s]+@[^@\s]+$/.test(address))
      errors.push({ pointer: '/address', detail: 'an e-mail channel gives an e-mail address' });
    if (medium === 'phone' && !/^\+[1-9][0-9]{6,14}$/.test(address))
      errors.push({ pointer: '/address', detail: 'a phone channel gives an E.164 number' });
    if (key !== undefined && medium !== 'email')
      errors.push({ pointer: '/key', detail: 'only an e-mail channel carries an OpenPGP or S/MIME key' });
    if (bodyId) {
      const body = await findCurrentEntry(c.get('deps').db, 'body', bodyId);
      if (!body || body.owner_id !== owner || body.status !== 'active')
        errors.push({ pointer: '/body_id', detail: `not an active competent body of ${owner}` });
    }
    return errors;
  },
  toRecords: async (_db, rows) => rows.map((row) => entryRecord(row, 'state', channelHref(row.entry_id))),
  href: channelHref,
});
