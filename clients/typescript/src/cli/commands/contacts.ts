/** A state's points of contact (CBM 8): the directory, publishing, confirming, withdrawing. */
import { ok, type Schemas } from '../../client.ts';
import type { Command } from '../command.ts';
import { IDEMPOTENCY_OPTION, PAGE_OPTIONS, VERSION_OPTIONS } from '../command.ts';
import { UsageError } from '../errors.ts';
import {
  arg,
  attested,
  collect,
  flag,
  idempotencyHeader,
  ifMatch,
  integer,
  noMoreArgs,
  readJsonInput,
  str,
  table,
} from '../util.ts';
import { verifyOnline } from './verify.ts';

const contactLines = (contact: Schemas['Contact']) => [
  `${contact.id}  ${contact.state} ${contact.role}  version ${contact.version} (ETag "${contact.version}")  ${contact.status}`,
  `  ${contact.name}${contact.position ? `, ${contact.position}` : ''}, ${contact.organisation}`,
  `  ${contact.email}  ${contact.phone_24x7}  ${contact.languages.join(' ')}  ${contact.time_zone}`,
  ...(contact.notes ? [`  ${contact.notes}`] : []),
  ...(contact.withdrawal_reason ? [`  withdrawn: ${contact.withdrawal_reason}`] : []),
];

const directory = (items: Schemas['Contact'][]) =>
  items.length
    ? table([
        ['ID', 'STATE', 'ROLE', 'V', 'STATUS', 'NAME', 'EMAIL', 'PHONE'],
        ...items.map((c) => [c.id, c.state, c.role, c.version, c.status, c.name, c.email, c.phone_24x7]),
      ])
    : 'no contacts';

