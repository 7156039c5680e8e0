/**
 * Verifying one record's attestation in the browser, check by check, with the project's
 * client library (never a second implementation): the portal's signature, the key's
 * registration, the state's signature over its request, inclusion in the log under a
 * checkpoint signed by a pinned portal key, who witnessed that checkpoint, and that the
 * record served (and shown) is what was signed.
 *
 * Every key comes from the pinned JWKS the caller passes (IndexedDB in the browser), never
 * from an answer. Unlike `verifyBundle`, which stops at the first failure, this returns one
 * outcome per check, so the page can say what was checked and exactly what failed.
 */
import {
  createVerifier,
  verifyBundle,
  verifyPortalCheckpoint,
  type PinnedJwks,
  type RecordBundle,
} from '../../../clients/typescript/src/audit.ts';
import type { PortalClient } from '../../../clients/typescript/src/client.ts';
import { thumbprint } from '../../../clients/typescript/src/keys.ts';
import {
  fromBase64,
  hashLeaf,
  toBase64,
  verifyInclusion,
  type Checkpoint,
} from '../../../clients/typescript/src/log.ts';
import { signedFieldMismatches, signedJson } from '../../../clients/typescript/src/served.ts';
import { verifyAttestation, verifyEvidence, type AttestationClaims } from '../../../clients/typescript/src/verify.ts';
import { cosignersOf, provenWitnessKeys } from '../../../clients/typescript/src/witness.ts';

export type CheckName =
  | 'portal-signature'
  | 'key-registration'
  | 'state-signature'
  | 'log-inclusion'
  | 'witnesses'
  | 'served-record';

/** The order the panel shows them in: each builds on the one before. */
export const CHECK_ORDER: readonly CheckName[] = [
  'portal-signature',
  'key-registration',
  'state-signature',
  'log-inclusion',
  'witnesses',
  'served-record',
];

/**
 * `passed`; `failed` (the record must not be trusted); `warning` (nothing is wrong with the
 * record, but a guarantee is missing: no witness has cosigned yet); `skipped` (not
 * applicable, or not reached because an earlier check failed).
 */
export type CheckStatus = 'passed' | 'failed' | 'warning' | 'skipped';

/** Why a check failed, as a stable code the panel translates; `detail` is the library's own words. */
export type FailureCode =
  | 'no-pinned-keys'
  | 'unpinned-portal-key'
  | 'bad-signature'
  | 'not-registered'
  | 'revoked'
  | 'registered-later'
  | 'not-in-log'
  | 'log-rewritten'
  | 'record-changed'
  | 'unavailable';

export interface CheckOutcome {
  name: CheckName;
  status: CheckStatus;
  /** Values the explanation names (dates as ISO strings). */
  facts: Record<string, string | number | string[]>;
  failure?: { code: FailureCode; detail: string };
}

export interface AttestationVerification {
  attestationId: string;
  /** True only when no check failed. */
  ok: boolean;
  checks: CheckOutcome[];
  /** The checkpoint the record was proven under, to keep as the next `trusted` one. */
  checkpoint?: { size: number; root: string; note: string };
  /** What the portal attested, once its signature verified. */
  claims?: Pick<AttestationClaims, 'sub' | 'principal' | 'principal_kid' | 'operation' | 'iat' | 'jti'>;
}

export interface VerifyOptions {
  client: PortalClient;
  /** The portal's public origin (`iss` of its attestations). */
  issuer: string;
  /** The portal's JWKS pinned at first contact, with `secretariat_keys`. */
  jwks: PinnedJwks;
  attestationId: string;
  /** The record as the page shows it: compared with what was signed too. */
  displayed?: Record<string, unknown>;
  /** A checkpoint seen before: the log must still extend it (else it was rewritten). */
  trusted?: { size: number; root: string };
  /** Distinct witness states wanted; fewer is a warning. Default 1. */
  witnessThreshold?: number;
  /** How long to wait for a checkpoint covering a fresh write. Default 15 s. */
  checkpointTimeoutMs?: number;
}

const REGISTRATIONS = new Set(['registerPrincipalKey', 'rotatePrincipalKey']);

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** jose names a key missing from the set by code: the attestation was signed by a key you did not pin. */
function signatureFailure(error: unknown): CheckOutcome['failure'] {
  const code = (error as { code?: string }).code;
  if (code === 'ERR_JWKS_NO_MATCHING_KEY' || /no signature by the portal key/.test(messageOf(error)))
    return { code: 'unpinned-portal-key', detail: messageOf(error) };
  return { code: 'bad-signature', detail: messageOf(error) };
}

