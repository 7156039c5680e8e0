/**
 * Verifying what the portal returns, without trusting it, and without trusting a bundle
 * because of what it carries: every key comes from outside what is verified.
 *
 *  - The portal's keys are the ones you pinned (`cbm init` pins `/.well-known/jwks.json`
 *    at first contact); they check attestations and checkpoints.
 *  - A principal's key is proven by its registration: the attestation of the Secretariat's
 *    signed request that registered exactly that JWK for that principal, in the log before
 *    the key signed anything. The Secretariat's key that signed it is proven the same way,
 *    down to the Secretariat's first key, which no attestation can prove: that one is the
 *    `secretariat_keys` member of the pinned JWKS.
 *  - A key revoked (an attested revocation in the log) before the record signs nothing.
 *  - All of it sits in the log under one signed checkpoint, which must extend the one you
 *    saw before (a consistency proof), else the log was rewritten.
 *
 * A `RecordBundle` holds everything needed to do it all again offline, later, by anyone
 * who pinned the portal's keys: save it next to the record.
 */
import { base64url, type JSONWebKeySet, type JWK } from 'jose';
import { toBase64 } from './base64.ts';
import { ok, type PortalClient, type Schemas } from './client.ts';
import { thumbprint } from './keys.ts';
import {
  fromBase64,
  hashLeaf,
  LogVerificationError,
  verifyCheckpoint,
  verifyConsistency,
  verifyInclusion,
  type Checkpoint,
} from './log.ts';
import { findByAttestation, servedLocation, signedFieldMismatches, signedJson } from './served.ts';
import { verifyAttestation, verifyEvidence, type AttestationClaims, type Evidence } from './verify.ts';

export const BUNDLE_FORMAT = 'cbm-record-bundle/2';

/**
 * The portal's JWKS as you pinned it: `keys` sign attestations and checkpoints;
 * `secretariat_keys` (an extra member, RFC 7517 section 5) is the Secretariat's first key,
 * the anchor of every key registration.
 */
export interface PinnedJwks extends JSONWebKeySet {
  secretariat_keys?: JWK[];
}

/** One attested write with its proofs: the portal's receipt, the author's evidence, the log. */
export interface AttestedWrite {
  attestation: { id: string; token: string; log_index: number };
  evidence: Evidence;
  /** base64url of the body bytes when the evidence records them by reference (an uploaded file). */
  body?: string;
  /** Under the bundle's checkpoint. */
  inclusion: { leaf_index: number; tree_size: number; proof: string[] };
}

/** What proves that `kid` is `principal`'s key, and whether it was revoked. */
export interface KeyProof {
  principal: string;
  kid: string;
  /**
   * The write that registered it (`registerPrincipalKey` or `rotatePrincipalKey`), signed
   * by a Secretariat key proven in turn. Absent only for the Secretariat's first key, which
   * must then be in the pinned JWKS's `secretariat_keys`.
   */
  registration?: AttestedWrite;
  /** Its revocation (`revokePrincipalKey`), when one was logged by the time of the bundle. */
  revocation?: AttestedWrite;
}

export interface RecordBundle extends AttestedWrite {
  format: typeof BUNDLE_FORMAT;
  /** The portal's public origin: `iss` of its attestations. */
  portal: string;
  /** For information only: verification uses the keys you pinned, never these. */
  jwks?: JSONWebKeySet;
  /** The signed checkpoint (C2SP note) every inclusion proof leads to. */
  checkpoint: string;
  /** The proof of every key that signed something in the bundle. */
  keys: KeyProof[];
}

export interface VerifiedKey {
  principal: string;
  kid: string;
  /** `registration <attestation id> (log index N)`, or `pinned Secretariat key`. */
  proven_by: string;
}

export interface VerifiedRecord {
  claims: AttestationClaims;
  body: Uint8Array;
  checkpoint: Checkpoint;
  report: {
    verified: true;
    attestation: string;
    subject: string;
    principal: string;
    principal_kid: string;
    operation: string;
    issued_at: string;
    body_bytes: number;
    log_index: number;
    tree_size: number;
    root: string;
    keys: VerifiedKey[];
  };
}

