/** The Secretariat registers states; anyone reads them and their CBM 8 compliance. */
import { ok, type Schemas } from '../../client.ts';
import type { Command } from '../command.ts';
import { IDEMPOTENCY_OPTION, PAGE_OPTIONS } from '../command.ts';
import { principalId } from '../context.ts';
import { UsageError } from '../errors.ts';
import { arg, attested, collect, idempotencyHeader, integer, noMoreArgs, plural, table } from '../util.ts';

export const stateCommands: Command[] = [
  {
    words: ['states', 'add'],
    args: 'CODE NAME',
    summary: 'register a participating state (ISO 3166-1 alpha-2 code)',
    audience: 'secretariat',
    options: { ...IDEMPOTENCY_OPTION },
    async run(ctx) {
      const id = principalId(arg(ctx, 0, 'CODE'));
      const name = ctx.args.slice(1).join(' ');
      if (!name) throw new UsageError('missing NAME, e.g. cbm states add AT Austria');
      const client = await ctx.client();
      const result = await ok(
        client.POST('/principals', { params: { header: idempotencyHeader(ctx) }, body: { id, name } }),
      );
      ctx.emit(result, [`registered ${result.data.id} (${result.data.name})`, attested(result.attestation)]);
    },
  },
  {
    words: ['states', 'list'],
    summary: 'the registered states',
    audience: 'everyone',
    options: { ...PAGE_OPTIONS, all: { type: 'boolean', help: 'the Secretariat too' } },
    async run(ctx) {
      noMoreArgs(ctx, 0);
      const client = await ctx.client();
      const kind = ctx.opts.all ? undefined : ('state' as const);
      const items = await collect(
        (cursor, limit) => ok(client.GET('/principals', { params: { query: { cursor, limit, kind } } })),
        integer(ctx, 'limit'),
      );
      ctx.emit({ items }, () =>
        items.length
          ? table([
              ['ID', 'KIND', 'NAME', 'REGISTERED'],
              ...items.map((item: Schemas['Principal']) => [item.id, item.kind, item.name, item.created_at]),
            ])
          : 'no states registered yet',
      );
    },
  },
  {
    words: ['states', 'compliance'],
    args: '[STATE]',
    summary:
      'CBM 8 status: confirmation current or due, contacts, communication checks answered; without STATE the ' +
      'Secretariat sees every state and the open checks',
    audience: 'everyone',
    options: { all: { type: 'boolean', help: 'every state (the default for the Secretariat when no STATE is given)' } },
    async run(ctx) {
      noMoreArgs(ctx, 1);
      const client = await ctx.client();
      const one = (stateId: string) =>
        ok(client.GET('/states/{stateId}/compliance', { params: { path: { stateId } } }));
      const everyone = !ctx.args[0] && (ctx.opts.all === true || ctx.principal() === 'secretariat');
      if (!everyone) {
        const stateId = ctx.args[0] ? principalId(ctx.args[0]) : ctx.principal();
        const compliance = await one(stateId);
        ctx.emit(compliance, () => [`${stateId}: ${compliance.status}`, ...complianceLines(compliance)]);
        return;
      }
      const items = await collect((cursor, limit) =>
        ok(client.GET('/states/compliance', { params: { query: { cursor, limit } } })),
      );
      const checks = await collect((cursor, limit) =>
        ok(client.GET('/checks', { params: { query: { cursor, limit } } })),
      );
      const open = await Promise.all(
        checks
          .filter((check) => check.status === 'open')
          .map((check) => ok(client.GET('/checks/{checkId}/report', { params: { path: { checkId: check.id } } }))),
      );
      const due = items.filter((item) => item.status !== 'current').length;
      ctx.emit({ items, open_checks: open }, () => [
        `${plural(items.length, 'state')}: ${items.length - due} current, ${due} confirmation due`,
        ...(items.length
          ? table([
              [
                'STATE',
                'STATUS',
                'CONFIRMED',
                'DUE',
                'POLICY',
                'TECHNICAL',
                'LATE CHANGES',
                'CHECKS ON TIME/LATE/MISSED',
              ],
              ...items.map((item) => [
                item.state,
                item.status,
                item.last_confirmed_at,
                item.confirmation_due_at,
                item.active_contacts.policy,
                item.active_contacts.technical,
                item.late_changes,
                `${item.checks.answered_on_time}/${item.checks.answered_late}/${item.checks.missed} of ${item.checks.addressed}`,
              ]),
            ])
          : []),
        '',
        open.length ? `${plural(open.length, 'open communication check')}:` : 'no open communication checks',
        ...open.map(
          (report) =>
            `  ${report.check.id}: deadline ${report.check.deadline}; ` +
            `${report.answered_on_time + report.answered_late} of ${report.addressed} answered; waiting for ${
              report.rows
                .filter((row) => row.outcome === 'no-answer')
                .map((row) => row.state)
                .join(' ') || 'nobody'
            }`,
        ),
      ]);
    },
  },
];

function complianceLines(c: Schemas['Compliance']): string[] {
  return [
    `  last confirmed: ${c.last_confirmed_at ?? 'never'}; next confirmation due: ${c.confirmation_due_at ?? 'now'}`,
    `  active contacts: ${plural(c.active_contacts.policy, 'policy contact')}, ${plural(c.active_contacts.technical, 'technical contact')}`,
    `  late changes (filed more than 30 days after they took effect): ${c.late_changes}`,
    `  communication checks: ${c.checks.addressed} addressed, ${c.checks.answered_on_time} on time, ` +
      `${c.checks.answered_late} late, ${c.checks.missed} missed${c.checks.last_check_at ? ` (last ${c.checks.last_check_at})` : ''}`,
  ];
}
