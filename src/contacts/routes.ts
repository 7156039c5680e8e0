import { Hono, type Context } from 'hono';
import type { ContactVersionsTable } from '../db/schema.ts';
import type { AppEnv } from '../http/app-env.ts';
import { decodeCursor, toPage } from '../http/cursor.ts';
import { operation } from '../http/operation.ts';
import { problems, type FieldError } from '../http/problem.ts';
import { findCurrentEntry } from '../bodies/entries.ts';
import { commitWrite } from '../write/pipeline.ts';
import { send, writeInput, writeOperation } from '../write/request.ts';
import { directoryPage } from './directory-cache.ts';
import {
  contactEtag,
  contactVersionQueries,
  findCurrentContact,
  LATE_AFTER_MS,
  listDirectory,
  listVersions,
  toContact,
  type ContactInput,
} from './repo.ts';

function requireState<E extends AppEnv>(c: Context<E>) {
  if (c.get('caller').principalKind !== 'state')
    throw problems.forbidden('states-only', 'Only a participating state publishes points of contact.');
  return c.get('caller').principalId;
}

/** The contact as it stands, if the caller's state owns it and it can still change. */
async function ownContact<E extends AppEnv>(c: Context<E>, id: string) {
  const state = requireState(c);
  const current = await findCurrentContact(c.get('deps').db, id);
  if (!current) throw problems.notFound(`No contact ${id}.`);
  if (current.state_id !== state)
    throw problems.forbidden(
      'not-owner',
      `Contact ${id} belongs to ${current.state_id}; a state changes only its own contacts.`,
    );
  if (current.status === 'withdrawn')
    throw problems.conflict('contact-withdrawn', 'A withdrawn contact is final; publish a new contact instead.');
  return current;
}

/** RFC 9110 If-Match against the current version: 428 when absent, 412 when stale. */
function checkIfMatch<E extends AppEnv>(c: Context<E>, version: number) {
  const header = c.req.header('if-match');
  if (!header) throw problems.preconditionRequired();
  const tags = header.split(',').map((tag) => tag.trim());
  if (!tags.includes('*') && !tags.includes(contactEtag(version))) {
    throw problems.preconditionFailed(
      `The contact is at version ${version} (ETag ${contactEtag(version)}); fetch it and apply the change again.`,
    );
  }
}

function isLate(effectiveAt: string, filedAt: Date) {
  return filedAt.getTime() - new Date(effectiveAt).getTime() > LATE_AFTER_MS;
}

/**
 * Writes a new version of a contact through the write pipeline: the version row and the
 * head row (repo.ts), attested and logged, answered with the contact and its ETag.
 */
async function commitVersion<E extends AppEnv>(
  c: Context<E>,
  version: Omit<ContactVersionsTable, 'attestation_id'>,
  isNew: boolean,
) {
  // A concurrent writer based on the same version inserts the same (contact_id, version)
  // and the same attestation subject: whichever commits second is refused here.
  const stale = () =>
    problems.preconditionFailed('The contact changed while this request was processed; fetch it and try again.');
  const subject = `urn:cbm:contact:${version.contact_id}:v${version.version}`;
  const conflicts = { contact_versions_contact_version: stale, attestations_subject: stale };
  const written = await commitWrite(writeInput(c), { subject, conflicts }, (attestationId) => {
    const row: ContactVersionsTable = { ...version, attestation_id: attestationId };
    const contact = toContact(row);
    return {
      records: contactVersionQueries(c.get('deps').db, row, isNew),
      answer: {
        status: isNew ? 201 : 200,
        data: contact,
        headers: { ETag: contactEtag(row.version), ...(isNew ? { Location: contact.href } : {}) },
      },
    };
  });
  return send(c, written);
}

function versionFields(input: ContactInput, filedAt: Date) {
  const effectiveAt = input.effective_at ?? filedAt.toISOString();
  return {
    status: 'active' as const,
    role: input.role,
    name: input.name,
    position: input.position ?? null,
    organisation: input.organisation,
    email: input.email,
    phone_24x7: input.phone_24x7,
    languages: JSON.stringify(input.languages),
    time_zone: input.time_zone,
    notes: input.notes ?? null,
    effective_at: new Date(effectiveAt).toISOString(),
    filed_at: filedAt.toISOString(),
    late: isLate(effectiveAt, filedAt) ? (1 as const) : (0 as const),
    withdrawal_reason: null,
    sectors: JSON.stringify(input.sectors ?? []),
    body_id: input.body_id ?? null,
  };
}

/**
 * A critical-infrastructure authority (CBM 15) names the NIS2 sectors it covers, and only
 * it does; a contact names a body of its own state, still active.
 */
