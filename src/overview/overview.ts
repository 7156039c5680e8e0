/**
 * The implementation overview (issue 16): for each participating state and each of the 16
 * CBMs, what the state published, computed from the attested records and never entered by
 * hand. Every source is filtered by THE visibility rule for the caller (documents by the
 * version it is shown, requests and incidents by their TLP and recipients), so no cell
 * depends on a record the caller may not see (DESIGN.md section 8, non-interference).
 *
 * An aggregate over the tables, so O(records) by nature, and any signed reader may ask for it:
 * each reader's contributions are kept until the next accepted write anywhere in the portal
 * (the newest attestation's sequence number, one indexed read, moves with every write and
 * only with a write), so repeated reads cost a lookup, not the aggregate. The cache is keyed
 * by what decides visibility (the reader's principal and kind) and the state filter, and
 * holds only what that reader's own query returned: no answer depends on another reader's.
 * The time-dependent parts (status, current_after) are computed per request.
 */
import { sql } from 'kysely';
import { cacheUntilNextWrite } from '../db/until-next-write.ts';
import type { PortalDb } from '../db/portal-db.ts';
import type { components } from '../generated/openapi.ts';
import type { Caller } from '../http/app-env.ts';
import { shownVersionOf } from '../documents/repo.ts';
import { visibleToSql } from '../visibility/visibility.ts';

export type ImplementationOverview = components['schemas']['ImplementationOverview'];
type Contribution = components['schemas']['ImplementationContribution'];

/** A contribution newer than this is current: the OSCE practice of confirming once a year. */
export const CURRENT_FOR_MS = 365 * 24 * 3600 * 1000;

interface Row {
  state: string;
  cbm: number;
  kind: string;
  count: number;
  latest: string;
  href: string;
}

async function rows(db: PortalDb, caller: Caller, state: string | undefined): Promise<Row[]> {
  const only = (column: string) => (state ? sql`AND ${sql.ref(column)} = ${state}` : sql``);
  const q = <T>(query: ReturnType<typeof sql<T>>) => query.execute(db.kysely).then((result) => result.rows);
  const documents = q<{ state: string; cbm: number; kind: string; count: number; latest: string }>(sql`
    SELECT d.state_id AS state, CAST(je.value AS INTEGER) AS cbm, v.type AS kind, count(*) AS count, max(v.published_at) AS latest
    FROM documents AS d CROSS JOIN document_versions AS v, json_each(v.cbms) AS je
    WHERE v.document_id = d.id AND v.version = ${shownVersionOf(caller, 'd.id')} AND v.status = 'active' ${only('d.state_id')}
    GROUP BY d.state_id, je.value, v.type`);
  const contacts = q<{ state: string; role: string; count: number; latest: string }>(sql`
    SELECT state_id AS state, role, count(*) AS count, max(updated_at) AS latest FROM contacts
    WHERE status = 'active' ${only('state_id')} GROUP BY state_id, role`);
  const confirmations = q<{ state: string; count: number; latest: string }>(sql`
    SELECT state_id AS state, count(*) AS count, max(confirmed_at) AS latest FROM contact_confirmations
    WHERE 1 = 1 ${only('state_id')} GROUP BY state_id`);
  const entries = q<{ state: string; kind: string; count: number; latest: string }>(sql`
    SELECT owner_id AS state, kind, count(*) AS count, max(updated_at) AS latest FROM entries
    WHERE status = 'active' AND kind IN ('body', 'channel') ${only('owner_id')} GROUP BY owner_id, kind`);
  const participations = q<{ state: string; count: number; latest: string }>(sql`
    SELECT state_id AS state, count(*) AS count, max(confirmed_at) AS latest FROM meeting_participations
    WHERE 1 = 1 ${only('state_id')} GROUP BY state_id`);
  const requestVisible = visibleToSql(caller, { tlp: 'r.tlp', author: 'r.state_id', recordId: 'r.id' });
  const requests = q<{ state: string; kind: string; count: number; latest: string }>(sql`
    SELECT r.state_id AS state, r.type AS kind, count(*) AS count, max(r.created_at) AS latest FROM consultation_requests AS r
    WHERE ${requestVisible} ${only('r.state_id')} GROUP BY r.state_id, r.type`);
  const incidentVisible = visibleToSql(caller, { tlp: 'i.tlp', author: 'i.state_id', recordId: 'i.id' });
  const incidents = q<{ state: string; count: number; latest: string }>(sql`
    SELECT i.state_id AS state, count(*) AS count, max(i.updated_at) AS latest FROM incidents AS i
    WHERE ${incidentVisible} ${only('i.state_id')} GROUP BY i.state_id`);

  const out: Row[] = [];
  const add = (state: string, cbm: number, kind: string, count: number, latest: string, href: string) =>
    out.push({ state, cbm, kind, count: Number(count), latest, href });
  for (const r of await documents)
    add(r.state, Number(r.cbm), r.kind, r.count, r.latest, `/documents?state=${r.state}&cbm=${r.cbm}&type=${r.kind}`);
  for (const r of await contacts)
    add(
      r.state,
      r.role === 'ci-authority' ? 15 : 8,
      `contact:${r.role}`,
      r.count,
      r.latest,
      `/contacts?state=${r.state}&role=${r.role}`,
    );
  for (const r of await confirmations)
    add(r.state, 8, 'confirmation', r.count, r.latest, `/states/${r.state}/confirmations`);
  for (const r of await entries) {
    if (r.kind === 'body') add(r.state, 2, 'body', r.count, r.latest, `/bodies?state=${r.state}`);
    else for (const cbm of [10, 13]) add(r.state, cbm, 'channel', r.count, r.latest, `/channels?state=${r.state}`);
  }
  for (const r of await participations)
    add(r.state, 11, 'meeting-participation', r.count, r.latest, `/meetings?participant=${r.state}`);
  for (const r of await requests)
    add(
      r.state,
      r.kind === 'consultation' ? 3 : 13,
      `request:${r.kind}`,
      r.count,
      r.latest,
      `/requests?state=${r.state}&type=${r.kind}`,
    );
  for (const r of await incidents) add(r.state, 13, 'incident', r.count, r.latest, `/incidents?state=${r.state}`);
  return out;
}

