/**
 * Recognises "no space left" from every layer that stores bytes: SQLite (SQLITE_FULL, also
 * raised when the database reaches its max_page_count), D1 (the same SQLite error, or its
 * size limit, in a message), and the file system (ENOSPC, EDQUOT) under the blob store.
 * A full disk is an operating condition, not a bug: it is answered 507 and reported by
 * /healthz, and the portal works again once space is freed.
 */
export function isStorageFull(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'EDQUOT') return true;
  return /SQLITE_FULL|database or disk is full|exceeded maximum db size/i.test(error.message);
}

/** An ENOSPC error of our own making (the blob store's quota), shaped as the file system's. */
export function noSpaceError(message: string): Error & { code: string } {
  return Object.assign(new Error(`ENOSPC: ${message}`), { code: 'ENOSPC' });
}
