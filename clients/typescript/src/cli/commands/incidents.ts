/** Incident notifications (CBMs 3, 13): notify, file staged reports, acknowledge receipt, read. */
import { ok, type Schemas } from '../../client.ts';
import type { Command } from '../command.ts';
import { IDEMPOTENCY_OPTION, PAGE_OPTIONS } from '../command.ts';
import { UsageError } from '../errors.ts';
import { arg, attested, collect, idempotencyHeader, integer, noMoreArgs, readJsonInput, str, table } from '../util.ts';

const deadlineText = (name: string, deadline: Schemas['IncidentDeadline']) =>
  `${name} ${deadline.status}${deadline.due_at ? ` (due ${deadline.due_at})` : ''}`;

const incidentLines = (incident: Schemas['Incident']) => [
  `${incident.id}  ${incident.state}  ${incident.stage}  ${incident.status}  report ${incident.report_count} ` +
    `(ETag "${incident.report_count}")  ${incident.tlp}` +
    `${incident.recipients.length ? ` to ${incident.recipients.join(' ')}` : ''}${incident.overdue ? '  OVERDUE' : ''}`,
  `  ${incident.title}`,
  `  ${incident.rsit_class}${incident.rsit_type ? `/${incident.rsit_type}` : ''}, severity ` +
    `${incident.severity.value} (${incident.severity.scale}), aware ${incident.aware_at}`,
  `  deadlines: ${deadlineText('early warning', incident.deadlines.early_warning)}; ` +
    `${deadlineText('notification', incident.deadlines.notification)}; ` +
    `${deadlineText('final report', incident.deadlines.final)}`,
  `  ${incident.acknowledgement_count} acknowledgements`,
];

