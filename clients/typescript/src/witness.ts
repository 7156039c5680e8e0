/**
 * Witnessing the portal's log (C2SP `tlog-cosignature`, cosignature/v1 over Ed25519):
 * a state cosigns a checkpoint only after checking it extends the last one it cosigned,
 * and a verifier trusts a checkpoint only with cosignatures of at least K distinct states
 * (its witness policy). A portal that showed two states two histories is then caught: by
 * the witnesses, which refuse and keep a proof both checkpoints cannot be true, and by
 * every verifier, which finds too few cosignatures on either view.
 *
 * Written from the spec, apart from the portal's own code (src/witness), so a bug shared
 * by both could not hide; test/interop checks both against an independent implementation.
 */
import { base64url, type JWK, type JSONWebKeySet } from 'jose';
import { verifyBundle, verifyPortalCheckpoint, type PinnedJwks } from './audit.ts';
import { ok, type PortalClient } from './client.ts';
import { assertSafePublicJwk, thumbprint } from './keys.ts';
import { fromBase64, LogVerificationError, toBase64, verifyConsistency, type Checkpoint } from './log.ts';

const encoder = new TextEncoder();

/** The cosigner name of a state's witness on this portal: `cbm-witness/<state>`. */
export const witnessName = (stateId: string) => `cbm-witness/${stateId}`;

/** A witness key a verifier trusts: pinned, or proven through its attested registration. */
export interface WitnessKey {
  principal: string;
  /** The cosigner name its lines carry (default `cbm-witness/<principal>`). */
  name?: string;
  /** The Ed25519 public JWK. */
  jwk: JWK;
}

export interface WitnessPolicy {
  /** The portal's keys you pinned (`cbm init`), never the portal's word. */
  portalJwks: JSONWebKeySet;
  /** The portal's public origin (its checkpoints' origin is `<host>/log`). */
  issuer: string;
  witnessKeys: readonly WitnessKey[];
  /** At least this many distinct states must have cosigned. */
  threshold: number;
}

export interface Cosigner {
  principal: string;
  name: string;
  /** POSIX seconds, as signed. */
  timestamp: number;
}

export class WitnessPolicyError extends LogVerificationError {
  constructor(
    message: string,
    readonly cosigners: Cosigner[],
  ) {
    super(message);
    this.name = 'WitnessPolicyError';
  }
}

async function sha256(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
}

/** SHA-256(name || 0x0A || 0x04 || 32-byte Ed25519 key)[:4] (C2SP tlog-cosignature). */
export async function cosignatureKeyId(name: string, publicKey: Uint8Array): Promise<Uint8Array> {
  return (await sha256(new Uint8Array([...encoder.encode(name), 0x0a, 0x04, ...publicKey]))).slice(0, 4);
}

/** The signed message: `cosignature/v1`, `time <seconds>`, then the note body with its final newline. */
const cosignedMessage = (body: string, timestamp: bigint) =>
  encoder.encode(`cosignature/v1\ntime ${timestamp}\n${body}`);

/** The body of a signed note (up to and including the newline before the blank line) and its signature lines. */
export function splitNote(note: string): { body: string; signatures: string[] } {
  const end = note.indexOf('\n\n');
  if (end < 0) throw new LogVerificationError('note: no blank line before the signatures');
  return {
    body: note.slice(0, end + 1),
    signatures: note
      .slice(end + 2)
      .split('\n')
      .filter(Boolean),
  };
}

const ed25519Raw = (jwk: JWK): Uint8Array<ArrayBuffer> => {
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || !jwk.x)
    throw new LogVerificationError('a witness key must be an Ed25519 JWK (cosignature/v1)');
  assertSafePublicJwk(jwk);
  return new Uint8Array(base64url.decode(jwk.x));
};

/**
 * A cosignature/v1 line by `privateJwk` on the checkpoint `note` (its body), timestamped
 * `timestamp` (POSIX seconds): `— <name> base64(key id || u64 timestamp || signature)`.
 */
