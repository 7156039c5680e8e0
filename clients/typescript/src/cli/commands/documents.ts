/**
 * National documents (CBMs 1, 4-7, 9, 12, 14, 16): publish (Markdown inline, or a file
 * uploaded with a progress bar), list, get (download byte-identical, digest checked),
 * withdraw; and the glossary search across every state's terminology.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { ok, type PortalClient, type Schemas } from '../../client.ts';
import { sha256b64u } from '../../digest.ts';
import { documentTypeValues, tlpValues } from '../../generated/openapi.ts';
import type { Command } from '../command.ts';
import { IDEMPOTENCY_OPTION, PAGE_OPTIONS, VERSION_OPTIONS } from '../command.ts';
import type { Context } from '../context.ts';
import { LocalError, UsageError, VerificationFailed } from '../errors.ts';
import { progressBar, progressBody, readWithProgress } from '../progress.ts';
import {
  arg,
  attested,
  collect,
  idempotencyHeader,
  ifMatch,
  integer,
  list,
  noMoreArgs,
  readJsonInput,
  str,
  table,
} from '../util.ts';
import { plainText } from '../plain-text.ts';

const MEDIA_TYPES: Record<string, Schemas['DocumentMediaType']> = {
  '.pdf': 'application/pdf',
  '.odt': 'application/vnd.oasis.opendocument.text',
  '.docx': 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  '.txt': 'text/plain',
};
// The contract's enums, as generated: a value the portal adds is offered here at once.
const TYPES: readonly string[] = documentTypeValues;
const TLPS: readonly string[] = tlpValues;

export const tlpOf = (value: string): Schemas['Tlp'] => {
  const tlp = (/^TLP:/i.test(value) ? value : `TLP:${value}`).toUpperCase();
  if (!TLPS.includes(tlp)) throw new UsageError(`--tlp is one of ${TLPS.join(', ')}`);
  return tlp as Schemas['Tlp'];
};

function readFile(file: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(file));
  } catch (error) {
    throw new LocalError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

const contentText = (content: Schemas['Document']['content']) =>
  content.kind === 'file'
    ? `${content.filename ?? 'file'} (${content.media_type}, ${content.size} bytes)`
    : `Markdown, ${content.size} bytes`;

const documentLines = (doc: Schemas['Document']) => [
  `${doc.id}  ${doc.state} ${doc.type}  version ${doc.version} (ETag "${doc.version}")  ${doc.status}  ` +
    `${doc.tlp}${doc.recipients?.length ? ` to ${doc.recipients.join(' ')}` : ''}`,
  `  ${doc.title} [${doc.language}] CBM ${doc.cbms.join(', ')}`,
  `  ${doc.summary}`,
  `  content: ${contentText(doc.content)}${doc.content.available ? '' : ' - not uploaded yet'}; sha256 ${doc.content.sha256}`,
  ...(doc.term_count ? [`  ${doc.term_count} glossary terms`] : []),
];

/** Uploads the exact bytes a version declares, with a progress bar on a terminal. */
async function upload(
  ctx: Context,
  client: PortalClient,
  documentId: string,
  bytes: Uint8Array,
  mediaType: string,
  label: string,
) {
  const bar = progressBar(`uploading ${label}`, bytes.byteLength, ctx.io.stderr);
  const answer = await client.PUT('/documents/{documentId}/content', {
    params: { path: { documentId } },
    body: bytes as never,
    bodySerializer: (body: unknown) => body,
    headers: { 'Content-Type': mediaType },
    // Signed over the whole bytes first (the middleware), then streamed as the socket takes them.
    fetch: (request: Request) =>
      ctx.fetch(
        new Request(request.url, {
          method: request.method,
          headers: request.headers,
          body: progressBody(bytes, bar),
          duplex: 'half',
        } as RequestInit),
      ),
  });
  bar.finish();
  return ok(answer);
}