export const incidentCommands: Command[] = [
  {
    words: ['incidents', 'notify'],
    args: 'INCIDENT_JSON',
    summary: 'notify an incident (its first report, an early warning by default); JSON from a file, @FILE or -',
    audience: 'state',
    options: { ...IDEMPOTENCY_OPTION },
    async run(ctx) {
      noMoreArgs(ctx, 1);
      const body = await readJsonInput<Schemas['IncidentInput']>(ctx, ctx.args[0], 'incident');
      const client = await ctx.client();
      const result = await ok(client.POST('/incidents', { params: { header: idempotencyHeader(ctx) }, body }));
      ctx.emit(result, [
        `notified incident ${result.data.id}`,
        ...incidentLines(result.data),
        attested(result.attestation),
      ]);
    },
  },
  {
    words: ['incidents', 'report'],
    args: 'INCIDENT_ID REPORT_JSON',
    summary: 'file the next staged report (notification, intermediate, progress, final) of your incident',
    audience: 'state',
    options: {
      'if-match': {
        type: 'string',
        value: 'ETAG',
        help: "the incident's ETag this report is based on (412 if another came first)",
      },
      ...IDEMPOTENCY_OPTION,
    },
    async run(ctx) {
      const incidentId = arg(ctx, 0, 'INCIDENT_ID');
      noMoreArgs(ctx, 2);
      const body = await readJsonInput<Schemas['IncidentReportInput']>(ctx, ctx.args[1], 'report');
      const client = await ctx.client();
      const given = str(ctx, 'if-match');
      const header = {
        ...idempotencyHeader(ctx),
        ...(given ? { 'If-Match': /^(W\/)?"/.test(given) ? given : `"${given}"` } : {}),
      };
      const result = await ok(
        client.POST('/incidents/{incidentId}/reports', { params: { path: { incidentId }, header }, body }),
      );
      ctx.emit(result, [
        `filed report ${result.data.report_no} (${result.data.stage}) of incident ${incidentId}`,
        attested(result.attestation),
      ]);
    },
  },
  {
    words: ['incidents', 'acknowledge'],
    args: 'INCIDENT_ID',
    summary: 'acknowledge receipt of an incident, for your state',
    audience: 'state',
    options: { note: { type: 'string', value: 'TEXT', help: 'a note for the notifying state' }, ...IDEMPOTENCY_OPTION },
    async run(ctx) {
      const incidentId = arg(ctx, 0, 'INCIDENT_ID');
      noMoreArgs(ctx, 1);
      const client = await ctx.client();
      const note = str(ctx, 'note');
      const result = await ok(
        client.POST('/incidents/{incidentId}/acknowledgements', {
          params: { path: { incidentId }, header: idempotencyHeader(ctx) },
          body: note ? { note } : {},
        }),
      );
      ctx.emit(result, [
        `${result.data.state} acknowledged incident ${incidentId} (report ${result.data.report_no}) at ${result.data.acknowledged_at}`,
        attested(result.attestation),
      ]);
    },
  },
  {
    words: ['incidents', 'list'],
    summary: 'incidents you may see, newest first',
    audience: 'everyone',
    options: {
      state: { type: 'string', value: 'CODE', help: 'only those notified by this state' },
      status: { type: 'string', value: 'STATUS', help: 'open or closed' },
      overdue: { type: 'boolean', help: 'only those with a deadline passed' },
      ...PAGE_OPTIONS,
    },
    async run(ctx) {
      noMoreArgs(ctx, 0);
      const status = str(ctx, 'status');
      if (status && status !== 'open' && status !== 'closed') throw new UsageError('--status is open or closed');
      const client = await ctx.client();
      const query = {
        state: str(ctx, 'state'),
        status: status as Schemas['IncidentStatus'] | undefined,
        overdue: ctx.opts.overdue ? true : undefined,
      };
      const items = await collect(
        (cursor, limit) => ok(client.GET('/incidents', { params: { query: { ...query, cursor, limit } } })),
        integer(ctx, 'limit'),
      );
      ctx.emit({ items }, () =>
        items.length
          ? table([
              ['ID', 'STATE', 'STAGE', 'STATUS', 'TLP', 'OVERDUE', 'ACKS', 'TITLE'],
              ...items.map((i) => [
                i.id,
                i.state,
                i.stage,
                i.status,
                i.tlp,
                i.overdue ? 'yes' : 'no',
                i.acknowledgement_count,
                i.title,
              ]),
            ])
          : 'no incidents',
      );
    },
  },
  {
    words: ['incidents', 'get'],
    args: 'INCIDENT_ID',
    summary: 'an incident with its deadlines; --reports every report, --acknowledgements who acknowledged',
    audience: 'everyone',
    options: {
      reports: { type: 'boolean', help: 'every report, oldest first' },
      acknowledgements: { type: 'boolean', help: 'who acknowledged receipt, and who has not yet' },
    },
    async run(ctx) {
      const incidentId = arg(ctx, 0, 'INCIDENT_ID');
      noMoreArgs(ctx, 1);
      const client = await ctx.client();
      const path = { incidentId };
      if (ctx.opts.reports) {
        const items = await collect((cursor, limit) =>
          ok(client.GET('/incidents/{incidentId}/reports', { params: { path, query: { cursor, limit } } })),
        );
        ctx.emit({ items }, () =>
          items.flatMap((report) => [
            `report ${report.report_no} (${report.stage}) at ${report.reported_at}: ${report.title}`,
            `  ${report.summary}`,
          ]),
        );
        return;
      }
      if (ctx.opts.acknowledgements) {
        const first = await ok(client.GET('/incidents/{incidentId}/acknowledgements', { params: { path } }));
        const items = [
          ...first.items,
          ...(first.next_cursor
            ? await collect((cursor, limit) =>
                ok(
                  client.GET('/incidents/{incidentId}/acknowledgements', {
                    params: { path, query: { cursor: cursor ?? first.next_cursor!, limit } },
                  }),
                ),
              )
            : []),
        ];
        ctx.emit({ items, awaiting: first.awaiting }, () => [
          ...items.map(
            (ack) =>
              `${ack.state} acknowledged report ${ack.report_no} at ${ack.acknowledged_at}${ack.note ? `: ${ack.note}` : ''}`,
          ),
          `awaiting: ${first.awaiting === null ? '(every participant may acknowledge)' : first.awaiting.join(' ') || 'nobody'}`,
        ]);
        return;
      }
      const incident = await ok(client.GET('/incidents/{incidentId}', { params: { path } }));
      ctx.emit(incident, () => incidentLines(incident));
    },
  },
];
