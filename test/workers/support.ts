/**
 * A fresh portal per test inside workerd: the local D1 binding with the project's
 * migrations (as `wrangler d1 migrations apply` would), emptied before each test, and
 * the same runtime-agnostic harness the Node tests use.
 */
import { applyD1Migrations, env } from 'cloudflare:test';
import { r2BlobStore } from '../../src/blobs/r2-blob-store.ts';
import { d1PortalDb } from '../../src/db/d1.ts';
import type { PortalDb } from '../../src/db/portal-db.ts';
import { createHarness, type HarnessOptions } from '../support/harness.ts';

/** Child tables first, so foreign keys hold while emptying. */
const TABLES = [
  'meeting_participations',
  'entry_versions',
  'entries',
  'request_responses',
  'consultation_requests',
  'incident_acknowledgements',
  'incident_reports',
  'incidents',
  'glossary_fts',
  'glossary_terms',
  'document_files',
  'document_versions',
  'documents',
  'idempotency_keys',
  'record_recipients',
  'check_acknowledgements',
  'check_addressees',
  'checks',
  'log_checkpoints',
  'log_nodes',
  'log_leaves',
  'contact_confirmations',
  'contact_versions',
  'contacts',
  'attestations',
  'request_jtis',
  'principal_keys',
  'principals',
];

/** The test database migrated and emptied: every table's rows gone, the log back at size 0. */
export async function emptyD1() {
  await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
  await env.DB.batch([
    ...TABLES.map((table) => env.DB.prepare(`DELETE FROM ${table}`)),
    env.DB.prepare(
      'UPDATE log_state SET integrated_size = 0, integrity_failure = NULL, verified_at = NULL, verified_size = 0',
    ),
  ]);
}

/** `wrapDb` puts something between the app and D1 (e.g. a failure to inject). */
export async function createWorkersPortal(
  options: HarnessOptions = {},
  wrapDb: (db: PortalDb) => PortalDb = (db) => db,
) {
  await emptyD1();
  return createHarness(wrapDb(d1PortalDb(env.DB)), r2BlobStore(env.BLOBS), options);
}