async function documentInput(
  ctx: Context,
  file: string | undefined,
): Promise<{ body: Schemas['DocumentInput']; bytes?: Uint8Array; mediaType?: string }> {
  const base = str(ctx, 'meta')
    ? await readJsonInput<Partial<Schemas['DocumentInput']>>(ctx, str(ctx, 'meta'), 'document metadata')
    : {};
  const body: Partial<Schemas['DocumentInput']> = { ...base };
  const type = str(ctx, 'type');
  if (type) {
    if (!TYPES.includes(type)) throw new UsageError(`--type is one of ${TYPES.join(', ')}`);
    body.type = type as Schemas['DocumentType'];
  }
  for (const name of ['title', 'summary', 'language'] as const) if (str(ctx, name)) body[name] = str(ctx, name);
  if (str(ctx, 'tlp')) body.tlp = tlpOf(str(ctx, 'tlp')!);
  if (list(ctx, 'recipients')) body.recipients = list(ctx, 'recipients');
  if (list(ctx, 'cbms')) body.cbms = list(ctx, 'cbms')!.map(Number);
  if (str(ctx, 'terms'))
    body.terms = await readJsonInput<Schemas['GlossaryTermInput'][]>(ctx, str(ctx, 'terms'), 'glossary terms');
  let bytes: Uint8Array | undefined;
  let mediaType: string | undefined;
  if (file) {
    if (!existsSync(file)) throw new LocalError(`no such file: ${file}`);
    const extension = extname(file).toLowerCase();
    if (!str(ctx, 'media-type') && (extension === '.md' || extension === '.markdown')) {
      body.content = { markdown: new TextDecoder().decode(readFile(file)) };
    } else {
      mediaType = str(ctx, 'media-type') ?? MEDIA_TYPES[extension];
      if (!mediaType)
        throw new UsageError(
          `cannot tell the media type of ${file}: use --media-type (${Object.values(MEDIA_TYPES).join(', ')}) or a .md file for Markdown`,
        );
      bytes = readFile(file);
      body.content = {
        file: {
          media_type: mediaType as Schemas['DocumentMediaType'],
          sha256: await sha256b64u(bytes),
          size: bytes.byteLength,
          filename: basename(file),
        },
      };
    }
  }
  const missing = (['type', 'title', 'summary', 'language', 'tlp', 'content'] as const).filter(
    (name) => body[name] === undefined,
  );
  if (missing.length)
    throw new UsageError(
      `the document needs ${missing.map((name) => (name === 'content' ? 'a FILE' : `--${name}`)).join(', ')} (or --meta FILE with them)`,
    );
  return { body: body as Schemas['DocumentInput'], bytes, mediaType };
}