export async function cosignCheckpoint(
  note: string,
  options: { name: string; privateJwk: JWK; timestamp: number },
): Promise<string> {
  const { body } = splitNote(note);
  const { d: _secret, ...publicJwk } = options.privateJwk;
  const publicKey = ed25519Raw(publicJwk);
  const key = await crypto.subtle.importKey(
    'jwk',
    { ...options.privateJwk, alg: undefined, key_ops: undefined } as JsonWebKey,
    { name: 'Ed25519' },
    false,
    ['sign'],
  );
  const timestamp = BigInt(options.timestamp);
  const signature = new Uint8Array(
    await crypto.subtle.sign({ name: 'Ed25519' }, key, cosignedMessage(body, timestamp)),
  );
  const blob = new Uint8Array(4 + 8 + 64);
  blob.set(await cosignatureKeyId(options.name, publicKey), 0);
  new DataView(blob.buffer).setBigUint64(4, timestamp);
  blob.set(signature, 12);
  return `— ${options.name} ${toBase64(blob)}`;
}

/**
 * The valid cosignatures on `note` by the keys given: lines of other names or key ids are
 * ignored (as a note verifier must); a line that names a trusted key but does not verify
 * makes the note malformed (C2SP signed-note) and throws.
 */
export async function cosignersOf(note: string, witnessKeys: readonly WitnessKey[]): Promise<Cosigner[]> {
  const { body, signatures } = splitNote(note);
  const found: Cosigner[] = [];
  for (const witness of witnessKeys) {
    const name = witness.name ?? witnessName(witness.principal);
    const publicKey = ed25519Raw(witness.jwk);
    const keyId = await cosignatureKeyId(name, publicKey);
    for (const line of signatures) {
      const match = /^— (\S+) ([A-Za-z0-9+/]+={0,2})$/.exec(line);
      if (!match || match[1] !== name) continue;
      const blob = fromBase64(match[2]!);
      if (blob.byteLength !== 76 || !keyId.every((byte, index) => byte === blob[index])) continue;
      const timestamp = new DataView(blob.buffer, blob.byteOffset + 4, 8).getBigUint64(0);
      const key = await crypto.subtle.importKey('raw', publicKey, { name: 'Ed25519' }, false, ['verify']);
      if (
        timestamp >= 2n ** 63n ||
        !(await crypto.subtle.verify({ name: 'Ed25519' }, key, blob.slice(12), cosignedMessage(body, timestamp)))
      ) {
        throw new LogVerificationError(`checkpoint: the cosignature of ${name} does not verify`);
      }
      found.push({ principal: witness.principal, name, timestamp: Number(timestamp) });
    }
  }
  return found;
}

/**
 * Verifies a cosigned checkpoint under a witness policy: the portal's signature (pinned
 * keys) and valid cosignatures of at least `threshold` distinct states among the trusted
 * witness keys. Throws a WitnessPolicyError naming who did cosign when there are too few.
 *
 * @example
 * const { checkpoint, cosigners } = await verifyCosignedCheckpoint(note, { portalJwks, issuer, witnessKeys, threshold: 2 });
 */
export async function verifyCosignedCheckpoint(
  note: string,
  policy: WitnessPolicy,
): Promise<{ checkpoint: Checkpoint; cosigners: Cosigner[] }> {
  const checkpoint = await verifyPortalCheckpoint(note, { keys: policy.portalJwks.keys }, policy.issuer);
  const cosigners = await cosignersOf(note, policy.witnessKeys);
  const states = new Set(cosigners.map((cosigner) => cosigner.principal));
  if (states.size < policy.threshold) {
    const who = states.size ? [...states].join(', ') : 'none';
    throw new WitnessPolicyError(
      `checkpoint of ${checkpoint.size} entries: cosigned by ${states.size} trusted witness state(s) ` +
        `(${who}), the policy needs ${policy.threshold}`,
      cosigners,
    );
  }
  return { checkpoint, cosigners };
}

/**
 * The witness keys the portal lists (`listLogWitnesses`), each proven through its
 * registration: an attested write signed by a Secretariat key, down to the one you pinned,
 * included under `head`, whose body names this key (same thumbprint) with scope `witness`
 * for this state. A key the portal lists but cannot prove is left out, not trusted; one
 * the portal reports revoked or expired is left out too.
 */
