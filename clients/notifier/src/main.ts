/**
 * cbm-notifier: posts incident events (JSON lines) to the portal, from stdin or from a
 * watched folder, exactly once each (see notifier.ts).
 *
 *   cbm-notifier --portal URL --as AT --key notifier.jwk [--journal FILE] < events.jsonl
 *   cbm-notifier --portal URL --as AT --key notifier.jwk --watch DIR [--interval SECONDS]
 *
 * In a watched folder every `*.jsonl` file is read in name order; once each of its events
 * is posted (or rejected) it moves to DIR/done/. Write files elsewhere and rename them in,
 * so the notifier never reads half a file. Exit codes: 0 done (stdin at its end), 1 the
 * portal refused the notifier itself (401/403: its key), 2 usage or local error.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import type { JWK } from 'jose';
import { createPortalClient } from '../../typescript/src/index.ts';
import { createNotifier, FatalRefusal, Journal, parseEvent, type Outcome } from './notifier.ts';

const USAGE =
  'usage: cbm-notifier --portal URL --as PRINCIPAL --key FILE [--journal FILE] [--rejected FILE] [--watch DIR ' +
  '[--interval SECONDS]] [--base-delay MS] [--max-delay MS]';

const HELP = `${USAGE}

Posts incident events to the portal exactly once each: from stdin (one JSON object a
line) or from every *.jsonl file of --watch DIR, in name order (write files elsewhere and
rename them in; a finished file moves to DIR/done/).

input, one event a line:
  {"event_id": "siem-4711", "title": "...", "aware_at": "2026-11-28T06:00:00Z", ...}
      a notification (POST /incidents): the contract's IncidentInput, plus
      event_id (optional, the source system's id: its Idempotency-Key) and
      type "notify" (optional, the default); stage defaults as the portal's does
  {"type": "report", "incident_event_id": "siem-4711", "stage": "intermediate", ...}
      a report on the incident that event notified (POST /incidents/{id}/reports):
      the contract's IncidentReportInput, plus type and incident_event_id

files:
  --journal FILE   (default notifier-journal.jsonl) one JSON line per accepted event:
                   key, event_id, incident_id, report_no, attestation_id, replayed,
                   posted_at; fsync'd before the next post; events in it are skipped
  --rejected FILE  (default notifier-rejected.jsonl) events the portal refused (422 ...),
                   each with the problem document; the notifier moves on

retries: network errors, timeouts, 5xx, 429 and 409 in flight are retried with exponential
backoff (--base-delay MS, --max-delay MS) and jitter, with the same Idempotency-Key and
bytes. A refusal of the notifier itself (401, 403: its key) stops it.

environment: CBM_PORTAL, CBM_PRINCIPAL, CBM_KEY stand for --portal, --as, --key.
exit codes: 0 done (stdin at its end), 1 the portal refused the notifier (401/403),
2 usage or local error.`;

/** The command line's options (parseArgs throws on an unknown or malformed one). */
function parseOptions() {
  return parseArgs({
    options: {
      portal: { type: 'string', default: process.env.CBM_PORTAL },
      as: { type: 'string', default: process.env.CBM_PRINCIPAL },
      key: { type: 'string', default: process.env.CBM_KEY },
      journal: { type: 'string', default: 'notifier-journal.jsonl' },
      rejected: { type: 'string', default: 'notifier-rejected.jsonl' },
      watch: { type: 'string' },
      interval: { type: 'string', default: '2' },
      'base-delay': { type: 'string', default: '500' },
      'max-delay': { type: 'string', default: '60000' },
      help: { type: 'boolean', short: 'h' },
    },
  }).values;
}

async function main(): Promise<number> {
  let values: ReturnType<typeof parseOptions>;
  try {
    values = parseOptions();
  } catch (error) {
    console.error(`cbm-notifier: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (!values.portal || !values.as || !values.key) {
    console.error(`cbm-notifier: name the portal, the principal and its key\n${USAGE}`);
    return 2;
  }
  let privateJwk: JWK;
  try {
    privateJwk = JSON.parse(readFileSync(values.key, 'utf8')) as JWK;
  } catch (error) {
    console.error(`cbm-notifier: cannot read the key ${values.key}: ${(error as Error).message}`);
    return 2;
  }
  const client = await createPortalClient({
    baseUrl: values.portal,
    principal: values.as,
    privateJwk,
    headers: { 'User-Agent': 'cbm-notifier' },
  });
  const journal = new Journal(resolve(values.journal));
  const notifier = createNotifier({
    client,
    journal,
    rejectedPath: resolve(values.rejected),
    retry: { baseMs: Number(values['base-delay']), maxMs: Number(values['max-delay']) },
    log: (line) => console.error(line),
    afterAccepted: process.env.CBM_NOTIFIER_TEST_CRASH_AFTER
      ? (() => {
          // Test hook: die like kill -9 right after the portal accepted the Nth event, before
          // the journal has it: the most dangerous moment for a double notice.
          let accepted = 0;
          const limit = Number(process.env.CBM_NOTIFIER_TEST_CRASH_AFTER);
          return () => {
            accepted += 1;
            if (accepted >= limit) process.kill(process.pid, 'SIGKILL');
          };
        })()
      : undefined,
  });

  const report = (outcome: Outcome, source: string) => {
    const line =
      outcome.status === 'rejected'
        ? { status: outcome.status, key: outcome.key, source, problem: outcome.problem }
        : {
            status: outcome.status,
            key: outcome.key,
            source,
            incident_id: outcome.entry.incident_id,
            report_no: outcome.entry.report_no,
            attestation_id: outcome.entry.attestation_id,
          };
    console.log(JSON.stringify(line));
  };

  async function handleLine(line: string, source: string) {
    if (!line.trim()) return;
    let event: ReturnType<typeof parseEvent>;
    try {
      event = parseEvent(line);
    } catch (error) {
      console.error(`${source}: not an event (${(error as Error).message}); skipped`);
      return;
    }
    report(await notifier.handle(event), source);
  }

  try {
    if (!values.watch) {
      let number = 0;
      for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
        number += 1;
        await handleLine(line, `stdin:${number}`);
      }
      return 0;
    }
    const folder = resolve(values.watch);
    const done = join(folder, 'done');
    mkdirSync(done, { recursive: true });
    let stopping = false;
    process.once('SIGTERM', () => (stopping = true));
    process.once('SIGINT', () => (stopping = true));
    console.error(`watching ${folder} for *.jsonl`);
    while (!stopping) {
      const files = existsSync(folder)
        ? readdirSync(folder)
            .filter((name) => name.endsWith('.jsonl'))
            .sort()
        : [];
      for (const name of files) {
        const lines = readFileSync(join(folder, name), 'utf8').split('\n');
        for (const [index, line] of lines.entries()) await handleLine(line, `${name}:${index + 1}`);
        renameSync(join(folder, name), join(done, name));
      }
      if (!files.length) await new Promise((wake) => setTimeout(wake, Number(values.interval) * 1000));
    }
    return 0;
  } catch (error) {
    if (error instanceof FatalRefusal) {
      console.error(
        `cbm-notifier: the portal refuses this notifier: ${error.message}. Fix the key or its scopes and ` +
          `restart; events already posted are in ${journal.path}.`,
      );
      return 1;
    }
    console.error(`cbm-notifier: ${(error as Error).message}`);
    return 2;
  }
}

process.exitCode = await main();
