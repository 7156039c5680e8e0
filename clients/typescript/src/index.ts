export { generateSigningKey, thumbprint, algorithmOf, assertSafePublicJwk, UnsafeKeyError, type KeyPair, type KeyAlgorithm } from './keys.ts';
export { createRequestSigner, signedFetch, REQUEST_TOKEN_TYPE, type RequestSigner, type SignerOptions, type RequestToSign } from './sign.ts';
export { verifyAttestation, verifyEvidence, peekAttestation, ATTESTATION_TOKEN_TYPE, type AttestationClaims, type Evidence } from './verify.ts';
export { sha256b64u } from './digest.ts';
export { assertAttestationShape, assertRequestTokenShape, TokenShapeError } from './token-shape.ts';
export { verifyInclusion, verifyConsistency, verifyCheckpoint, hashLeaf, fromBase64, toBase64, LogVerificationError, type Checkpoint } from './log.ts';
export {
  createPortalClient,
  signingMiddleware,
  ok,
  pages,
  PortalError,
  type PortalClient,
  type PortalClientOptions,
  type FetchLike,
  type Schemas,
  type Problem,
  type paths,
  type components,
  type operations,
} from './client.ts';
export {
  createVerifier,
  verifyBundle,
  verifyPortalCheckpoint,
  checkLogGrowth,
  logOriginOf,
  fingerprints,
  BUNDLE_FORMAT,
  TrustError,
  type Verifier,
  type VerifierOptions,
  type PinnedJwks,
  type RecordBundle,
  type AttestedWrite,
  type KeyProof,
  type VerifiedRecord,
  type VerifiedKey,
  type ServedComparison,
} from './audit.ts';
export { servedLocation, findByAttestation, signedFieldMismatches } from './served.ts';
export { fingerprintsOf, unpinned, withAccepted, describeFingerprint, type Fingerprint } from './pinning.ts';
export {
  witnessName,
  witnessOnce,
  cosignCheckpoint,
  cosignatureKeyId,
  cosignersOf,
  verifyCosignedCheckpoint,
  provenWitnessKeys,
  verifyMisbehaviour,
  splitNote,
  WitnessPolicyError,
  MISBEHAVIOUR_FORMAT,
  type WitnessKey,
  type WitnessPolicy,
  type WitnessState,
  type WitnessOptions,
  type WitnessOutcome,
  type Cosigner,
  type MisbehaviourProof,
} from './witness.ts';
export { exportArchive, verifyArchive, ArchiveError, ARCHIVE_FORMAT, type ArchiveFilter, type ArchiveHeader, type ArchiveRecord, type ArchiveKey, type ArchiveEnd, type ArchiveVerification } from './archive.ts';