export const documentCommands: Command[] = [
  {
    words: ['documents', 'publish'],
    args: 'FILE',
    summary: 'publish a national document: Markdown (.md) inline, or a PDF/ODT/DOCX/TXT file uploaded next',
    audience: 'state',
    options: {
      type: { type: 'string', value: 'TYPE', help: TYPES.join(', ') },
      title: { type: 'string', value: 'TEXT', help: 'the title' },
      summary: { type: 'string', value: 'TEXT', help: 'a short summary' },
      language: { type: 'string', value: 'TAG', help: 'language of the document, e.g. en or de-AT' },
      tlp: { type: 'string', value: 'TLP', help: 'CLEAR, GREEN, AMBER, AMBER+STRICT or RED' },
      recipients: { type: 'string', value: 'LIST', help: 'who may read an AMBER or RED document, e.g. BE,DE' },
      cbms: { type: 'string', value: 'LIST', help: "the CBMs it answers (default its type's)" },
      terms: { type: 'string', value: 'FILE', help: 'glossary terms (JSON array) of a terminology document' },
      meta: {
        type: 'string',
        value: 'FILE',
        help: 'the metadata as JSON (DocumentInput without content); options override it',
      },
      'media-type': { type: 'string', value: 'TYPE', help: "the file's media type when its extension does not tell" },
      id: { type: 'string', value: 'ID', help: 'publish a new version of this document' },
      ...VERSION_OPTIONS,
      ...IDEMPOTENCY_OPTION,
    },
    async run(ctx) {
      const file = ctx.args[0];
      noMoreArgs(ctx, 1);
      if (!file) throw new UsageError('documents publish needs the FILE to publish');
      const { body, bytes, mediaType } = await documentInput(ctx, file);
      const client = await ctx.client();
      const id = str(ctx, 'id');
      let result: Schemas['DocumentResult'];
      if (id) {
        const etag = await ifMatch(
          ctx,
          async () => (await client.GET('/documents/{documentId}', { params: { path: { documentId: id } } })).response,
        );
        result = await ok(
          client.PUT('/documents/{documentId}', {
            params: { path: { documentId: id }, header: { 'If-Match': etag } },
            body,
          }),
        );
      } else {
        result = await ok(client.POST('/documents', { params: { header: idempotencyHeader(ctx) }, body }));
      }
      const lines = [
        `published ${result.data.type} document ${result.data.id}, version ${result.data.version} (ETag "${result.data.version}")`,
        attested(result.attestation),
      ];
      let uploaded: Schemas['DocumentResult'] | undefined;
      if (bytes && mediaType) {
        try {
          uploaded = await upload(ctx, client, result.data.id, bytes, mediaType, basename(file));
        } catch (error) {
          ctx.note(
            `the document is published but its file is not uploaded yet: cbm documents upload ${result.data.id} ${file}`,
          );
          throw error;
        }
        lines.push(
          `uploaded ${basename(file)} (${bytes.byteLength} bytes, sha256 ${uploaded.data.content.sha256})`,
          attested(uploaded.attestation),
        );
      }
      ctx.emit(uploaded ? { ...result, upload: uploaded } : result, lines);
    },
  },
  {
    words: ['documents', 'upload'],
    args: 'ID FILE',
    summary: "upload the file the document's current version declares (after an interrupted publish)",
    audience: 'state',
    options: {
      'media-type': { type: 'string', value: 'TYPE', help: "the file's media type (default: the declared one)" },
    },
    async run(ctx) {
      const documentId = arg(ctx, 0, 'ID');
      const file = arg(ctx, 1, 'FILE');
      noMoreArgs(ctx, 2);
      const client = await ctx.client();
      const doc = await ok(client.GET('/documents/{documentId}', { params: { path: { documentId } } }));
      const bytes = readFile(file);
      const digest = await sha256b64u(bytes);
      if (doc.content.kind !== 'file')
        throw new UsageError(`document ${documentId} has Markdown content, no file to upload`);
      if (digest !== doc.content.sha256)
        throw new LocalError(
          `${file} is not the file version ${doc.version} declares (sha256 ${digest}, declared ${doc.content.sha256})`,
        );
      const result = await upload(
        ctx,
        client,
        documentId,
        bytes,
        str(ctx, 'media-type') ?? doc.content.media_type,
        basename(file),
      );
      ctx.emit(result, [
        `uploaded ${basename(file)} (${bytes.byteLength} bytes) to document ${documentId} version ${result.data.version}`,
        attested(result.attestation),
      ]);
    },
  },
  {
    words: ['documents', 'list'],
    summary: 'national documents you may see',
    audience: 'everyone',
    options: {
      state: { type: 'string', value: 'CODE', help: "only this state's" },
      type: { type: 'string', value: 'TYPE', help: 'only this type' },
      cbm: { type: 'string', value: 'N', help: 'only those answering this CBM' },
      language: { type: 'string', value: 'TAG', help: 'only this language (de finds de-AT)' },
      all: { type: 'boolean', help: 'withdrawn documents too' },
      ...PAGE_OPTIONS,
    },
    async run(ctx) {
      noMoreArgs(ctx, 0);
      const client = await ctx.client();
      const query = {
        state: str(ctx, 'state'),
        type: str(ctx, 'type') as Schemas['DocumentType'] | undefined,
        cbm: integer(ctx, 'cbm'),
        language: str(ctx, 'language'),
        status: ctx.opts.all ? ('all' as const) : undefined,
      };
      const items = await collect(
        (cursor, limit) => ok(client.GET('/documents', { params: { query: { ...query, cursor, limit } } })),
        integer(ctx, 'limit'),
      );
      ctx.emit({ items }, () =>
        items.length
          ? table([
              ['ID', 'STATE', 'TYPE', 'V', 'STATUS', 'TLP', 'LANG', 'TITLE'],
              ...items.map((d) => [d.id, d.state, d.type, d.version, d.status, d.tlp, d.language, d.title]),
            ])
          : 'no documents',
      );
    },
  },
  {
    words: ['documents', 'get'],
    args: 'ID',
    summary: 'a document; --out FILE downloads its content, byte-identical (SHA-256 checked)',
    audience: 'everyone',
    options: {
      version: { type: 'string', value: 'N', help: 'this version (default the current one)' },
      out: { type: 'string', value: 'FILE', help: 'download the content to FILE (- for stdout)' },
      history: { type: 'boolean', help: 'every version, oldest first' },
      terms: { type: 'boolean', help: "a terminology document's glossary terms" },
    },
    async run(ctx) {
      const documentId = arg(ctx, 0, 'ID');
      noMoreArgs(ctx, 1);
      const client = await ctx.client();
      const version = integer(ctx, 'version');
      if (ctx.opts.terms) {
        const items = await collect((cursor, limit) =>
          ok(
            client.GET('/documents/{documentId}/terms', {
              params: { path: { documentId }, query: { version, cursor, limit } },
            }),
          ),
        );
        ctx.emit({ items }, () =>
          items.length
            ? items.flatMap((term) => [`${term.term} [${term.language}]`, `  ${plainText(term.definition)}`])
            : 'no glossary terms',
        );
        return;
      }
      if (ctx.opts.history) {
        const items = await collect((cursor, limit) =>
          ok(
            client.GET('/documents/{documentId}/history', {
              params: { path: { documentId }, query: { cursor, limit } },
            }),
          ),
        );
        ctx.emit({ items }, () => items.flatMap(documentLines));
        return;
      }
      let doc = await ok(client.GET('/documents/{documentId}', { params: { path: { documentId } } }));
      if (version !== undefined && version !== doc.version) {
        const history = await collect((cursor, limit) =>
          ok(
            client.GET('/documents/{documentId}/history', {
              params: { path: { documentId }, query: { cursor, limit } },
            }),
          ),
        );
        const found = history.find((item) => item.version === version);
        if (!found) throw new LocalError(`document ${documentId} has no version ${version} you may see`);
        doc = found;
      }
      const out = str(ctx, 'out');
      const download = async () => {
        const answer = await client.GET('/documents/{documentId}/content', {
          params: { path: { documentId }, query: version !== undefined ? { version } : {} },
          parseAs: 'stream',
          headers: { Accept: '*/*' },
        });
        if (!answer.response.ok) await ok(answer);
        const length = Number(answer.response.headers.get('content-length') ?? '') || doc.content.size;
        const bytes = await readWithProgress(
          answer.response,
          progressBar(`downloading ${doc.content.filename ?? documentId}`, length, ctx.io.stderr),
        );
        const digest = await sha256b64u(bytes);
        if (digest !== doc.content.sha256)
          throw new VerificationFailed(
            `the downloaded content has sha256 ${digest}, the document version declares ${doc.content.sha256}; nothing written`,
          );
        return bytes;
      };
      if (!out) {
        // A Markdown document is read where it is asked for: its text, SHA-256 checked, as plain lines.
        const text =
          doc.content.kind !== 'file' && doc.content.available && !ctx.json
            ? new TextDecoder().decode(await download())
            : undefined;
        ctx.emit(doc, () => [
          ...documentLines(doc),
          ...(text !== undefined
            ? [
                '',
                ...plainText(text)
                  .split('\n')
                  .map((line) => (line ? `  ${line}` : '')),
              ]
            : []),
        ]);
        return;
      }
      const bytes = await download();
      const digest = doc.content.sha256; // download() checked the bytes against it
      if (out === '-') ctx.io.stdout.write(new TextDecoder().decode(bytes));
      else {
        try {
          writeFileSync(out, bytes);
        } catch (error) {
          throw new LocalError(
            `cannot write ${out}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
          );
        }
      }
      const report = {
        document: doc.id,
        version: doc.version,
        file: out,
        bytes: bytes.byteLength,
        sha256: digest,
        verified: true,
      };
      if (out !== '-')
        ctx.emit(
          report,
          `downloaded ${bytes.byteLength} bytes of ${doc.id} version ${doc.version} to ${out}; sha256 matches the declared ${digest}`,
        );
    },
  },
  {
    words: ['documents', 'withdraw'],
    args: 'ID',
    summary: 'withdraw a document (a new, final version)',
    audience: 'state',
    options: { reason: { type: 'string', value: 'TEXT', help: 'why, for the record' }, ...VERSION_OPTIONS },
    async run(ctx) {
      const documentId = arg(ctx, 0, 'ID');
      noMoreArgs(ctx, 1);
      const client = await ctx.client();
      const etag = await ifMatch(
        ctx,
        async () => (await client.GET('/documents/{documentId}', { params: { path: { documentId } } })).response,
      );
      const reason = str(ctx, 'reason');
      const result = await ok(
        client.POST('/documents/{documentId}/withdraw', {
          params: { path: { documentId }, header: { 'If-Match': etag } },
          body: reason ? { reason } : {},
        }),
      );
      ctx.emit(result, [
        `withdrew document ${documentId} (version ${result.data.version})`,
        attested(result.attestation),
      ]);
    },
  },
  {
    words: ['glossary', 'search'],
    args: 'QUERY',
    summary: 'search every state\'s current glossary, e.g. "critical infrastructure"',
    audience: 'everyone',
    options: {
      state: { type: 'string', value: 'CODE', help: "only this state's terms" },
      language: { type: 'string', value: 'TAG', help: 'only terms in this language' },
      ...PAGE_OPTIONS,
    },
    async run(ctx) {
      const q = ctx.args.join(' ');
      if (!q) throw new UsageError('glossary search needs a QUERY');
      const client = await ctx.client();
      const items = await collect(
        (cursor, limit) =>
          ok(
            client.GET('/glossary/search', {
              params: { query: { q, state: str(ctx, 'state'), language: str(ctx, 'language'), cursor, limit } },
            }),
          ),
        integer(ctx, 'limit') ?? 50,
      );
      ctx.emit({ items }, () =>
        items.length
          ? items.flatMap((hit) => [
              `${hit.state} ${hit.term} [${hit.language}] (${hit.document_title}, v${hit.document_version})`,
              `  ${plainText(hit.snippet)}`,
            ])
          : 'no matching terms',
      );
    },
  },
];
