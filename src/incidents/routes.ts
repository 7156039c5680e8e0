import { Hono, type Context } from 'hono';
import type { IncidentReportsTable } from '../db/schema.ts';
import type { AppEnv } from '../http/app-env.ts';
import { decodeCursor, toPage } from '../http/cursor.ts';
import { operation } from '../http/operation.ts';
import { commitWrite } from '../write/pipeline.ts';
import { send, writeInput, writeOperation } from '../write/request.ts';
import { problems } from '../http/problem.ts';
import { acceptRecipients, recipientQueries, recipientsOfMany } from '../visibility/recipients.ts';
import {
  acknowledgementCounts,
  addCalendarMonth,
  awaitingAcknowledgement,
  findAcknowledgement,
  findReport,
  findVisibleIncident,
  incidentEtag,
  incidentHref,
  insertAcknowledgementQuery,
  insertIncidentQueries,
  insertReportQueries,
  listAcknowledgements,
  listReports,
  listVisibleIncidents,
  mergeReportFields,
  NOTIFICATION_AFTER_MS,
  reportFields,
  reportHref,
  RSIT_TYPES,
  toAcknowledgement,
  toIncident,
  toReport,
  type IncidentRow,
  type ReportFields,
} from './repo.ts';

/** Clocks of national systems drift: an awareness time this far ahead of the portal's is still accepted. */
const CLOCK_SKEW_MS = 5 * 60 * 1000;

const alreadyAcknowledged = () =>
  problems.conflict('already-acknowledged', 'This state has already acknowledged this incident.');

/** The incident if the caller may see it: THE visibility rule, in SQL; 404 otherwise. */
async function visibleIncident<E extends AppEnv>(c: Context<E>, id: string): Promise<IncidentRow> {
  const row = await findVisibleIncident(c.get('deps').db, c.get('caller'), id);
  if (!row) throw problems.notFound(`No incident ${id}.`);
  return row;
}

/** The RSIT type, if any, is one of its class's (the contract cannot say which go together). */
function checkClassification(fields: ReportFields, title: string) {
  const types = RSIT_TYPES[fields.rsit_class as keyof typeof RSIT_TYPES];
  if (fields.rsit_type !== null && !types.includes(fields.rsit_type)) {
    throw problems.unprocessable(title, [
      { pointer: '/rsit_type', detail: `not an RSIT type of ${fields.rsit_class} (${types.join(', ')})` },
    ]);
  }
}

/** Where a report stage may not follow the incident's reports so far: a 409 naming why. */
function stageRefusal(incident: IncidentRow, stage: IncidentReportsTable['stage']) {
  if (incident.closed_at !== null)
    return problems.conflict('incident-closed', 'The final report closed this incident; nothing follows it.');
  if (stage === 'notification' && incident.notified_at !== null)
    return problems.conflict(
      'already-notified',
      'The notification report is filed once; use an intermediate or progress report.',
    );
  if (stage !== 'notification' && incident.notified_at === null)
    return problems.conflict(
      'notification-required',
      `A ${stage} report follows the notification report; file the notification first.`,
    );
  return null;
}

