/**
 * Verifying what the portal returns, without trusting it: the portal's signature on an
 * attestation (against its JWKS), the principal's own signature on the evidence, the
 * attestation's inclusion in the log under a signed checkpoint, and the consistency of a
 * checkpoint saved earlier with a newer one (the log was only appended to).
 *
 * A `RecordBundle` holds everything needed to do all of it again offline, later, by
 * anyone: save it next to the record.
 */
import { base64url, type JSONWebKeySet, type JWK } from 'jose';
import { ok, type PortalClient, type Schemas } from './client.ts';
import { fromBase64, hashLeaf, LogVerificationError, verifyCheckpoint, verifyConsistency, verifyInclusion, type Checkpoint } from './log.ts';
import { verifyAttestation, verifyEvidence, type AttestationClaims, type Evidence } from './verify.ts';

export const BUNDLE_FORMAT = 'cbm-record-bundle/1';

export interface RecordBundle {
  format: typeof BUNDLE_FORMAT;
  /** The portal's public origin: `iss` of its attestations. */
  portal: string;
  /** The portal's public keys when the bundle was made (pin your own copy with `options.jwks`). */
  jwks: JSONWebKeySet;
  attestation: { id: string; token: string; log_index: number };
  evidence: Evidence;
  /** base64url of the body bytes when the evidence records them by reference (an uploaded file). */
  body?: string;
  /** The principal's public keys (every status), each with its `kid`. */
  principal_keys: JWK[];
  /** The signed checkpoint (C2SP note) the inclusion proof leads to. */
  checkpoint: string;
  inclusion: { leaf_index: number; tree_size: number; proof: string[] };
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
  };
}

/** The checkpoint's origin line for a portal origin: its host and `/log`. */
export const logOriginOf = (portalOrigin: string) => `${new URL(portalOrigin).host}/log`;

/** Verifies a checkpoint against any Ed25519 key of the portal's JWKS (keys rotate). */
export async function verifyPortalCheckpoint(note: string, jwks: JSONWebKeySet, portalOrigin: string): Promise<Checkpoint> {
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
  if (latest.size < trusted.size) throw new LogVerificationError(`the log shrank from ${trusted.size} to ${latest.size} entries: it was rewritten`);
  if (trusted.size === 0) return;
  if (latest.size === trusted.size) {
    if (toB64(latest.root) !== toB64(trusted.root)) throw new LogVerificationError(`the log has another root at size ${latest.size}: it was rewritten`);
    return;
  }
  const proof = await fetchProof(trusted.size, latest.size);
  try {
    await verifyConsistency(trusted.size, latest.size, proof.map(fromBase64), trusted.root, latest.root);
  } catch (error) {
    throw new LogVerificationError(`the log of ${latest.size} entries does not extend the one of ${trusted.size} you saw before: it was rewritten (${(error as Error).message})`);
  }
}

const toB64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));

/**
 * Verifies a bundle completely offline: the portal's signature (against `options.jwks`,
 * default the bundle's own copy), the principal's signature over the exact body bytes,
 * that the attestation, evidence and key all name each other, the checkpoint's signature,
 * and the attestation's inclusion under that checkpoint. Throws on the first failure.
 */
