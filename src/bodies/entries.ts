/**
 * Versioned directory entries (migration 0011): a state's competent bodies (CBM 2) and
 * channels (CBMs 10, 13), the Secretariat's expert-meeting records (CBM 11). They share one
 * shape and one write path, the contacts' (version row + head row + attestation in one
 * commit, If-Match on the current version, a withdrawal as a final version), so the three
 * routers differ only in who writes, the URN and the checks their schema cannot state.
 *
 * A version stores its fields as the JSON of the signed body the contract validated: what
 * is served is what was signed. Entries are directory data, visible to every signed caller
 * (their attestations carry no TLP), like contacts.
 */
import { Hono, type Context } from 'hono';
import type { PortalDb } from '../db/portal-db.ts';
import type { EntryKind, EntryVersionsTable } from '../db/schema.ts';
import type { AppEnv } from '../http/app-env.ts';
import { decodeCursor, toPage } from '../http/cursor.ts';
import { operation, type OperationId } from '../http/operation.ts';
import { problems, type FieldError } from '../http/problem.ts';
import { commitWrite } from '../write/pipeline.ts';
import { send, writeInput, writeOperation } from '../write/request.ts';
import {
  type EntryFilter,
  entryVersionQueries,
  findCurrentEntry,
  listEntries,
  listEntryVersions,
} from './entries-repo.ts';

export { entryRecord, findCurrentEntry } from './entries-repo.ts';

export const entryEtag = (version: number) => `"${version}"`;

/** How one kind of entry differs from the others. */
export interface EntryKindSpec {
  kind: EntryKind;
  /** `urn:cbm:<urn>:<id>:v<n>` */
  urn: string;
  /** Who may write: a state for its own, or the Secretariat. */
  writer: 'state' | 'secretariat';
  noun: string;
  /** The contract's path parameter naming the entry (bodyId, ...). */
  param: string;
  operations: {
    list: OperationId;
    create: OperationId;
    get: OperationId;
    update: OperationId;
    withdraw: OperationId;
    history: OperationId;
  };
  /** The list's filters, from the validated query. */
  filters(query: Record<string, unknown>): EntryFilter;
  /** Checks the schema cannot state; each refusal a field error. */
  check?(c: Context<AppEnv>, input: Record<string, unknown>, owner: string): Promise<FieldError[]>;
  /** The served records of these versions. */
  toRecords(db: PortalDb, rows: EntryVersionsTable[]): Promise<Record<string, unknown>[]>;
  href(id: string): string;
}

function requireWriter<E extends AppEnv>(c: Context<E>, spec: EntryKindSpec) {
  const { principalKind, principalId } = c.get('caller');
  if (spec.writer === 'state' && principalKind !== 'state')
    throw problems.forbidden('states-only', `Only a participating state publishes a ${spec.noun}.`);
  if (spec.writer === 'secretariat' && principalKind !== 'secretariat')
    throw problems.forbidden('secretariat-only', `Only the Secretariat records a ${spec.noun}.`);
  return principalId;
}

/** The entry as it stands, if the caller owns it and it can still change. */
async function ownEntry<E extends AppEnv>(c: Context<E>, spec: EntryKindSpec, id: string) {
  const owner = requireWriter(c, spec);
  const current = await findCurrentEntry(c.get('deps').db, spec.kind, id);
  if (!current) throw problems.notFound(`No ${spec.noun} ${id}.`);
  if (current.owner_id !== owner)
    throw problems.forbidden(
      'not-owner',
      `This ${spec.noun} belongs to ${current.owner_id}; only its author changes it.`,
    );
  if (current.status === 'withdrawn')
    throw problems.conflict('entry-withdrawn', `A withdrawn ${spec.noun} is final; publish a new one instead.`);
  return current;
}

/** RFC 9110 If-Match against the current version: 428 when absent, 412 when stale. */
function checkIfMatch<E extends AppEnv>(c: Context<E>, version: number) {
  const header = c.req.header('if-match');
  if (!header) throw problems.preconditionRequired();
  const tags = header.split(',').map((tag) => tag.trim());
  if (!tags.includes('*') && !tags.includes(entryEtag(version))) {
    throw problems.preconditionFailed(
      `The record is at version ${version} (ETag ${entryEtag(version)}); fetch it and apply the change again.`,
    );
  }
}

/**
 * Writes a new version of an entry through the write pipeline: the version row and the head
 * row (entries-repo.ts), attested and logged, answered with the record and its ETag.
 */
