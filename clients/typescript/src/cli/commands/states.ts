/** The Secretariat registers states; anyone reads them and their CBM 8 compliance. */
import { ok, type Schemas } from '../../client.ts';
import type { Command } from '../command.ts';
import { IDEMPOTENCY_OPTION, PAGE_OPTIONS } from '../command.ts';
import { principalId } from '../context.ts';
import { UsageError } from '../errors.ts';
import { arg, attested, collect, idempotencyHeader, integer, noMoreArgs, table } from '../util.ts';

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
      const result = await ok(client.POST('/principals', { params: { header: idempotencyHeader(ctx) }, body: { id, name } }));
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
      const items = await collect((cursor, limit) => ok(client.GET('/principals', { params: { query: { cursor, limit, kind } } })), integer(ctx, 'limit'));
      ctx.emit({ items }, () => (items.length ? table([['ID', 'KIND', 'NAME', 'REGISTERED'], ...items.map((item: Schemas['Principal']) => [item.id, item.kind, item.name, item.created_at])]) : 'no states registered yet'));
    },
  },
  {
    words: ['states', 'compliance'],
    args: '[STATE]',
    summary: "a state's CBM 8 status: confirmation current or due, communication checks answered",
    audience: 'everyone',
    async run(ctx) {
      const stateId = ctx.args[0] ? principalId(ctx.args[0]) : ctx.principal();
      noMoreArgs(ctx, 1);
      const client = await ctx.client();
      const compliance = await ok(client.GET('/states/{stateId}/compliance', { params: { path: { stateId } } }));
      ctx.emit(compliance, () => {
        const c = compliance as Record<string, unknown> & { checks?: Schemas['CheckHistory'] };
        const lines = [`${stateId}: ${String(c.status)}`];
        for (const [key, value] of Object.entries(c)) if (key !== 'status' && key !== 'checks' && key !== 'state') lines.push(`  ${key}: ${value === null ? '-' : typeof value === 'object' ? JSON.stringify(value) : String(value)}`);
        if (c.checks) lines.push(`  communication checks: ${c.checks.addressed} addressed, ${c.checks.answered_on_time} on time, ${c.checks.answered_late} late, ${c.checks.missed} missed`);
        return lines;
      });
    },
  },
];