export async function verifyBundle(bundle: RecordBundle, options: { jwks?: JSONWebKeySet } = {}): Promise<VerifiedRecord> {
  if (bundle.format !== BUNDLE_FORMAT) throw new Error(`not a record bundle (format ${String(bundle.format)})`);
  const jwks = options.jwks ?? bundle.jwks;
  const claims = await verifyAttestation(bundle.attestation.token, jwks, { issuer: bundle.portal });
  const mismatches: string[] = [];
  if (claims.jti !== bundle.attestation.id) mismatches.push(`the attestation token is ${claims.jti}, not ${bundle.attestation.id}`);
  if (bundle.evidence.attestation_id !== claims.jti) mismatches.push('the evidence belongs to another attestation');
  if (bundle.evidence.principal !== claims.principal) mismatches.push('the evidence names another principal');
  if (claims.principal_kid && bundle.evidence.kid !== claims.principal_kid) mismatches.push('the evidence names another key than the attestation');
  if (mismatches.length) throw new Error(mismatches.join('; '));
  const key = bundle.principal_keys.find((candidate) => candidate.kid === bundle.evidence.kid);
  if (!key) throw new Error(`no public key ${bundle.evidence.kid} of ${bundle.evidence.principal} in the bundle`);
  const { body } = await verifyEvidence(bundle.evidence, claims, key, bundle.body !== undefined ? { body: base64url.decode(bundle.body) } : {});

  const checkpoint = await verifyPortalCheckpoint(bundle.checkpoint, jwks, bundle.portal);
  const { inclusion } = bundle;
  if (inclusion.leaf_index !== bundle.attestation.log_index) throw new LogVerificationError(`inclusion proof: for leaf ${inclusion.leaf_index}, not ${bundle.attestation.log_index}`);
  if (inclusion.tree_size !== checkpoint.size) throw new LogVerificationError(`inclusion proof: for a tree of ${inclusion.tree_size}, not the checkpoint's ${checkpoint.size}`);
  const leaf = await hashLeaf(new TextEncoder().encode(bundle.attestation.token));
  await verifyInclusion(leaf, bundle.attestation.log_index, checkpoint.size, inclusion.proof.map(fromBase64), checkpoint.root);

  return {
    claims,
    body,
    checkpoint,
    report: {
      verified: true,
      attestation: claims.jti,
      subject: claims.sub,
      principal: claims.principal,
      principal_kid: bundle.evidence.kid,
      operation: claims.operation,
      issued_at: new Date(claims.iat * 1000).toISOString(),
      body_bytes: body.byteLength,
      log_index: bundle.attestation.log_index,
      tree_size: checkpoint.size,
      root: toB64(checkpoint.root),
    },
  };
}

export interface VerifierOptions {
  /** The portal's public origin (`iss` of its attestations); default the client's base URL origin. */
  issuer: string;
  /** A JWKS you pinned; default: fetched once from /.well-known/jwks.json. */
  jwks?: JSONWebKeySet;
}

export type Verifier = ReturnType<typeof createVerifier>;

/**
 * Verification bound to a portal client: fetches what is needed and checks it with the
 * offline functions above, never taking the portal's word for a hash or a signature.
 *
 * @example
 * const verifier = createVerifier(portal, { issuer: 'https://cbm.example.org' });
 * const written = await ok(portal.POST('/contacts', { body }));
 * await verifier.attestation(written.attestation.token);             // the portal's signature
 * const { report } = await verifier.record(written.attestation.id);   // + evidence + inclusion
 */
