/**
 * Node's HTTP server answers requests it cannot parse itself (malformed request line,
 * headers too large, header timeout) with a bare `400 Bad Request` before the app sees
 * them. This answers them as the portal answers everything else: RFC 9457
 * problem+json with a stable code. Node only (src/node.ts installs it).
 */
import type { Duplex } from 'node:stream';

const ANSWERS: Record<string, [status: number, reason: string, code: string, detail: string]> = {
  HPE_HEADER_OVERFLOW: [
    431,
    'Request Header Fields Too Large',
    'headers-too-large',
    'The request headers exceed the server limit.',
  ],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout', 'request-timeout', 'The request was not received in time.'],
  ERR_HTTP_HEADERS_TIMEOUT: [
    408,
    'Request Timeout',
    'request-timeout',
    'The request headers were not received in time.',
  ],
};
const MALFORMED: [number, string, string, string] = [
  400,
  'Bad Request',
  'malformed-request',
  'The request is not valid HTTP/1.1.',
];

/** The raw HTTP/1.1 answer for a parse error, a problem+json document, connection closed. */
export function clientErrorResponse(errorCode: string | undefined): string {
  const [status, reason, code, detail] = (errorCode && ANSWERS[errorCode]) || MALFORMED;
  const body = JSON.stringify({ type: `urn:cbm:problem:${code}`, title: reason, status, code, detail });
  return [
    `HTTP/1.1 ${status} ${reason}`,
    'Content-Type: application/problem+json',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'X-Content-Type-Options: nosniff',
    'Cache-Control: no-store',
    'Connection: close',
    '',
    body,
  ].join('\r\n');
}

/**
 * The http.Server `clientError` listener: `server.on('clientError', answerClientError)`.
 * A socket already reset or half-answered is just destroyed, as Node's default does.
 */
export function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  socket.end(clientErrorResponse(error.code));
}
