export { generateSigningKey, thumbprint, algorithmOf, type KeyPair, type KeyAlgorithm } from './keys.ts';
export { createRequestSigner, signedFetch, REQUEST_TOKEN_TYPE, type RequestSigner, type SignerOptions, type RequestToSign } from './sign.ts';
export { verifyAttestation, verifyEvidence, peekAttestation, ATTESTATION_TOKEN_TYPE, type AttestationClaims, type Evidence } from './verify.ts';
export { sha256b64u } from './digest.ts';
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
  BUNDLE_FORMAT,
  type Verifier,
  type VerifierOptions,
  type RecordBundle,
  type VerifiedRecord,
} from './audit.ts';
