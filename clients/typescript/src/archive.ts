/**
 * Offline archives (issue 14 item 5): every record the caller may see (or a filtered part),
 * each with its attestation, evidence and inclusion proof under one (witnessed)
 * checkpoint, the key registrations that make the signatures trustworthy, and the portal's
 * keys. Verified with no network against the portal keys you pinned and a witness policy.
 *
 * The file is JSON Lines, so 100,000 records never become one string: a header, one line
 * per record, one per key proof, and an end line with the counts. Every line must be the
 * canonical JSON.stringify of its value and carry no member the verifier does not check,
 * so changing any byte either breaks a signature, a digest, a proof or a count, or the
 * canonical form: the verifier says which line.
 */
import { base64url, decodeJwt, type JWK } from 'jose';
import {
  BUNDLE_FORMAT,
  fingerprints,
  verifyBundle,
  type AttestedWrite,
  type KeyProof,
  type PinnedJwks,
  type Verifier,
} from './audit.ts';
import { ok, type PortalClient } from './client.ts';
import { sha256b64u } from './digest.ts';
import { LogVerificationError, type Checkpoint } from './log.ts';
import { peekAttestation, type Evidence } from './verify.ts';
import { verifyCosignedCheckpoint, type Cosigner, type WitnessKey } from './witness.ts';

export const ARCHIVE_FORMAT = 'cbm-archive/1';

export interface ArchiveFilter {
  /** Only records written by this principal (a state code, or secretariat). */
  state?: string;
  /** Only records of this kind: the subject URN's kind (`contact`, `incident`, `key`, ...). */
  kind?: string;
  /** Only records attested at or after / before this time (RFC 3339). */
  since?: string;
  until?: string;
}

export interface ArchiveHeader {
  type: 'header';
  format: typeof ARCHIVE_FORMAT;
  portal: string;
  /** The checkpoint every inclusion proof leads to, with its witnesses' cosignatures. */
  checkpoint: string;
  /** The portal's public keys at export (its key history: current and retired). Verified against the ones you pinned. */
  portal_keys: JWK[];
  filter: ArchiveFilter;
  exported_at: string;
}
export type ArchiveRecord = { type: 'record' } & AttestedWrite;
export type ArchiveKey = { type: 'key' } & KeyProof;
export interface ArchiveEnd {
  type: 'end';
  records: number;
  keys: number;
  /**
   * base64url SHA-256 of the header line. The header's export time, filter label and any
   * checkpoint signature line of a witness you do not trust are signed by nobody; this
   * catches a change to them (not a forgery that recomputes it, which can change nothing
   * that any verification depends on).
   */
  header_sha256: string;
}

const ENTRIES_PAGE = 256;
const EVIDENCE_MEMBERS = [
  'attestation_id',
  'principal',
  'kid',
  'method',
  'path',
  'request_token',
  'body',
  'body_sha256',
  'body_blob_sha256',
];

/** The evidence with only the members a verifier checks (a server location is not evidence). */
function evidenceOf(evidence: Evidence): Evidence {
  const kept: Record<string, unknown> = {};
  for (const member of EVIDENCE_MEMBERS)
    if (member in evidence && (evidence as unknown as Record<string, unknown>)[member] !== undefined)
      kept[member] = (evidence as unknown as Record<string, unknown>)[member];
  return kept as unknown as Evidence;
}

const writeOf = (write: AttestedWrite): AttestedWrite => ({
  attestation: { id: write.attestation.id, token: write.attestation.token, log_index: write.attestation.log_index },
  evidence: evidenceOf(write.evidence),
  ...(write.body !== undefined ? { body: write.body } : {}),
  inclusion: {
    leaf_index: write.inclusion.leaf_index,
    tree_size: write.inclusion.tree_size,
    proof: write.inclusion.proof,
  },
});

const keyOf = (proof: KeyProof): ArchiveKey => ({
  type: 'key',
  principal: proof.principal,
  kid: proof.kid,
  ...(proof.registration ? { registration: writeOf(proof.registration) } : {}),
  ...(proof.revocation ? { revocation: writeOf(proof.revocation) } : {}),
});

