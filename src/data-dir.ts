/** What the embedded portal keeps in its data dir (README: Configuration, Operating the portal). */
export const DATABASE_FILE = 'portal.sqlite';
export const BLOBS_DIR = 'blobs';
export const PORTAL_KEY_FILE = 'portal-signing-key.jwk';
export const SECRETARIAT_KEY_FILE = 'secretariat.private.jwk';

/** A refusal (at start, or of an operator command) whose message says everything: printed without a stack. */
export class StartupError extends Error {
  override name = 'StartupError';
}
