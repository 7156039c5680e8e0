import { Hono } from 'hono';
import { commitWrite } from '../write/pipeline.ts';
import { send, writeInput, writeOperation } from '../write/request.ts';
import {
  confirmedBy,
  existingDocuments,
  insertParticipationQuery,
  listParticipations,
  participantsOf,
} from './repo.ts';
import { entryRecord, entryRoutes, findCurrentEntry } from '../bodies/entries.ts';
import type { AppEnv } from '../http/app-env.ts';
import { decodeCursor, toPage } from '../http/cursor.ts';
import { operation } from '../http/operation.ts';
import { problems, type FieldError } from '../http/problem.ts';

export const meetingHref = (id: string) => `/meetings/${id}`;

/** Expert meetings (CBM 11): the Secretariat records them; each state confirms taking part. */
const records = entryRoutes({
  kind: 'meeting',
  urn: 'meeting',
  writer: 'secretariat',
  noun: 'expert meeting',
  param: 'meetingId',
  operations: {
    list: 'listMeetings',
    create: 'createMeeting',
    get: 'getMeeting',
    update: 'updateMeeting',
    withdraw: 'withdrawMeeting',
    history: 'listMeetingHistory',
  },
  filters: (query) => ({
    data: [],
    ...(query.participant
      ? {
          extra: confirmedBy(query.participant as string),
        }
      : {}),
  }),
  async check(c, input) {
    const errors: FieldError[] = [];
    const {
      starts_at: startsAt,
      ends_at: endsAt,
      place,
      online,
      outcome_documents: outcomes,
    } = input as {
      starts_at: string;
      ends_at?: string;
      place?: string;
      online?: boolean;
      outcome_documents?: string[];
    };
    if (endsAt && Date.parse(endsAt) < Date.parse(startsAt))
      errors.push({ pointer: '/ends_at', detail: 'before starts_at' });
    if (!place && online !== true)
      errors.push({ pointer: '/place', detail: 'a meeting is held at a place, online, or both' });
    if (outcomes?.length) {
      const known = await existingDocuments(c.get('deps').db, outcomes);
      outcomes.forEach((id, index) => {
        if (!known.has(id)) errors.push({ pointer: `/outcome_documents/${index}`, detail: 'no such document' });
      });
    }
    return errors;
  },
  async toRecords(db, rows) {
    const participants = await participantsOf(
      db,
      rows.map((row) => row.entry_id),
    );
    return rows.map((row) => ({
      ...entryRecord(row, 'recorded_by', meetingHref(row.entry_id)),
      participants: participants.get(row.entry_id) ?? [],
      participations_href: `${meetingHref(row.entry_id)}/participations`,
    }));
  },
  href: meetingHref,
});

const participations = new Hono<AppEnv>()
  .get('/:meetingId/participations', operation('listMeetingParticipations'), async (c) => {
    const { meetingId } = c.get('input').path;
    const { cursor, limit = 100 } = c.get('input').query;
    const { db } = c.get('deps');
    if (!(await findCurrentEntry(db, 'meeting', meetingId))) throw problems.notFound('No such expert meeting.');
    const rows = await listParticipations(db, meetingId, decodeCursor(cursor), limit);
    return c.json(
      toPage(
        rows,
        limit,
        (row) => row.seq,
        (row) => ({
          meeting_id: row.meeting_id,
          state: row.state_id,
          confirmed_at: row.confirmed_at,
          note: row.note,
          attestation_id: row.attestation_id,
        }),
      ),
    );
  })
  .post('/:meetingId/participations', writeOperation('confirmMeetingParticipation'), async (c) => {
    if (c.get('caller').principalKind !== 'state')
      throw problems.forbidden('states-only', 'Only a participating state confirms its participation.');
    const state = c.get('caller').principalId;
    const { meetingId } = c.get('input').path;
    const { db } = c.get('deps');
    const meeting = await findCurrentEntry(db, 'meeting', meetingId);
    if (!meeting) throw problems.notFound('No such expert meeting.');
    if (meeting.status === 'withdrawn') throw problems.conflict('entry-withdrawn', 'The meeting record was withdrawn.');
    const note = c.get('input').body?.note ?? null;
    const confirmedAt = c.get('deps').clock.now().toISOString();
    const again = () =>
      problems.conflict(
        'participation-already-confirmed',
        `${state} already confirmed its participation in this meeting.`,
      );
    const write = {
      subject: `urn:cbm:meeting:${meetingId}:participation:${state}`,
      conflicts: { meeting_participations_meeting_state: again, attestations_subject: again },
    };
    const written = await commitWrite(writeInput(c), write, (attestationId) => ({
      records: [
        insertParticipationQuery(db, {
          meeting_id: meetingId,
          state_id: state,
          confirmed_at: confirmedAt,
          note,
          attestation_id: attestationId,
        }),
      ],
      answer: {
        status: 201,
        data: { meeting_id: meetingId, state, confirmed_at: confirmedAt, note, attestation_id: attestationId },
      },
    }));
    return send(c, written);
  });

export const meetings = new Hono<AppEnv>().route('/', participations).route('/', records);