const kindOf = (subject: string) => /^urn:cbm:([^:]+):/.exec(subject)?.[1];

function selected(token: string, filter: ArchiveFilter): boolean {
  const claims = peekAttestation(token);
  if (filter.state && claims.principal !== filter.state) return false;
  if (filter.kind && kindOf(claims.sub) !== filter.kind) return false;
  if (filter.since && claims.iat * 1000 < Date.parse(filter.since)) return false;
  if (filter.until && claims.iat * 1000 >= Date.parse(filter.until)) return false;
  return true;
}

/**
 * The archive's lines (each without its newline), fetched under `head`: the records the
 * caller may see that match `filter`, in log order. `head` should be a checkpoint you
 * verified (and checked against your witness policy).
 *
 * @example
 * for await (const line of exportArchive(client, verifier, head, { state: 'AT' })) out.write(`${line}\n`);
 */
export async function* exportArchive(
  client: PortalClient,
  verifier: Verifier,
  head: Checkpoint,
  filter: ArchiveFilter = {},
  now = new Date(),
): AsyncGenerator<string> {
  const jwks = (await ok(client.GET('/.well-known/jwks.json'))) as PinnedJwks;
  const header: ArchiveHeader = {
    type: 'header',
    format: ARCHIVE_FORMAT,
    portal: verifier.issuer,
    checkpoint: head.note,
    portal_keys: jwks.keys,
    filter,
    exported_at: now.toISOString(),
  };
  const headerLine = JSON.stringify(header);
  yield headerLine;
  const keys = new Map<string, ArchiveKey>();
  let records = 0;
  for (let start = 0; start < head.size; start += ENTRIES_PAGE) {
    const end = Math.min(head.size, start + ENTRIES_PAGE);
    const page = await ok(client.GET('/log/entries', { params: { query: { start, end } } }));
    for (const entry of page.entries) {
      if (!entry.token || !entry.attestation_id || !selected(entry.token, filter)) continue;
      const bundle = await verifier.bundle(entry.attestation_id, head);
      for (const proof of bundle.keys) keys.set(`${proof.principal} ${proof.kid}`, keyOf(proof));
      yield JSON.stringify({ type: 'record', ...writeOf(bundle) } satisfies ArchiveRecord);
      records += 1;
    }
  }
  for (const key of keys.values()) yield JSON.stringify(key);
  yield JSON.stringify({
    type: 'end',
    records,
    keys: keys.size,
    header_sha256: await sha256b64u(new TextEncoder().encode(headerLine)),
  } satisfies ArchiveEnd);
}

export class ArchiveError extends LogVerificationError {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
    this.name = 'ArchiveError';
  }
}

export interface ArchiveVerification {
  portal: string;
  checkpoint: Checkpoint;
  records: number;
  keys: number;
  cosigners: Cosigner[];
  filter: ArchiveFilter;
}

const exactly = (value: Record<string, unknown>, allowed: string[], what: string) => {
  const extra = Object.keys(value).filter((member) => !allowed.includes(member));
  if (extra.length) throw new Error(`${what} carries members nothing checks: ${extra.join(', ')}`);
};

function checkWriteShape(write: AttestedWrite, what: string) {
  exactly(write as unknown as Record<string, unknown>, ['type', 'attestation', 'evidence', 'body', 'inclusion'], what);
  exactly(
    write.attestation as unknown as Record<string, unknown>,
    ['id', 'token', 'log_index'],
    `${what}'s attestation`,
  );
  exactly(write.evidence as unknown as Record<string, unknown>, EVIDENCE_MEMBERS, `${what}'s evidence`);
  exactly(
    write.inclusion as unknown as Record<string, unknown>,
    ['leaf_index', 'tree_size', 'proof'],
    `${what}'s inclusion proof`,
  );
  // atob forgives whitespace and missing padding: only the one spelling of each hash is accepted.
  if (
    !Array.isArray(write.inclusion.proof) ||
    !write.inclusion.proof.every((hash) => typeof hash === 'string' && /^[A-Za-z0-9+/]{43}=$/.test(hash))
  )
    throw new Error(`${what}'s inclusion proof has a hash that is not 32 bytes of canonical base64`);
  for (const member of ['body', 'request_token'] as const) {
    const text = (write.evidence as unknown as Record<string, unknown>)[member];
    if (typeof text !== 'string' || !/^[A-Za-z0-9_.-]*$/.test(text))
      throw new Error(`${what}'s evidence ${member} is not base64url`);
  }
  if (write.body !== undefined && !/^[A-Za-z0-9_-]*$/.test(write.body))
    throw new Error(`${what}'s body is not base64url`);
}