/** A verification that failed; `message` says which check, `code` is stable. */
export class TrustError extends Error {
  constructor(
    readonly code: 'no-pinned-keys' | 'key-not-proven' | 'key-revoked' | 'record-mismatch' | 'bundle-mismatch',
    message: string,
  ) {
    super(message);
    this.name = 'TrustError';
  }
}

/** The checkpoint's origin line for a portal origin: its host and `/log`. */
export const logOriginOf = (portalOrigin: string) => `${new URL(portalOrigin).host}/log`;

/** Verifies a checkpoint against any Ed25519 key of the portal's JWKS (keys rotate). */
export async function verifyPortalCheckpoint(
  note: string,
  jwks: JSONWebKeySet,
  portalOrigin: string,
): Promise<Checkpoint> {
  const candidates = jwks.keys.filter((key) => key.kty === 'OKP' && key.crv === 'Ed25519');
  if (!candidates.length) throw new LogVerificationError('checkpoint: the portal JWKS has no Ed25519 key');
  let last: unknown;
  for (const key of candidates) {
    try {
      return await verifyCheckpoint(note, key, logOriginOf(portalOrigin));
    } catch (error) {
      last = error;
    }
  }
  throw last;
}

/**
 * Throws unless `latest` extends `trusted`: same root at the same size, or a
 * consistency proof (from `fetchProof`) shows the older tree is a prefix of the newer.
 * A smaller tree, or a different root, means the log was rewritten.
 */
export async function checkLogGrowth(
  trusted: Pick<Checkpoint, 'size' | 'root'>,
  latest: Pick<Checkpoint, 'size' | 'root'>,
  fetchProof: (first: number, second: number) => Promise<string[]>,
): Promise<void> {
  if (latest.size < trusted.size)
    throw new LogVerificationError(`the log shrank from ${trusted.size} to ${latest.size} entries: it was rewritten`);
  if (trusted.size === 0) return;
  if (latest.size === trusted.size) {
    if (toBase64(latest.root) !== toBase64(trusted.root))
      throw new LogVerificationError(`the log has another root at size ${latest.size}: it was rewritten`);
    return;
  }
  const proof = await fetchProof(trusted.size, latest.size);
  try {
    await verifyConsistency(trusted.size, latest.size, proof.map(fromBase64), trusted.root, latest.root);
  } catch (error) {
    throw new LogVerificationError(
      `the log of ${latest.size} entries does not extend the one of ${trusted.size} you saw before: it was ` +
        `rewritten (${(error as Error).message})`,
    );
  }
}

/** The portal keys of a pinned JWKS, without the extra members (they sign nothing). */
const portalKeysOf = (jwks: PinnedJwks): JSONWebKeySet => ({ keys: jwks.keys });

/** The members that define a public key: never a `kid`, `alg` or anything else it carries. */
const bareKey = (jwk: JWK): JWK =>
  jwk.kty === 'EC' ? { kty: 'EC', crv: jwk.crv, x: jwk.x, y: jwk.y } : { kty: jwk.kty, crv: jwk.crv, x: jwk.x };

/** Every key of a JWKS by its RFC 7638 thumbprint, recomputed (a `kid` member proves nothing). */
export async function fingerprints(keys: readonly JWK[]): Promise<Map<string, JWK>> {
  const byThumbprint = new Map<string, JWK>();
  for (const key of keys) byThumbprint.set(await thumbprint(key), bareKey(key));
  return byThumbprint;
}

