/**
 * What can go wrong, and the exit code a script sees for each. Documented in the README
 * and in `cbm --help`; never renumbered.
 */
import { PortalError, type Problem } from '../client.ts';
import { TrustError } from '../audit.ts';
import { LogVerificationError } from '../log.ts';

export const EXIT = {
  /** Done. */
  ok: 0,
  /** The portal refused the request (a 4xx problem document). */
  refused: 1,
  /** Bad usage, or a local problem: unreadable file, bad key, missing profile. */
  usage: 2,
  /** A signature, digest or proof did not verify, or the log was rewritten. */
  verification: 3,
  /** The portal could not be reached, timed out, or failed (5xx): try again later. */
  unreachable: 4,
} as const;

export class UsageError extends Error {
  override name = 'UsageError';
}
/** A local problem that is not about the command line itself (a file, a key). */
export class LocalError extends Error {
  override name = 'LocalError';
}
export class VerificationFailed extends Error {
  override name = 'VerificationFailed';
}
export class Unreachable extends Error {
  override name = 'Unreachable';
}

/** What to do about each refusal the portal may answer, by its stable `code`. */
const HINTS: Record<string, string> = {
  'token-missing': 'The request was not signed: name a principal and key (cbm init, or --as and --key).',
  'token-expired':
    "The signed request arrived too late: check this computer's clock (it must be within a minute of UTC).",
  'token-not-yet-valid': "This computer's clock is ahead: synchronise it (NTP).",
  'issued-in-future': "This computer's clock is ahead: synchronise it (NTP).",
  'audience-invalid':
    'The key signs for another portal origin: set --portal (or the profile) to the URL the portal announces as its public origin.',
  'key-unknown':
    'The portal has no such key for this principal: hand the public key (cbm keygen prints it) to the ' +
    'Secretariat, or check --as (cbm whoami shows each key of the profile).',
  '401 key-expired':
    'Sign with the key that replaced it: add its private key to the profile (cbm profile add-key FILE), or ' +
    'ask the Secretariat for a new key. cbm whoami shows each key.',
  '401 key-revoked':
    'This key may sign nothing any more: drop it (cbm profile remove-key KID) and ask the Secretariat for a ' +
    'new key (cbm keygen --name NAME prints one to hand over).',
  'signature-invalid':
    'The signature does not match the registered key: is --key the private half of the registered key?',
  'alg-key-mismatch': 'The key file does not match the registered key type.',
  'jti-replayed':
    'This signed request was already used once; run the command again (a fresh signature is made each time).',
  'body-digest-mismatch': 'The body changed after it was signed (a proxy rewriting bodies?).',
  'url-mismatch': 'The path changed after it was signed: a proxy rewriting URLs, or --portal with a path prefix.',
  'method-mismatch': 'The method changed after it was signed (a proxy?).',
  'insufficient-scope':
    'The key lacks the scope this needs: add a key that has it to the profile (cbm profile add-key FILE; cbm ' +
    'picks it for this command), or ask the Secretariat for one (cbm keys list shows the scopes).',
  'secretariat-only': 'Only the Secretariat may do this.',
  'states-only': 'Only a participating state may do this.',
  'not-owner': 'The record belongs to another state.',
  'not-author': 'Only the state that wrote the record may do this.',
  'not-a-recipient': 'Your state is not a recipient of this record.',
  'not-addressed': 'The communication check does not address your state.',
  'not-found': 'No such record, or your state may not see it.',
  'precondition-failed':
    'Someone changed the record since the version you named: read it again (get) and retry with its current ETag.',
  'precondition-required': 'Name the version the change is based on: --if-match ETAG (or --latest).',
  'validation-failed': 'Fix the fields listed above and send again.',
  'malformed-json': 'The body is not valid JSON.',
  'payload-too-large': 'The body is larger than the portal accepts.',
  'unsupported-media-type': 'The portal does not accept this media type here.',
  'idempotency-request-in-flight':
    'The same request is still being processed; wait a second and retry with the same Idempotency-Key.',
  'invalid-idempotency-key': 'The Idempotency-Key is malformed (1-255 characters).',
  'deadline-passed': 'The deadline has passed: the answer was recorded and attested as late.',
  'already-acknowledged': 'Your state has answered this already.',
  'content-digest-mismatch': 'The file differs from the one the document version declares (SHA-256).',
  'content-already-uploaded': 'This file was uploaded before.',
  'principal-exists': 'The principal is registered already.',
  'key-exists': 'The key is registered already.',
  'last-secretariat-key': "The Secretariat's last key that can manage keys cannot go.",
  'invalid-cursor': 'The cursor is not one the portal handed out; start again without it.',
  'invalid-parameter': 'A path or query parameter is malformed (see above).',
  'unexpected-body': 'This operation takes no body.',
  'method-not-allowed': 'The path exists, but not for this method.',
  'not-acceptable': 'The portal cannot answer in the requested media type.',
  'already-declined': 'Your state declined this request; nothing may follow a decline.',
  'already-responded': 'Your state accepted or declined already; answer with --action answer.',
  'already-notified': 'The incident has its notification already; file an intermediate, progress or final report.',
  'notification-required': 'File the notification (stage notification) before other reports.',
  'incident-closed': 'The final report closed the incident; nothing may follow it.',
  'report-conflict': 'Another report was filed at the same moment; read the incident again and retry.',
  'response-conflict': 'Another response was recorded at the same moment; retry.',
  'contact-withdrawn': 'The contact is withdrawn; publish a new one instead.',
  'document-withdrawn': 'The document is withdrawn; publish a new one instead.',
  'no-file-declared': 'The current version declares no file to upload (its content is Markdown).',
  'key-revoked': 'The key is revoked already.',
  unavailable: 'The portal is unavailable for a moment; try again later.',
  'internal-error': 'The portal failed; quote the request id to the Secretariat.',
  'log-integrity-failed':
    "The portal's stored log no longer gives the checkpoints it signed: it accepts no writes until the " +
    'operator restores it. Tell the Secretariat; keep the checkpoint cbm remembered.',
};
// Refusals of the request token itself: cbm made a token this portal does not accept.
for (const code of [
  'malformed-token',
  'token-invalid',
  'token-type-invalid',
  'claim-missing',
  'claim-invalid',
  'kid-missing',
  'issuer-missing',
  'lifetime-too-long',
  'header-not-allowed',
  'jti-invalid',
  'alg-not-allowed',
]) {
  HINTS[code] =
    'The portal does not accept the signed request cbm made: check that cbm and the portal speak the same ' +
    'version of the contract (cbm request GET /healthz).';
}

