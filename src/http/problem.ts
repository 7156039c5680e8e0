import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** One bad field: a JSON pointer into the body, or a named parameter. */
export interface FieldError {
  pointer?: string;
  parameter?: string;
  in?: 'path' | 'query' | 'header';
  detail: string;
}

/**
 * The one error class of the portal. Thrown anywhere, rendered once (http/errors.ts) as
 * RFC 9457 problem+json. `code` is stable and machine-readable; `detail` is for people
 * and never carries a token, a stack or a database message.
 */
export class Problem extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    readonly title: string,
    readonly detail?: string,
    readonly errors?: FieldError[],
    readonly headers?: Record<string, string>,
    /** RFC 9457 extension members the operation documents (e.g. the record a 409 still kept). */
    readonly extensions?: Record<string, unknown>,
  ) {
    super(detail ?? title);
    this.name = 'Problem';
  }
}

export const problems = {
  badRequest: (code: string, detail: string, errors?: FieldError[]) =>
    new Problem(400, code, 'Bad request', detail, errors),
  unauthorized: (code: string, detail: string, extensions?: Record<string, unknown>) =>
    new Problem(
      401,
      code,
      'Request signature not accepted',
      detail,
      undefined,
      {
        // No credentials at all get the bare challenge, without an error code (RFC 6750 section 3.1).
        'WWW-Authenticate':
          code === 'token-missing' ? 'Bearer' : `Bearer error="invalid_token", error_description="${code}"`,
      },
      extensions,
    ),
  forbidden: (code: string, detail: string) => new Problem(403, code, 'Forbidden', detail),
  notFound: (detail = 'No such resource.') => new Problem(404, 'not-found', 'Not found', detail),
  conflict: (code: string, detail: string, extensions?: Record<string, unknown>) =>
    new Problem(409, code, 'Conflict', detail, undefined, undefined, extensions),
  preconditionFailed: (detail: string) => new Problem(412, 'precondition-failed', 'Precondition failed', detail),
  preconditionRequired: () =>
    new Problem(
      428,
      'precondition-required',
      'Precondition required',
      'Send If-Match with the ETag of the version this change is based on.',
    ),
  payloadTooLarge: (limit: number) =>
    new Problem(413, 'payload-too-large', 'Payload too large', `The body exceeds the limit of ${limit} bytes.`),
  unsupportedMediaType: (expected: string) =>
    new Problem(415, 'unsupported-media-type', 'Unsupported media type', `Send the body as ${expected}.`),
  notAcceptable: (available: string) =>
    new Problem(406, 'not-acceptable', 'Not acceptable', `This resource is available as ${available}.`),
  unprocessable: (detail: string, errors?: FieldError[]) =>
    new Problem(422, 'validation-failed', 'Unprocessable content', detail, errors),
  unavailable: (detail: string) => new Problem(503, 'unavailable', 'Service unavailable', detail),
  insufficientStorage: () =>
    new Problem(
      507,
      'insufficient-storage',
      'Insufficient storage',
      'The portal has no space left to store this write; nothing was stored. Retry later.',
      undefined,
      {
        'Retry-After': '60',
      },
    ),
};