export const contactCommands: Command[] = [
  {
    words: ['contacts', 'list'],
    summary: 'the points-of-contact directory',
    audience: 'everyone',
    options: {
      state: { type: 'string', value: 'CODE', help: "only this state's contacts" },
      role: { type: 'string', value: 'ROLE', help: 'policy or technical' },
      all: { type: 'boolean', help: 'withdrawn contacts too' },
      ...PAGE_OPTIONS,
    },
    async run(ctx) {
      noMoreArgs(ctx, 0);
      const role = str(ctx, 'role');
      if (role && role !== 'policy' && role !== 'technical') throw new UsageError('--role is policy or technical');
      const client = await ctx.client();
      const query = {
        state: str(ctx, 'state'),
        role: role as Schemas['ContactRole'] | undefined,
        status: ctx.opts.all ? ('all' as const) : undefined,
      };
      const items = await collect(
        (cursor, limit) => ok(client.GET('/contacts', { params: { query: { ...query, cursor, limit } } })),
        integer(ctx, 'limit'),
      );
      ctx.emit({ items }, () => directory(items));
    },
  },
  {
    words: ['contacts', 'get'],
    args: 'ID',
    summary:
      'one contact, current version (--history: every version; --verify: each checked against what its state signed)',
    audience: 'everyone',
    options: {
      history: { type: 'boolean', help: 'every version, oldest first' },
      verify: {
        type: 'boolean',
        help:
          "verify each version shown: its attestation, the state's signature and key, the log, and that " +
          'the served fields are the signed ones (exit 3 if not)',
      },
    },
    async run(ctx) {
      const contactId = arg(ctx, 0, 'ID');
      noMoreArgs(ctx, 1);
      const client = await ctx.client();
      const items = ctx.opts.history
        ? await collect((cursor, limit) =>
            ok(
              client.GET('/contacts/{contactId}/history', {
                params: { path: { contactId }, query: { cursor, limit } },
              }),
            ),
          )
        : [await ok(client.GET('/contacts/{contactId}', { params: { path: { contactId } } }))];
      const verified: string[] = [];
      if (flag(ctx, 'verify')) {
        for (const contact of items) {
          const { verified: record, served } = await verifyOnline(ctx, contact.attestation_id);
          verified.push(
            `verified: version ${contact.version} as ${record.report.principal} signed it (key ` +
              `${record.report.principal_kid}, log index ${record.report.log_index}); served fields ${served.status}`,
          );
        }
      }
      if (ctx.opts.history)
        ctx.emit({ items, ...(verified.length ? { verified: true } : {}) }, () => [
          ...items.flatMap(contactLines),
          ...verified,
        ]);
      else
        ctx.emit(verified.length ? { ...items[0]!, verified: true } : items[0], () => [
          ...contactLines(items[0]!),
          ...verified,
        ]);
    },
  },
  {
    words: ['contacts', 'put'],
    args: '[ID] CONTACT_JSON',
    summary: 'publish a contact (new), or a new version of one (with ID); JSON from a file, @FILE or - (stdin)',
    audience: 'state',
    options: { ...VERSION_OPTIONS, ...IDEMPOTENCY_OPTION },
    async run(ctx) {
      const [first, second] = ctx.args;
      noMoreArgs(ctx, 2);
      const id = second !== undefined ? first : undefined;
      const body = await readJsonInput<Schemas['ContactInput']>(ctx, second ?? first, 'contact');
      const client = await ctx.client();
      if (!id) {
        const created = await client.POST('/contacts', { params: { header: idempotencyHeader(ctx) }, body });
        const result = await ok(created);
        ctx.emit(result, [
          `published contact ${result.data.id} (${result.data.state} ${result.data.role}), version 1, ETag ` +
            `${created.response.headers.get('etag') ?? '"1"'}`,
          attested(result.attestation),
        ]);
        return;
      }
      const etag = await ifMatch(
        ctx,
        async () => (await client.GET('/contacts/{contactId}', { params: { path: { contactId: id } } })).response,
      );
      const result = await ok(
        client.PUT('/contacts/{contactId}', {
          params: { path: { contactId: id }, header: { 'If-Match': etag } },
          body,
        }),
      );
      ctx.emit(result, [
        `published version ${result.data.version} of contact ${id}, ETag "${result.data.version}"`,
        attested(result.attestation),
      ]);
    },
  },
  {
    words: ['contacts', 'withdraw'],
    args: 'ID',
    summary: 'withdraw a contact (a new, final version)',
    audience: 'state',
    options: { reason: { type: 'string', value: 'TEXT', help: 'why, for the record' }, ...VERSION_OPTIONS },
    async run(ctx) {
      const contactId = arg(ctx, 0, 'ID');
      noMoreArgs(ctx, 1);
      const client = await ctx.client();
      const etag = await ifMatch(
        ctx,
        async () => (await client.GET('/contacts/{contactId}', { params: { path: { contactId } } })).response,
      );
      const reason = str(ctx, 'reason');
      const result = await ok(
        client.POST('/contacts/{contactId}/withdraw', {
          params: { path: { contactId }, header: { 'If-Match': etag } },
          body: reason ? { reason } : {},
        }),
      );
      ctx.emit(result, [
        `withdrew contact ${contactId} (version ${result.data.version})`,
        attested(result.attestation),
      ]);
    },
  },
  {
    words: ['contacts', 'confirm'],
    summary: "confirm that your state's directory entries are current (the annual confirmation)",
    audience: 'state',
    options: { note: { type: 'string', value: 'TEXT', help: 'a note for the record' }, ...IDEMPOTENCY_OPTION },
    async run(ctx) {
      noMoreArgs(ctx, 0);
      const stateId = ctx.principal();
      const client = await ctx.client();
      const note = str(ctx, 'note');
      const result = await ok(
        client.POST('/states/{stateId}/confirmations', {
          params: { path: { stateId }, header: idempotencyHeader(ctx) },
          body: note ? { note } : {},
        }),
      );
      ctx.emit(result, [
        `${stateId} confirmed its ${result.data.active_contacts} active contacts at ${result.data.confirmed_at}`,
        attested(result.attestation),
      ]);
    },
  },
];
