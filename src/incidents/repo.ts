import { sql, type CompiledQuery, type SqlBool, type Insertable, type Selectable } from 'kysely';
import type { PortalDb } from '../db/portal-db.ts';
import type { IncidentAcknowledgementsTable, IncidentReportsTable, IncidentsTable } from '../db/schema.ts';
import type { components } from '../generated/openapi.ts';
import type { Caller } from '../http/app-env.ts';
import { RESTRICTED_TLP, visibleTo } from '../visibility/visibility.ts';

export type Incident = components['schemas']['Incident'];
export type IncidentInput = components['schemas']['IncidentInput'];
export type IncidentReport = components['schemas']['IncidentReport'];
export type IncidentReportInput = components['schemas']['IncidentReportInput'];
export type IncidentAcknowledgement = components['schemas']['IncidentAcknowledgement'];
type IncidentDeadline = components['schemas']['IncidentDeadline'];
type RsitClass = components['schemas']['RsitClass'];
type Sector = components['schemas']['Sector'];
type Indicator = components['schemas']['Indicator'];

const HOUR_MS = 3600 * 1000;
export const EARLY_WARNING_AFTER_MS = 24 * HOUR_MS;
export const NOTIFICATION_AFTER_MS = 72 * HOUR_MS;

/** RSIT types per class (ENISA Reference Security Incident Taxonomy). */
export const RSIT_TYPES: Record<RsitClass, readonly string[]> = {
  'abusive-content': ['spam', 'harmful-speech', 'violence'],
  'malicious-code': ['infected-system', 'c2-server', 'malware-distribution', 'malware-configuration'],
  'information-gathering': ['scanner', 'sniffing', 'social-engineering'],
  'intrusion-attempts': ['ids-alert', 'brute-force', 'exploit'],
  intrusions: [
    'privileged-account-compromise',
    'unprivileged-account-compromise',
    'application-compromise',
    'system-compromise',
    'burglary',
  ],
  availability: ['dos', 'ddos', 'misconfiguration', 'sabotage', 'outage'],
  'information-content-security': [
    'unauthorised-information-access',
    'unauthorised-information-modification',
    'data-loss',
    'data-leak',
  ],
  fraud: ['unauthorised-use-of-resources', 'copyright', 'masquerade', 'phishing'],
  vulnerable: [
    'weak-crypto',
    'ddos-amplifier',
    'potentially-unwanted-accessible',
    'information-disclosure',
    'vulnerable-system',
  ],
  other: ['other', 'undetermined'],
  test: ['test'],
};

export const incidentHref = (id: string) => `/incidents/${id}`;
export const reportHref = (id: string, reportNo: number) => `/incidents/${id}/reports/${reportNo}`;
export const incidentEtag = (reportCount: number) => `"${reportCount}"`;

/** One calendar month later in UTC, clamped to the month's last day (31 January -> 28/29 February). */
export function addCalendarMonth(iso: string): string {
  const at = new Date(iso);
  const year = at.getUTCFullYear();
  const month = at.getUTCMonth() + 1;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const next = new Date(at);
  next.setUTCDate(1);
  next.setUTCMonth(month);
  next.setUTCDate(Math.min(at.getUTCDate(), lastDay));
  return next.toISOString();
}

const addMs = (iso: string, ms: number) => new Date(Date.parse(iso) + ms).toISOString();

function deadline(dueAt: string | null, metAt: string | null, now: Date): IncidentDeadline {
  if (metAt !== null)
    return { due_at: dueAt, met_at: metAt, status: dueAt === null || metAt <= dueAt ? 'met' : 'late' };
  return { due_at: dueAt, met_at: null, status: dueAt !== null && now.toISOString() > dueAt ? 'overdue' : 'pending' };
}

type Head = Omit<Selectable<IncidentsTable>, 'seq'>;
type HeadDeadlines = Pick<
  IncidentsTable,
  'aware_at' | 'opened_at' | 'notification_due_at' | 'notified_at' | 'final_due_at' | 'final_met_at'
>;

/** Each stage's deadline as it stands now: the one place they are judged (`overdueNow` is its SQL twin). */
export function incidentDeadlines(head: HeadDeadlines, now: Date) {
  const deadlines = {
    early_warning: deadline(addMs(head.aware_at, EARLY_WARNING_AFTER_MS), head.opened_at, now),
    notification: deadline(head.notification_due_at, head.notified_at, now),
    final: deadline(head.final_due_at, head.final_met_at, now),
  };
  return { deadlines, overdue: deadlines.notification.status === 'overdue' || deadlines.final.status === 'overdue' };
}

/** `incidentDeadlines(...).overdue` in SQL, for the list filter. */
export function overdueNow(now: Date) {
  const at = now.toISOString();
  return sql<SqlBool>`((incidents.notified_at IS NULL AND incidents.notification_due_at < ${at})
    OR (incidents.final_met_at IS NULL AND incidents.final_due_at IS NOT NULL AND incidents.final_due_at < ${at}))`;
}

