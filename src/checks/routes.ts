import { Hono, type Context } from 'hono';
import { findCurrentContact } from '../contacts/repo.ts';
import type { CheckAcknowledgementsTable } from '../db/schema.ts';
import type { AppEnv } from '../http/app-env.ts';
import { decodeCursor, toPage } from '../http/cursor.ts';
import { operation } from '../http/operation.ts';
import { problems, type FieldError } from '../http/problem.ts';
import { commitWrite } from '../write/pipeline.ts';
import { send, writeInput, writeOperation } from '../write/request.ts';
import {
  ALL_ROLES,
  DEFAULT_ROLES,
  addresseesOf,
  addresseesOfMany,
  checkHref,
  checkReport,
  findAcknowledgement,
  findCheck,
  findRegisteredStates,
  insertAcknowledgementQuery,
  insertCheckQueries,
  isAddressed,
  isPastDeadline,
  listChecks,
  MAX_CHECK_WINDOW_MS,
  registeredStates,
  toAcknowledgement,
  toCheck,
} from './repo.ts';

const cannotStart = (errors: FieldError[]) => problems.unprocessable('The check cannot be started.', errors);
const cannotAcknowledge = (detail: string) =>
  problems.unprocessable('The acknowledgement cannot be recorded.', [{ pointer: '/contact_id', detail }]);
const alreadyAcknowledged = () =>
  problems.conflict('already-acknowledged', 'This state has already answered this check; a check is answered once.');

async function existingCheck<E extends AppEnv>(c: Context<E>, id: string) {
  const row = await findCheck(c.get('deps').db, id);
  if (!row) throw problems.notFound(`No check ${id}.`);
  return row;
}

/** The deadline as stored (RFC 3339 UTC, milliseconds): after now, at most 30 days ahead. */
function acceptDeadline(deadline: string, now: Date): string {
  const at = Date.parse(deadline);
  if (!Number.isFinite(at)) throw cannotStart([{ pointer: '/deadline', detail: 'not a date-time' }]);
  if (at <= now.getTime())
    throw cannotStart([
      { pointer: '/deadline', detail: `must be after the start of the check (${now.toISOString()})` },
    ]);
  if (at - now.getTime() > MAX_CHECK_WINDOW_MS) {
    throw cannotStart([
      {
        pointer: '/deadline',
        detail: `must be at most 30 days ahead (${new Date(now.getTime() + MAX_CHECK_WINDOW_MS).toISOString()})`,
      },
    ]);
  }
  return new Date(at).toISOString();
}

