/**
 * CBMs 2, 10, 11, 13, 15 and the implementation overview (issue 16): competent bodies,
 * channels, expert meetings, and `cbm states overview` (the state x CBM grid, or CSV for
 * the annual report). Bodies, channels and meetings share one shape (a versioned entry),
 * so their commands are made by one function.
 */
import { ok, type PortalClient, type Schemas } from '../../client.ts';
import type { Command } from '../command.ts';
import { IDEMPOTENCY_OPTION, PAGE_OPTIONS, VERSION_OPTIONS } from '../command.ts';
import type { Context } from '../context.ts';
import {
  arg,
  attested,
  collect,
  idempotencyHeader,
  ifMatch,
  integer,
  noMoreArgs,
  readJsonInput,
  str,
  table,
} from '../util.ts';

type Entry = Record<string, unknown> & { id: string; version: number; status: string; attestation_id: string };
type Page = { items: Entry[]; next_cursor: string | null };
type Written = { data: Entry; attestation: Schemas['AttestationRef'] };
/** The generated client is typed per path; these commands pick the path at run time. */
type LooseClient = {
  GET(path: string, init: unknown): Promise<{ data?: unknown; error?: unknown; response: Response }>;
  POST(path: string, init: unknown): Promise<{ data?: unknown; error?: unknown; response: Response }>;
  PUT(path: string, init: unknown): Promise<{ data?: unknown; error?: unknown; response: Response }>;
};
const loose = (client: PortalClient) => client as unknown as LooseClient;
const answer = async <T>(call: Promise<{ data?: unknown; error?: unknown; response: Response }>) =>
  (await ok(call as never)) as T;

interface EntrySpec {
  /** bodies, channels, meetings */
  plural: string;
  noun: string;
  param: string;
  audience: 'state' | 'secretariat';
  filters: Record<string, string>;
  columns: [string, (entry: Entry) => unknown][];
  cbm: string;
}

function entryCommands(spec: EntrySpec): Command[] {
  const base = `/${spec.plural}`;
  const one = `${base}/{${spec.param}}`;
  const path = (id: string) => ({ path: { [spec.param]: id } });
  const render = (items: Entry[]) =>
    items.length
      ? table([
          ['ID', 'V', 'STATUS', ...spec.columns.map(([name]) => name)],
          ...items.map((e) => [e.id, e.version, e.status, ...spec.columns.map(([, get]) => String(get(e) ?? '-'))]),
        ])
      : `no ${spec.plural}`;
  const current = (ctx: Context, client: PortalClient, id: string) =>
    ifMatch(ctx, async () => (await loose(client).GET(one, { params: path(id) })).response);
  return [
    {
      words: [spec.plural, 'list'],
      summary: `the ${spec.noun}s (${spec.cbm})`,
      audience: 'everyone',
      options: {
        ...Object.fromEntries(
          Object.entries(spec.filters).map(([name, help]) => [
            name,
            { type: 'string' as const, value: name.toUpperCase(), help },
          ]),
        ),
        all: { type: 'boolean', help: 'withdrawn ones too' },
        ...PAGE_OPTIONS,
      },
      async run(ctx) {
        noMoreArgs(ctx, 0);
        const client = loose(await ctx.client());
        const query = {
          ...Object.fromEntries(Object.keys(spec.filters).map((name) => [name, str(ctx, name)])),
          status: ctx.opts.all ? 'all' : undefined,
        };
        const items = await collect(
          (cursor, limit) => answer<Page>(client.GET(base, { params: { query: { ...query, cursor, limit } } })),
          integer(ctx, 'limit'),
        );
        ctx.emit({ items }, () => render(items));
      },
    },
    {
      words: [spec.plural, 'get'],
      args: 'ID',
      summary: `one ${spec.noun}, current version (--history: every version)`,
      audience: 'everyone',
      options: { history: { type: 'boolean', help: 'every version, oldest first' } },
      async run(ctx) {
        const id = arg(ctx, 0, 'ID');
        noMoreArgs(ctx, 1);
        const client = loose(await ctx.client());
        const items = ctx.opts.history
          ? await collect((cursor, limit) =>
              answer<Page>(client.GET(`${one}/history`, { params: { ...path(id), query: { cursor, limit } } })),
            )
          : [await answer<Entry>(client.GET(one, { params: path(id) }))];
        if (ctx.opts.history) ctx.emit({ items }, () => items.map((item) => JSON.stringify(item, null, 2)));
        else ctx.emit(items[0], () => JSON.stringify(items[0], null, 2));
      },
    },
    {
      words: [spec.plural, 'put'],
      args: `[ID] JSON`,
      summary: `publish a ${spec.noun} (new), or a new version of one (with ID); JSON from a file, @FILE or - (stdin)`,
      audience: spec.audience,
      options: { ...VERSION_OPTIONS, ...IDEMPOTENCY_OPTION },
      async run(ctx) {
        const [first, second] = ctx.args;
        noMoreArgs(ctx, 2);
        const id = second !== undefined ? first : undefined;
        const body = await readJsonInput<Record<string, unknown>>(ctx, second ?? first, spec.noun);
        const portal = await ctx.client();
        const client = loose(portal);
        if (!id) {
          const result = await answer<Written>(client.POST(base, { params: { header: idempotencyHeader(ctx) }, body }));
          ctx.emit(result, [
            `published ${spec.noun} ${result.data.id}, version 1, ETag "1"`,
            attested(result.attestation),
          ]);
          return;
        }
        const etag = await current(ctx, portal, id);
        const result = await answer<Written>(
          client.PUT(one, { params: { ...path(id), header: { 'If-Match': etag } }, body }),
        );
        ctx.emit(result, [
          `published version ${result.data.version} of ${spec.noun} ${id}, ETag "${result.data.version}"`,
          attested(result.attestation),
        ]);
      },
    },
    {
      words: [spec.plural, 'withdraw'],
      args: 'ID',
      summary: `withdraw a ${spec.noun} (a new, final version)`,
      audience: spec.audience,
      options: { reason: { type: 'string', value: 'TEXT', help: 'why, for the record' }, ...VERSION_OPTIONS },
      async run(ctx) {
        const id = arg(ctx, 0, 'ID');
        noMoreArgs(ctx, 1);
        const portal = await ctx.client();
        const etag = await current(ctx, portal, id);
        const reason = str(ctx, 'reason');
        const result = await answer<Written>(
          loose(portal).POST(`${one}/withdraw`, {
            params: { ...path(id), header: { 'If-Match': etag } },
            body: reason ? { reason } : {},
          }),
        );
        ctx.emit(result, [
          `withdrew ${spec.noun} ${id} (version ${result.data.version})`,
          attested(result.attestation),
        ]);
      },
    },
  ];
}