/**
 * That the evidence members no signature check reads still name what the signed tokens
 * name: the request token by its digest in the attestation, the body by its digest, the
 * method and target by the request token. (A revocation's evidence is not signature-checked
 * at all by verifyBundle: a logged revocation is enough to refuse a key.)
 */
async function bindWrite(write: AttestedWrite): Promise<void> {
  const claims = peekAttestation(write.attestation.token);
  const evidence = write.evidence;
  const failures: string[] = [];
  if (claims.request_sha256 !== (await sha256b64u(new TextEncoder().encode(evidence.request_token))))
    failures.push('the attestation names another request token');
  if (evidence.body_sha256 !== claims.body_sha256) failures.push("the evidence's body_sha256 is not the attested one");
  const body = write.body ?? evidence.body;
  if (body && (await sha256b64u(base64url.decode(body))) !== claims.body_sha256)
    failures.push('the body is not the attested bytes');
  const request = decodeJwt(evidence.request_token);
  if (request.htm !== evidence.method || request.htu !== evidence.path)
    failures.push('the evidence names another method or path than its request token');
  if (failures.length) throw new Error(failures.join('; '));
}

/**
 * Verifies an archive offline: `lines` is called twice (key proofs first, then records),
 * each time yielding the file's lines in order. Against the portal keys YOU pinned and,
 * with `threshold`, the witness keys you trust. Throws an ArchiveError naming the line.
 */
