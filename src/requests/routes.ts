import { Hono, type Context } from 'hono';
import { commitWrite } from '../write/pipeline.ts';
import { send, writeInput, writeOperation } from '../write/request.ts';
import type { Tlp } from '../db/schema.ts';
import type { AppEnv } from '../http/app-env.ts';
import { decodeCursor, toPage } from '../http/cursor.ts';
import { operation } from '../http/operation.ts';
import { problems } from '../http/problem.ts';
import { findVisibleIncident } from '../incidents/repo.ts';
import { acceptRecipients, recipientQueries, recipientsOfMany } from '../visibility/recipients.ts';
import {
  findVisibleRequest,
  insertRequestQuery,
  insertResponseQuery,
  listResponses,
  listVisibleRequests,
  requestHref,
  responsesOf,
  standingsOfMany,
  toRequest,
  toResponse,
} from './repo.ts';

/** A request wants its answer within a year at most. */
const MAX_REPLY_WINDOW_MS = 365 * 24 * 3600 * 1000;
const DEFAULT_TLP: Tlp = 'TLP:AMBER';

/** The request if the caller may see it: THE visibility rule, in SQL; 404 otherwise. */
async function visibleRequest<E extends AppEnv>(c: Context<E>, id: string) {
  const row = await findVisibleRequest(c.get('deps').db, c.get('caller'), id);
  if (!row) throw problems.notFound(`No request ${id}.`);
  return row;
}

export const requests = new Hono<AppEnv>()
  .get('/', operation('listRequests'), async (c) => {
    const { db, clock } = c.get('deps');
    const { direction, type, cursor, limit = 100 } = c.get('input').query;
    const rows = await listVisibleRequests(db, c.get('caller'), {
      direction,
      type,
      beforeSeq: decodeCursor(cursor),
      limit,
    });
    const ids = rows.slice(0, limit).map((row) => row.id);
    const [recipients, standings] = await Promise.all([recipientsOfMany(db, ids), standingsOfMany(db, ids)]);
    const now = clock.now();
    return c.json(
      toPage(
        rows,
        limit,
        (row) => row.seq,
        (row) => toRequest(row, recipients.get(row.id) ?? [], standings.get(row.id) ?? [], now),
      ),
    );
  })

  .post('/', writeOperation('createRequest'), async (c) => {
    const { deps, caller } = c.var;
    if (caller.principalKind !== 'state')
      throw problems.forbidden('states-only', 'Only a participating state sends requests.');
    const input = c.get('input').body;
    const title = 'The request cannot be sent.';
    const now = deps.clock.now();
    const tlp = input.tlp ?? DEFAULT_TLP;
    let replyBy: string | null = null;
    if (input.reply_by !== undefined) {
      const at = Date.parse(input.reply_by);
      if (!Number.isFinite(at) || at <= now.getTime() || at - now.getTime() > MAX_REPLY_WINDOW_MS) {
        throw problems.unprocessable(title, [
          { pointer: '/reply_by', detail: `must be after now (${now.toISOString()}) and at most 365 days ahead` },
        ]);
      }
      replyBy = new Date(at).toISOString();
    }
    // An incident the sender may not see is, to it, no incident at all.
    if (input.related_incident !== undefined && !(await findVisibleIncident(deps.db, caller, input.related_incident))) {
      throw problems.unprocessable(title, [
        { pointer: '/related_incident', detail: 'no incident you may see has this id' },
      ]);
    }
    const recipients = await acceptRecipients(deps.db, tlp, input.recipients, {
      author: caller.principalId,
      statesOnly: true,
      title,
    });

    const id = deps.ids();
    const subject = `urn:cbm:consultation:${id}`;
    const written = await commitWrite(writeInput(c), { subject, recordId: id, tlp }, (attestationId) => {
      const row = {
        id,
        state_id: caller.principalId,
        type: input.type,
        subject: input.subject,
        body: input.body,
        related_incident_id: input.related_incident ?? null,
        urgency: input.urgency ?? 'normal',
        reply_by: replyBy,
        tlp,
        created_at: now.toISOString(),
        attestation_id: attestationId,
      };
      return {
        records: [
          insertRequestQuery(deps.db, row),
          ...recipientQueries(deps.db, id, recipients, { author: caller.principalId }),
        ],
        answer: { status: 201, data: toRequest(row, recipients, [], now), headers: { Location: requestHref(id) } },
      };
    });
    return send(c, written);
  })

  .get('/:requestId', operation('getRequest'), async (c) => {
    const { db, clock } = c.get('deps');
    const row = await visibleRequest(c, c.get('input').path.requestId);
    const [recipients, standings] = await Promise.all([recipientsOfMany(db, [row.id]), standingsOfMany(db, [row.id])]);
    return c.json(toRequest(row, recipients.get(row.id) ?? [], standings.get(row.id) ?? [], clock.now()));
  })

  .get('/:requestId/responses', operation('listRequestResponses'), async (c) => {
    const request = await visibleRequest(c, c.get('input').path.requestId);
    const { cursor, limit = 100 } = c.get('input').query;
    const rows = await listResponses(c.get('deps').db, request.id, decodeCursor(cursor), limit);
    return c.json(toPage(rows, limit, (row) => row.seq, toResponse));
  })

  .post('/:requestId/responses', writeOperation('respondToRequest'), async (c) => {
    const { deps, caller } = c.var;
    // Whoever may see the request, other than its sender, is a recipient: the listed states
    // for TLP:AMBER, TLP:AMBER+STRICT and TLP:RED, every participating state otherwise.
    const request = await visibleRequest(c, c.get('input').path.requestId);
    if (request.state_id === caller.principalId)
      throw problems.forbidden('not-a-recipient', 'The sender does not respond to its own request.');
    if (caller.principalKind !== 'state')
      throw problems.forbidden('not-a-recipient', 'Recipient states respond to requests.');
    const { action, body } = c.get('input').body;
    if (action === 'answer' && body === undefined)
      throw problems.unprocessable('The response cannot be recorded.', [
        { pointer: '/body', detail: 'an answer needs a body' },
      ]);

    const state = caller.principalId;
    const previous = await responsesOf(deps.db, request.id, state);
    if (previous.some((response) => response.action === 'decline'))
      throw problems.conflict('already-declined', 'This state declined the request; nothing follows a decline.');
    if (action !== 'answer' && previous.length) {
      throw problems.conflict(
        'already-responded',
        `A state accepts or declines with its first response; ${state} has responded already.`,
      );
    }
    const responseNo = previous.length + 1;
    const respondedAt = deps.clock.now().toISOString();
    const raced = () =>
      problems.conflict(
        'response-conflict',
        'Another response of this state was recorded meanwhile; read the history and try again.',
      );
    const write = {
      subject: `urn:cbm:consultation:${request.id}:response:${state}:${responseNo}`,
      recordId: request.id,
      tlp: request.tlp,
      conflicts: {
        attestations_subject: raced,
        request_responses_request_state_no: raced,
        request_responses_order: raced,
      },
    };
    const written = await commitWrite(writeInput(c), write, (attestationId) => {
      const row = {
        request_id: request.id,
        state_id: state,
        response_no: responseNo,
        action,
        body: body ?? null,
        responded_at: respondedAt,
        attestation_id: attestationId,
      };
      return { records: [insertResponseQuery(deps.db, row)], answer: { status: 201, data: toResponse(row) } };
    });
    return send(c, written);
  });
