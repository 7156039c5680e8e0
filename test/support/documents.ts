/**
 * Helpers for national-document tests, runtime-agnostic (no Node-only APIs): they run
 * on Node and inside workerd.
 */
import { sha256b64u } from '../../clients/typescript/src/index.ts';
import type { PortalHarness, TestClient } from './harness.ts';

export const PDF = 'application/pdf';

/** A state whose key may publish documents (and read). */
export const registerPublisher = (portal: Pick<PortalHarness, 'registerState'>, id: string) =>
  portal.registerState(id, { scopes: ['read', 'documents:write'] });

/** A valid Markdown strategy document; override any field. */
export function documentBody(overrides: Record<string, unknown> = {}) {
  return {
    type: 'strategy',
    title: 'National Cyber Security Strategy 2026',
    summary: 'Goals, institutions and measures for a secure cyberspace.',
    language: 'en',
    tlp: 'TLP:CLEAR',
    content: { markdown: '# National Cyber Security Strategy\n\nThe state protects its critical infrastructure.\n' },
    ...overrides,
  };
}

/** A terminology document with the given terms. */
export function terminologyBody(
  terms: { term: string; definition: string; language?: string }[],
  overrides: Record<string, unknown> = {},
) {
  return documentBody({
    type: 'terminology',
    title: 'National cyber terminology',
    summary: 'Terms and definitions used in national law.',
    terms,
    ...overrides,
  });
}

/** Bytes that look like a small PDF, distinct per seed. */
export function pdfBytes(seed = 'strategy', size = 2048): Uint8Array {
  const bytes = new Uint8Array(size);
  const header = new TextEncoder().encode(`%PDF-1.7\n% ${seed}\n`);
  bytes.set(header.subarray(0, Math.min(header.byteLength, size)));
  for (let index = header.byteLength; index < size; index += 1) bytes[index] = (index * 31 + seed.length * 7) % 251;
  return bytes;
}

/** `content.file` declaring these bytes. */
export async function fileContent(bytes: Uint8Array, mediaType = PDF, filename: string | undefined = 'strategy.pdf') {
  return {
    file: {
      media_type: mediaType,
      sha256: await sha256b64u(bytes),
      size: bytes.byteLength,
      ...(filename ? { filename } : {}),
    },
  };
}

export function upload(
  client: TestClient,
  documentId: string,
  bytes: Uint8Array,
  mediaType = PDF,
  headers: Record<string, string> = {},
) {
  return client.call('PUT', `/documents/${documentId}/content`, {
    rawBody: bytes,
    headers: { 'content-type': mediaType, ...headers },
  });
}

export interface DocumentData {
  id: string;
  state: string;
  version: number;
  status: 'active' | 'withdrawn';
  type: string;
  cbms: number[];
  title: string;
  summary: string;
  language: string;
  tlp: string;
  recipients: string[];
  content: {
    kind: 'markdown' | 'file';
    media_type: string;
    sha256: string;
    size: number;
    filename: string | null;
    available: boolean;
    href: string;
  };
  term_count: number;
  terms_href: string | null;
  published_at: string;
  withdrawal_reason: string | null;
  attestation_id: string;
  href: string;
}

export interface DocumentWritten {
  data: DocumentData;
  attestation: { id: string; token: string; log_index: number; href: string };
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export interface GlossaryHit {
  term: string;
  definition: string;
  language: string;
  snippet: string;
  score: number;
  state: string;
  document_id: string;
  document_version: number;
  document_title: string;
  tlp: string;
  document_href: string;
}

/** Publishes and returns the answer; fails the test on anything but 201. */
export async function publish(client: TestClient, body: unknown): Promise<DocumentWritten> {
  const res = await client.post('/documents', body);
  if (res.status !== 201) throw new Error(`publishing: ${res.status} ${await res.text()}`);
  return (await res.json()) as DocumentWritten;
}

export async function search(client: TestClient, query: string): Promise<Page<GlossaryHit>> {
  const res = await client.get(`/glossary/search?${query}`);
  if (res.status !== 200) throw new Error(`searching ${query}: ${res.status} ${await res.text()}`);
  return (await res.json()) as Page<GlossaryHit>;
}
