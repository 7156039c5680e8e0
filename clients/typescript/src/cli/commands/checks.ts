/** Communication checks: the Secretariat starts them and reads the report; states answer. */
import { ok, type Schemas } from '../../client.ts';
import type { Command } from '../command.ts';
import { IDEMPOTENCY_OPTION, PAGE_OPTIONS } from '../command.ts';
import { UsageError } from '../errors.ts';
import {
  arg,
  attested,
  collect,
  idempotencyHeader,
  integer,
  list,
  noMoreArgs,
  plural,
  str,
  table,
  timeArg,
} from '../util.ts';

const checkLine = (check: Schemas['Check']) =>
  `check ${check.id}: ${check.status}, started ${check.started_at}, deadline ${check.deadline}; ` +
  `${plural(check.states.length, 'state')} (${check.states.join(' ')}), roles ${check.roles.join(' ')}`;

export const checkCommands: Command[] = [
  {
    words: ['checks', 'start'],
    summary: 'start a communication check of the contact points',
    audience: 'secretariat',
    options: {
      deadline: {
        type: 'string',
        value: 'TIME',
        help: 'when answers stop counting as on time: RFC 3339 or +24h (required; at most 30 days ahead)',
      },
      states: { type: 'string', value: 'LIST', help: 'the states to address (default every registered state)' },
      roles: { type: 'string', value: 'LIST', help: 'policy, technical (default both)' },
      message: { type: 'string', value: 'TEXT', help: 'what the contact points read' },
      ...IDEMPOTENCY_OPTION,
    },
    async run(ctx) {
      noMoreArgs(ctx, 0);
      const deadline = str(ctx, 'deadline');
      if (!deadline) throw new UsageError('--deadline is required, e.g. --deadline +24h');
      const roles = list(ctx, 'roles');
      if (roles?.some((role) => role !== 'policy' && role !== 'technical'))
        throw new UsageError('--roles are policy and/or technical');
      const body: Schemas['CheckInput'] = {
        deadline: timeArg(deadline),
        ...(list(ctx, 'states') ? { states: list(ctx, 'states') } : {}),
        ...(roles ? { roles: roles as Schemas['ContactRole'][] } : {}),
        ...(str(ctx, 'message') ? { message: str(ctx, 'message') } : {}),
      };
      const client = await ctx.client();
      const result = await ok(client.POST('/checks', { params: { header: idempotencyHeader(ctx) }, body }));
      ctx.emit(result, [`started ${checkLine(result.data)}`, attested(result.attestation)]);
    },
  },
  {
    words: ['checks', 'list'],
    summary: 'communication checks, newest first (--open: those still running)',
    audience: 'everyone',
    options: { ...PAGE_OPTIONS, open: { type: 'boolean', help: 'only checks whose deadline has not passed' } },
    async run(ctx) {
      noMoreArgs(ctx, 0);
      const client = await ctx.client();
      const all = await collect(
        (cursor, limit) => ok(client.GET('/checks', { params: { query: { cursor, limit } } })),
        ctx.opts.open ? undefined : integer(ctx, 'limit'),
      );
      const items = ctx.opts.open
        ? all.filter((check) => check.status === 'open').slice(0, integer(ctx, 'limit'))
        : all;
      ctx.emit({ items }, () =>
        items.length
          ? table([
              ['ID', 'STATUS', 'STARTED', 'DEADLINE', 'STATES', 'ROLES'],
              ...items.map((c) => [c.id, c.status, c.started_at, c.deadline, c.states.length, c.roles.join(',')]),
            ])
          : ctx.opts.open
            ? 'no open checks'
            : 'no checks',
      );
    },
  },
  {
    words: ['checks', 'report'],
    args: 'CHECK_ID',
    summary: 'who answered a check, how fast, and who did not',
    audience: 'everyone',
    async run(ctx) {
      const checkId = arg(ctx, 0, 'CHECK_ID');
      noMoreArgs(ctx, 1);
      const client = await ctx.client();
      const report = await ok(client.GET('/checks/{checkId}/report', { params: { path: { checkId } } }));
      ctx.emit(report, () => [
        checkLine(report.check),
        `${report.addressed} addressed: ${report.answered_on_time} on time, ${report.answered_late} late, ` +
          `${report.not_answered} not answered; median response ${report.median_response_seconds ?? '-'} s`,
        ...table([
          ['STATE', 'OUTCOME', 'SECONDS', 'CONTACT', 'AT'],
          ...report.rows.map((row) => [
            row.state,
            row.outcome,
            row.response_seconds,
            row.contact_id,
            row.acknowledged_at,
          ]),
        ]),
      ]);
    },
  },
  {
    words: ['checks', 'acknowledge'],
    args: 'CHECK_ID',
    summary: 'answer a communication check for your state, naming the contact who answered',
    audience: 'state',
    options: {
      contact: {
        type: 'string',
        value: 'CONTACT_ID',
        help: "your state's active contact, in an addressed role (required)",
      },
      note: { type: 'string', value: 'TEXT', help: 'a note, e.g. "duty officer on shift"' },
      ...IDEMPOTENCY_OPTION,
    },
    async run(ctx) {
      const checkId = arg(ctx, 0, 'CHECK_ID');
      noMoreArgs(ctx, 1);
      const contactId = str(ctx, 'contact');
      if (!contactId)
        throw new UsageError('--contact CONTACT_ID is required (cbm contacts list --state YOURS shows them)');
      const client = await ctx.client();
      const body: Schemas['AcknowledgementInput'] = {
        contact_id: contactId,
        ...(str(ctx, 'note') ? { note: str(ctx, 'note') } : {}),
      };
      const result = await ok(
        client.POST('/checks/{checkId}/acknowledgements', {
          params: { path: { checkId }, header: idempotencyHeader(ctx) },
          body,
        }),
      );
      ctx.emit(result, [
        `answered check ${checkId} for ${result.data.state} after ${result.data.response_seconds} s${result.data.late ? ' (late)' : ''}`,
        attested(result.attestation),
      ]);
    },
  },
];