export async function verifyArchive(
  lines: () => AsyncIterable<string>,
  options: {
    jwks: PinnedJwks;
    witnessKeys?: readonly WitnessKey[];
    threshold?: number;
    onProgress?: (records: number) => void;
  },
): Promise<ArchiveVerification> {
  let header: ArchiveHeader | undefined;
  let checkpoint: Checkpoint | undefined;
  let cosigners: Cosigner[] = [];
  const keys: KeyProof[] = [];
  let records = 0;
  let end: ArchiveEnd | undefined;
  let number = 0;
  let headerDigest = '';
  const parse = (line: string) => {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new ArchiveError(number, `not JSON (${(error as Error).message})`);
    }
    if (JSON.stringify(value) !== line)
      throw new ArchiveError(number, 'not in canonical form (JSON.stringify of its value): the line was changed');
    return value as { type?: string };
  };
  for await (const line of lines()) {
    number += 1;
    const value = parse(line);
    try {
      if (end) throw new Error('a line after the end line');
      if (number === 1) {
        if (value.type !== 'header') throw new Error('the first line is not the archive header');
        header = value as ArchiveHeader;
        headerDigest = await sha256b64u(new TextEncoder().encode(line));
        exactly(
          header as unknown as Record<string, unknown>,
          ['type', 'format', 'portal', 'checkpoint', 'portal_keys', 'filter', 'exported_at'],
          'the header',
        );
        if (header.format !== ARCHIVE_FORMAT) throw new Error(`not an archive of format ${ARCHIVE_FORMAT}`);
        // The portal's key history must be keys you pinned: an archive never brings its own anchors.
        const pinned = await fingerprints(options.jwks.keys);
        for (const [kid] of await fingerprints(header.portal_keys))
          if (!pinned.has(kid)) throw new Error(`the archive's portal key ${kid} is not one you pinned`);
        if (options.threshold) {
          ({ checkpoint, cosigners } = await verifyCosignedCheckpoint(header.checkpoint, {
            portalJwks: { keys: options.jwks.keys },
            issuer: header.portal,
            witnessKeys: options.witnessKeys ?? [],
            threshold: options.threshold,
          }));
        } else {
          ({ checkpoint } = await verifyCosignedCheckpoint(header.checkpoint, {
            portalJwks: { keys: options.jwks.keys },
            issuer: header.portal,
            witnessKeys: [],
            threshold: 0,
          }));
        }
      } else if (value.type === 'record') {
        records += 1;
      } else if (value.type === 'key') {
        const key = value as ArchiveKey;
        exactly(
          key as unknown as Record<string, unknown>,
          ['type', 'principal', 'kid', 'registration', 'revocation'],
          'a key proof',
        );
        for (const [write, what] of [
          [key.registration, 'a key registration'],
          [key.revocation, 'a key revocation'],
        ] as const) {
          if (!write) continue;
          checkWriteShape(write, what);
          await bindWrite(write).catch((error: Error) => {
            throw new Error(`${what}: ${error.message}`);
          });
        }
        if (keys.some((other) => other.principal === key.principal && other.kid === key.kid))
          throw new Error(`key ${key.kid} of ${key.principal} twice`);
        keys.push(key);
      } else if (value.type === 'end') {
        end = value as ArchiveEnd;
        exactly(
          end as unknown as Record<string, unknown>,
          ['type', 'records', 'keys', 'header_sha256'],
          'the end line',
        );
        if (end.header_sha256 !== headerDigest)
          throw new ArchiveError(1, 'the header is not the one the end line names (header_sha256): it was changed');
        if (end.records !== records || end.keys !== keys.length)
          throw new Error(
            `the end line counts ${end.records} records and ${end.keys} keys, the archive holds ${records} and ${keys.length}`,
          );
      } else {
        throw new Error(`unknown line type ${String(value.type)}`);
      }
    } catch (error) {
      if (error instanceof ArchiveError) throw error;
      throw new ArchiveError(number, (error as Error).message);
    }
  }
  if (!header || !checkpoint) throw new ArchiveError(number, 'no archive header');
  if (!end) throw new ArchiveError(number, 'no end line: the archive was cut short');

  const seen = new Set<string>();
  const used = new Set<string>();
  // Every record is under the same checkpoint and key proofs: each key is proven once.
  const provenKeys = new Map<string, unknown>();
  number = 0;
  let verified = 0;
  for await (const line of lines()) {
    number += 1;
    if (!line.includes('"type":"record"') || !line.startsWith('{"type":"record"')) continue;
    const record = JSON.parse(line) as ArchiveRecord;
    try {
      checkWriteShape(record, 'the record');
      if (seen.has(record.attestation.id)) throw new Error(`attestation ${record.attestation.id} twice`);
      seen.add(record.attestation.id);
      await bindWrite(record);
      const { report } = await verifyBundle(
        { format: BUNDLE_FORMAT, portal: header.portal, checkpoint: header.checkpoint, ...record, keys },
        { jwks: options.jwks, provenKeys },
      );
      if (!selected(record.attestation.token, header.filter))
        throw new Error(`${report.subject} does not match the archive's filter`);
      for (const key of report.keys) used.add(`${key.principal} ${key.kid}`);
      verified += 1;
      options.onProgress?.(verified);
    } catch (error) {
      throw new ArchiveError(number, `record ${record.attestation?.id ?? '?'}: ${(error as Error).message}`);
    }
  }
  if (verified !== records) throw new ArchiveError(number, `${verified} records verified of ${records}`);
  // A key proof no record needed was checked by nothing: it has no place in the archive.
  const unused = keys.find((key) => !used.has(`${key.principal} ${key.kid}`));
  if (unused)
    throw new ArchiveError(
      number,
      `the key proof of ${unused.kid} of ${unused.principal} proves no record's signature`,
    );
  return { portal: header.portal, checkpoint, records, keys: keys.length, cosigners, filter: header.filter };
}
