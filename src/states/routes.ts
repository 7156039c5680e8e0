import { Hono, type Context } from 'hono';
import { checkHistory } from '../checks/repo.ts';
import { countActiveContacts, countLateChanges } from '../contacts/repo.ts';
import type { AppEnv } from '../http/app-env.ts';
import { decodeCursor, toPage } from '../http/cursor.ts';
import { operation } from '../http/operation.ts';
import { problems } from '../http/problem.ts';
import { findPrincipal, listPrincipals } from '../principals/repo.ts';
import type { PortalDb } from '../db/portal-db.ts';
import { confirmationStatus, type Compliance } from './compliance.ts';
import { commitWrite } from '../write/pipeline.ts';
import { send, writeInput, writeOperation } from '../write/request.ts';
import { insertConfirmationQuery, lastConfirmedAt, listConfirmations, toConfirmation } from './repo.ts';

async function registeredState<E extends AppEnv>(c: Context<E>, stateId: string) {
  const principal = await findPrincipal(c.get('deps').db, stateId);
  if (principal?.kind !== 'state') throw problems.notFound(`No participating state ${stateId}.`);
  return principal;
}

export const states = new Hono<AppEnv>()
  .post('/:stateId/confirmations', writeOperation('confirmContacts'), async (c) => {
    const { deps, caller } = c.var;
    const { stateId } = c.get('input').path;
    if (caller.principalId !== stateId)
      throw problems.forbidden('not-owner', 'A state confirms only its own directory entries.');
    await registeredState(c, stateId);
    const active = await countActiveContacts(deps.db, stateId);
    const id = deps.ids();
    const confirmedAt = deps.clock.now().toISOString();
    const written = await commitWrite(writeInput(c), { subject: `urn:cbm:confirmation:${id}` }, (attestationId) => {
      const row = {
        id,
        state_id: stateId,
        confirmed_at: confirmedAt,
        note: c.get('input').body.note ?? null,
        active_contacts: active.policy + active.technical,
        attestation_id: attestationId,
      };
      return {
        records: [insertConfirmationQuery(deps.db, row)],
        answer: { status: 201, data: toConfirmation(row), headers: { Location: `/states/${stateId}/confirmations` } },
      };
    });
    return send(c, written);
  })

  .get('/:stateId/confirmations', operation('listConfirmations'), async (c) => {
    const { stateId } = c.get('input').path;
    const { cursor, limit = 100 } = c.get('input').query;
    await registeredState(c, stateId);
    const rows = await listConfirmations(c.get('deps').db, stateId, decodeCursor(cursor), limit);
    return c.json(toPage(rows, limit, (row) => row.seq, toConfirmation));
  })

  .get('/compliance', operation('listCompliance'), async (c) => {
    const { db, clock } = c.get('deps');
    const { cursor, limit = 100 } = c.get('input').query;
    const now = clock.now();
    const rows = await listPrincipals(db, { afterSeq: decodeCursor(cursor), limit, kind: 'state' });
    const page = toPage(
      rows,
      limit,
      (row) => row.seq,
      (row) => row.id,
    );
    // One state at a time: at most a page of states, each a handful of indexed reads.
    const items: Compliance[] = [];
    for (const stateId of page.items) items.push(await complianceOf(db, stateId, now));
    return c.json({ items, next_cursor: page.next_cursor });
  })

  .get('/:stateId/compliance', operation('getCompliance'), async (c) => {
    const { db, clock } = c.get('deps');
    const { stateId } = c.get('input').path;
    await registeredState(c, stateId);
    return c.json(await complianceOf(db, stateId, clock.now()));
  });

/** A state's CBM 8 standing at `now`, from public directory data and past checks only. */
async function complianceOf(db: PortalDb, stateId: string, now: Date): Promise<Compliance> {
  const last = await lastConfirmedAt(db, stateId);
  return {
    state: stateId,
    ...confirmationStatus(last, now),
    last_confirmed_at: last,
    active_contacts: await countActiveContacts(db, stateId),
    late_changes: await countLateChanges(db, stateId),
    checks: await checkHistory(db, stateId, now),
    evaluated_at: now.toISOString(),
  };
}
