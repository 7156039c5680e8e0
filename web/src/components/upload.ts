/**
 * Uploading a document's bytes with progress. The request is built and signed by the
 * client library (openapi-fetch with its signing middleware, `body_sha256` over these exact
 * bytes); only the sending is XMLHttpRequest, whose upload events fetch does not have.
 */
import { ok, type PortalClient } from '../../../clients/typescript/src/client.ts';

export type Progress = (sent: number, total: number) => void;

const FORBIDDEN_HEADERS = new Set(['content-length', 'host', 'connection']);

function headersOf(xhr: XMLHttpRequest): Headers {
  const headers = new Headers();
  for (const line of xhr
    .getAllResponseHeaders()
    .trim()
    .split(/[\r\n]+/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  return headers;
}

/** Sends a signed Request's method, URL and headers with `body`, reporting upload progress. */
export function sendWithProgress(request: Request, body: Uint8Array, onProgress: Progress): Promise<Response> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(request.method, request.url);
    request.headers.forEach((value, name) => {
      if (!FORBIDDEN_HEADERS.has(name.toLowerCase())) xhr.setRequestHeader(name, value);
    });
    xhr.responseType = 'arraybuffer';
    xhr.upload.onprogress = (event) => onProgress(event.loaded, event.lengthComputable ? event.total : body.byteLength);
    xhr.onload = () => {
      onProgress(body.byteLength, body.byteLength);
      const empty = [101, 204, 205, 304].includes(xhr.status);
      resolve(
        new Response(empty ? null : (xhr.response as ArrayBuffer), {
          status: xhr.status,
          statusText: xhr.statusText,
          headers: headersOf(xhr),
        }),
      );
    };
    xhr.onerror = () => reject(new TypeError(`the upload to ${new URL(request.url).pathname} failed`));
    xhr.onabort = () => reject(new TypeError('the upload was cancelled'));
    xhr.send(body as Uint8Array<ArrayBuffer>);
  });
}

/** PUT /documents/{id}/content: the exact bytes in the declared media type, signed, with progress. */
export function uploadDocumentContent(
  client: PortalClient,
  documentId: string,
  bytes: Uint8Array,
  mediaType: string,
  onProgress: Progress,
) {
  return ok(
    client.PUT('/documents/{documentId}/content', {
      params: { path: { documentId } },
      body: bytes as never,
      bodySerializer: (body: unknown) => body as BodyInit,
      headers: { 'Content-Type': mediaType },
      fetch: (request: Request) => sendWithProgress(request, bytes, onProgress),
    }),
  );
}
