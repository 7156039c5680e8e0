/** Consultation, assistance and information requests between states (CBMs 3, 13). */
import { readFileSync } from 'node:fs';
import { ok, type Schemas } from '../../client.ts';
import type { Command } from '../command.ts';
import { IDEMPOTENCY_OPTION, PAGE_OPTIONS } from '../command.ts';
import { LocalError, UsageError } from '../errors.ts';
import { arg, attested, collect, idempotencyHeader, integer, noMoreArgs, readJsonInput, str, table } from '../util.ts';

const requestLines = (request: Schemas['ConsultationRequest']) => [
  `${request.id}  ${request.type} from ${request.state}  ${request.status}${request.overdue ? '  OVERDUE' : ''}  ` +
    `urgency ${request.urgency}  ${request.tlp}${request.recipients.length ? ` to ${request.recipients.join(' ')}` : ''}`,
  `  ${request.subject}`,
  `  ${request.body}`,
  ...(request.reply_by ? [`  reply by ${request.reply_by}`] : []),
  ...request.replies.map(
    (reply) => `  ${reply.state}: ${reply.status}${reply.last_response_at ? ` (${reply.last_response_at})` : ''}`,
  ),
];

export const requestCommands: Command[] = [
  {
    words: ['requests', 'send'],
    args: 'REQUEST_JSON',
    summary: 'send a consultation, assistance or information request; JSON from a file, @FILE or -',
    audience: 'state',
    options: { ...IDEMPOTENCY_OPTION },
    async run(ctx) {
      noMoreArgs(ctx, 1);
      const body = await readJsonInput<Schemas['ConsultationRequestInput']>(ctx, ctx.args[0], 'request');
      const client = await ctx.client();
      const result = await ok(client.POST('/requests', { params: { header: idempotencyHeader(ctx) }, body }));
      ctx.emit(result, [`sent request ${result.data.id}`, ...requestLines(result.data), attested(result.attestation)]);
    },
  },
  {
    words: ['requests', 'answer'],
    args: 'REQUEST_ID',
    summary: 'accept, decline or answer a request addressed to your state',
    audience: 'state',
    options: {
      action: {
        type: 'string',
        value: 'ACTION',
        help: 'accept, decline or answer (default answer when a body is given)',
      },
      body: { type: 'string', value: 'TEXT', help: 'the answer, or a note with an acceptance or decline' },
      'body-file': { type: 'string', value: 'FILE', help: 'the same, from a file' },
      ...IDEMPOTENCY_OPTION,
    },
    async run(ctx) {
      const requestId = arg(ctx, 0, 'REQUEST_ID');
      noMoreArgs(ctx, 1);
      let text = str(ctx, 'body');
      const file = str(ctx, 'body-file');
      if (file) {
        try {
          text = readFileSync(file, 'utf8');
        } catch (error) {
          throw new LocalError(
            `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
          );
        }
      }
      const action = str(ctx, 'action') ?? (text ? 'answer' : undefined);
      if (!action || !['accept', 'decline', 'answer'].includes(action))
        throw new UsageError('--action is accept, decline or answer');
      if (action === 'answer' && !text) throw new UsageError('an answer needs --body TEXT or --body-file FILE');
      const client = await ctx.client();
      const body: Schemas['RequestResponseInput'] = {
        action: action as Schemas['RequestResponseInput']['action'],
        ...(text ? { body: text } : {}),
      };
      const result = await ok(
        client.POST('/requests/{requestId}/responses', {
          params: { path: { requestId }, header: idempotencyHeader(ctx) },
          body,
        }),
      );
      ctx.emit(result, [
        `${result.data.state} ` +
          `${{ accept: 'accepted', decline: 'declined', answer: 'answered' }[result.data.action]} request ${requestId} ` +
          `(response ${result.data.response_no})`,
        attested(result.attestation),
      ]);
    },
  },
  {
    words: ['requests', 'list'],
    summary: 'requests you sent or received, newest first',
    audience: 'everyone',
    options: {
      direction: { type: 'string', value: 'DIR', help: 'sent or received (default both)' },
      type: { type: 'string', value: 'TYPE', help: 'consultation, assistance or information' },
      ...PAGE_OPTIONS,
    },
    async run(ctx) {
      noMoreArgs(ctx, 0);
      const direction = str(ctx, 'direction');
      if (direction && direction !== 'sent' && direction !== 'received')
        throw new UsageError('--direction is sent or received');
      const client = await ctx.client();
      const query = {
        direction: direction as 'sent' | 'received' | undefined,
        type: str(ctx, 'type') as Schemas['RequestType'] | undefined,
      };
      const items = await collect(
        (cursor, limit) => ok(client.GET('/requests', { params: { query: { ...query, cursor, limit } } })),
        integer(ctx, 'limit'),
      );
      ctx.emit({ items }, () =>
        items.length
          ? table([
              ['ID', 'FROM', 'TYPE', 'STATUS', 'URGENCY', 'TLP', 'SUBJECT'],
              ...items.map((r) => [r.id, r.state, r.type, r.status, r.urgency, r.tlp, r.subject]),
            ])
          : 'no requests',
      );
    },
  },
  {
    words: ['requests', 'get'],
    args: 'REQUEST_ID',
    summary: "a request with each recipient's standing; --responses the whole exchange",
    audience: 'everyone',
    options: { responses: { type: 'boolean', help: 'every response, oldest first' } },
    async run(ctx) {
      const requestId = arg(ctx, 0, 'REQUEST_ID');
      noMoreArgs(ctx, 1);
      const client = await ctx.client();
      if (ctx.opts.responses) {
        const items = await collect((cursor, limit) =>
          ok(
            client.GET('/requests/{requestId}/responses', {
              params: { path: { requestId }, query: { cursor, limit } },
            }),
          ),
        );
        ctx.emit({ items }, () =>
          items.map(
            (response) =>
              `${response.state} #${response.response_no} ${response.action} at ` +
              `${response.responded_at}${response.body ? `: ${response.body}` : ''}`,
          ),
        );
        return;
      }
      const request = await ok(client.GET('/requests/{requestId}', { params: { path: { requestId } } }));
      ctx.emit(request, () => requestLines(request));
    },
  },
];
