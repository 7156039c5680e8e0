/**
 * The automated incident notifier: turns incident events (JSON lines) into incident
 * notifications (POST /incidents) and staged reports (POST /incidents/{id}/reports), so
 * that a crash and restart never posts a notice twice:
 *
 *  - every event gets an Idempotency-Key derived from the event itself (its `event_id`,
 *    or else its canonical content), and the body is its canonical JSON: a retry, or a
 *    re-run after a crash, sends the same key with the same bytes and the portal answers
 *    with the first notice instead of making a second;
 *  - a journal (JSON lines, fsync'd) records each event once the portal has accepted it,
 *    so events already posted are skipped on restart, also after the portal has forgotten
 *    the key (24 hours);
 *  - failures that may pass (network, timeouts, 5xx, 429, 409 in flight) are retried with
 *    exponential backoff and jitter; a refusal of the event itself (422, ...) goes to the
 *    rejected journal and the notifier moves on; a refusal of the notifier (401, 403) stops
 *    it, since every further event would fail the same way.
 */
import { appendFileSync, closeSync, existsSync, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import { ok, PortalError, sha256b64u, type PortalClient, type Schemas } from '../../typescript/src/index.ts';

/** One input line: a new incident, or the next report of one this notifier posted before. */
export type IncidentEvent =
  | ({ type?: 'notify'; event_id?: string } & Omit<Schemas['IncidentInput'], 'stage'> & {
        stage?: Schemas['IncidentInput']['stage'];
      })
  | ({ type: 'report'; event_id?: string; incident_event_id: string } & Schemas['IncidentReportInput']);

export interface JournalEntry {
  key: string;
  event_id: string | null;
  incident_id: string;
  report_no: number;
  attestation_id: string;
  replayed: boolean;
  posted_at: string;
}

export interface RetryPolicy {
  /** First wait, in ms (default 500). */
  baseMs: number;
  /** Longest wait, in ms (default 60 000). */
  maxMs: number;
  /** Give up on an event after this many attempts (default: never, for a daemon). */
  attempts: number;
}

export type Outcome =
  | { status: 'posted' | 'replayed'; key: string; entry: JournalEntry }
  | { status: 'skipped'; key: string; entry: JournalEntry }
  | { status: 'rejected'; key: string; problem: Schemas['Problem'] };

/** A refusal that no retry can change: the key is not registered, lacks the scope, ... */
export class FatalRefusal extends Error {
  override name = 'FatalRefusal';
  constructor(readonly problem: Schemas['Problem']) {
    super(`${problem.status} ${problem.title} (${problem.code})${problem.detail ? `: ${problem.detail}` : ''}`);
  }
}

/** JSON with object keys sorted: the same event always gives the same bytes. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, member]) => member !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, member]) => `${JSON.stringify(key)}:${canonicalJson(member)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * The Idempotency-Key of an event (an sf-string): from its `event_id` when the source
 * system gives one (so a re-sent event with other details is refused, not posted again),
 * else from its canonical content.
 */
export async function idempotencyKey(event: IncidentEvent): Promise<string> {
  const basis = event.event_id ? `event-id:${event.event_id}` : `event:${canonicalJson(event)}`;
  return `"cbm-notifier-${await sha256b64u(basis)}"`;
}

/** The request body of an event: the event without the notifier's own members, canonical. */
export function eventBody(event: IncidentEvent): string {
  const { event_id: _id, type: _type, ...rest } = event as Record<string, unknown>;
  delete rest.incident_event_id;
  return canonicalJson(rest);
}

export function parseEvent(line: string): IncidentEvent {
  const value = JSON.parse(line) as unknown;
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error('an event is a JSON object');
  const event = value as IncidentEvent;
  if (event.type !== undefined && event.type !== 'notify' && event.type !== 'report')
    throw new Error(`unknown event type ${String(event.type)}`);
  if (event.type === 'report' && !event.incident_event_id)
    throw new Error('a report event names its incident_event_id');
  return event;
}

/** The append-only journal of accepted events; each line fsync'd before the next post. */
export class Journal {
  readonly byKey = new Map<string, JournalEntry>();
  readonly byEventId = new Map<string, JournalEntry>();
  constructor(readonly path: string) {
    if (!existsSync(path)) return;
    for (const line of readFileSync(path, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      try {
        this.remember(JSON.parse(line) as JournalEntry);
      } catch {
        // A torn last line (a crash while appending): that event is posted again, and the
        // portal answers with the first notice (same Idempotency-Key).
      }
    }
  }
  private remember(entry: JournalEntry) {
    this.byKey.set(entry.key, entry);
    // Reports name their incident by the event that notified it.
    if (entry.event_id && entry.report_no === 1) this.byEventId.set(entry.event_id, entry);
  }
  append(entry: JournalEntry) {
    const fd = openSync(this.path, 'a', 0o600);
    try {
      writeSync(fd, `${JSON.stringify(entry)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    this.remember(entry);
  }
}

const RETRYABLE_CODES = new Set(['idempotency-request-in-flight', 'report-conflict']);

function retryable(error: unknown): boolean {
  if (error instanceof PortalError)
    return (
      error.status >= 500 ||
      error.status === 408 ||
      error.status === 425 ||
      error.status === 429 ||
      RETRYABLE_CODES.has(error.code)
    );
  return true; // network errors, timeouts
}

function fatal(error: PortalError): boolean {
  return error.status === 401 || error.status === 403;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface NotifierOptions {
  client: PortalClient;
  journal: Journal;
  /** Where refused events go (JSON lines: the event and the problem). */
  rejectedPath?: string;
  retry?: Partial<RetryPolicy>;
  log?: (line: string) => void;
  /** Test hook: called after the portal accepted an event, before it is journaled. */
  afterAccepted?: (key: string) => void;
}

export function createNotifier(options: NotifierOptions) {
  const policy: RetryPolicy = { baseMs: 500, maxMs: 60_000, attempts: Number.POSITIVE_INFINITY, ...options.retry };
  const log = options.log ?? ((line: string) => console.error(line));

  async function withRetries<T>(what: string, attempt: () => Promise<T>): Promise<T> {
    for (let tries = 1; ; tries += 1) {
      try {
        return await attempt();
      } catch (error) {
        if (error instanceof PortalError && fatal(error)) throw new FatalRefusal(error.problem);
        if (!retryable(error) || tries >= policy.attempts) throw error;
        const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** (tries - 1));
        const wait = Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
        const cause = (error as { cause?: { code?: string } }).cause;
        const reason =
          error instanceof PortalError ? `${error.status} ${error.code}` : (cause?.code ?? (error as Error).message);
        log(`retry ${tries} of ${what} in ${wait} ms: ${reason}`);
        await sleep(wait);
      }
    }
  }

  async function post(event: IncidentEvent, key: string): Promise<{ entry: JournalEntry; replayed: boolean }> {
    const body = eventBody(event);
    const headers = { 'Idempotency-Key': key };
    // The exact canonical bytes, sent as they are (openapi-fetch would serialise again).
    const init = { body: JSON.parse(body) as never, bodySerializer: () => body, params: { header: headers } };
    if (event.type === 'report') {
      const parent = options.journal.byEventId.get(event.incident_event_id);
      if (!parent) throw new Error(`report for event ${event.incident_event_id}, which this notifier has not posted`);
      const answer = await options.client.POST('/incidents/{incidentId}/reports', {
        ...init,
        params: { header: headers, path: { incidentId: parent.incident_id } },
      });
      const result = await ok(answer);
      return {
        replayed: answer.response.headers.get('idempotent-replayed') === 'true',
        entry: {
          key,
          event_id: event.event_id ?? null,
          incident_id: parent.incident_id,
          report_no: result.data.report_no,
          attestation_id: result.attestation.id,
          replayed: false,
          posted_at: new Date().toISOString(),
        },
      };
    }
    const answer = await options.client.POST('/incidents', init as typeof init & { body: Schemas['IncidentInput'] });
    const result = await ok(answer);
    return {
      replayed: answer.response.headers.get('idempotent-replayed') === 'true',
      entry: {
        key,
        event_id: event.event_id ?? null,
        incident_id: result.data.id,
        report_no: 1,
        attestation_id: result.attestation.id,
        replayed: false,
        posted_at: new Date().toISOString(),
      },
    };
  }

  /** Posts one event unless the journal has it; retries what may pass. */
  async function handle(event: IncidentEvent): Promise<Outcome> {
    const key = await idempotencyKey(event);
    const known = options.journal.byKey.get(key);
    if (known) return { status: 'skipped', key, entry: known };
    try {
      const { entry, replayed } = await withRetries(`event ${event.event_id ?? key}`, () => post(event, key));
      options.afterAccepted?.(key);
      const journaled = { ...entry, replayed };
      options.journal.append(journaled);
      return { status: replayed ? 'replayed' : 'posted', key, entry: journaled };
    } catch (error) {
      if (error instanceof PortalError) {
        if (options.rejectedPath)
          appendFileSync(
            options.rejectedPath,
            `${JSON.stringify({ key, event, problem: error.problem, at: new Date().toISOString() })}\n`,
            { mode: 0o600 },
          );
        return { status: 'rejected', key, problem: error.problem };
      }
      throw error;
    }
  }

  return { handle, policy };
}