/** The incident's fields as a report states them (the body of a report, resolved). */
export type ReportFields = Omit<
  IncidentReportsTable,
  'incident_id' | 'report_no' | 'stage' | 'summary' | 'reported_at' | 'attestation_id'
>;

export function reportFields(input: IncidentInput): ReportFields {
  return {
    title: input.title,
    rsit_class: input.rsit_class,
    rsit_type: input.rsit_type ?? null,
    severity_scale: input.severity.scale,
    severity_value: input.severity.value,
    suspected_malicious: input.suspected_malicious ? 1 : 0,
    cross_border_impact: input.cross_border_impact,
    sectors: JSON.stringify(input.sectors ?? []),
    indicators: JSON.stringify(input.indicators ?? []),
  };
}

/** A later report: fields left out carry over; rsit_class and rsit_type go together; a given list replaces. */
export function mergeReportFields(previous: ReportFields, input: IncidentReportInput): ReportFields {
  return {
    title: input.title ?? previous.title,
    rsit_class: input.rsit_class ?? previous.rsit_class,
    rsit_type: input.rsit_class !== undefined ? (input.rsit_type ?? null) : (input.rsit_type ?? previous.rsit_type),
    severity_scale: input.severity?.scale ?? previous.severity_scale,
    severity_value: input.severity?.value ?? previous.severity_value,
    suspected_malicious:
      input.suspected_malicious === undefined ? previous.suspected_malicious : input.suspected_malicious ? 1 : 0,
    cross_border_impact: input.cross_border_impact ?? previous.cross_border_impact,
    sectors: input.sectors ? JSON.stringify(input.sectors) : previous.sectors,
    indicators: input.indicators ? JSON.stringify(input.indicators) : previous.indicators,
  };
}

function fieldsOf(row: ReportFields) {
  return {
    title: row.title,
    rsit_class: row.rsit_class as RsitClass,
    rsit_type: row.rsit_type,
    severity: { scale: row.severity_scale, value: row.severity_value },
    suspected_malicious: row.suspected_malicious === 1,
    cross_border_impact: row.cross_border_impact,
    sectors: JSON.parse(row.sectors) as Sector[],
    indicators: JSON.parse(row.indicators) as Indicator[],
  };
}

export function toReport(row: IncidentReportsTable): IncidentReport {
  return {
    incident_id: row.incident_id,
    report_no: row.report_no,
    stage: row.stage,
    summary: row.summary,
    ...fieldsOf(row),
    reported_at: row.reported_at,
    attestation_id: row.attestation_id,
    href: reportHref(row.incident_id, row.report_no),
  };
}

export function toIncident(
  head: Head,
  latest: IncidentReportsTable,
  recipients: readonly string[],
  acknowledgements: number,
  now: Date,
): Incident {
  return {
    id: head.id,
    state: head.state_id,
    tlp: head.tlp,
    recipients: recipients.filter((id) => id !== head.state_id),
    stage: latest.stage,
    status: head.closed_at === null ? 'open' : 'closed',
    report_count: head.report_count,
    summary: latest.summary,
    aware_at: head.aware_at,
    ...fieldsOf(latest),
    opened_at: head.opened_at,
    updated_at: head.updated_at,
    ...incidentDeadlines(head, now),
    acknowledgement_count: acknowledgements,
    attestation_id: latest.attestation_id,
    href: incidentHref(head.id),
  };
}

export function toAcknowledgement(
  row: Omit<Selectable<IncidentAcknowledgementsTable>, 'seq'>,
): IncidentAcknowledgement {
  return {
    incident_id: row.incident_id,
    state: row.state_id,
    acknowledged_at: row.acknowledged_at,
    report_no: row.report_no,
    note: row.note,
    attestation_id: row.attestation_id,
  };
}

/** The head row, then report 1 (foreign-key order). Recipients are committed beside them. */
export function insertIncidentQueries(db: PortalDb, head: Head, report: IncidentReportsTable): CompiledQuery[] {
  return [
    db.kysely.insertInto('incidents').values(head).compile(),
    db.kysely.insertInto('incident_reports').values(report).compile(),
  ];
}

/** The next report, then the head moved to it (only from the version it was based on). */
export function insertReportQueries(db: PortalDb, report: IncidentReportsTable, head: Partial<Head>): CompiledQuery[] {
  return [
    db.kysely.insertInto('incident_reports').values(report).compile(),
    db.kysely
      .updateTable('incidents')
      .set({ ...head, report_count: report.report_no, updated_at: report.reported_at })
      .where('id', '=', report.incident_id)
      .where('report_count', '=', report.report_no - 1)
      .compile(),
  ];
}

export function insertAcknowledgementQuery(
  db: PortalDb,
  row: Insertable<IncidentAcknowledgementsTable>,
): CompiledQuery {
  return db.kysely.insertInto('incident_acknowledgements').values(row).compile();
}

