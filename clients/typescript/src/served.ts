/**
 * What you read is what was signed: the record the portal serves must carry the fields its
 * author signed. The evidence proves the author's request; this compares it with the stored
 * record the portal answers now, so an edit behind the portal's back (a row changed in the
 * database) is caught, not only a forged signature.
 */
import { sha256b64u } from './digest.ts';

/** Where the record version an attestation subject names is served, and how to pick it out. */
export interface ServedLocation {
  /** A path to GET; lists are followed page by page (`next_cursor`). */
  href: string;
  /** The representation carries `attestation_id`; otherwise the whole answer is the record. */
  byAttestation: boolean;
}

const ID = '([0-9a-f-]{36})';
const rules: [RegExp, (match: RegExpExecArray, principal: string) => ServedLocation][] = [
  [/^urn:cbm:principal:([A-Za-z]{2})$/, (m) => ({ href: `/principals/${m[1]}`, byAttestation: false })],
  // Versions are immutable; the history serves each one with the attestation that made it.
  [new RegExp(`^urn:cbm:contact:${ID}:v\\d+$`), (m) => ({ href: `/contacts/${m[1]}/history`, byAttestation: true })],
  [
    new RegExp(`^urn:cbm:confirmation:${ID}$`),
    (_m, principal) => ({ href: `/states/${principal}/confirmations`, byAttestation: true }),
  ],
  [new RegExp(`^urn:cbm:check:${ID}$`), (m) => ({ href: `/checks/${m[1]}`, byAttestation: true })],
  [new RegExp(`^urn:cbm:document:${ID}:v\\d+$`), (m) => ({ href: `/documents/${m[1]}/history`, byAttestation: true })],
  [
    new RegExp(`^urn:cbm:incident:${ID}:report:(\\d+)$`),
    (m) => ({ href: `/incidents/${m[1]}/reports/${m[2]}`, byAttestation: true }),
  ],
  [
    new RegExp(`^urn:cbm:incident:${ID}:ack:[A-Z]{2}$`),
    (m) => ({ href: `/incidents/${m[1]}/acknowledgements`, byAttestation: true }),
  ],
  [new RegExp(`^urn:cbm:consultation:${ID}$`), (m) => ({ href: `/requests/${m[1]}`, byAttestation: true })],
  [
    new RegExp(`^urn:cbm:consultation:${ID}:response:[A-Z]{2}:\\d+$`),
    (m) => ({ href: `/requests/${m[1]}/responses`, byAttestation: true }),
  ],
  [new RegExp(`^urn:cbm:body:${ID}:v\\d+$`), (m) => ({ href: `/bodies/${m[1]}/history`, byAttestation: true })],
  [new RegExp(`^urn:cbm:channel:${ID}:v\\d+$`), (m) => ({ href: `/channels/${m[1]}/history`, byAttestation: true })],
  [new RegExp(`^urn:cbm:meeting:${ID}:v\\d+$`), (m) => ({ href: `/meetings/${m[1]}/history`, byAttestation: true })],
  [
    new RegExp(`^urn:cbm:meeting:${ID}:participation:[A-Z]{2}$`),
    (m) => ({ href: `/meetings/${m[1]}/participations`, byAttestation: true }),
  ],
];

/**
 * Where to read the record version behind `subject` (attested for `principal`), or null
 * when it has no representation of its own to compare (key events, file uploads, check
 * acknowledgements, which only appear inside reports).
 */
export function servedLocation(subject: string, principal: string): ServedLocation | null {
  for (const [pattern, locate] of rules) {
    const match = pattern.exec(subject);
    if (match) return locate(match, principal);
  }
  return null;
}

/** The object in a served document (at any depth) whose `attestation_id` is `id`. */
export function findByAttestation(document: unknown, id: string): Record<string, unknown> | undefined {
  if (Array.isArray(document)) {
    for (const item of document) {
      const found = findByAttestation(item, id);
      if (found) return found;
    }
    return undefined;
  }
  if (document && typeof document === 'object') {
    const record = document as Record<string, unknown>;
    if (record.attestation_id === id) return record;
    for (const value of Object.values(record)) {
      const found = findByAttestation(value, id);
      if (found) return found;
    }
  }
  return undefined;
}

/** Body members stored under another name (a withdrawal's `reason`). */
const RENAMED: Record<string, string> = { reason: 'withdrawal_reason' };

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;

/** The same JSON value; instants written differently (`+01:00`, fractions) are the same instant. */
function sameValue(signed: unknown, served: unknown): boolean {
  if (
    typeof signed === 'string' &&
    typeof served === 'string' &&
    signed !== served &&
    RFC3339.test(signed) &&
    RFC3339.test(served)
  ) {
    return Date.parse(signed) === Date.parse(served);
  }
  if (Array.isArray(signed) || Array.isArray(served)) {
    return (
      Array.isArray(signed) &&
      Array.isArray(served) &&
      signed.length === served.length &&
      signed.every((item, index) => sameValue(item, served[index]))
    );
  }
  if (signed && served && typeof signed === 'object' && typeof served === 'object') {
    const a = signed as Record<string, unknown>;
    const b = served as Record<string, unknown>;
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const key of keys) if (!sameValue(a[key] ?? null, b[key] ?? null)) return false;
    return true;
  }
  return signed === served;
}

/**
 * Members served in another form than signed, and the served form to expect: a document's
 * content is served as the digest of its Markdown or of its declared file (the bytes are
 * served apart, with that digest); only the members given here are compared.
 */
const PROJECTIONS: Record<string, (value: unknown) => Promise<Record<string, unknown> | undefined>> = {
  async content(value) {
    const content = value as { markdown?: unknown; file?: Record<string, unknown> } | null;
    if (typeof content?.markdown === 'string') {
      const bytes = new TextEncoder().encode(content.markdown);
      return {
        kind: 'markdown',
        media_type: 'text/markdown',
        sha256: await sha256b64u(bytes),
        size: bytes.byteLength,
        filename: null,
      };
    }
    if (content?.file && typeof content.file === 'object') {
      const { media_type, sha256, size, filename } = content.file;
      return { kind: 'file', media_type, sha256, size, filename: filename ?? null };
    }
    return undefined;
  },
};

/**
 * The members of the signed body (the JSON the author sent) whose value differs in the
 * served record. A member the record does not serve is not compared (a glossary's terms,
 * served apart; a key's JWK); every member it serves must be exactly what was signed.
 */
export async function signedFieldMismatches(signedBody: unknown, served: Record<string, unknown>): Promise<string[]> {
  if (!signedBody || typeof signedBody !== 'object' || Array.isArray(signedBody)) return [];
  const mismatches: string[] = [];
  for (const [name, value] of Object.entries(signedBody as Record<string, unknown>)) {
    const servedName = name in served ? name : RENAMED[name];
    if (!servedName || !(servedName in served)) continue;
    const project = PROJECTIONS[name];
    if (project) {
      const expected = await project(value);
      const actual = served[servedName] as Record<string, unknown> | null;
      if (
        !expected ||
        !actual ||
        typeof actual !== 'object' ||
        Object.entries(expected).some(([member, want]) => !sameValue(want, actual[member] ?? null))
      )
        mismatches.push(servedName);
      continue;
    }
    if (!sameValue(value, served[servedName])) mismatches.push(servedName);
  }
  return mismatches;
}

/** The body bytes as JSON, or undefined when they are not JSON (an uploaded file). */
export function signedJson(body: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(body));
  } catch {
    return undefined;
  }
}
