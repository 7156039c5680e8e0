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
import { sql, type RawBuilder } from 'kysely';
import { attest, commitAndAnswer } from '../attestations/attest.ts';
import type { PortalDb } from '../db/portal-db.ts';
import type { EntryKind, EntryVersionsTable } from '../db/schema.ts';
import type { AppEnv } from '../http/app-env.ts';
import { decodeCursor, toPage } from '../http/cursor.ts';
import { operation, type OperationId } from '../http/operation.ts';
import { problems, type FieldError } from '../http/problem.ts';

export const entryEtag = (version: number) => `"${version}"`;

function currentVersions(db: PortalDb, kind: EntryKind) {
  return db.kysely
    .selectFrom('entries')
    .innerJoin('entry_versions', (join) =>
      join.onRef('entry_versions.entry_id', '=', 'entries.id').onRef('entry_versions.version', '=', 'entries.version'),
    )
    .selectAll('entry_versions')
    .select('entries.seq')
    .where('entries.kind', '=', kind);
}

export function findCurrentEntry(db: PortalDb, kind: EntryKind, id: string) {
  return currentVersions(db, kind).where('entries.id', '=', id).executeTakeFirst();
}

/** A filter on the version's data: `member` equals `value`, or (an array) contains it. */
export interface DataFilter {
  member: string;
  value: string;
  array?: boolean;
}

export interface EntryFilter {
  owner?: string;
  data: DataFilter[];
  extra?: RawBuilder<boolean>;
}

export function listEntries(
  db: PortalDb,
  kind: EntryKind,
  filter: EntryFilter & { includeWithdrawn: boolean; afterSeq: number | null; limit: number },
) {
  let query = currentVersions(db, kind)
    .orderBy('entries.seq')
    .limit(filter.limit + 1);
  if (filter.owner) query = query.where('entries.owner_id', '=', filter.owner);
  for (const { member, value, array } of filter.data) {
    const path = `$.${member}`;
    query = query.where(
      array
        ? sql<boolean>`EXISTS (SELECT 1 FROM json_each(entry_versions.data, ${path}) WHERE value = ${value})`
        : sql<boolean>`json_extract(entry_versions.data, ${path}) = ${value}`,
    );
  }
  if (filter.extra) query = query.where(filter.extra);
  if (!filter.includeWithdrawn) query = query.where('entries.status', '=', 'active');
  if (filter.afterSeq !== null) query = query.where('entries.seq', '>', filter.afterSeq);
  return query.execute();
}

export function listEntryVersions(
  db: PortalDb,
  kind: EntryKind,
  id: string,
  afterVersion: number | null,
  limit: number,
) {
  let query = db.kysely
    .selectFrom('entry_versions')
    .selectAll()
    .where('entry_id', '=', id)
    .where('kind', '=', kind)
    .orderBy('version')
    .limit(limit + 1);
  if (afterVersion !== null) query = query.where('version', '>', afterVersion);
  return query.execute();
}

/** The signed data with the fields every entry serves; `owner` names the author's member. */
export function entryRecord(row: EntryVersionsTable, owner: string, href: string): Record<string, unknown> {
  return {
    ...(JSON.parse(row.data) as Record<string, unknown>),
    id: row.entry_id,
    [owner]: row.owner_id,
    version: row.version,
    status: row.status,
    published_at: row.published_at,
    withdrawal_reason: row.withdrawal_reason,
    attestation_id: row.attestation_id,
    href,
  };
}

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
  const { principalKind, principalId } = c.var.caller;
  if (spec.writer === 'state' && principalKind !== 'state')
    throw problems.forbidden('states-only', `Only a participating state publishes a ${spec.noun}.`);
  if (spec.writer === 'secretariat' && principalKind !== 'secretariat')
    throw problems.forbidden('secretariat-only', `Only the Secretariat records a ${spec.noun}.`);
  return principalId;
}

