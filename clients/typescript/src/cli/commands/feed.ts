/**
 * `cbm feed follow`: every write the principal may see, in commit order, resuming where
 * the last run stopped (the cursor is remembered beside the profile after each page).
 */
import { ok, type Schemas } from '../../client.ts';
import type { Command } from '../command.ts';
import { VerificationFailed } from '../errors.ts';
import { integer, noMoreArgs, str } from '../util.ts';

// Fixed widths, so lines printed page by page (and while following) stay in columns.
const WIDTHS = { index: 6, time: 24, principal: 11, operation: 30, tlp: 12 };
const columns = (
  index: string,
  time: string,
  principal: string,
  operation: string,
  tlp: string,
  record: string,
  verified?: string,
) =>
  `${index.padStart(WIDTHS.index)}  ${time.padEnd(WIDTHS.time)}  ${principal.padEnd(WIDTHS.principal)}  ` +
  `${operation.padEnd(WIDTHS.operation)}  ${tlp.padEnd(WIDTHS.tlp)}  ${verified === undefined ? '' : `${verified.padEnd(8)}  `}${record}`;
const entryLine = (entry: Schemas['FeedEntry'], verified?: string) =>
  columns(
    String(entry.log_index),
    entry.issued_at,
    entry.principal,
    entry.operation,
    entry.tlp ?? '-',
    entry.record_href ?? entry.subject,
    verified,
  );

export const feedCommands: Command[] = [
  {
    words: ['feed', 'follow'],
    summary: 'print every new write you may see, resuming from the last run (--json: one JSON line each)',
    audience: 'everyone',
    options: {
      once: { type: 'boolean', help: 'stop when caught up instead of polling' },
      interval: { type: 'string', value: 'SECONDS', help: 'how often to poll when caught up (default 10)' },
      'from-start': { type: 'boolean', help: 'start at the beginning, not at the remembered cursor' },
      cursor: { type: 'string', value: 'CURSOR', help: 'start after this cursor' },
      verify: { type: 'boolean', help: "verify each entry's attestation (portal signature, subject) as it arrives" },
      limit: { type: 'string', value: 'N', help: 'entries per page (default 100)' },
    },
    async run(ctx) {
      noMoreArgs(ctx, 0);
      const client = await ctx.client();
      const portal = ctx.portal();
      const principal = ctx.principal();
      const verifier = ctx.opts.verify ? await ctx.verifier() : undefined;
      const intervalMs = Number(str(ctx, 'interval') ?? '10') * 1000;
      const limit = integer(ctx, 'limit');
      let cursor = str(ctx, 'cursor') ?? (ctx.opts['from-start'] ? undefined : ctx.memory.cursor(portal, principal));
      if (cursor && !ctx.json) ctx.note(`resuming after cursor ${cursor}`);
      if (verifier && !ctx.json)
        ctx.note(
          "verifying each entry: its attestation is signed by the portal's pinned key, and names the entry's " +
            'subject and log index (cbm verify ID checks a record fully)',
        );
      // The header goes to stderr: stdout stays one line per entry, for pipes.
      if (!ctx.json)
        ctx.note(
          columns('INDEX', 'ISSUED', 'PRINCIPAL', 'OPERATION', 'TLP', 'RECORD', verifier ? 'VERIFIED' : undefined),
        );
      // Ctrl-C (or SIGTERM) ends the run between pages; the cursor is saved after each page.
      const stopped = new AbortController();
      const stop = () => stopped.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      try {
        while (!stopped.signal.aborted) {
          const page = await ok(client.GET('/feed', { params: { query: { cursor, limit } } }));
          for (const entry of page.items) {
            if (verifier) {
              const attestation = await ok(
                client.GET('/attestations/{attestationId}', {
                  params: { path: { attestationId: entry.attestation_id } },
                }),
              );
              let claims: Awaited<ReturnType<typeof verifier.attestation>>;
              try {
                claims = await verifier.attestation(attestation.token);
              } catch (error) {
                throw new VerificationFailed(
                  `feed entry ${entry.log_index} (${entry.attestation_id}): ${(error as Error).message}`,
                );
              }
              if (claims.sub !== entry.subject || attestation.log_index !== entry.log_index)
                throw new VerificationFailed(
                  `feed entry ${entry.log_index} does not match its attestation (${claims.sub})`,
                );
            }
            const line = ctx.json
              ? JSON.stringify(verifier ? { ...entry, verified: true } : entry)
              : entryLine(entry, verifier ? 'yes' : undefined);
            ctx.io.stdout.write(`${line}\n`);
          }
          if (page.next_cursor && page.next_cursor !== cursor) {
            cursor = page.next_cursor;
            ctx.memory.rememberCursor(portal, principal, cursor);
          }
          if (page.has_more) continue;
          if (ctx.opts.once) break;
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, intervalMs);
            stopped.signal.addEventListener(
              'abort',
              () => {
                clearTimeout(timer);
                resolve();
              },
              { once: true },
            );
          });
        }
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
    },
  },
];