export async function provenWitnessKeys(
  client: PortalClient,
  verifier: { bundle(attestationId: string, under?: Checkpoint): Promise<import('./audit.ts').RecordBundle> },
  head: Checkpoint,
  jwks: PinnedJwks,
): Promise<{ keys: WitnessKey[]; refused: { principal: string; kid: string; reason: string }[] }> {
  const listed = await ok(client.GET('/log/witnesses'));
  const keys: WitnessKey[] = [];
  const refused: { principal: string; kid: string; reason: string }[] = [];
  for (const witness of listed.witnesses) {
    const refuse = (reason: string) => refused.push({ principal: witness.principal, kid: witness.kid, reason });
    if (witness.status !== 'active') {
      refuse(witness.status);
      continue;
    }
    if (!witness.registration_attestation_id) {
      refuse('no attested registration');
      continue;
    }
    try {
      const bundle = await verifier.bundle(witness.registration_attestation_id, head);
      const verified = await verifyBundle(bundle, { jwks });
      const body = JSON.parse(new TextDecoder().decode(verified.body)) as { jwk?: JWK; scopes?: string[] };
      if (verified.claims.sub !== `urn:cbm:key:${witness.kid}`)
        throw new Error('the attestation is not the registration of this key');
      if (!body.jwk || (await thumbprint(body.jwk)) !== witness.kid)
        throw new Error('the registration names another key');
      if (!body.scopes?.includes('witness')) throw new Error('the registration does not give the key scope witness');
      // The signed request's target names the state the key was registered for.
      const registeredFor = /^\/principals\/([^/?#]+)\/keys/.exec(bundle.evidence.path)?.[1];
      if (!registeredFor || decodeURIComponent(registeredFor) !== witness.principal)
        throw new Error(`the key was registered for ${registeredFor ?? 'no state'}`);
      keys.push({ principal: witness.principal, name: witnessName(witness.principal), jwk: body.jwk });
    } catch (error) {
      refuse((error as Error).message);
    }
  }
  return { keys, refused };
}

/** What a witness keeps between runs: the last checkpoint it cosigned. */
export interface WitnessState {
  origin: string;
  size: number;
  /** base64 root. */
  root: string;
  /** The portal-signed note it cosigned (the body and the portal's signature). */
  note: string;
  cosigned_at: number;
}

export const MISBEHAVIOUR_FORMAT = 'cbm-log-misbehaviour/1';

/** Two checkpoints signed by the portal that cannot both be true. */
export interface MisbehaviourProof {
  format: typeof MISBEHAVIOUR_FORMAT;
  portal: string;
  origin: string;
  /** `fork`: one size, two roots (conclusive on its own); `inconsistent`: the portal's consistency proof
   * between the two fails; `shrank`: a later checkpoint is smaller. */
  kind: 'fork' | 'inconsistent' | 'shrank';
  /** The checkpoint the witness had cosigned (portal-signed note). */
  cosigned: string;
  /** The checkpoint the portal served afterwards (portal-signed note). */
  served: string;
  /** The consistency proof the portal served from the smaller to the larger, if it served one. */
  consistency_proof: { first: number; second: number; proof: string[] } | null;
  witness: string;
  detected_at: string;
  reason: string;
}

/**
 * Checks a misbehaviour proof offline, against the portal keys you pinned: both
 * checkpoints carry the portal's signature, and they contradict each other (same size
 * with two roots; or the proof the portal served between them fails). Returns a summary;
 * throws when the proof does not show misbehaviour.
 */
export async function verifyMisbehaviour(
  proof: MisbehaviourProof,
  portalJwks: JSONWebKeySet,
): Promise<{ conclusive: boolean; summary: string }> {
  if (proof.format !== MISBEHAVIOUR_FORMAT)
    throw new LogVerificationError(`not a misbehaviour proof of format ${MISBEHAVIOUR_FORMAT}`);
  const a = await verifyPortalCheckpoint(proof.cosigned, { keys: portalJwks.keys }, proof.portal);
  const b = await verifyPortalCheckpoint(proof.served, { keys: portalJwks.keys }, proof.portal);
  if (a.size === b.size) {
    if (toBase64(a.root) === toBase64(b.root))
      throw new LogVerificationError('the two checkpoints agree: no misbehaviour shown');
    return {
      conclusive: true,
      summary:
        `the portal signed two checkpoints of ${a.size} entries with different roots ` +
        `(${toBase64(a.root)} and ${toBase64(b.root)}): a forked log`,
    };
  }
  const [small, large] = a.size < b.size ? [a, b] : [b, a];
  const served = proof.consistency_proof;
  if (served && served.first === small.size && served.second === large.size) {
    try {
      await verifyConsistency(small.size, large.size, served.proof.map(fromBase64), small.root, large.root);
    } catch (error) {
      return {
        conclusive: true,
        summary:
          `the portal signed checkpoints of ${small.size} and ${large.size} entries, and its own ` +
          `consistency proof between them fails (${(error as Error).message})`,
      };
    }
    throw new LogVerificationError('the consistency proof between the two checkpoints verifies: no misbehaviour shown');
  }
  return {
    conclusive: false,
    summary:
      `the portal signed checkpoints of ${small.size} and ${large.size} entries and served no valid ` +
      `consistency proof between them; ask it for one (GET ` +
      `/log/proofs/consistency?first=${small.size}&second=${large.size}): none can exist if the log forked`,
  };
}

export type WitnessOutcome =
  | { status: 'cosigned'; size: number; previous: number; line: string }
  | { status: 'unchanged'; size: number }
  | { status: 'misbehaviour'; proof: MisbehaviourProof };

export interface WitnessOptions {
  client: PortalClient;
  issuer: string;
  portalJwks: JSONWebKeySet;
  principal: string;
  privateJwk: JWK;
  state: WitnessState | undefined;
  /** Persists the new state durably; called before the cosignature leaves this process. */
  saveState(state: WitnessState): Promise<void> | void;
  now: () => Date;
}

/**
 * One witness round: fetch the latest checkpoint, verify the portal's signature and that
 * it extends the last one this witness cosigned (a consistency proof), persist it, then
 * cosign and submit. On a checkpoint that contradicts the cosigned one, returns the proof
 * of misbehaviour and cosigns nothing.
 */
export async function witnessOnce(options: WitnessOptions): Promise<WitnessOutcome> {
  const { client, issuer, portalJwks, state } = options;
  const name = witnessName(options.principal);
  const note = (await ok(
    client.GET('/log/checkpoint', { parseAs: 'text', headers: { Accept: 'text/plain' } }),
  )) as string;
  const latest = await verifyPortalCheckpoint(note, { keys: portalJwks.keys }, issuer);
  const { body, signatures } = splitNote(note);
  const portalSigned = `${body}\n${signatures
    .filter((line) => line.startsWith(`— ${latest.origin} `))
    .map((line) => `${line}\n`)
    .join('')}`;
  const misbehaviour = (
    kind: MisbehaviourProof['kind'],
    reason: string,
    consistency: MisbehaviourProof['consistency_proof'],
  ): WitnessOutcome => ({
    status: 'misbehaviour',
    proof: {
      format: MISBEHAVIOUR_FORMAT,
      portal: issuer,
      origin: latest.origin,
      kind,
      cosigned: state!.note,
      served: portalSigned,
      consistency_proof: consistency,
      witness: name,
      detected_at: options.now().toISOString(),
      reason,
    },
  });
  const proofBetween = async (first: number, second: number) => {
    const answer = await client.GET('/log/proofs/consistency', { params: { query: { first, second } } });
    return answer.data ? { first, second, proof: answer.data.proof } : null;
  };
  if (state) {
    if (state.origin !== latest.origin)
      throw new LogVerificationError(
        `the checkpoint's origin ${latest.origin} is not the one this witness follows (${state.origin})`,
      );
    const root = toBase64(latest.root);
    if (latest.size < state.size) {
      return misbehaviour(
        'shrank',
        `the portal served a checkpoint of ${latest.size} entries after this witness cosigned ${state.size}`,
        await proofBetween(latest.size, state.size).catch(() => null),
      );
    }
    if (latest.size === state.size && root !== state.root) {
      return misbehaviour(
        'fork',
        `the portal signed two checkpoints of ${latest.size} entries with different roots`,
        null,
      );
    }
    if (latest.size > state.size && state.size > 0) {
      const served = await proofBetween(state.size, latest.size);
      try {
        if (!served) throw new LogVerificationError('the portal served no consistency proof');
        await verifyConsistency(
          state.size,
          latest.size,
          served.proof.map(fromBase64),
          fromBase64(state.root),
          latest.root,
        );
      } catch (error) {
        return misbehaviour(
          'inconsistent',
          `the checkpoint of ${latest.size} entries does not extend the one of ${state.size} this witness ` +
            `cosigned: ${(error as Error).message}`,
          served,
        );
      }
    }
  }
  // Already cosigned and served with our line: nothing to do.
  const keyId = await cosignatureKeyId(name, ed25519Raw(options.privateJwk));
  const ours = signatures.some(
    (line) =>
      line.startsWith(`— ${name} `) &&
      fromBase64(line.slice(name.length + 3))
        .slice(0, 4)
        .every((byte, index) => byte === keyId[index]),
  );
  if (state && state.size === latest.size && ours) return { status: 'unchanged', size: latest.size };
  const timestamp = Math.floor(options.now().getTime() / 1000);
  // The state moves first, durably: a cosignature never leaves for a size not recorded.
  const next: WitnessState = {
    origin: latest.origin,
    size: latest.size,
    root: toBase64(latest.root),
    note: portalSigned,
    cosigned_at: timestamp,
  };
  await options.saveState(next);
  const line = await cosignCheckpoint(note, { name, privateJwk: options.privateJwk, timestamp });
  const submit = (oldSize: number) =>
    client.POST('/log/cosignatures', { body: { old_size: oldSize, checkpoint: portalSigned, cosignature: line } });
  let answer = await submit(state?.size ?? 0);
  // The portal's record of this key is another size (a lost submission, a state restored):
  // this witness's own state is what it checked consistency from, so it answers with the
  // portal's size, never cosigning anything it did not check.
  if (answer.response.status === 409) {
    const cosigned = (answer.error as { cosigned_size?: number } | undefined)?.cosigned_size;
    if (typeof cosigned === 'number' && cosigned <= latest.size) answer = await submit(cosigned);
  }
  await ok(answer);
  return { status: 'cosigned', size: latest.size, previous: state?.size ?? 0, line };
}

/**
 * The latest checkpoint at least `threshold` distinct states cosigned that covers leaf
 * `logIndex` (`GET /log/checkpoint?witnesses=K`), verified against the pinned portal keys.
 * Witnesses cosign on their own schedule: this waits up to `timeoutMs`, then throws.
 */
export async function witnessedCheckpointCovering(
  client: PortalClient,
  options: { issuer: string; portalJwks: JSONWebKeySet; threshold: number; logIndex: number; timeoutMs?: number },
): Promise<Checkpoint> {
  const deadline = Date.now() + (options.timeoutMs ?? 15_000);
  for (let wait = 200; ; wait = Math.min(wait * 2, 2000)) {
    const answer = await client.GET('/log/checkpoint', {
      params: { query: { witnesses: options.threshold } },
      parseAs: 'text',
      headers: { Accept: 'text/plain' },
    });
    if (answer.response.status !== 404) {
      const head = await verifyPortalCheckpoint(
        (await ok(answer)) as string,
        { keys: options.portalJwks.keys },
        options.issuer,
      );
      if (head.size > options.logIndex) return head;
    }
    if (Date.now() + wait > deadline) {
      throw new WitnessPolicyError(
        `no checkpoint cosigned by ${options.threshold} states covers log index ${options.logIndex} yet: ` +
          `witnesses cosign on their own schedule, try again later`,
        [],
      );
    }
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
}