const STATUS_MARK: Record<Schemas['ImplementationStatus'], string> = { current: '+', stale: '~', none: '.' };

export const cbmCommands: Command[] = [
  ...entryCommands({
    plural: 'bodies',
    noun: 'competent body',
    param: 'bodyId',
    audience: 'state',
    cbm: 'CBM 2',
    filters: {
      state: "only this state's bodies",
      kind: 'national-cert, cyber-agency, foreign-ministry-unit, regulator, law-enforcement, ci-authority, other',
      sector: 'a NIS2 sector, e.g. energy',
    },
    columns: [
      ['STATE', (e) => e.state],
      ['KIND', (e) => e.kind],
      ['NAME', (e) => e.name],
      ['SECTORS', (e) => (e.sectors as string[] | undefined)?.join(',')],
    ],
  }),
  ...entryCommands({
    plural: 'channels',
    noun: 'channel',
    param: 'channelId',
    audience: 'state',
    cbm: 'CBMs 10, 13',
    filters: {
      state: "only this state's channels",
      exchange: 'consultation, incident-notification, assistance-request, ...',
      medium: 'osce-network, email, phone, portal',
    },
    columns: [
      ['STATE', (e) => e.state],
      ['MEDIUM', (e) => e.medium],
      ['ADDRESS', (e) => e.address],
      ['EXCHANGES', (e) => (e.exchanges as string[]).join(',')],
      [
        'KEY',
        (e) =>
          (e.key as { type: string; fingerprint: string } | undefined) &&
          `${(e.key as { type: string }).type} ${(e.key as { fingerprint: string }).fingerprint}`,
      ],
    ],
  }),
  ...entryCommands({
    plural: 'meetings',
    noun: 'expert meeting',
    param: 'meetingId',
    audience: 'secretariat',
    cbm: 'CBM 11',
    filters: { participant: 'only meetings this state confirmed' },
    columns: [
      ['STARTS', (e) => e.starts_at],
      ['TITLE', (e) => e.title],
      ['PARTICIPANTS', (e) => (e.participants as string[]).join(',')],
    ],
  }),
  {
    words: ['meetings', 'confirm'],
    args: 'ID',
    summary: 'confirm that your state took part in an expert meeting (a signed request)',
    audience: 'state',
    options: { note: { type: 'string', value: 'TEXT', help: 'a note for the record' }, ...IDEMPOTENCY_OPTION },
    async run(ctx) {
      const meetingId = arg(ctx, 0, 'ID');
      noMoreArgs(ctx, 1);
      const client = await ctx.client();
      const note = str(ctx, 'note');
      const result = await ok(
        client.POST('/meetings/{meetingId}/participations', {
          params: { path: { meetingId }, header: idempotencyHeader(ctx) },
          body: note ? { note } : {},
        }),
      );
      ctx.emit(result, [
        `${result.data.state} confirmed its participation in meeting ${meetingId}`,
        attested(result.attestation),
      ]);
    },
  },
  {
    words: ['states', 'overview'],
    summary:
      "each state's implementation of the 16 CBMs, computed from the attested records (--csv for the annual report)",
    audience: 'everyone',
    options: {
      state: { type: 'string', value: 'CODE', help: 'only this state' },
      csv: { type: 'boolean', help: 'the grid as CSV (one row per state, CBM and kind)' },
    },
    async run(ctx) {
      noMoreArgs(ctx, 0);
      const client = await ctx.client();
      const query = { state: str(ctx, 'state') };
      if (ctx.opts.csv) {
        const { data, error, response } = await client.GET('/overview', {
          params: { query },
          headers: { Accept: 'text/csv' },
          parseAs: 'text',
        });
        if (error || typeof data !== 'string') await ok(Promise.resolve({ data: undefined, error, response }) as never);
        ctx.emit(data, () => (data as string).replace(/\r\n$/, '').split('\r\n'));
        return;
      }
      const grid = (await ok(client.GET('/overview', { params: { query } }))) as Schemas['ImplementationOverview'];
      ctx.emit(grid, () => [
        `implementation of the 16 CBMs as of ${grid.generated_at} (+ current: latest within 12 months, ~ stale, . none)`,
        ...table([
          ['STATE', ...Array.from({ length: 16 }, (_, index) => String(index + 1))],
          ...grid.states.map((row) => [row.state, ...row.cbms.map((cell) => STATUS_MARK[cell.status])]),
        ]),
      ]);
    },
  },
];