/** The entry as it stands, if the caller owns it and it can still change. */
async function ownEntry<E extends AppEnv>(c: Context<E>, spec: EntryKindSpec, id: string) {
  const owner = requireWriter(c, spec);
  const current = await findCurrentEntry(c.var.deps.db, spec.kind, id);
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

async function commitVersion<E extends AppEnv>(
  c: Context<E>,
  spec: EntryKindSpec,
  version: Omit<EntryVersionsTable, 'attestation_id'>,
  isNew: boolean,
) {
  const { db } = c.var.deps;
  const attestation = await attest(c, `urn:cbm:${spec.urn}:${version.entry_id}:v${version.version}`);
  const row: EntryVersionsTable = { ...version, attestation_id: attestation.id };
  const head = isNew
    ? db.kysely
        .insertInto('entries')
        .values({
          id: row.entry_id,
          kind: spec.kind,
          owner_id: row.owner_id,
          status: row.status,
          version: 1,
          created_at: row.published_at,
          updated_at: row.published_at,
        })
        .compile()
    : db.kysely
        .updateTable('entries')
        .set({ status: row.status, version: row.version, updated_at: row.published_at })
        .where('id', '=', row.entry_id)
        .where('version', '=', row.version - 1)
        .compile();
  // A concurrent writer based on the same version inserts the same (entry_id, version) and
  // the same attestation subject: whichever commits second is refused here.
  const stale = () =>
    problems.preconditionFailed(`The ${spec.noun} changed while this request was processed; fetch it and try again.`);
  const versionRow = db.kysely.insertInto('entry_versions').values(row).compile();
  const [record] = await spec.toRecords(db, [row]);
  const headers: Record<string, string> = {
    ETag: entryEtag(row.version),
    ...(isNew ? { Location: spec.href(row.entry_id) } : {}),
  };
  return commitAndAnswer(
    c,
    attestation,
    isNew ? [head, versionRow] : [versionRow, head],
    { status: isNew ? 201 : 200, data: record, headers },
    {
      entry_versions: stale,
      attestations: stale,
    },
  );
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
      const rows = await listEntries(c.var.deps.db, spec.kind, {
        ...spec.filters(query),
        includeWithdrawn: status === 'all',
        afterSeq: decodeCursor(cursor),
        limit,
      });
      const records = await spec.toRecords(c.var.deps.db, rows);
      return c.json(
        toPage(
          rows.map((row, index) => ({ seq: row.seq, record: records[index]! })),
          limit,
          (item) => item.seq,
          (item) => item.record,
        ),
      );
    })
    .post('/', operation(ops.create), async (c) => {
      const owner = requireWriter(c, spec);
      const data = await accept(c, spec, owner);
      const now = c.var.deps.clock.now().toISOString();
      const id = c.var.deps.ids();
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
      const row = await findCurrentEntry(c.var.deps.db, spec.kind, idOf(c));
      if (!row) throw problems.notFound(`No such ${spec.noun}.`);
      c.header('ETag', entryEtag(row.version));
      const [record] = await spec.toRecords(c.var.deps.db, [row]);
      return c.json(record!);
    })
    .put(one, operation(ops.update), async (c) => {
      const current = await ownEntry(c, spec, idOf(c));
      checkIfMatch(c, current.version);
      const data = await accept(c, spec, current.owner_id);
      const now = c.var.deps.clock.now().toISOString();
      const { seq: _seq, attestation_id: _previous, ...fields } = current;
      return commitVersion(c, spec, { ...fields, version: current.version + 1, data, published_at: now }, false);
    })
    .post(`${one}/withdraw`, operation(ops.withdraw), async (c) => {
      const current = await ownEntry(c, spec, idOf(c));
      checkIfMatch(c, current.version);
      const { reason } = inputOf(c).body as { reason?: string };
      const now = c.var.deps.clock.now().toISOString();
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
      const rows = await listEntryVersions(c.var.deps.db, spec.kind, idOf(c), decodeCursor(cursor), limit);
      if (!rows.length && cursor === undefined) throw problems.notFound(`No such ${spec.noun}.`);
      const records = await spec.toRecords(c.var.deps.db, rows);
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
