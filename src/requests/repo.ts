import { sql, type CompiledQuery, type Insertable, type Selectable } from 'kysely';
import type { PortalDb } from '../db/portal-db.ts';
import type { ConsultationRequestsTable, RequestResponsesTable } from '../db/schema.ts';
import type { components } from '../generated/openapi.ts';
import type { Caller } from '../http/app-env.ts';
import { RESTRICTED_TLP, visibleTo } from '../visibility/visibility.ts';

export type ConsultationRequest = components['schemas']['ConsultationRequest'];
export type RequestResponse = components['schemas']['RequestResponse'];
type RecipientStatus = components['schemas']['RecipientStatus'];

export const requestHref = (id: string) => `/requests/${id}`;

/** Each responding state's standing on a request. */
export interface Standing {
  state: string;
  accepted: boolean;
  declined: boolean;
  answered: boolean;
  lastResponseAt: string;
}

const standingStatus = (standing: Standing | undefined): RecipientStatus['status'] =>
  !standing
    ? 'pending'
    : standing.answered
      ? 'answered'
      : standing.declined
        ? 'declined'
        : standing.accepted
          ? 'accepted'
          : 'pending';

export function toRequest(
  row: Omit<Selectable<ConsultationRequestsTable>, 'seq'>,
  recipientRows: readonly string[],
  standings: readonly Standing[],
  now: Date,
): ConsultationRequest {
  const recipients = recipientRows.filter((id) => id !== row.state_id);
  const byState = new Map(standings.map((standing) => [standing.state, standing]));
  // Listed recipients, each with its standing; for TLP:GREEN and TLP:CLEAR, whoever responded.
  const states = RESTRICTED_TLP.includes(row.tlp) ? recipients : [...byState.keys()].sort();
  const replies = states.map(
    (state): RecipientStatus => ({
      state,
      status: standingStatus(byState.get(state)),
      last_response_at: byState.get(state)?.lastResponseAt ?? null,
    }),
  );
  const status: ConsultationRequest['status'] = replies.some((reply) => reply.status === 'answered')
    ? 'answered'
    : replies.some((reply) => reply.status === 'accepted')
      ? 'accepted'
      : recipients.length > 0 && replies.every((reply) => reply.status === 'declined')
        ? 'declined'
        : 'open';
  return {
    id: row.id,
    state: row.state_id,
    type: row.type,
    subject: row.subject,
    body: row.body,
    related_incident: row.related_incident_id,
    urgency: row.urgency,
    reply_by: row.reply_by,
    tlp: row.tlp,
    recipients: [...recipients],
    status,
    overdue: row.reply_by !== null && now.toISOString() > row.reply_by && (status === 'open' || status === 'accepted'),
    replies,
    created_at: row.created_at,
    attestation_id: row.attestation_id,
    href: requestHref(row.id),
  };
}

export function toResponse(row: Omit<Selectable<RequestResponsesTable>, 'seq'>): RequestResponse {
  return {
    request_id: row.request_id,
    state: row.state_id,
    response_no: row.response_no,
    action: row.action,
    body: row.body,
    responded_at: row.responded_at,
    attestation_id: row.attestation_id,
  };
}

export function insertRequestQuery(db: PortalDb, row: Insertable<ConsultationRequestsTable>): CompiledQuery {
  return db.kysely.insertInto('consultation_requests').values(row).compile();
}

export function insertResponseQuery(db: PortalDb, row: Insertable<RequestResponsesTable>): CompiledQuery {
  return db.kysely.insertInto('request_responses').values(row).compile();
}

/** Requests filtered by THE visibility rule. */
function visibleRequests(db: PortalDb, caller: Caller) {
  return db.kysely
    .selectFrom('consultation_requests')
    .selectAll()
    .where(
      visibleTo(caller, {
        tlp: 'consultation_requests.tlp',
        author: 'consultation_requests.state_id',
        recordId: 'consultation_requests.id',
      }),
    );
}

/** The request if the caller may see it; undefined otherwise (a 404, whether or not it exists). */
export function findVisibleRequest(db: PortalDb, caller: Caller, id: string) {
  return visibleRequests(db, caller).where('consultation_requests.id', '=', id).executeTakeFirst();
}

/** Newest first. `sent`: by the caller; `received`: by others (visible to the caller, so addressed to it). */
export function listVisibleRequests(
  db: PortalDb,
  caller: Caller,
  filter: {
    direction?: 'sent' | 'received';
    type?: ConsultationRequestsTable['type'];
    beforeSeq: number | null;
    limit: number;
  },
) {
  let query = visibleRequests(db, caller)
    .orderBy('consultation_requests.seq', 'desc')
    .limit(filter.limit + 1);
  if (filter.beforeSeq !== null) query = query.where('consultation_requests.seq', '<', filter.beforeSeq);
  if (filter.direction === 'sent') query = query.where('consultation_requests.state_id', '=', caller.principalId);
  if (filter.direction === 'received') query = query.where('consultation_requests.state_id', '<>', caller.principalId);
  if (filter.type) query = query.where('consultation_requests.type', '=', filter.type);
  return query.execute();
}

/** Each responding state's standing on several requests (one page). */
export async function standingsOfMany(db: PortalDb, requestIds: readonly string[]): Promise<Map<string, Standing[]>> {
  const byRequest = new Map<string, Standing[]>(requestIds.map((id) => [id, []]));
  for (let start = 0; start < requestIds.length; start += 90) {
    const rows = await db.kysely
      .selectFrom('request_responses')
      .select([
        'request_id',
        'state_id',
        sql<number>`max(action = 'accept')`.as('accepted'),
        sql<number>`max(action = 'decline')`.as('declined'),
        sql<number>`max(action = 'answer')`.as('answered'),
        (eb) => eb.fn.max('responded_at').as('last_response_at'),
      ])
      .where('request_id', 'in', requestIds.slice(start, start + 90))
      .groupBy(['request_id', 'state_id'])
      .execute();
    for (const row of rows) {
      byRequest.get(row.request_id)?.push({
        state: row.state_id,
        accepted: Number(row.accepted) === 1,
        declined: Number(row.declined) === 1,
        answered: Number(row.answered) === 1,
        lastResponseAt: row.last_response_at,
      });
    }
  }
  return byRequest;
}

/** One state's responses to a request, in order. */
export function responsesOf(db: PortalDb, requestId: string, stateId: string) {
  return db.kysely
    .selectFrom('request_responses')
    .selectAll()
    .where('request_id', '=', requestId)
    .where('state_id', '=', stateId)
    .orderBy('response_no')
    .execute();
}

export function listResponses(db: PortalDb, requestId: string, afterSeq: number | null, limit: number) {
  let query = db.kysely
    .selectFrom('request_responses')
    .selectAll()
    .where('request_id', '=', requestId)
    .orderBy('seq')
    .limit(limit + 1);
  if (afterSeq !== null) query = query.where('seq', '>', afterSeq);
  return query.execute();
}
