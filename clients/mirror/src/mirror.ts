/**
 * The partner mirror: follows GET /feed and keeps a local SQLite copy of everything the
 * partner may see, trusting nothing it has not verified, with the same rules as `cbm verify`:
 *
 *  - each entry's attestation against the portal keys the mirror pinned (and that it names
 *    the entry's subject and log index), the submitting principal's own signature over the
 *    exact body bytes (the evidence), the key that made it (its attested registration,
 *    down to the pinned Secretariat key, and no revocation before), and the entry's
 *    inclusion in the log under a signed checkpoint that extends the last one the mirror
 *    saw (a rewritten log stops it);
 *  - that the record version the portal serves carries exactly the fields signed;
 *  - then the record itself (its `record_href`), as the partner sees it now, stored once
 *    every version it carries has been verified.
 *
 * A page of the feed is fetched and verified completely, then committed in one SQLite
 * transaction together with the cursor after it. A crash at any point leaves the mirror
 * at a page boundary: restarted, it resumes from the stored cursor, without duplicates
 * (the log index is the primary key: a duplicate would fail, not pass silently) or gaps.
 */
import BetterSqlite3 from 'better-sqlite3';
import {
  ok,
  PortalError,
  TrustError,
  verifyBundle,
  type PinnedJwks,
  type PortalClient,
  type RecordBundle,
  type Schemas,
  type Verifier,
} from '../../typescript/src/index.ts';
import {
  changedKeysMessage,
  describeFingerprint,
  fingerprintsOf,
  unpinned,
  withAccepted,
} from '../../typescript/src/pinning.ts';
import { fromBase64, toBase64, type Checkpoint } from '../../typescript/src/log.ts';

export class MirrorVerificationError extends Error {
  override name = 'MirrorVerificationError';
}

/** The mirror's tables (printed by cbm-mirror --help, for whoever queries the copy). */
export const SCHEMA = `
CREATE TABLE IF NOT EXISTS mirror_state (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS entries (
  log_index INTEGER PRIMARY KEY,
  attestation_id TEXT NOT NULL UNIQUE,
  cursor TEXT NOT NULL,
  subject TEXT NOT NULL,
  operation TEXT NOT NULL,
  principal TEXT NOT NULL,
  principal_kid TEXT NOT NULL,
  issued_at TEXT NOT NULL,
  tlp TEXT,
  record_href TEXT,
  attestation_token TEXT NOT NULL,
  request_token TEXT NOT NULL,
  body BLOB NOT NULL,
  body_sha256 TEXT NOT NULL,
  tree_size INTEGER NOT NULL,
  verified_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS entries_by_subject ON entries (subject);
CREATE TABLE IF NOT EXISTS records (
  href TEXT PRIMARY KEY,
  status INTEGER NOT NULL,
  json TEXT,
  etag TEXT,
  log_index INTEGER NOT NULL,
  fetched_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS checkpoints (
  size INTEGER PRIMARY KEY,
  root TEXT NOT NULL,
  note TEXT NOT NULL,
  seen_at TEXT NOT NULL
);
`;

/** Which check refused an entry, in words for the operator. */
function reason(error: Error): string {
  if (error instanceof TrustError) return error.message;
  if (error.name === 'LogVerificationError') return `not in the log under the signed checkpoint (${error.message})`;
  if (error.message.startsWith('evidence does not verify'))
    return `the evidence does not verify (${error.message.replace(/^evidence does not verify: /, '')})`;
  return `a signature does not verify (${error.message})`;
}

/** Every attestation id a served record carries (a version, a list of them). */
function attestationIds(document: unknown): string[] {
  if (Array.isArray(document)) return document.flatMap(attestationIds);
  if (!document || typeof document !== 'object') return [];
  const record = document as Record<string, unknown>;
  return [
    ...(typeof record.attestation_id === 'string' ? [record.attestation_id] : []),
    ...Object.values(record).flatMap(attestationIds),
  ];
}

