/**
 * The stored log contradicts itself or what the portal signed: a leaf that is not the hash
 * of its attestation, a missing or reused index, a stored root or subtree that the leaves
 * do not give. Never a bad request and never retried: the log clock latches it (no more
 * checkpoints, no more writes) until an operator has restored a sound database.
 */
export class LogIntegrityError extends Error {
  override name = 'LogIntegrityError';
}