/**
 * The latest checkpoint the portal's witnesses cosigned, if it covers `logIndex` (proofs
 * against it name who witnessed), else the latest one once it covers the write.
 */
async function checkpointFor(
  options: VerifyOptions,
  verifier: ReturnType<typeof createVerifier>,
  logIndex: number,
): Promise<Checkpoint> {
  // Asked only once enough states cosigned a checkpoint covering the record (each key says the
  // largest size it cosigned): before that the answer would be a 404, which the browser logs.
  const threshold = Math.max(1, options.witnessThreshold ?? 1);
  const witnesses = await options.client.GET('/log/witnesses');
  const covering = new Set(
    (witnesses.data?.witnesses ?? [])
      .filter((witness) => witness.cosigned_size > logIndex)
      .map((witness) => witness.principal),
  );
  if (covering.size < threshold) return verifier.checkpointCovering(logIndex, options.checkpointTimeoutMs ?? 15_000);
  const witnessed = await options.client.GET('/log/checkpoint', {
    params: { query: { witnesses: threshold } },
    parseAs: 'text',
    headers: { Accept: 'text/plain' },
  });
  if (witnessed.response.ok && typeof witnessed.data === 'string') {
    const head = await verifyPortalCheckpoint(witnessed.data, { keys: options.jwks.keys }, options.issuer);
    if (head.size > logIndex) return head;
  }
  return verifier.checkpointCovering(logIndex, options.checkpointTimeoutMs ?? 15_000);
}

/**
 * Verifies one record's attestation check by check; never throws for a failed check.
 *
 * @example
 * const result = await verifyRecordAttestation({ client, issuer: location.origin, jwks: pinned, attestationId });
 * if (!result.ok) console.log(result.checks.find((check) => check.status === 'failed'));
 */
