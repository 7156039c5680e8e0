/**
 * Every answer the test portal gives is checked against the contract (issue 12 item 5), on
 * every runtime: its status is one the operation declares, its media type one declared
 * for that status, a JSON body matches the declared schema, a declared body-less answer
 * (304) has none, and an attestation in it matches AttestationTokenHeader and
 * AttestationTokenClaims. A test whose request makes the portal break its contract fails,
 * whatever the test itself asserts.
 */
import type { Schema, Validator } from '@cfworker/json-schema';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { specDocument } from '../../src/generated/spec.ts';
import { attestationShapeError } from '../../src/crypto/token-schemas.ts';
import { compileSchema, describeErrors, matchOperation, resolveRefs } from '../../src/http/spec-index.ts';

type Json = Record<string, unknown>;

export class ContractViolation extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ContractViolation';
  }
}

interface DeclaredResponse {
  /** Media type to its body validator; null for bytes (format: binary) and text. */
  content: Map<string, Validator | null>;
}

const declared = new Map<string, Map<string, DeclaredResponse>>();

function responsesOf(method: string, path: string): Map<string, DeclaredResponse> {
  const key = `${method} ${path}`;
  let responses = declared.get(key);
  if (responses) return responses;
  responses = new Map();
  const operation = ((specDocument.paths as Json)[path] as Json)[method.toLowerCase()] as Json;
  for (const [status, raw] of Object.entries(operation.responses as Json)) {
    const response = resolveRefs(raw) as { content?: Record<string, { schema?: Schema }> };
    const content = new Map<string, Validator | null>();
    for (const [mediaType, media] of Object.entries(response.content ?? {})) {
      const json = mediaType === 'application/json' || mediaType.endsWith('+json');
      const binary = (media.schema as Json | undefined)?.format === 'binary';
      content.set(mediaType, json && !binary && media.schema ? compileSchema(media.schema) : null);
    }
    responses.set(status, { content });
  }
  declared.set(key, responses);
  return responses;
}

const essence = (contentType: string | null) => contentType?.split(';')[0]?.trim().toLowerCase() ?? null;

/** Attestations anywhere in a JSON answer (`token` of an AttestationRef or an Attestation). */
function attestationTokens(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) for (const item of value) attestationTokens(item, found);
  else if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (key === 'attestation' && item && typeof item === 'object' && typeof (item as Json).token === 'string')
        found.push((item as Json).token as string);
      else attestationTokens(item, found);
    }
  }
  return found;
}

/**
 * Throws a ContractViolation when `response` is not one the contract allows for `request`.
 * Requests to paths the contract does not have (a test of the 404 for them) are left alone.
 */
export async function checkResponse(request: Request, response: Response): Promise<void> {
  const url = new URL(request.url);
  const match = matchOperation(request.method, url.pathname);
  const where = `${request.method} ${url.pathname}${url.search}`;
  const fail = (detail: string): never => {
    throw new ContractViolation(
      `${where} answered ${response.status} ${response.headers.get('content-type') ?? '(no content type)'}, ` +
        `which the contract does not allow: ${detail}`,
    );
  };
  if (match.kind === 'unknown') return;
  if (match.kind === 'method-not-allowed') {
    if (response.status !== 405)
      fail(`the path has no ${request.method} (it has ${match.allow.join(', ')}): 405 expected`);
    if (response.headers.get('allow') !== match.allow.join(', ')) fail(`Allow must be "${match.allow.join(', ')}"`);
    return;
  }
  const { operation } = match;
  // A 500 is the portal failing, never an answer of the contract: a test provoking one (a
  // broken database) checks that it reveals nothing; here only that it is the bare problem.
  if (response.status === 500) {
    const body = (await response.clone().json()) as Json;
    if (body.code !== 'internal-error' || Object.keys(body).sort().join() !== 'code,detail,instance,status,title,type')
      fail('a 500 is the bare internal-error problem');
    return;
  }
  const responses = responsesOf(operation.method, operation.path);
  const declaredResponse =
    responses.get(String(response.status)) ??
    responses.get(`${String(response.status)[0]}XX`) ??
    responses.get('default');
  if (!declaredResponse) fail(`${operation.operationId} declares ${[...responses.keys()].join(', ')}`);
  const text = request.method === 'HEAD' ? '' : await response.clone().text();
  const contentType = essence(response.headers.get('content-type'));
  if (declaredResponse!.content.size === 0) {
    if (text.length) fail(`${operation.operationId} declares no body for ${response.status}`);
    return;
  }
  if (!contentType || !declaredResponse!.content.has(contentType)) {
    fail(
      `${operation.operationId} declares ${[...declaredResponse!.content.keys()].join(', ')} for ${response.status}`,
    );
  }
  const validator = declaredResponse!.content.get(contentType!);
  if (!validator || request.method === 'HEAD') return;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    fail('the body is not JSON');
  }
  const result = validator.validate(body);
  if (!result.valid) {
    fail(
      describeErrors(result.errors)
        .slice(0, 5)
        .map(({ pointer, detail }) => `${pointer || '(body)'}: ${detail}`)
        .join('; '),
    );
  }
  for (const token of attestationTokens(body)) {
    const shape = attestationShapeError(decodeProtectedHeader(token), decodeJwt(token));
    if (shape)
      fail(
        `the attestation's ${shape.part} does not match ${shape.schema} at ${shape.pointer || 'the top'}: ${shape.detail}`,
      );
  }
}