/**
 * The portal keys this mirror trusts: pinned in its database at the first run (each
 * fingerprint printed), then only ever extended by `accept` (fingerprints the operator
 * checked). A served key that is neither stops the mirror.
 */
export async function pinnedKeys(
  db: BetterSqlite3.Database,
  client: PortalClient,
  portal: string,
  accept: string[],
  log: (line: string) => void = (line) => console.error(line),
): Promise<PinnedJwks> {
  const served = (await ok(client.GET('/.well-known/jwks.json'))) as PinnedJwks;
  const row = db
    .prepare<[string], { value: string }>('SELECT value FROM mirror_state WHERE name = ?')
    .get('pinned_jwks');
  const save = (jwks: PinnedJwks) =>
    db
      .prepare(
        'INSERT INTO mirror_state (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value',
      )
      .run('pinned_jwks', JSON.stringify(jwks));
  if (!row) {
    const keys = await fingerprintsOf(served);
    const jwks = withAccepted(undefined, keys);
    save(jwks);
    log(
      `pinned the portal's keys at first contact (compare these RFC 7638 fingerprints with the ones the ` +
        `Secretariat publishes): ${keys.map(describeFingerprint).join(', ')}`,
    );
    return jwks;
  }
  const pinned = JSON.parse(row.value) as PinnedJwks;
  const added = await unpinned(pinned, served);
  const refused = added.filter((key) => !accept.includes(key.fingerprint));
  if (refused.length) {
    throw new MirrorVerificationError(
      `${await changedKeysMessage(portal, pinned, refused)}. If the portal's operator confirms it out of ` +
        `band, run again with ${refused.map((key) => `--accept-new-key ${key.fingerprint}`).join(' ')}`,
    );
  }
  if (!added.length) return pinned;
  const jwks = withAccepted(pinned, added);
  save(jwks);
  log(`accepted and pinned ${added.map(describeFingerprint).join(', ')}`);
  return jwks;
}