export async function verifyRecordAttestation(options: VerifyOptions): Promise<AttestationVerification> {
  const { client, issuer, jwks, attestationId } = options;
  const checks = new Map<CheckName, CheckOutcome>(
    CHECK_ORDER.map((name) => [name, { name, status: 'skipped', facts: {} }]),
  );
  const set = (name: CheckName, outcome: Omit<CheckOutcome, 'name'>) => checks.set(name, { name, ...outcome });
  const fail = (name: CheckName, code: FailureCode, detail: string, facts: CheckOutcome['facts'] = {}) =>
    set(name, { status: 'failed', facts, failure: { code, detail } });
  const result = (extra: Partial<AttestationVerification> = {}): AttestationVerification => {
    const list = CHECK_ORDER.map((name) => checks.get(name)!);
    return { attestationId, ok: !list.some((check) => check.status === 'failed'), checks: list, ...extra };
  };

  if (!jwks?.keys?.length) {
    fail('portal-signature', 'no-pinned-keys', 'no portal keys are pinned for this portal');
    return result();
  }
  const verifier = createVerifier(client, { issuer, jwks });
  const portalKeys = { keys: jwks.keys };

  let bundle: RecordBundle;
  let head: Checkpoint;
  try {
    const logIndex = await verifier.logIndexOf(attestationId);
    head = await checkpointFor(options, verifier, logIndex);
    if (head.size <= logIndex) {
      fail('log-inclusion', 'not-in-log', `entry ${logIndex} is not under the latest checkpoint of ${head.size} yet`, {
        logIndex,
        treeSize: head.size,
      });
      return result();
    }
    bundle = await verifier.bundle(attestationId, head);
  } catch (error) {
    const detail = messageOf(error);
    // A checkpoint the pinned keys do not verify means the portal's key changed.
    if (/checkpoint/.test(detail)) fail('portal-signature', 'unpinned-portal-key', detail);
    else fail('portal-signature', 'unavailable', detail);
    return result();
  }

  // 1. The portal's signature on the attestation.
  let claims: AttestationClaims;
  try {
    claims = await verifyAttestation(bundle.attestation.token, portalKeys, { issuer });
    if (claims.jti !== attestationId) throw new Error(`the attestation served is ${claims.jti}, not ${attestationId}`);
    set('portal-signature', {
      status: 'passed',
      facts: { signedAt: new Date(claims.iat * 1000).toISOString(), operation: claims.operation, subject: claims.sub },
    });
  } catch (error) {
    set('portal-signature', { status: 'failed', facts: {}, failure: signatureFailure(error) });
    return result();
  }
  const summary = {
    sub: claims.sub,
    principal: claims.principal,
    principal_kid: claims.principal_kid,
    operation: claims.operation,
    iat: claims.iat,
    jti: claims.jti,
  };

  // 4 (done early: the key checks below need the verified checkpoint). Inclusion under it.
  let checkpoint: Checkpoint | undefined;
  const logIndex = bundle.attestation.log_index;
  try {
    checkpoint = await verifyPortalCheckpoint(bundle.checkpoint, portalKeys, issuer);
  } catch (error) {
    fail('log-inclusion', 'unpinned-portal-key', messageOf(error), { logIndex });
  }
  if (checkpoint) {
    const facts = { logIndex, treeSize: checkpoint.size };
    try {
      if (options.trusted) {
        await verifier.consistency({ size: options.trusted.size, root: fromBase64(options.trusted.root) }, checkpoint);
      }
    } catch (error) {
      fail('log-inclusion', 'log-rewritten', messageOf(error), facts);
      checkpoint = undefined;
    }
  }
  if (checkpoint) {
    const facts = { logIndex, treeSize: checkpoint.size };
    try {
      if (bundle.inclusion.tree_size !== checkpoint.size || bundle.inclusion.leaf_index !== logIndex)
        throw new Error(
          `the proof is for entry ${bundle.inclusion.leaf_index} of ${bundle.inclusion.tree_size}, not ${logIndex} of ${checkpoint.size}`,
        );
      const leaf = await hashLeaf(new TextEncoder().encode(bundle.attestation.token));
      await verifyInclusion(leaf, logIndex, checkpoint.size, bundle.inclusion.proof.map(fromBase64), checkpoint.root);
      set('log-inclusion', { status: 'passed', facts });
    } catch (error) {
      fail('log-inclusion', 'not-in-log', messageOf(error), facts);
    }
  }

  // 2. The key that signed the request was registered for the state, by the Secretariat.
  const principal = claims.principal;
  const kid = claims.principal_kid;
  const proof = bundle.keys.find((candidate) => candidate.principal === principal && candidate.kid === kid);
  let stateKey: Record<string, unknown> | undefined;
  try {
    if (!proof?.registration) {
      const anchor = principal === 'secretariat' ? await findPinnedSecretariatKey(jwks, kid) : undefined;
      if (!anchor)
        throw Object.assign(new Error(`key ${kid} of ${principal} has no registration`), { code: 'not-registered' });
      stateKey = anchor;
      set('key-registration', { status: 'passed', facts: { principal, kid, provenBy: 'pinned' } });
    } else {
      const registration = proof.registration;
      const verified = await verifyBundle(
        {
          format: bundle.format,
          portal: bundle.portal,
          checkpoint: bundle.checkpoint,
          keys: bundle.keys,
          ...registration,
        },
        { jwks },
      );
      const body = signedJson(verified.body) as { jwk?: Record<string, unknown> } | undefined;
      if (!REGISTRATIONS.has(verified.claims.operation) || verified.claims.sub !== `urn:cbm:key:${kid}`)
        throw Object.assign(new Error(`its registration attests ${verified.claims.sub}`), { code: 'not-registered' });
      if (!body?.jwk || (await thumbprint(body.jwk)) !== kid)
        throw Object.assign(new Error('its registration names another key'), { code: 'not-registered' });
      if (registration.attestation.log_index >= logIndex)
        throw Object.assign(
          new Error(`registered at entry ${registration.attestation.log_index}, after it signed entry ${logIndex}`),
          { code: 'registered-later' },
        );
      if (proof.revocation && proof.revocation.attestation.log_index < logIndex)
        throw Object.assign(new Error(`revoked at entry ${proof.revocation.attestation.log_index}`), {
          code: 'revoked',
        });
      stateKey = body.jwk;
      set('key-registration', {
        status: 'passed',
        facts: {
          principal,
          kid,
          provenBy: 'registration',
          registrationIndex: registration.attestation.log_index,
          registeredAt: new Date(verified.claims.iat * 1000).toISOString(),
        },
      });
    }
  } catch (error) {
    const code = ((error as { code?: string }).code as FailureCode | undefined) ?? 'not-registered';
    const known: FailureCode[] = ['not-registered', 'revoked', 'registered-later'];
    fail('key-registration', known.includes(code) ? code : 'not-registered', messageOf(error), { principal, kid });
  }

  // 3. The state's own signature over its request and the exact body bytes.
  let body: Uint8Array | undefined;
  if (stateKey) {
    try {
      const evidence = await verifyEvidence(
        bundle.evidence,
        claims,
        stateKey,
        bundle.body !== undefined ? { body: base64urlDecode(bundle.body) } : {},
      );
      body = evidence.body;
      set('state-signature', {
        status: 'passed',
        facts: {
          principal,
          kid,
          signedAt: new Date(((evidence.claims.iat as number | undefined) ?? claims.iat) * 1000).toISOString(),
          method: bundle.evidence.method,
          path: bundle.evidence.path,
        },
      });
    } catch (error) {
      fail('state-signature', 'bad-signature', messageOf(error), { principal, kid });
    }
  }

  // The library's whole chain must agree with the checks above (it also checks the names
  // that bind attestation, evidence and key, and revocation by time): a disagreement fails
  // the check it concerns.
  const allPassed = [...checks.values()].every((check) => check.status !== 'failed');
  if (allPassed && body) {
    try {
      await verifyBundle(bundle, { jwks });
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === 'key-revoked') fail('key-registration', 'revoked', messageOf(error), { principal, kid });
      else if (code === 'key-not-proven')
        fail('key-registration', 'not-registered', messageOf(error), { principal, kid });
      else fail('state-signature', 'bad-signature', messageOf(error), { principal, kid });
    }
  }

  // 5. Who witnessed the checkpoint: cosignatures by witness keys proven through their registration.
  if (checkpoint) {
    try {
      const { keys, refused } = await witnessKeysUnder(head, () => provenWitnessKeys(client, verifier, head, jwks));
      const cosigners = await cosignersOf(bundle.checkpoint, keys);
      const states = [...new Set(cosigners.map((cosigner) => cosigner.principal))].sort();
      const threshold = Math.max(1, options.witnessThreshold ?? 1);
      set('witnesses', {
        status: states.length >= threshold ? 'passed' : 'warning',
        facts: {
          states,
          treeSize: checkpoint.size,
          threshold,
          registered: keys.length,
          refused: refused.map((key) => key.principal),
        },
      });
    } catch (error) {
      fail('witnesses', 'bad-signature', messageOf(error), { treeSize: checkpoint.size });
    }
  }

  // 6. What you read is what was signed: the record the portal serves now, and the one shown.
  if (body && checks.get('state-signature')?.status === 'passed') {
    try {
      const served = await verifier.served({ claims, body });
      const signed = signedJson(body);
      const shownDiffers =
        options.displayed && signed !== undefined ? await signedFieldMismatches(signed, options.displayed) : [];
      if (shownDiffers.length)
        fail(
          'served-record',
          'record-changed',
          `the record shown differs from what was signed: ${shownDiffers.join(', ')}`,
          {
            fields: shownDiffers,
          },
        );
      else if (served.status === 'matches' || options.displayed)
        set('served-record', { status: 'passed', facts: { href: served.href ?? '', principal } });
      else set('served-record', { status: 'skipped', facts: { reached: 1 } });
    } catch (error) {
      const fields = /: ([\w, ]+)$/.exec(messageOf(error))?.[1]?.split(', ') ?? [];
      fail('served-record', 'record-changed', messageOf(error), { fields });
    }
  }

  return result({
    claims: summary,
    ...(checkpoint
      ? { checkpoint: { size: checkpoint.size, root: toBase64(checkpoint.root), note: checkpoint.note } }
      : {}),
  });
}

/**
 * Witness keys proven under one checkpoint, shared by every panel verified under it: each
 * key's proof is a bundle of several requests, and a page may show many records.
 */
const provenUnder = new Map<string, ReturnType<typeof provenWitnessKeys>>();

function witnessKeysUnder(head: Checkpoint, prove: () => ReturnType<typeof provenWitnessKeys>) {
  const key = head.note;
  let proven = provenUnder.get(key);
  if (!proven) {
    if (provenUnder.size > 20) provenUnder.clear();
    proven = prove();
    provenUnder.set(key, proven);
    proven.catch(() => provenUnder.delete(key));
  }
  return proven;
}

async function findPinnedSecretariatKey(jwks: PinnedJwks, kid: string): Promise<Record<string, unknown> | undefined> {
  for (const key of jwks.secretariat_keys ?? []) if ((await thumbprint(key)) === kid) return key;
  return undefined;
}

function base64urlDecode(text: string): Uint8Array {
  const base64 = text.replace(/-/g, '+').replace(/_/g, '/');
  return fromBase64(base64 + '='.repeat((4 - (base64.length % 4)) % 4));
}
