/** Small helpers shared by the commands. */
import { existsSync, readFileSync } from 'node:fs';
import type { Schemas } from '../client.ts';
import type { Context } from './context.ts';
import { LocalError, UsageError } from './errors.ts';

/** JSON from `-` (stdin), `@FILE`, a file path, or the text itself. */
export async function readJsonInput<T = unknown>(ctx: Context, arg: string | undefined, what: string): Promise<T> {
  if (arg === undefined) throw new UsageError(`give the ${what} as a JSON file, @FILE, - (stdin) or inline JSON`);
  let text: string;
  let source: string;
  if (arg === '-') {
    text = await ctx.io.readStdin();
    source = 'stdin';
  } else if (arg.startsWith('@') || (!arg.trimStart().startsWith('{') && !arg.trimStart().startsWith('['))) {
    const file = arg.startsWith('@') ? arg.slice(1) : arg;
    if (!existsSync(file)) throw new LocalError(`no such file: ${file}`);
    text = readFileSync(file, 'utf8');
    source = file;
  } else {
    text = arg;
    source = 'the argument';
  }
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new LocalError(`the ${what} in ${source} is not valid JSON: ${(error as Error).message}`);
  }
}

export const str = (ctx: Context, name: string): string | undefined =>
  typeof ctx.opts[name] === 'string' ? (ctx.opts[name] as string) : undefined;
export const flag = (ctx: Context, name: string): boolean => ctx.opts[name] === true;

/** `a,b c` as ['a', 'b', 'c']; undefined when the option is absent. */
export function list(ctx: Context, name: string): string[] | undefined {
  const value = ctx.opts[name];
  if (value === undefined || value === false) return undefined;
  const raw = Array.isArray(value) ? value.join(',') : String(value);
  return raw.split(/[\s,]+/).filter(Boolean);
}

export function integer(ctx: Context, name: string): number | undefined {
  const value = str(ctx, name);
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new UsageError(`--${name} is a whole number, not ${value}`);
  return Number(value);
}

export function arg(ctx: Context, index: number, name: string): string {
  const value = ctx.args[index];
  if (value === undefined) throw new UsageError(`missing ${name}`);
  return value;
}

/** The body left over after the named arguments is a usage error, not silently ignored. */
export function noMoreArgs(ctx: Context, count: number): void {
  if (ctx.args.length > count) throw new UsageError(`unexpected argument ${ctx.args[count]}`);
}

/** An RFC 3339 time, or `+24h` / `+30m` / `+7d` from now. */
export function timeArg(value: string, now = new Date()): string {
  const relative = /^\+(\d+)([smhd])$/.exec(value);
  if (relative) {
    const unit = { s: 1, m: 60, h: 3600, d: 86400 }[relative[2] as 's' | 'm' | 'h' | 'd'];
    return new Date(now.getTime() + Number(relative[1]) * unit * 1000).toISOString();
  }
  const parsed = Date.parse(value);
  if (Number.isNaN(parsed)) throw new UsageError(`${value} is not a time: use RFC 3339 (2026-11-28T09:00:00Z) or +24h`);
  return new Date(parsed).toISOString();
}

/**
 * The If-Match of a change: `--if-match ETAG` (the version it is based on), or
 * `--latest` to take whatever is current now (read just before the change).
 */
export async function ifMatch(ctx: Context, current: () => Promise<Response>): Promise<string> {
  const given = str(ctx, 'if-match');
  if (given) return /^(W\/)?"/.test(given) ? given : `"${given}"`;
  if (!flag(ctx, 'latest'))
    throw new UsageError(
      'name the version this change is based on: --if-match ETAG (printed by get), or --latest for the current one',
    );
  const response = await current();
  const etag = response.headers.get('etag');
  if (!etag) throw new LocalError('the portal sent no ETag for the current version');
  ctx.note(`based on the current version (ETag ${etag})`);
  return etag;
}

export function idempotencyHeader(ctx: Context): { 'Idempotency-Key'?: string } {
  const key = str(ctx, 'idempotency-key');
  return key ? { 'Idempotency-Key': key } : {};
}

/** The line every accepted write ends with. */
export const attested = (attestation: Schemas['AttestationRef']) =>
  `attestation ${attestation.id} (log index ${attestation.log_index}); cbm verify ${attestation.id}`;

/** A plain table: columns padded to their widest cell. */
export function table(rows: (string | number | null | undefined)[][]): string[] {
  const cells = rows.map((row) => row.map((cell) => (cell === null || cell === undefined ? '-' : String(cell))));
  const widths: number[] = [];
  for (const row of cells)
    for (const [index, cell] of row.entries()) widths[index] = Math.max(widths[index] ?? 0, cell.length);
  return cells.map((row) =>
    row.map((cell, index) => (index === row.length - 1 ? cell : cell.padEnd(widths[index]!))).join('  '),
  );
}

/** Every item of a paged list (or the first `limit`), following `next_cursor`. */
export async function collect<T>(
  fetchPage: (
    cursor: string | undefined,
    limit: number | undefined,
  ) => Promise<{ items: T[]; next_cursor: string | null }>,
  limit?: number,
): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await fetchPage(cursor, limit === undefined ? undefined : Math.min(500, limit - items.length));
    items.push(...page.items);
    if (!page.next_cursor || !page.items.length || (limit !== undefined && items.length >= limit))
      return limit === undefined ? items : items.slice(0, limit);
    cursor = page.next_cursor;
  }
}

/** "1 state", "2 states": counts people read. */
export const plural = (count: number, noun: string, many = `${noun}s`) => `${count} ${count === 1 ? noun : many}`;