/** Incidents with their current report, filtered by THE visibility rule. */
function visibleIncidents(db: PortalDb, caller: Caller) {
  return db.kysely
    .selectFrom('incidents')
    .innerJoin('incident_reports', (join) =>
      join
        .onRef('incident_reports.incident_id', '=', 'incidents.id')
        .onRef('incident_reports.report_no', '=', 'incidents.report_count'),
    )
    .selectAll('incidents')
    .selectAll('incident_reports')
    .where(visibleTo(caller, { tlp: 'incidents.tlp', author: 'incidents.state_id', recordId: 'incidents.id' }));
}

/** The incident if the caller may see it; undefined otherwise (a 404, whether or not it exists). */
export function findVisibleIncident(db: PortalDb, caller: Caller, id: string) {
  return visibleIncidents(db, caller).where('incidents.id', '=', id).executeTakeFirst();
}

export type IncidentRow = NonNullable<Awaited<ReturnType<typeof findVisibleIncident>>>;

/** Newest first: the cursor walks down the sequence. */
export function listVisibleIncidents(
  db: PortalDb,
  caller: Caller,
  filter: {
    state?: string;
    status?: 'open' | 'closed';
    overdue?: boolean;
    beforeSeq: number | null;
    limit: number;
    now: Date;
  },
) {
  let query = visibleIncidents(db, caller)
    .orderBy('incidents.seq', 'desc')
    .limit(filter.limit + 1);
  if (filter.beforeSeq !== null) query = query.where('incidents.seq', '<', filter.beforeSeq);
  if (filter.state) query = query.where('incidents.state_id', '=', filter.state);
  if (filter.status === 'open') query = query.where('incidents.closed_at', 'is', null);
  if (filter.status === 'closed') query = query.where('incidents.closed_at', 'is not', null);
  if (filter.overdue !== undefined)
    query = query.where(filter.overdue ? overdueNow(filter.now) : sql<SqlBool>`NOT ${overdueNow(filter.now)}`);
  return query.execute();
}

/** How many states acknowledged each of several incidents (one page). */
export async function acknowledgementCounts(
  db: PortalDb,
  incidentIds: readonly string[],
): Promise<Map<string, number>> {
  const counts = new Map<string, number>(incidentIds.map((id) => [id, 0]));
  for (let start = 0; start < incidentIds.length; start += 90) {
    const rows = await db.kysely
      .selectFrom('incident_acknowledgements')
      .select(['incident_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('incident_id', 'in', incidentIds.slice(start, start + 90))
      .groupBy('incident_id')
      .execute();
    for (const row of rows) counts.set(row.incident_id, Number(row.n));
  }
  return counts;
}

export function listReports(db: PortalDb, incidentId: string, afterReportNo: number | null, limit: number) {
  let query = db.kysely
    .selectFrom('incident_reports')
    .selectAll()
    .where('incident_id', '=', incidentId)
    .orderBy('report_no')
    .limit(limit + 1);
  if (afterReportNo !== null) query = query.where('report_no', '>', afterReportNo);
  return query.execute();
}

export function findReport(db: PortalDb, incidentId: string, reportNo: number) {
  return db.kysely
    .selectFrom('incident_reports')
    .selectAll()
    .where('incident_id', '=', incidentId)
    .where('report_no', '=', reportNo)
    .executeTakeFirst();
}

export function findAcknowledgement(db: PortalDb, incidentId: string, stateId: string) {
  return db.kysely
    .selectFrom('incident_acknowledgements')
    .selectAll()
    .where('incident_id', '=', incidentId)
    .where('state_id', '=', stateId)
    .executeTakeFirst();
}

export function listAcknowledgements(db: PortalDb, incidentId: string, afterSeq: number | null, limit: number) {
  let query = db.kysely
    .selectFrom('incident_acknowledgements')
    .selectAll()
    .where('incident_id', '=', incidentId)
    .orderBy('seq')
    .limit(limit + 1);
  if (afterSeq !== null) query = query.where('seq', '>', afterSeq);
  return query.execute();
}

/** Listed recipient states that have not acknowledged; null when the incident goes to every participant. */
export async function awaitingAcknowledgement(
  db: PortalDb,
  incident: Pick<IncidentsTable, 'id' | 'tlp' | 'state_id'>,
): Promise<string[] | null> {
  if (!RESTRICTED_TLP.includes(incident.tlp)) return null;
  const rows = await db.kysely
    .selectFrom('record_recipients')
    .innerJoin('principals', 'principals.id', 'record_recipients.principal_id')
    .select('record_recipients.principal_id')
    .where('record_recipients.record_id', '=', incident.id)
    .where('principals.kind', '=', 'state')
    .where('record_recipients.principal_id', '<>', incident.state_id)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('incident_acknowledgements')
            .select('incident_acknowledgements.seq')
            .where('incident_acknowledgements.incident_id', '=', incident.id)
            .whereRef('incident_acknowledgements.state_id', '=', 'record_recipients.principal_id'),
        ),
      ),
    )
    .orderBy('record_recipients.principal_id')
    .execute();
  return rows.map((row) => row.principal_id);
}