async function commitVersion<E extends AppEnv>(
  c: Context<E>,
  spec: EntryKindSpec,
  version: Omit<EntryVersionsTable, 'attestation_id'>,
  isNew: boolean,
) {
  const { db } = c.get('deps');
  // A concurrent writer based on the same version inserts the same (entry_id, version) and
  // the same attestation subject: whichever commits second is refused here.
  const stale = () =>
    problems.preconditionFailed(`The ${spec.noun} changed while this request was processed; fetch it and try again.`);
  const write = {
    subject: `urn:cbm:${spec.urn}:${version.entry_id}:v${version.version}`,
    conflicts: { entry_versions_entry_version: stale, attestations_subject: stale },
  };
  const written = await commitWrite(writeInput(c), write, async (attestationId) => {
    const row: EntryVersionsTable = { ...version, attestation_id: attestationId };
    const [record] = await spec.toRecords(db, [row]);
    const headers = { ETag: entryEtag(row.version), ...(isNew ? { Location: spec.href(row.entry_id) } : {}) };
    return {
      records: entryVersionQueries(db, spec.kind, row, isNew),
      answer: { status: isNew ? 201 : 200, data: record, headers },
    };
  });
  return send(c, written);
}

type Input = { body: Record<string, unknown>; query: Record<string, unknown>; path: Record<string, string> };
const inputOf = <E extends AppEnv>(c: Context<E>) => (c.var as unknown as { input: Input }).input;

async function accept<E extends AppEnv>(c: Context<E>, spec: EntryKindSpec, owner: string): Promise<string> {
  const input = inputOf(c).body;
  const errors = (await spec.check?.(c as unknown as Context<AppEnv>, input, owner)) ?? [];
  if (errors.length) throw problems.unprocessable(`The ${spec.noun} cannot be published.`, errors);
  // The signed body's JSON as the contract validated it: nothing added, nothing dropped.
  return JSON.stringify(input);
}

/** The six operations of one kind of entry: list, create, get, update, withdraw, history. */
export function entryRoutes(spec: EntryKindSpec) {
  const { operations: ops } = spec;
  const one = `/:${spec.param}`;
  const idOf = <E extends AppEnv>(c: Context<E>) => inputOf(c).path[spec.param]!;
  return new Hono<AppEnv>()
    .get('/', operation(ops.list), async (c) => {
      const query = inputOf(c).query;
      const { cursor, limit = 100, status } = query as { cursor?: string; limit?: number; status?: string };
      const rows = await listEntries(c.get('deps').db, spec.kind, {
        ...spec.filters(query),
        includeWithdrawn: status === 'all',
        afterSeq: decodeCursor(cursor),
        limit,
      });
      const records = await spec.toRecords(c.get('deps').db, rows);
      return c.json(
        toPage(
          rows.map((row, index) => ({ seq: row.seq, record: records[index]! })),
          limit,
          (item) => item.seq,
          (item) => item.record,
        ),
      );
    })
    .post('/', writeOperation(ops.create), async (c) => {
      const owner = requireWriter(c, spec);
      const data = await accept(c, spec, owner);
      const now = c.get('deps').clock.now().toISOString();
      const id = c.get('deps').ids();
      return commitVersion(
        c,
        spec,
        {
          entry_id: id,
          version: 1,
          kind: spec.kind,
          owner_id: owner,
          status: 'active',
          data,
          published_at: now,
          withdrawal_reason: null,
        },
        true,
      );
    })
    .get(one, operation(ops.get), async (c) => {
      const row = await findCurrentEntry(c.get('deps').db, spec.kind, idOf(c));
      if (!row) throw problems.notFound(`No such ${spec.noun}.`);
      c.header('ETag', entryEtag(row.version));
      const [record] = await spec.toRecords(c.get('deps').db, [row]);
      return c.json(record!);
    })
    .put(one, writeOperation(ops.update), async (c) => {
      const current = await ownEntry(c, spec, idOf(c));
      checkIfMatch(c, current.version);
      const data = await accept(c, spec, current.owner_id);
      const now = c.get('deps').clock.now().toISOString();
      const { seq: _seq, attestation_id: _previous, ...fields } = current;
      return commitVersion(c, spec, { ...fields, version: current.version + 1, data, published_at: now }, false);
    })
    .post(`${one}/withdraw`, writeOperation(ops.withdraw), async (c) => {
      const current = await ownEntry(c, spec, idOf(c));
      checkIfMatch(c, current.version);
      const { reason } = inputOf(c).body as { reason?: string };
      const now = c.get('deps').clock.now().toISOString();
      const { seq: _seq, attestation_id: _previous, ...fields } = current;
      return commitVersion(
        c,
        spec,
        {
          ...fields,
          version: current.version + 1,
          status: 'withdrawn',
          published_at: now,
          withdrawal_reason: reason ?? null,
        },
        false,
      );
    })
    .get(`${one}/history`, operation(ops.history), async (c) => {
      const { cursor, limit = 100 } = inputOf(c).query as { cursor?: string; limit?: number };
      const rows = await listEntryVersions(c.get('deps').db, spec.kind, idOf(c), decodeCursor(cursor), limit);
      if (!rows.length && cursor === undefined) throw problems.notFound(`No such ${spec.noun}.`);
      const records = await spec.toRecords(c.get('deps').db, rows);
      return c.json(
        toPage(
          rows.map((row, index) => ({ version: row.version, record: records[index]! })),
          limit,
          (item) => item.version,
          (item) => item.record,
        ),
      );
    });
}