export function openMirrorDb(path: string): BetterSqlite3.Database {
  const db = new BetterSqlite3(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec(SCHEMA);
  return db;
}

interface VerifiedEntry {
  entry: Schemas['FeedEntry'];
  token: string;
  principalKid: string;
  requestToken: string;
  body: Uint8Array;
  bodySha256: string;
  record?: { href: string; status: number; json: string | null; etag: string | null };
}

export interface MirrorOptions {
  client: PortalClient;
  verifier: Verifier;
  db: BetterSqlite3.Database;
  /** Entries per feed page (default 100). */
  pageSize?: number;
  /** The signed fetch for `record_href` (any path the feed names). */
  fetchRecord: (href: string) => Promise<Response>;
  log?: (line: string) => void;
  now?: () => Date;
}

export function createMirror(options: MirrorOptions) {
  const { client, verifier, db } = options;
  const now = options.now ?? (() => new Date());
  const log = options.log ?? (() => {});
  const getState = db.prepare<[string], { value: string }>('SELECT value FROM mirror_state WHERE name = ?');
  const setState = db.prepare(
    'INSERT INTO mirror_state (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value',
  );
  const insertEntry = db.prepare(`INSERT INTO entries (log_index, attestation_id, cursor, subject, operation, principal,
      principal_kid, issued_at, tlp, record_href, attestation_token, request_token, body, body_sha256,
      tree_size, verified_at)
    VALUES (@log_index, @attestation_id, @cursor, @subject, @operation, @principal, @principal_kid, @issued_at,
      @tlp, @record_href, @attestation_token, @request_token, @body, @body_sha256, @tree_size, @verified_at)`);
  const upsertRecord =
    db.prepare(`INSERT INTO records (href, status, json, etag, log_index, fetched_at) VALUES (@href, @status,
      @json, @etag, @log_index, @fetched_at)
    ON CONFLICT (href) DO UPDATE SET status = excluded.status, json = excluded.json, etag = excluded.etag,
      log_index = excluded.log_index, fetched_at = excluded.fetched_at`);
  const insertCheckpoint = db.prepare(
    'INSERT OR IGNORE INTO checkpoints (size, root, note, seen_at) VALUES (?, ?, ?, ?)',
  );
  const lastCheckpoint = db.prepare<[], { size: number; root: string }>(
    'SELECT size, root FROM checkpoints ORDER BY size DESC LIMIT 1',
  );
  const knownEntry = db.prepare<[string], { log_index: number }>(
    'SELECT log_index FROM entries WHERE attestation_id = ?',
  );
  const revocations = db.prepare<[string], { log_index: number }>(
    "SELECT log_index FROM entries WHERE subject = ? AND operation = 'revokePrincipalKey'",
  );

  const cursor = () => getState.get('cursor')?.value;

  /** The latest checkpoint, verified, and consistent with the last one this mirror kept. */
  async function checkpoint(atLeast: number): Promise<Checkpoint> {
    // The portal signs checkpoints on a cadence: wait a moment for one covering the page.
    const head = await verifier.checkpointCovering(atLeast - 1);
    if (head.size < atLeast)
      throw new MirrorVerificationError(
        `the checkpoint (${head.size} entries) does not cover log index ${atLeast - 1}`,
      );
    const previous = lastCheckpoint.get();
    if (previous) {
      try {
        await verifier.consistency({ size: previous.size, root: fromBase64(previous.root) }, head);
      } catch (error) {
        throw new MirrorVerificationError(
          `the portal's log does not extend the one this mirror saw: ${(error as Error).message}`,
        );
      }
    }
    return head;
  }

  async function verifyEntry(
    entry: Schemas['FeedEntry'],
    head: Checkpoint,
    verifiedIds: Set<string>,
    pageRevocations: Map<string, number>,
  ): Promise<VerifiedEntry> {
    const fail = (why: string) =>
      new MirrorVerificationError(`feed entry ${entry.log_index} (${entry.attestation_id}): ${why}`);
    // Everything that proves the entry, under `head`: fetched as the portal answers it ...
    let bundle: RecordBundle;
    try {
      bundle = await verifier.bundle(entry.attestation_id, head);
    } catch (error) {
      if (error instanceof PortalError || (error as Error).name !== 'LogVerificationError') throw error;
      throw fail(`not in the log under the signed checkpoint (${(error as Error).message})`);
    }
    // ... and checked against the keys this mirror pinned, never the portal's word.
    let verified: Awaited<ReturnType<typeof verifyBundle>>;
    try {
      verified = await verifyBundle(bundle, { jwks: verifier.jwks });
    } catch (error) {
      throw fail(reason(error as Error));
    }
    const { claims } = verified;
    // A revocation this mirror has itself seen in the log outranks what the portal says
    // about the key now (it could hide a revocation it logged).
    const revokedAt =
      revocations.get(`urn:cbm:key:${claims.principal_kid}:revocation`)?.log_index ??
      pageRevocations.get(claims.principal_kid);
    if (revokedAt !== undefined && revokedAt < entry.log_index) {
      throw fail(
        `key ${claims.principal_kid} of ${claims.principal} was revoked at log index ${revokedAt} (mirrored), before it signed this`,
      );
    }
    if (claims.operation === 'revokePrincipalKey') {
      const kid = /^urn:cbm:key:(.+):revocation$/.exec(claims.sub)?.[1];
      if (kid && !pageRevocations.has(kid)) pageRevocations.set(kid, entry.log_index);
    }
    if (
      claims.jti !== entry.attestation_id ||
      claims.sub !== entry.subject ||
      claims.operation !== entry.operation ||
      claims.principal !== entry.principal ||
      bundle.attestation.log_index !== entry.log_index
    ) {
      throw fail(
        `the feed entry does not match its attestation (${claims.sub}, ${claims.operation} by ${claims.principal})`,
      );
    }
    // What the portal serves for this version must be what its author signed.
    try {
      await verifier.served(verified);
    } catch (error) {
      if (error instanceof PortalError) throw error;
      throw fail((error as Error).message);
    }
    verifiedIds.add(entry.attestation_id);
    const result: VerifiedEntry = {
      entry,
      token: bundle.attestation.token,
      principalKid: bundle.evidence.kid,
      requestToken: bundle.evidence.request_token,
      body: verified.body,
      bodySha256: bundle.evidence.body_sha256,
    };
    if (entry.record_href) {
      const response = await options.fetchRecord(entry.record_href);
      const text = await response.text();
      if (response.status >= 500) throw new PortalError(response, text);
      // The record as served now is stored only once every version it carries is verified:
      // a newer version waits for its own feed entry (a later page stores it then).
      const carried = response.ok ? attestationIds(JSON.parse(text)) : [];
      if (carried.every((id) => verifiedIds.has(id) || knownEntry.get(id))) {
        result.record = {
          href: entry.record_href,
          status: response.status,
          json: response.ok ? text : null,
          etag: response.headers.get('etag'),
        };
      }
    }
    return result;
  }

  /** Fetches, verifies and commits one page of the feed. */
  async function syncPage(): Promise<{ committed: number; hasMore: boolean; cursor: string | undefined }> {
    const after = cursor();
    const page = await ok(
      client.GET('/feed', { params: { query: { cursor: after, limit: options.pageSize ?? 100 } } }),
    );
    if (!page.items.length) return { committed: 0, hasMore: false, cursor: after };
    const head = await checkpoint(Math.max(...page.items.map((item) => item.log_index)) + 1);
    const verified: VerifiedEntry[] = [];
    const verifiedIds = new Set<string>();
    const pageRevocations = new Map<string, number>();
    for (const entry of page.items) verified.push(await verifyEntry(entry, head, verifiedIds, pageRevocations));
    const at = now().toISOString();
    const next = page.next_cursor ?? page.items[page.items.length - 1]!.cursor;
    db.transaction(() => {
      for (const item of verified) {
        insertEntry.run({
          log_index: item.entry.log_index,
          attestation_id: item.entry.attestation_id,
          cursor: item.entry.cursor,
          subject: item.entry.subject,
          operation: item.entry.operation,
          principal: item.entry.principal,
          principal_kid: item.principalKid,
          issued_at: item.entry.issued_at,
          tlp: item.entry.tlp ?? null,
          record_href: item.entry.record_href,
          attestation_token: item.token,
          request_token: item.requestToken,
          body: Buffer.from(item.body),
          body_sha256: item.bodySha256,
          tree_size: head.size,
          verified_at: at,
        });
        if (item.record) upsertRecord.run({ ...item.record, log_index: item.entry.log_index, fetched_at: at });
      }
      insertCheckpoint.run(head.size, toBase64(head.root), head.note, at);
      setState.run('cursor', next);
    })();
    log(
      `mirrored log entries ` +
        `${verified[0]!.entry.log_index}..${verified[verified.length - 1]!.entry.log_index} (${verified.length}), checkpoint ${head.size}`,
    );
    return { committed: verified.length, hasMore: page.has_more, cursor: next };
  }

  /** Pages until the feed has nothing more; returns how many entries were committed. */
  async function catchUp(signal?: AbortSignal): Promise<number> {
    let total = 0;
    for (;;) {
      if (signal?.aborted) return total;
      const { committed, hasMore } = await syncPage();
      total += committed;
      if (!hasMore) return total;
    }
  }

  /** Catches up, then polls every `intervalMs` until `signal` aborts. */
  async function follow(intervalMs: number, signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await catchUp(signal);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, intervalMs);
        signal.addEventListener(
          'abort',
          () => {
            clearTimeout(timer);
            resolve();
          },
          { once: true },
        );
      });
    }
  }

  return { cursor, syncPage, catchUp, follow };
}