async function checkRoleFields<E extends AppEnv>(c: Context<E>, input: ContactInput, state: string) {
  const errors: FieldError[] = [];
  const sectors = input.sectors ?? [];
  if (input.role === 'ci-authority' && !sectors.length)
    errors.push({ pointer: '/sectors', detail: 'a ci-authority contact names the NIS2 sectors it covers' });
  if (input.role !== 'ci-authority' && sectors.length)
    errors.push({ pointer: '/sectors', detail: 'only a ci-authority contact names sectors' });
  if (input.body_id) {
    const body = await findCurrentEntry(c.get('deps').db, 'body', input.body_id);
    if (!body || body.owner_id !== state || body.status !== 'active')
      errors.push({ pointer: '/body_id', detail: `not an active competent body of ${state}` });
  }
  if (errors.length) throw problems.unprocessable('The contact cannot be published.', errors);
}

/**
 * An IANA time zone name. Building an Intl.DateTimeFormat is the costliest step of a
 * contact write (about 100 µs), and a directory names few zones, so names already accepted
 * are remembered (Deps.memory.timeZones, bounded); only valid names are kept.
 */
function checkTimeZone<E extends AppEnv>(c: Context<E>, timeZone: string) {
  const accepted = c.get('deps').memory.timeZones;
  if (accepted.has(timeZone)) return;
  try {
    new Intl.DateTimeFormat('en', { timeZone });
  } catch {
    throw problems.unprocessable('The contact cannot be published.', [
      { pointer: '/time_zone', detail: 'not an IANA time zone' },
    ]);
  }
  accepted.add(timeZone);
}

export const contacts = new Hono<AppEnv>()
  .get('/', operation('listContacts'), async (c) => {
    const { state, role, sector, status, q, cursor, limit = 100 } = c.get('input').query;
    const { db } = c.get('deps');
    const key = JSON.stringify([state, role, sector, status, q, cursor, limit]);
    const body = await directoryPage(db, key, async () => {
      const rows = await listDirectory(db, {
        state,
        role,
        sector,
        text: q,
        includeWithdrawn: status === 'all',
        afterSeq: decodeCursor(cursor),
        limit,
      });
      return new TextEncoder().encode(JSON.stringify(toPage(rows, limit, (row) => row.seq, toContact)));
    });
    return c.body(body as Uint8Array<ArrayBuffer>, 200, { 'Content-Type': 'application/json' });
  })

  .post('/', writeOperation('createContact'), async (c) => {
    const state = requireState(c);
    const input = c.get('input').body;
    checkTimeZone(c, input.time_zone);
    await checkRoleFields(c, input, state);
    const now = c.get('deps').clock.now();
    const id = c.get('deps').ids();
    return commitVersion(c, { contact_id: id, version: 1, state_id: state, ...versionFields(input, now) }, true);
  })

  .get('/:contactId', operation('getContact'), async (c) => {
    const row = await findCurrentContact(c.get('deps').db, c.get('input').path.contactId);
    if (!row) throw problems.notFound('No such contact.');
    c.header('ETag', contactEtag(row.version));
    return c.json(toContact(row));
  })

  .put('/:contactId', writeOperation('updateContact'), async (c) => {
    const current = await ownContact(c, c.get('input').path.contactId);
    checkIfMatch(c, current.version);
    const input = c.get('input').body;
    checkTimeZone(c, input.time_zone);
    await checkRoleFields(c, input, current.state_id);
    const now = c.get('deps').clock.now();
    const version = current.version + 1;
    return commitVersion(
      c,
      { contact_id: current.contact_id, version, state_id: current.state_id, ...versionFields(input, now) },
      false,
    );
  })

  .post('/:contactId/withdraw', writeOperation('withdrawContact'), async (c) => {
    const current = await ownContact(c, c.get('input').path.contactId);
    checkIfMatch(c, current.version);
    const { reason, effective_at } = c.get('input').body;
    const now = c.get('deps').clock.now();
    const effectiveAt = effective_at ?? now.toISOString();
    const version = current.version + 1;
    const { seq: _seq, attestation_id: _previous, ...fields } = current;
    return commitVersion(
      c,
      {
        ...fields,
        version,
        status: 'withdrawn',
        effective_at: new Date(effectiveAt).toISOString(),
        filed_at: now.toISOString(),
        late: isLate(effectiveAt, now) ? 1 : 0,
        withdrawal_reason: reason ?? null,
      },
      false,
    );
  })

  .get('/:contactId/history', operation('listContactHistory'), async (c) => {
    const { contactId } = c.get('input').path;
    const { cursor, limit = 100 } = c.get('input').query;
    const rows = await listVersions(c.get('deps').db, contactId, decodeCursor(cursor), limit);
    if (!rows.length && cursor === undefined) throw problems.notFound('No such contact.');
    return c.json(toPage(rows, limit, (row) => row.version, toContact));
  });