export const incidents = new Hono<AppEnv>()
  .get('/', operation('listIncidents'), async (c) => {
    const { db, clock } = c.get('deps');
    const { state, status, overdue, cursor, limit = 100 } = c.get('input').query;
    const now = clock.now();
    const rows = await listVisibleIncidents(db, c.get('caller'), {
      state,
      status,
      overdue,
      beforeSeq: decodeCursor(cursor),
      limit,
      now,
    });
    const ids = rows.slice(0, limit).map((row) => row.id);
    const [recipients, acknowledgements] = await Promise.all([
      recipientsOfMany(db, ids),
      acknowledgementCounts(db, ids),
    ]);
    return c.json(
      toPage(
        rows,
        limit,
        (row) => row.seq,
        (row) => toIncident(row, row, recipients.get(row.id) ?? [], acknowledgements.get(row.id) ?? 0, now),
      ),
    );
  })

  .post('/', writeOperation('createIncident'), async (c) => {
    const { deps, caller } = c.var;
    if (caller.principalKind !== 'state')
      throw problems.forbidden('states-only', 'Only a participating state notifies incidents.');
    const input = c.get('input').body;
    const title = 'The incident cannot be notified.';
    const now = deps.clock.now();
    const awareAt = Date.parse(input.aware_at);
    if (!Number.isFinite(awareAt))
      throw problems.unprocessable(title, [{ pointer: '/aware_at', detail: 'not a date-time' }]);
    if (awareAt > now.getTime() + CLOCK_SKEW_MS)
      throw problems.unprocessable(title, [
        { pointer: '/aware_at', detail: `must not be in the future (now ${now.toISOString()})` },
      ]);
    const fields = reportFields(input);
    checkClassification(fields, title);
    const recipients = await acceptRecipients(deps.db, input.tlp, input.recipients, {
      author: caller.principalId,
      statesOnly: false,
      title,
    });

    const id = deps.ids();
    const reportedAt = now.toISOString();
    const stage = input.stage ?? 'early-warning';
    const notified = stage === 'notification';
    const head = {
      id,
      state_id: caller.principalId,
      tlp: input.tlp,
      aware_at: new Date(awareAt).toISOString(),
      opened_at: reportedAt,
      updated_at: reportedAt,
      report_count: 1,
      notification_due_at: new Date(awareAt + NOTIFICATION_AFTER_MS).toISOString(),
      notified_at: notified ? reportedAt : null,
      final_due_at: notified ? addCalendarMonth(reportedAt) : null,
      final_met_at: null,
      closed_at: null,
    };
    const subject = `urn:cbm:incident:${id}:report:1`;
    const written = await commitWrite(writeInput(c), { subject, recordId: id, tlp: input.tlp }, (attestationId) => {
      const report: IncidentReportsTable = {
        incident_id: id,
        report_no: 1,
        stage,
        summary: input.summary,
        ...fields,
        reported_at: reportedAt,
        attestation_id: attestationId,
      };
      return {
        records: [
          ...insertIncidentQueries(deps.db, head, report),
          ...recipientQueries(deps.db, id, recipients, { author: caller.principalId }),
        ],
        answer: {
          status: 201,
          data: toIncident(head, report, recipients, 0, now),
          headers: { Location: incidentHref(id), ETag: incidentEtag(1) },
        },
      };
    });
    return send(c, written);
  })

  .get('/:incidentId', operation('getIncident'), async (c) => {
    const { db, clock } = c.get('deps');
    const row = await visibleIncident(c, c.get('input').path.incidentId);
    const [recipients, acknowledgements] = await Promise.all([
      recipientsOfMany(db, [row.id]),
      acknowledgementCounts(db, [row.id]),
    ]);
    c.header('ETag', incidentEtag(row.report_count));
    return c.json(toIncident(row, row, recipients.get(row.id) ?? [], acknowledgements.get(row.id) ?? 0, clock.now()));
  })

  .get('/:incidentId/reports', operation('listIncidentReports'), async (c) => {
    const incident = await visibleIncident(c, c.get('input').path.incidentId);
    const { cursor, limit = 100 } = c.get('input').query;
    const rows = await listReports(c.get('deps').db, incident.id, decodeCursor(cursor), limit);
    return c.json(toPage(rows, limit, (row) => row.report_no, toReport));
  })

  .post('/:incidentId/reports', writeOperation('addIncidentReport'), async (c) => {
    const { deps, caller } = c.var;
    const incident = await visibleIncident(c, c.get('input').path.incidentId);
    if (incident.state_id !== caller.principalId) {
      throw problems.forbidden(
        'not-author',
        `Incident ${incident.id} was notified by ${incident.state_id}; only it files the incident's reports.`,
      );
    }
    const ifMatch = c.req.header('if-match');
    if (ifMatch !== undefined) {
      const tags = ifMatch.split(',').map((tag) => tag.trim());
      if (!tags.includes('*') && !tags.includes(incidentEtag(incident.report_count))) {
        throw problems.preconditionFailed(
          `The incident is at report ${incident.report_count} (ETag ${incidentEtag(incident.report_count)}); ` +
            'fetch it and file the report again.',
        );
      }
    }
    const input = c.get('input').body;
    const refusal = stageRefusal(incident, input.stage);
    if (refusal) throw refusal;
    const fields = mergeReportFields(incident, input);
    checkClassification(fields, 'The report cannot be filed.');

    const now = deps.clock.now();
    const reportedAt = now.toISOString();
    const reportNo = incident.report_count + 1;
    const head =
      input.stage === 'notification'
        ? { notified_at: reportedAt, final_due_at: addCalendarMonth(reportedAt) }
        : input.stage === 'final'
          ? { final_met_at: incident.final_met_at ?? reportedAt, closed_at: reportedAt }
          : input.stage === 'progress'
            ? { final_met_at: incident.final_met_at ?? reportedAt }
            : {};
    // Another report took this number first (its attestation subject or its row is there,
    // or the stage-order trigger refused): the report was based on a stale version.
    const raced = () =>
      ifMatch !== undefined
        ? problems.preconditionFailed(
            'Another report was filed while this one was processed; fetch the incident and file it again.',
          )
        : problems.conflict(
            'report-conflict',
            'Another report was filed while this one was processed; fetch the incident and file it again.',
          );
    const write = {
      subject: `urn:cbm:incident:${incident.id}:report:${reportNo}`,
      recordId: incident.id,
      tlp: incident.tlp,
      conflicts: {
        attestations_subject: raced,
        incident_reports_report_no: raced,
        incident_reports_one_stage: raced,
        incident_reports_stage_order: raced,
      },
    };
    const written = await commitWrite(writeInput(c), write, (attestationId) => {
      const report: IncidentReportsTable = {
        incident_id: incident.id,
        report_no: reportNo,
        stage: input.stage,
        summary: input.summary,
        ...fields,
        reported_at: reportedAt,
        attestation_id: attestationId,
      };
      return {
        records: insertReportQueries(deps.db, report, head),
        answer: {
          status: 201,
          data: toReport(report),
          headers: { Location: reportHref(incident.id, reportNo), ETag: incidentEtag(reportNo) },
        },
      };
    });
    return send(c, written);
  })

  .get('/:incidentId/reports/:reportNo', operation('getIncidentReport'), async (c) => {
    const incident = await visibleIncident(c, c.get('input').path.incidentId);
    const row = await findReport(c.get('deps').db, incident.id, c.get('input').path.reportNo);
    if (!row) throw problems.notFound(`Incident ${incident.id} has no report ${c.get('input').path.reportNo}.`);
    return c.json(toReport(row));
  })

  .get('/:incidentId/acknowledgements', operation('listIncidentAcknowledgements'), async (c) => {
    const { db } = c.get('deps');
    const incident = await visibleIncident(c, c.get('input').path.incidentId);
    const { cursor, limit = 100 } = c.get('input').query;
    const [rows, awaiting] = await Promise.all([
      listAcknowledgements(db, incident.id, decodeCursor(cursor), limit),
      awaitingAcknowledgement(db, incident),
    ]);
    return c.json({ ...toPage(rows, limit, (row) => row.seq, toAcknowledgement), awaiting });
  })

  .post('/:incidentId/acknowledgements', writeOperation('acknowledgeIncident'), async (c) => {
    const { deps, caller } = c.var;
    // Whoever may see the incident, other than its author, is a recipient: the listed ones
    // for TLP:AMBER, TLP:AMBER+STRICT and TLP:RED, every participating state otherwise.
    const incident = await visibleIncident(c, c.get('input').path.incidentId);
    if (incident.state_id === caller.principalId)
      throw problems.forbidden('not-a-recipient', 'The notifying state does not acknowledge its own incident.');
    if (caller.principalKind !== 'state')
      throw problems.forbidden('not-a-recipient', 'Recipient states acknowledge incidents.');
    // A fast, friendly refusal; the UNIQUE constraint refuses a concurrent second one at commit.
    if (await findAcknowledgement(deps.db, incident.id, caller.principalId)) throw alreadyAcknowledged();

    const acknowledgedAt = deps.clock.now().toISOString();
    const write = {
      subject: `urn:cbm:incident:${incident.id}:ack:${caller.principalId}`,
      recordId: incident.id,
      tlp: incident.tlp,
      conflicts: {
        attestations_subject: alreadyAcknowledged,
        incident_acknowledgements_incident_state: alreadyAcknowledged,
      },
    };
    const written = await commitWrite(writeInput(c), write, (attestationId) => {
      const row = {
        incident_id: incident.id,
        state_id: caller.principalId,
        acknowledged_at: acknowledgedAt,
        report_no: incident.report_count,
        note: c.get('input').body.note ?? null,
        attestation_id: attestationId,
      };
      return {
        records: [insertAcknowledgementQuery(deps.db, row)],
        answer: { status: 201, data: toAcknowledgement(row) },
      };
    });
    return send(c, written);
  });