// Per reader (principal and kind) and state filter: every principal times the state filter at most.
const contributionsUntilNextWrite = cacheUntilNextWrite<Row[]>(512);

function contributionsFor(db: PortalDb, caller: Caller, state: string | undefined): Promise<Row[]> {
  const key = `${caller.principalKind}\n${caller.principalId}\n${state ?? ''}`;
  return contributionsUntilNextWrite(db, key, () => rows(db, caller, state));
}

export async function implementationOverview(
  db: PortalDb,
  caller: Caller,
  now: Date,
  state?: string,
): Promise<ImplementationOverview> {
  const currentAfter = new Date(now.getTime() - CURRENT_FOR_MS).toISOString();
  let statesQuery = db.kysely.selectFrom('principals').select(['id', 'name']).where('kind', '=', 'state').orderBy('id');
  if (state) statesQuery = statesQuery.where('id', '=', state);
  const [states, contributions] = await Promise.all([statesQuery.execute(), contributionsFor(db, caller, state)]);
  const byCell = new Map<string, Contribution[]>();
  for (const row of contributions) {
    const key = `${row.state}:${row.cbm}`;
    byCell.set(key, [
      ...(byCell.get(key) ?? []),
      { kind: row.kind, count: row.count, latest: new Date(row.latest).toISOString(), href: row.href },
    ]);
  }
  return {
    generated_at: now.toISOString(),
    current_after: currentAfter,
    states: states.map(({ id, name }) => ({
      state: id,
      name,
      cbms: Array.from({ length: 16 }, (_, index) => {
        const cbm = index + 1;
        const items = (byCell.get(`${id}:${cbm}`) ?? []).sort((a, b) => a.kind.localeCompare(b.kind));
        const latest = items.reduce<string | null>(
          (max, item) => (max === null || item.latest > max ? item.latest : max),
          null,
        );
        const status = latest === null ? 'none' : latest > currentAfter ? 'current' : 'stale';
        return { cbm, status, latest, contributions: items };
      }),
    })),
  };
}

/** RFC 4180 CSV of the grid: one row per state, CBM and kind (kind empty when nothing). */
export function overviewCsv(overview: ImplementationOverview): string {
  const cell = (value: string | number | null) => {
    const text = value === null ? '' : String(value);
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  const lines = ['state,cbm,status,kind,count,latest,href'];
  for (const row of overview.states) {
    for (const c of row.cbms) {
      if (!c.contributions.length) lines.push([row.state, c.cbm, c.status, '', 0, '', ''].map(cell).join(','));
      for (const item of c.contributions)
        lines.push([row.state, c.cbm, c.status, item.kind, item.count, item.latest, item.href].map(cell).join(','));
    }
  }
  return `${lines.join('\r\n')}\r\n`;
}