/** A problem document as lines for people: status, title, code, detail, each bad field, a hint. */
export function describeProblem(problem: Problem): string {
  const lines = [`${problem.status} ${problem.title}${problem.code ? ` (${problem.code})` : ''}`];
  if (problem.detail) lines.push(problem.detail);
  for (const error of problem.errors ?? []) {
    const where =
      error.pointer !== undefined
        ? error.pointer === ''
          ? 'body'
          : error.pointer
        : error.parameter
          ? `${error.in ?? 'parameter'} ${error.parameter}`
          : 'request';
    lines.push(`  ${where}: ${error.detail}`);
  }
  const hint = HINTS[`${problem.status} ${problem.code}`] ?? HINTS[problem.code];
  if (hint) lines.push(`hint: ${hint}`);
  if (problem.instance) lines.push(`request id: ${problem.instance}`);
  return lines.join('\n');
}

/** Maps any failure to its exit code, a message for stderr, and a JSON document for --json. */
export function classify(error: unknown): { exit: number; message: string; json: Record<string, unknown> } {
  if (error instanceof PortalError) {
    // The portal found its own log inconsistent with what it signed: not an outage to wait out.
    if (error.problem.code === 'log-integrity-failed') {
      return {
        exit: EXIT.verification,
        message: `NOT verified: the portal reports its log unsound: ${describeProblem(error.problem)}`,
        json: { ...error.problem },
      };
    }
    const server = error.status >= 500;
    return {
      exit: server ? EXIT.unreachable : EXIT.refused,
      message: `${server ? 'the portal failed: ' : 'refused: '}${describeProblem(error.problem)}`,
      json: { ...error.problem },
    };
  }
  const local = (code: string, exit: number, prefix: string, detail: string, title: string) => ({
    exit,
    message: `${prefix}${detail}`,
    json: { type: `urn:cbm:cli:${code}`, title, status: null, code, detail },
  });
  if (error instanceof Unreachable)
    return local('unreachable', EXIT.unreachable, 'cbm: ', error.message, 'Portal unreachable');
  if (error instanceof VerificationFailed || error instanceof LogVerificationError || error instanceof TrustError) {
    return local(
      error.name === 'PortalKeyChanged' ? 'portal-key-changed' : 'verification-failed',
      EXIT.verification,
      'NOT verified: ',
      error.message,
      'Verification failed',
    );
  }
  if (error instanceof UsageError) {
    const usage = local('usage', EXIT.usage, 'cbm: ', error.message, 'Usage error');
    return { ...usage, message: `${usage.message}\n(cbm --help lists the commands; cbm COMMAND --help their options)` };
  }
  const message = error instanceof Error ? error.message : String(error);
  return local('local-error', EXIT.usage, 'cbm: ', message, 'Local error');
}
