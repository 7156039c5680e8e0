/** `cbm request`: any operation of the contract, signed; for what has no command of its own. */
import { readFileSync } from 'node:fs';
import { PortalError } from '../../client.ts';
import type { Command } from '../command.ts';
import { IDEMPOTENCY_OPTION } from '../command.ts';
import { LocalError, UsageError } from '../errors.ts';
import { arg, str } from '../util.ts';

export const requestCommands: Command[] = [
  {
    words: ['request'],
    args: 'METHOD PATH [JSON|@FILE|-]',
    summary: 'a signed request to any path of the API; prints the answer',
    audience: 'everyone',
    options: {
      'if-match': { type: 'string', value: 'ETAG', help: 'send If-Match' },
      'content-type': { type: 'string', value: 'TYPE', help: 'media type of the body (default application/json)' },
      ...IDEMPOTENCY_OPTION,
    },
    async run(ctx) {
      const method = arg(ctx, 0, 'METHOD').toUpperCase();
      const path = arg(ctx, 1, 'PATH');
      if (!path.startsWith('/')) throw new UsageError('PATH starts with /, e.g. /contacts?state=AT');
      if (ctx.args.length > 3) throw new UsageError(`unexpected argument ${ctx.args[3]}`);
      const bodyArg = ctx.args[2];
      let body: Uint8Array | undefined;
      if (bodyArg !== undefined) {
        try {
          body =
            bodyArg === '-'
              ? new TextEncoder().encode(await ctx.io.readStdin())
              : bodyArg.startsWith('@')
                ? new Uint8Array(readFileSync(bodyArg.slice(1)))
                : new TextEncoder().encode(bodyArg);
        } catch (error) {
          throw new LocalError(
            `cannot read ${bodyArg.slice(1)}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
          );
        }
      }
      // A JSON body typed on the command line is checked here: a shell quoting slip is named
      // with its position, not sent for the portal to refuse as malformed-json.
      const contentType = str(ctx, 'content-type') ?? 'application/json';
      if (body && /json/.test(contentType)) {
        try {
          JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
        } catch (error) {
          const where = bodyArg === '-' ? 'stdin' : bodyArg!.startsWith('@') ? bodyArg!.slice(1) : 'the JSON argument';
          throw new LocalError(
            `${where} is not valid JSON (${(error as Error).message}); in a shell, quote inline JSON with single quotes: '{"id": "BE"}'`,
          );
        }
      }
      const headers = new Headers({ Accept: 'application/json, application/problem+json;q=0.9, */*;q=0.1' });
      if (body) headers.set('Content-Type', contentType);
      if (str(ctx, 'if-match')) headers.set('If-Match', str(ctx, 'if-match')!);
      if (str(ctx, 'idempotency-key')) headers.set('Idempotency-Key', str(ctx, 'idempotency-key')!);
      const signer = await ctx.signer();
      const url = new URL(`${ctx.portal()}${path}`);
      const token = await signer.sign({ method, pathAndQuery: url.pathname + url.search, body });
      headers.set('Authorization', `Bearer ${token}`);
      const response = await ctx.fetch(new Request(url, { method, headers, body: body as BodyInit | undefined }));
      const text = await response.text();
      const type = response.headers.get('content-type') ?? '';
      let parsed: unknown = text;
      if (/json/.test(type) && text) {
        try {
          parsed = JSON.parse(text);
        } catch {
          // not JSON after all: print it as it came
        }
      }
      if (!response.ok) throw new PortalError(response, parsed);
      const etag = response.headers.get('etag');
      if (etag && !ctx.json) ctx.note(`ETag: ${etag}`);
      // A retry with the same Idempotency-Key answers the first result again: say so.
      if (response.headers.get('idempotent-replayed') === 'true')
        ctx.note(
          'Idempotent-Replayed: true (the answer of the first request with this Idempotency-Key; nothing was written again)',
        );
      if (typeof parsed === 'string') ctx.io.stdout.write(parsed.endsWith('\n') || !parsed ? parsed : `${parsed}\n`);
      else ctx.emit(parsed);
    },
  },
];