export function createVerifier(client: PortalClient, options: VerifierOptions) {
  const issuer = options.issuer;
  let jwksPromise: Promise<JSONWebKeySet> | undefined = options.jwks ? Promise.resolve(options.jwks) : undefined;
  const keyCache = new Map<string, JWK[]>();

  const jwks = () => (jwksPromise ??= ok(client.GET('/.well-known/jwks.json')).then((set) => set as unknown as JSONWebKeySet));

  async function principalKeys(principal: string, kid?: string): Promise<JWK[]> {
    const cached = keyCache.get(principal);
    if (cached && (!kid || cached.some((key) => key.kid === kid))) return cached;
    const list = await ok(client.GET('/principals/{principalId}/keys', { params: { path: { principalId: principal }, query: { status: 'all' } } }));
    const keys = list.items.map((item) => ({ ...item.jwk, kid: item.kid }) as JWK);
    keyCache.set(principal, keys);
    return keys;
  }

  async function evidenceOf(attestationId: string): Promise<{ evidence: Evidence; body?: Uint8Array }> {
    const evidence = (await ok(client.GET('/attestations/{attestationId}/evidence', { params: { path: { attestationId } } }))) as Schemas['Evidence'];
    if (!evidence.body_blob_sha256) return { evidence };
    const bytes = await ok(client.GET('/attestations/{attestationId}/evidence/body', { params: { path: { attestationId } }, parseAs: 'arrayBuffer', headers: { Accept: '*/*' } }));
    return { evidence, body: new Uint8Array(bytes as ArrayBuffer) };
  }

  async function checkpoint(): Promise<Checkpoint> {
    const note = await ok(client.GET('/log/checkpoint', { parseAs: 'text', headers: { Accept: 'text/plain' } }));
    return verifyPortalCheckpoint(note as string, await jwks(), issuer);
  }

  async function inclusionProof(logIndex: number, treeSize: number) {
    return ok(client.GET('/log/proofs/inclusion', { params: { query: { leaf_index: logIndex, tree_size: treeSize } } }));
  }

  /** That `latest` extends `trusted` (a checkpoint you saved earlier): the log was never rewritten. */
  async function consistency(trusted: Pick<Checkpoint, 'size' | 'root'>, latest: Pick<Checkpoint, 'size' | 'root'>): Promise<void> {
    await checkLogGrowth(trusted, latest, async (first, second) => (await ok(client.GET('/log/proofs/consistency', { params: { query: { first, second } } }))).proof);
  }

  /** Everything needed to verify an attestation offline, later, fetched now. */
  async function bundle(attestationId: string, under?: Checkpoint): Promise<RecordBundle> {
    const attestation = await ok(client.GET('/attestations/{attestationId}', { params: { path: { attestationId } } }));
    const { evidence, body } = await evidenceOf(attestationId);
    const keys = await principalKeys(evidence.principal, evidence.kid);
    const head = under ?? (await checkpoint());
    if (attestation.log_index >= head.size) throw new LogVerificationError(`attestation ${attestationId} (leaf ${attestation.log_index}) is not under the checkpoint of ${head.size} entries yet`);
    const proof = await inclusionProof(attestation.log_index, head.size);
    return {
      format: BUNDLE_FORMAT,
      portal: issuer,
      jwks: await jwks(),
      attestation: { id: attestation.id, token: attestation.token, log_index: attestation.log_index },
      evidence,
      ...(body ? { body: base64url.encode(body) } : {}),
      principal_keys: keys,
      checkpoint: head.note,
      inclusion: { leaf_index: proof.leaf_index, tree_size: proof.tree_size, proof: proof.proof },
    };
  }

  return {
    issuer,
    jwks,
    principalKeys,
    checkpoint,
    consistency,
    bundle,

    /** The portal's signature on an attestation token; returns its claims. */
    async attestation(token: string): Promise<AttestationClaims> {
      return verifyAttestation(token, await jwks(), { issuer });
    },

    /** The principal's own signature over the exact bytes behind an attestation. */
    async evidence(attestationId: string, claims: AttestationClaims): Promise<{ evidence: Evidence; body: Uint8Array }> {
      const { evidence, body } = await evidenceOf(attestationId);
      const key = (await principalKeys(evidence.principal, evidence.kid)).find((candidate) => candidate.kid === evidence.kid);
      if (!key) throw new Error(`no public key ${evidence.kid} of ${evidence.principal} is registered`);
      const verified = await verifyEvidence(evidence, claims, key, body ? { body } : {});
      return { evidence, body: verified.body };
    },

    /** That the leaf with this token is at `logIndex` in the tree of `checkpoint`. */
    async inclusion(token: string, logIndex: number, under: Checkpoint): Promise<void> {
      const proof = await inclusionProof(logIndex, under.size);
      const leaf = await hashLeaf(new TextEncoder().encode(token));
      await verifyInclusion(leaf, logIndex, under.size, proof.proof.map(fromBase64), under.root);
    },

    /**
     * The whole chain for one attestation: fetches a bundle and verifies it; with
     * `trusted` (a checkpoint you saved) also that the log still extends it.
     */
    async record(attestationId: string, opts: { trusted?: Pick<Checkpoint, 'size' | 'root'> } = {}): Promise<VerifiedRecord & { bundle: RecordBundle }> {
      const head = await checkpoint();
      if (opts.trusted) await consistency(opts.trusted, head);
      const made = await bundle(attestationId, head);
      return { ...(await verifyBundle(made, { jwks: await jwks() })), bundle: made };
    },
  };
}
