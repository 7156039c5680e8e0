/**
 * Reading RFC 9457 answers in tests, on every runtime: the media type is asserted, then
 * the body returned. Extension members (e.g. `acknowledgement`) stay reachable.
 */
import { expect } from 'vitest';

export interface FieldErrorBody {
  pointer?: string;
  parameter?: string;
  in?: string;
  detail: string;
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  code: string;
  detail: string;
  instance: string;
  errors?: FieldErrorBody[];
  [extension: string]: unknown;
}

/** The problem document of `res`; with `status`, also asserts the status. */
export async function problem(res: Response, status?: number): Promise<ProblemBody> {
  if (status !== undefined) expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  return (await res.json()) as ProblemBody;
}
