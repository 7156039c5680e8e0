import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { isStorageFull } from '../db/storage-full.ts';
import { Problem, problems } from './problem.ts';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export function renderProblem(c: Context, problem: Problem): Response {
  const body = {
    // Extension members first: they never override the standard ones.
    ...(problem.extensions ?? {}),
    type: `urn:cbm:problem:${problem.code}`,
    title: problem.title,
    status: problem.status,
    code: problem.code,
    ...(problem.detail ? { detail: problem.detail } : {}),
    instance: `urn:cbm:request:${c.get('requestId') ?? 'unknown'}`,
    ...(problem.errors?.length ? { errors: problem.errors } : {}),
  };
  return new Response(JSON.stringify(body), {
    status: problem.status,
    headers: { 'Content-Type': PROBLEM_CONTENT_TYPE, ...(problem.headers ?? {}) },
  });
}

/**
 * The single error handler. Problems render as they are; anything else is a bug: logged
 * with the request id, answered as a bare 500 that reveals nothing.
 */
export function onError(log: (line: string) => void) {
  return function handleError(error: Error, c: Context): Response {
    if (error instanceof Problem) return renderProblem(c, error);
    if (error instanceof HTTPException && error.status < 500) {
      return renderProblem(c, new Problem(error.status, 'http-error', error.message || 'Request refused'));
    }
    // A full disk is an operating condition (see storage-health.ts), not a bug: no stack.
    if (isStorageFull(error)) return renderProblem(c, problems.insufficientStorage());
    log(
      `request ${c.get('requestId') ?? '-'} ${c.req.method} ${new URL(c.req.url).pathname} failed: ${error.stack ?? error.message}`,
    );
    return renderProblem(c, new Problem(500, 'internal-error', 'Internal server error', 'The error has been logged.'));
  };
}