export const checks = new Hono<AppEnv>()
  .get('/', operation('listChecks'), async (c) => {
    const { db, clock } = c.get('deps');
    const { cursor, limit = 100 } = c.get('input').query;
    const rows = await listChecks(db, decodeCursor(cursor), limit);
    const states = await addresseesOfMany(
      db,
      rows.slice(0, limit).map((row) => row.id),
    );
    const now = clock.now();
    return c.json(
      toPage(
        rows,
        limit,
        (row) => row.seq,
        (row) => toCheck(row, states.get(row.id) ?? [], now),
      ),
    );
  })

  .post('/', writeOperation('startCheck'), async (c) => {
    const { deps, caller } = c.var;
    if (caller.principalKind !== 'secretariat')
      throw problems.forbidden('secretariat-only', 'Only the Secretariat starts communication checks.');
    const input = c.get('input').body;
    const now = deps.clock.now();
    const deadline = acceptDeadline(input.deadline, now);

    let states: string[];
    if (input.states) {
      const known = await findRegisteredStates(deps.db, input.states);
      const unknown = input.states.flatMap((state, index) =>
        known.has(state)
          ? []
          : [{ pointer: `/states/${index}`, detail: `${state} is not a registered participating state` }],
      );
      if (unknown.length) throw cannotStart(unknown);
      states = [...input.states].sort();
    } else {
      states = await registeredStates(deps.db);
      if (!states.length) throw cannotStart([{ pointer: '', detail: 'no participating state is registered yet' }]);
    }
    const roles = input.roles ? ALL_ROLES.filter((role) => input.roles!.includes(role)) : DEFAULT_ROLES;

    const id = deps.ids();
    const written = await commitWrite(writeInput(c), { subject: `urn:cbm:check:${id}` }, (attestationId) => {
      const row = {
        id,
        started_at: now.toISOString(),
        deadline,
        roles: JSON.stringify(roles),
        message: input.message ?? null,
        attestation_id: attestationId,
      };
      return {
        records: insertCheckQueries(deps.db, row, states),
        answer: { status: 201, data: toCheck(row, states, now), headers: { Location: checkHref(id) } },
      };
    });
    return send(c, written);
  })

  .get('/:checkId', operation('getCheck'), async (c) => {
    const { db, clock } = c.get('deps');
    const row = await existingCheck(c, c.get('input').path.checkId);
    return c.json(toCheck(row, await addresseesOf(db, row.id), clock.now()));
  })

  .post('/:checkId/acknowledgements', writeOperation('acknowledgeCheck'), async (c) => {
    const { deps, caller } = c.var;
    const check = await existingCheck(c, c.get('input').path.checkId);
    if (caller.principalKind !== 'state')
      throw problems.forbidden('states-only', 'Only an addressed state answers a communication check, for itself.');
    const state = caller.principalId;
    if (!(await isAddressed(deps.db, check.id, state)))
      throw problems.forbidden('not-addressed', `This check does not address ${state}.`);
    // A fast, friendly refusal; the primary key refuses a concurrent second answer at commit.
    if (await findAcknowledgement(deps.db, check.id, state)) throw alreadyAcknowledged();

    const { contact_id: contactId, note } = c.get('input').body;
    const contact = await findCurrentContact(deps.db, contactId);
    if (!contact) throw cannotAcknowledge('no such contact');
    if (contact.state_id !== state) {
      throw problems.forbidden(
        'not-owner',
        `Contact ${contactId} belongs to ${contact.state_id}; a state answers only for itself, naming its own contact.`,
      );
    }
    if (contact.status !== 'active') throw cannotAcknowledge('the contact is withdrawn');
    const roles = JSON.parse(check.roles) as string[];
    if (!roles.includes(contact.role))
      throw cannotAcknowledge(
        `the contact is a ${contact.role} contact; this check addresses ${roles.join(' and ')} contacts`,
      );

    const now = deps.clock.now();
    const late = isPastDeadline(check.deadline, now);
    const conflicts = {
      // The same answer raced in: its attestation subject or its row is already there.
      attestations_subject: alreadyAcknowledged,
      check_acknowledgements_check_state: alreadyAcknowledged,
      // The trigger: the contact was withdrawn or changed role while the answer was in flight.
      check_acknowledgements_answering_contact: () =>
        cannotAcknowledge('the contact is not an active contact of this state in an addressed role'),
    };
    const subject = `urn:cbm:check:${check.id}:ack:${state}`;
    const acknowledgementRow = (attestationId: string): CheckAcknowledgementsTable => ({
      check_id: check.id,
      state_id: state,
      contact_id: contactId,
      acknowledged_at: now.toISOString(),
      response_seconds: (now.getTime() - Date.parse(check.started_at)) / 1000,
      late: late ? 1 : 0,
      note: note ?? null,
      attestation_id: attestationId,
    });
    const written = await commitWrite(writeInput(c), { subject, conflicts }, (attestationId) => ({
      records: [insertAcknowledgementQuery(deps.db, acknowledgementRow(attestationId))],
      // A late answer is recorded and attested, yet refused (below): no answer to store.
      answer: late ? undefined : { status: 201, data: toAcknowledgement(acknowledgementRow(attestationId)) },
    }));
    if (late) {
      // The state learns it missed the deadline.
      throw problems.conflict(
        'deadline-passed',
        `The deadline ${check.deadline} has passed; the answer is recorded as late.`,
        { acknowledgement: toAcknowledgement(acknowledgementRow(written.attestation.id)) },
      );
    }
    return send(c, written);
  })

  .get('/:checkId/report', operation('getCheckReport'), async (c) => {
    const { db, clock } = c.get('deps');
    const row = await existingCheck(c, c.get('input').path.checkId);
    const check = toCheck(row, await addresseesOf(db, row.id), clock.now());
    return c.json(await checkReport(db, check));
  });