const REGISTRATION_PATH = /^\/principals\/([^/?#]+)\/keys(?:\/[^/?#]+\/rotate)?(?:\?.*)?$/;
const REVOCATION_PATH = /^\/principals\/([^/?#]+)\/keys\/([^/?#]+)\/revoke(?:\?.*)?$/;
const REGISTRATIONS = new Set(['registerPrincipalKey', 'rotatePrincipalKey']);
/** Secretariat chains are short; a longer one is a loop or an attack on the verifier. */
const MAX_KEY_DEPTH = 32;

interface ProvenKey {
  /** The bare public key (kty, crv, x[, y]). */
  jwk: JWK;
  provenBy: string;
  /** Log index of its registration; -1 for the pinned Secretariat key. */
  registeredAt: number;
  revocation?: { id: string; logIndex: number; iat: number };
}

/**
 * Verifies a bundle completely offline against the portal keys YOU pinned (`options.jwks`;
 * never the bundle's own copy): the checkpoint's signature; for the record and every key
 * registration in it, the portal's signature, the author's signature over the exact body
 * bytes, that attestation, evidence and key name each other, and inclusion under the
 * checkpoint; that each signing key was registered for its principal before it signed
 * (down to the pinned Secretariat key) and not revoked before. Throws on the first failure.
 */
export async function verifyBundle(
  bundle: RecordBundle,
  options: {
    jwks: PinnedJwks;
    /**
     * Keys proven by earlier calls with the same pinned keys, checkpoint and key proofs (an
     * archive verifies many records signed by few keys): pass the same empty Map each time.
     */
    provenKeys?: Map<string, unknown>;
  },
): Promise<VerifiedRecord> {
  if (bundle.format !== BUNDLE_FORMAT)
    throw new TrustError(
      'bundle-mismatch',
      `not a record bundle of format ${BUNDLE_FORMAT} (format ${String(bundle.format)})`,
    );
  if (!options?.jwks?.keys?.length) {
    throw new TrustError(
      'no-pinned-keys',
      "no trusted portal keys: verify against the portal's JWKS you pinned (cbm init pins it; or --jwks " +
        'FILE), never against keys a bundle carries',
    );
  }
  const portalKeys = portalKeysOf(options.jwks);
  const anchors = await fingerprints(options.jwks.secretariat_keys ?? []);
  const checkpoint = await verifyPortalCheckpoint(bundle.checkpoint, portalKeys, bundle.portal);
  const proofs = bundle.keys ?? [];
  const proven = (options.provenKeys as Map<string, ProvenKey> | undefined) ?? new Map<string, ProvenKey>();
  const proving = new Set<string>();

  /** The portal's signature, the names, and inclusion of one write; not yet its evidence. */
  async function attested(write: AttestedWrite, what: string): Promise<AttestationClaims> {
    const claims = await verifyAttestation(write.attestation.token, portalKeys, { issuer: bundle.portal });
    const mismatches: string[] = [];
    if (claims.jti !== write.attestation.id)
      mismatches.push(`the attestation token is ${claims.jti}, not ${write.attestation.id}`);
    if (write.evidence.attestation_id !== claims.jti) mismatches.push('the evidence belongs to another attestation');
    if (write.evidence.principal !== claims.principal) mismatches.push('the evidence names another principal');
    if (write.evidence.kid !== claims.principal_kid)
      mismatches.push('the evidence names another key than the attestation');
    if (mismatches.length) throw new TrustError('bundle-mismatch', `${what}: ${mismatches.join('; ')}`);
    const { inclusion } = write;
    if (inclusion.leaf_index !== write.attestation.log_index)
      throw new LogVerificationError(
        `inclusion proof: for leaf ${inclusion.leaf_index}, not ${write.attestation.log_index}`,
      );
    if (inclusion.tree_size !== checkpoint.size)
      throw new LogVerificationError(
        `inclusion proof: for a tree of ${inclusion.tree_size}, not the checkpoint's ${checkpoint.size}`,
      );
    const leaf = await hashLeaf(new TextEncoder().encode(write.attestation.token));
    await verifyInclusion(
      leaf,
      write.attestation.log_index,
      checkpoint.size,
      inclusion.proof.map(fromBase64),
      checkpoint.root,
    );
    return claims;
  }

  /** The evidence of a write under `key`; the request token's iat. */
  async function signed(
    write: AttestedWrite,
    claims: AttestationClaims,
    key: JWK,
  ): Promise<{ body: Uint8Array; iat: number }> {
    const { claims: request, body } = await verifyEvidence(
      write.evidence,
      claims,
      key,
      write.body !== undefined ? { body: base64url.decode(write.body) } : {},
    );
    return { body, iat: typeof request.iat === 'number' ? request.iat : claims.iat };
  }

  /**
   * That `kid` is `principal`'s: its registration (recursively, down to the pinned
   * Secretariat key), where it sits in the log, and its revocation if one is logged.
   */
  async function proveKey(principal: string, kid: string, depth: number): Promise<ProvenKey> {
    const name = `${principal} ${kid}`;
    const cached = proven.get(name);
    if (cached) return cached;
    if (proving.has(name))
      throw new TrustError(
        'key-not-proven',
        `key ${kid} of ${principal} is not proven: its registration depends on itself`,
      );
    if (depth > MAX_KEY_DEPTH)
      throw new TrustError(
        'key-not-proven',
        `key ${kid} of ${principal} is not proven: its chain of registrations is longer than ${MAX_KEY_DEPTH}`,
      );
    proving.add(name);
    const proof = proofs.find((candidate) => candidate.principal === principal && candidate.kid === kid);
    let result: ProvenKey;
    if (!proof?.registration) {
      const anchor = principal === 'secretariat' ? anchors.get(kid) : undefined;
      if (!anchor) {
        throw new TrustError(
          'key-not-proven',
          principal === 'secretariat'
            ? `key ${kid} of secretariat is not proven: the bundle carries no registration of it, and it is ` +
                `not the Secretariat key you pinned`
            : `key ${kid} of ${principal} is not proven: the bundle carries no registration of it`,
        );
      }
      result = { jwk: anchor, provenBy: 'pinned Secretariat key', registeredAt: -1 };
    } else {
      const registration = proof.registration;
      const what = `the registration of key ${kid} of ${principal}`;
      const claims = await attested(registration, what);
      const path = REGISTRATION_PATH.exec(registration.evidence.path);
      const failures: string[] = [];
      if (!REGISTRATIONS.has(claims.operation)) failures.push(`it is a ${claims.operation}, not a key registration`);
      if (claims.sub !== `urn:cbm:key:${kid}`) failures.push(`it attests ${claims.sub}`);
      if (claims.principal !== 'secretariat') failures.push(`it was made by ${claims.principal}, not the Secretariat`);
      if (!path || decodeURIComponent(path[1]!) !== principal)
        failures.push(`it was sent to ${registration.evidence.path}, not for ${principal}`);
      if (failures.length)
        throw new TrustError(
          'key-not-proven',
          `key ${kid} of ${principal} is not proven: ${what} does not register it (${failures.join('; ')})`,
        );
      // The Secretariat's own key, proven first: nothing is read from the evidence before
      // its signature is checked.
      const signer = await proveKey('secretariat', claims.principal_kid, depth + 1);
      if (signer.registeredAt >= registration.attestation.log_index) {
        throw new TrustError(
          'key-not-proven',
          `key ${kid} of ${principal} is not proven: the Secretariat key ${claims.principal_kid} that ` +
            `registered it was itself registered later (log index ${signer.registeredAt})`,
        );
      }
      const { body, iat } = await signed(registration, claims, signer.jwk);
      checkRevocation('secretariat', claims.principal_kid, signer.revocation, registration.attestation.log_index, iat);
      const jwk = (signedJson(body) as { jwk?: JWK } | undefined)?.jwk;
      if (!jwk || typeof jwk !== 'object')
        throw new TrustError('key-not-proven', `key ${kid} of ${principal} is not proven: ${what} carries no JWK`);
      const computed = await thumbprint(jwk);
      if (computed !== kid)
        throw new TrustError(
          'key-not-proven',
          `key ${kid} of ${principal} is not proven: ${what} carries the key ${computed}`,
        );
      result = {
        jwk: bareKey(jwk),
        provenBy: `registration ${claims.jti} (log index ${registration.attestation.log_index})`,
        registeredAt: registration.attestation.log_index,
      };
    }
    if (proof?.revocation) {
      // A logged revocation is enough to refuse; its author's signature is not needed for that.
      const revocation = proof.revocation;
      const claims = await attested(revocation, `the revocation of key ${kid} of ${principal}`);
      const path = REVOCATION_PATH.exec(revocation.evidence.path);
      if (
        claims.operation !== 'revokePrincipalKey' ||
        claims.sub !== `urn:cbm:key:${kid}:revocation` ||
        !path ||
        decodeURIComponent(path[1]!) !== principal ||
        decodeURIComponent(path[2]!) !== kid
      ) {
        throw new TrustError(
          'bundle-mismatch',
          `the revocation of key ${kid} of ${principal} in the bundle is a ${claims.operation} of ${claims.sub}`,
        );
      }
      result.revocation = { id: claims.jti, logIndex: revocation.attestation.log_index, iat: claims.iat };
    }
    proving.delete(name);
    proven.set(name, result);
    return result;
  }

  /**
   * Refuses a signature logged at `logIndex` after the key's revocation, or made (request
   * `iat`, the signer's clock) after the portal attested the revocation.
   */
  function checkRevocation(
    principal: string,
    kid: string,
    revocation: ProvenKey['revocation'],
    logIndex: number,
    iat: number,
  ) {
    if (!revocation) return;
    if (revocation.logIndex < logIndex || revocation.iat < iat) {
      throw new TrustError(
        'key-revoked',
        `key ${kid} of ${principal} was revoked (attestation ${revocation.id}, log index ` +
          `${revocation.logIndex}, ${new Date(revocation.iat * 1000).toISOString()}) before it signed this (log index ` +
          `${logIndex}, ${new Date(iat * 1000).toISOString()})`,
      );
    }
  }

  const claims = await attested(bundle, 'the record');
  const key = await proveKey(claims.principal, claims.principal_kid, 0);
  if (key.registeredAt >= bundle.attestation.log_index) {
    throw new TrustError(
      'key-not-proven',
      `key ${claims.principal_kid} of ${claims.principal} is not proven: it was registered (log index ` +
        `${key.registeredAt}) after it signed this record (log index ${bundle.attestation.log_index})`,
    );
  }
  const { body, iat } = await signed(bundle, claims, key.jwk);
  checkRevocation(claims.principal, claims.principal_kid, key.revocation, bundle.attestation.log_index, iat);

  return {
    claims,
    body,
    checkpoint,
    report: {
      verified: true,
      attestation: claims.jti,
      subject: claims.sub,
      principal: claims.principal,
      principal_kid: claims.principal_kid,
      operation: claims.operation,
      issued_at: new Date(claims.iat * 1000).toISOString(),
      body_bytes: body.byteLength,
      log_index: bundle.attestation.log_index,
      tree_size: checkpoint.size,
      root: toBase64(checkpoint.root),
      keys: [...proven.entries()].map(([name, value]) => {
        const [principal, kid] = name.split(' ') as [string, string];
        return { principal, kid, proven_by: value.provenBy };
      }),
    },
  };
}

export interface VerifierOptions {
  /** The portal's public origin (`iss` of its attestations); default the client's base URL origin. */
  issuer: string;
  /**
   * The portal's JWKS you pinned (with `secretariat_keys`): required. Fetch it once at first
   * contact, show its fingerprints, keep it; `cbm init` does exactly that.
   */
  jwks: PinnedJwks;
}

export type Verifier = ReturnType<typeof createVerifier>;

/** The outcome of comparing a served record with its signed evidence. */
export interface ServedComparison {
  /** `matches`, or `not compared` when the subject has no record of its own (key events, file uploads). */
  status: 'matches' | 'not compared';
  href: string | null;
}

/**
 * Verification bound to a portal client: fetches what is needed and checks it with the
 * offline functions above against the keys you pinned, never taking the portal's word for
 * a hash, a signature or a key.
 *
 * @example
 * const verifier = createVerifier(portal, { issuer: 'https://cbm.example.org', jwks: pinnedJwks });
 * const written = await ok(portal.POST('/contacts', { body }));
 * await verifier.attestation(written.attestation.token);             // the portal's signature
 * const { report } = await verifier.record(written.attestation.id);   // + evidence, keys, inclusion, served record
 */
export function createVerifier(client: PortalClient, options: VerifierOptions) {
  const issuer = options.issuer;
  if (!options.jwks?.keys?.length)
    throw new TrustError(
      'no-pinned-keys',
      "createVerifier needs the portal's JWKS you pinned (options.jwks): it never fetches the keys it checks against",
    );
  const pinned = options.jwks;
  const portalKeys = portalKeysOf(pinned);

  async function evidenceOf(attestationId: string): Promise<{ evidence: Evidence; body?: Uint8Array }> {
    const evidence = (await ok(
      client.GET('/attestations/{attestationId}/evidence', { params: { path: { attestationId } } }),
    )) as Schemas['Evidence'];
    if (!evidence.body_blob_sha256) return { evidence };
    const bytes = await ok(
      client.GET('/attestations/{attestationId}/evidence/body', {
        params: { path: { attestationId } },
        parseAs: 'arrayBuffer',
        headers: { Accept: '*/*' },
      }),
    );
    return { evidence, body: new Uint8Array(bytes as ArrayBuffer) };
  }

  async function checkpoint(): Promise<Checkpoint> {
    const note = await ok(client.GET('/log/checkpoint', { parseAs: 'text', headers: { Accept: 'text/plain' } }));
    return verifyPortalCheckpoint(note as string, portalKeys, issuer);
  }

  /**
   * The latest checkpoint once it covers `logIndex`: the portal signs checkpoints on a
   * cadence, so a write is provable a moment after it is answered. Gives up after
   * `timeoutMs` and returns the latest one (the caller then says what is not covered).
   */
  async function checkpointCovering(logIndex: number, timeoutMs = 15_000): Promise<Checkpoint> {
    const deadline = Date.now() + timeoutMs;
    for (let wait = 100; ; wait = Math.min(wait * 2, 1000)) {
      const head = await checkpoint();
      if (head.size > logIndex || Date.now() + wait > deadline) return head;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }

  /** The log index of an attestation, as the portal states it (checked by inclusion later). */
  async function logIndexOf(attestationId: string): Promise<number> {
    return (await ok(client.GET('/attestations/{attestationId}', { params: { path: { attestationId } } }))).log_index;
  }

  async function inclusionProof(logIndex: number, treeSize: number) {
    return ok(
      client.GET('/log/proofs/inclusion', { params: { query: { leaf_index: logIndex, tree_size: treeSize } } }),
    );
  }

  /** That `latest` extends `trusted` (a checkpoint you saved earlier): the log was never rewritten. */
  async function consistency(
    trusted: Pick<Checkpoint, 'size' | 'root'>,
    latest: Pick<Checkpoint, 'size' | 'root'>,
  ): Promise<void> {
    await checkLogGrowth(
      trusted,
      latest,
      async (first, second) =>
        (await ok(client.GET('/log/proofs/consistency', { params: { query: { first, second } } }))).proof,
    );
  }

  /** One attested write with its evidence and inclusion under `head`. */
  async function write(attestationId: string, head: Checkpoint): Promise<AttestedWrite> {
    const attestation = await ok(client.GET('/attestations/{attestationId}', { params: { path: { attestationId } } }));
    if (attestation.log_index >= head.size)
      throw new LogVerificationError(
        `attestation ${attestationId} (leaf ${attestation.log_index}) is not under the checkpoint of ${head.size} entries yet`,
      );
    const { evidence, body } = await evidenceOf(attestationId);
    const proof = await inclusionProof(attestation.log_index, head.size);
    return {
      attestation: { id: attestation.id, token: attestation.token, log_index: attestation.log_index },
      evidence,
      ...(body ? { body: base64url.encode(body) } : {}),
      inclusion: { leaf_index: proof.leaf_index, tree_size: proof.tree_size, proof: proof.proof },
    };
  }

  // Key proofs fetched under one checkpoint, reused for every record under it (a mirror
  // verifies many records signed by few keys). Proofs are tied to the tree they prove in.
  let proofCache: { size: number; proofs: Map<string, KeyProof | null> } | undefined;

  /**
   * The proof of `kid` (its registration and revocation, as the portal names them), or null
   * for a key the portal does not know: verifyBundle then refuses it.
   */
  async function keyProof(principal: string, kid: string, head: Checkpoint): Promise<KeyProof | null> {
    if (proofCache?.size !== head.size) proofCache = { size: head.size, proofs: new Map() };
    const cache = proofCache.proofs;
    const name = `${principal} ${kid}`;
    if (cache.has(name)) return cache.get(name)!;
    const answer = await client.GET('/principals/{principalId}/keys/{kid}', {
      params: { path: { principalId: principal, kid } },
    });
    if (answer.response.status === 404) {
      cache.set(name, null);
      return null;
    }
    const key = await ok(answer);
    const proof: KeyProof = { principal, kid };
    if (key.registration_attestation_id) proof.registration = await write(key.registration_attestation_id, head);
    if (key.revocation_attestation_id) {
      const revocation = await ok(
        client.GET('/attestations/{attestationId}', {
          params: { path: { attestationId: key.revocation_attestation_id } },
        }),
      );
      // A revocation newer than the checkpoint is not provable under it yet; `record`
      // (online) always uses a fresh checkpoint, so it covers every logged revocation.
      if (revocation.log_index < head.size) proof.revocation = await write(key.revocation_attestation_id, head);
    }
    cache.set(name, proof);
    return proof;
  }

  /** The proofs of `kid` and of every Secretariat key behind its registration. */
  async function keyChain(principal: string, kid: string, head: Checkpoint): Promise<KeyProof[]> {
    const chain: KeyProof[] = [];
    const seen = new Set<string>();
    let next: { principal: string; kid: string } | undefined = { principal, kid };
    while (next && !seen.has(`${next.principal} ${next.kid}`) && chain.length <= MAX_KEY_DEPTH) {
      seen.add(`${next.principal} ${next.kid}`);
      const proof = await keyProof(next.principal, next.kid, head);
      if (!proof) break;
      chain.push(proof);
      next = proof.registration
        ? { principal: proof.registration.evidence.principal, kid: proof.registration.evidence.kid }
        : undefined;
    }
    return chain.reverse();
  }

  /** Everything needed to verify an attestation offline, later, fetched now. */
  async function bundle(attestationId: string, under?: Checkpoint): Promise<RecordBundle> {
    const head = under ?? (await checkpointCovering(await logIndexOf(attestationId)));
    const record = await write(attestationId, head);
    const keys = await keyChain(record.evidence.principal, record.evidence.kid, head);
    return { format: BUNDLE_FORMAT, portal: issuer, checkpoint: head.note, ...record, keys };
  }

  /**
   * That the record the portal serves now carries exactly the fields its author signed
   * (item 9 of issue 9: what you read is what was signed). Throws a TrustError naming each
   * differing field.
   */
  async function served(verified: Pick<VerifiedRecord, 'claims' | 'body'>): Promise<ServedComparison> {
    const location = servedLocation(verified.claims.sub, verified.claims.principal);
    const signedBody = signedJson(verified.body);
    if (!location || signedBody === undefined) return { status: 'not compared', href: null };
    // Any of several paths, each a GET of the contract; read as plain JSON.
    const get = client.GET as unknown as (
      path: string,
      init: { params: { query: Record<string, string> } },
    ) => Promise<{ data?: unknown; error?: unknown; response: Response }>;
    let representation: Record<string, unknown> | undefined;
    let cursor: string | undefined;
    for (let pages = 0; pages < 1000 && !representation; pages += 1) {
      const document = (await ok(get(location.href, { params: { query: cursor ? { cursor } : {} } }))) as Record<
        string,
        unknown
      >;
      representation = location.byAttestation ? findByAttestation(document, verified.claims.jti) : document;
      cursor =
        typeof document.next_cursor === 'string' && Array.isArray(document.items) && document.items.length
          ? document.next_cursor
          : undefined;
      if (!cursor) break;
    }
    if (!representation)
      throw new TrustError(
        'record-mismatch',
        `the portal does not serve the record ${verified.claims.sub} this attestation names (looked in ${location.href})`,
      );
    const mismatches = await signedFieldMismatches(signedBody, representation);
    if (mismatches.length) {
      throw new TrustError(
        'record-mismatch',
        `the record the portal serves at ${location.href} differs from what ${verified.claims.principal} signed: ${mismatches.join(', ')}`,
      );
    }
    return { status: 'matches', href: location.href };
  }

  return {
    issuer,
    jwks: pinned,
    checkpoint,
    checkpointCovering,
    logIndexOf,
    consistency,
    bundle,
    served,

    /** The portal's signature on an attestation token; returns its claims. */
    async attestation(token: string): Promise<AttestationClaims> {
      return verifyAttestation(token, portalKeys, { issuer });
    },

    /**
     * The whole chain for one attestation: fetches a bundle under the latest checkpoint and
     * verifies it against the pinned keys, then compares the served record with what was
     * signed; with `trusted` (a checkpoint you saved) also that the log still extends it.
     */
    async record(
      attestationId: string,
      opts: { trusted?: Pick<Checkpoint, 'size' | 'root'>; compareServed?: boolean } = {},
    ): Promise<VerifiedRecord & { bundle: RecordBundle; served: ServedComparison }> {
      const head = await checkpointCovering(await logIndexOf(attestationId));
      if (opts.trusted) await consistency(opts.trusted, head);
      const made = await bundle(attestationId, head);
      const verified = await verifyBundle(made, { jwks: pinned });
      const comparison =
        opts.compareServed === false ? { status: 'not compared' as const, href: null } : await served(verified);
      return { ...verified, bundle: made, served: comparison };
    },
  };
}
