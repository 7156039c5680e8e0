/**
 * A self-made "portal" for tests of the verifiers: its own Ed25519 key, attestations,
 * evidence, a Merkle log (RFC 6962 hashing, written here from the RFC, apart from both the
 * server's and the client's code) and C2SP checkpoints. Honest by default, so each test
 * changes exactly one thing and expects exactly one refusal; or an attacker's portal, whose
 * bundles must never verify against the keys you pinned from the real one.
 */
import { base64url, exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';
import type { AttestedWrite, KeyProof, PinnedJwks, RecordBundle } from '../src/audit.ts';
import { BUNDLE_FORMAT } from '../src/audit.ts';
import { sha256b64u } from '../src/digest.ts';
import { generateSigningKey, thumbprint, type KeyPair } from '../src/keys.ts';
import { createRequestSigner } from '../src/sign.ts';

const encoder = new TextEncoder();

async function sha256(...parts: Uint8Array[]): Promise<Uint8Array> {
  const all = new Uint8Array(parts.reduce((n, part) => n + part.byteLength, 0));
  let offset = 0;
  for (const part of parts) {
    all.set(part, offset);
    offset += part.byteLength;
  }
  return new Uint8Array(await crypto.subtle.digest('SHA-256', all));
}

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
const bare = (jwk: JWK): JWK => ({ kty: jwk.kty, crv: jwk.crv, x: jwk.x });

/** RFC 6962 section 2.1: MTH over leaf hashes. */
export async function root(leaves: Uint8Array[]): Promise<Uint8Array> {
  if (leaves.length === 1) return leaves[0]!;
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return sha256(new Uint8Array([1]), await root(leaves.slice(0, k)), await root(leaves.slice(k)));
}

/** RFC 6962 section 2.1.1: PATH(m, D[n]). */
export async function path(m: number, leaves: Uint8Array[]): Promise<Uint8Array[]> {
  if (leaves.length <= 1) return [];
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return m < k
    ? [...(await path(m, leaves.slice(0, k))), await root(leaves.slice(k))]
    : [...(await path(m - k, leaves.slice(k))), await root(leaves.slice(0, k))];
}

export interface MintedWrite extends AttestedWrite {
  /** The decoded claims the portal signed. */
  claims: Record<string, unknown>;
  /** The exact body bytes (served apart when recorded by reference). */
  bytes: Uint8Array;
}

export interface WriteSpec {
  by: { principal: string; key: KeyPair };
  subject: string;
  operation: string;
  method?: string;
  path: string;
  body: unknown;
  /** Seconds after the start: the request's and the attestation's iat. */
  at?: number;
  /** Claims to change in the portal's attestation (a lying portal). */
  attestation?: Record<string, unknown>;
  /** Claims to change in the principal's request token. */
  request?: Record<string, unknown>;
  /** Record the body by reference (an uploaded file): the evidence carries its digest, not its bytes. */
  byReference?: boolean;
}

export const START = Date.parse('2026-11-27T09:00:00Z');

/**
 * A portal of our own: every attestation, leaf and checkpoint made and signed here, with a
 * key made here or, to play a stolen portal key, `portalKey` (a private JWK).
 */
export async function mintPortal(origin = 'https://forged.example', options: { portalKey?: JWK } = {}) {
  const { privateKey, publicKey } = options.portalKey
    ? {
        privateKey: (await importJWK({ ...options.portalKey, alg: 'EdDSA' }, 'EdDSA')) as CryptoKey,
        publicKey: (await importJWK({ ...bare(options.portalKey), alg: 'EdDSA' }, 'EdDSA')) as CryptoKey,
      }
    : await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const portalJwk: JWK = options.portalKey
    ? { ...bare(options.portalKey), use: 'sig', alg: 'EdDSA' }
    : { ...(await exportJWK(publicKey)), use: 'sig', alg: 'EdDSA' };
  portalJwk.kid = await thumbprint(portalJwk);
  const secretariat = await generateSigningKey();
  const writes: MintedWrite[] = [];
  let counter = 0;

  /** Appends one attested write (a leaf); proofs are made later, by `bundle`. */
  async function write(spec: WriteSpec): Promise<MintedWrite> {
    const at = START + (spec.at ?? writes.length) * 1000;
    const method = spec.method ?? 'POST';
    const bytes = encoder.encode(typeof spec.body === 'string' ? spec.body : JSON.stringify(spec.body));
    const signer = await createRequestSigner({
      principal: spec.by.principal,
      privateJwk: spec.by.key.privateJwk,
      audience: origin,
      now: () => new Date(at),
    });
    const requestToken = await signer.signWith(
      { method, pathAndQuery: spec.path, body: bytes },
      { claims: spec.request ?? {} },
    );
    counter += 1;
    const id = `01a21c3b-0000-7000-8000-${String(counter).padStart(12, '0')}`;
    const claims = {
      iss: origin,
      sub: spec.subject,
      iat: Math.floor(at / 1000),
      jti: id,
      principal: spec.by.principal,
      principal_kid: spec.by.key.kid,
      operation: spec.operation,
      body_sha256: await sha256b64u(bytes),
      request_sha256: await sha256b64u(requestToken),
      ...spec.attestation,
    };
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'EdDSA', typ: 'cbm-attestation+jwt', kid: portalJwk.kid })
      .sign(privateKey);
    const minted: MintedWrite = {
      claims,
      bytes,
      attestation: { id, token, log_index: writes.length },
      evidence: {
        attestation_id: id,
        principal: spec.by.principal,
        kid: spec.by.key.kid,
        method,
        path: spec.path,
        request_token: requestToken,
        body: spec.byReference ? '' : base64url.encode(bytes),
        body_sha256: await sha256b64u(bytes),
        ...(spec.byReference
          ? { body_blob_sha256: await sha256b64u(bytes), body_href: `/attestations/${id}/evidence/body` }
          : {}),
      },
      inclusion: { leaf_index: writes.length, tree_size: 0, proof: [] },
    };
    writes.push(minted);
    return minted;
  }

  /** The signed checkpoint of the first `size` leaves (default all). */
  async function checkpoint(size = writes.length): Promise<{ note: string; leaves: Uint8Array[] }> {
    const leaves = await Promise.all(
      writes.slice(0, size).map((w) => sha256(new Uint8Array([0]), encoder.encode(w.attestation.token))),
    );
    const logOrigin = `${new URL(origin).host}/log`;
    const body = `${logOrigin}\n${size}\n${b64(await root(leaves))}\n`;
    const raw = base64url.decode(portalJwk.x!);
    const keyId = (await sha256(encoder.encode(logOrigin), new Uint8Array([0x0a, 0x01]), raw)).slice(0, 4);
    const signature = new Uint8Array(await crypto.subtle.sign('Ed25519', privateKey, encoder.encode(body)));
    return { note: `${body}\n— ${logOrigin} ${b64(new Uint8Array([...keyId, ...signature]))}\n`, leaves };
  }

  /** A write with its inclusion proof under the checkpoint of `size` leaves. */
  async function proven(write: MintedWrite, leaves: Uint8Array[]): Promise<AttestedWrite> {
    const index = write.attestation.log_index;
    return {
      attestation: { ...write.attestation },
      evidence: { ...write.evidence },
      ...(write.evidence.body_blob_sha256 ? { body: base64url.encode(write.bytes) } : {}),
      inclusion: { leaf_index: index, tree_size: leaves.length, proof: (await path(index, leaves)).map(b64) },
    };
  }

  /** A bundle for `record`, proving the given keys, under the checkpoint of every leaf so far. */
  async function bundle(
    record: MintedWrite,
    keys: { principal: string; kid: string; registration?: MintedWrite; revocation?: MintedWrite }[],
  ): Promise<RecordBundle> {
    const head = await checkpoint();
    const proofs: KeyProof[] = [];
    for (const key of keys) {
      proofs.push({
        principal: key.principal,
        kid: key.kid,
        ...(key.registration ? { registration: await proven(key.registration, head.leaves) } : {}),
        ...(key.revocation ? { revocation: await proven(key.revocation, head.leaves) } : {}),
      });
    }
    return {
      format: BUNDLE_FORMAT,
      portal: origin,
      jwks: jwks(),
      checkpoint: head.note,
      ...(await proven(record, head.leaves)),
      keys: proofs,
    };
  }

  /** What a verifier would pin from this portal. */
  const jwks = (): PinnedJwks => ({ keys: [portalJwk], secretariat_keys: [secretariat.publicJwk] });

  /** The Secretariat registers `key` for `principal` (a leaf). */
  const register = (principal: string, key: KeyPair, spec: Partial<WriteSpec> = {}) =>
    write({
      by: { principal: 'secretariat', key: secretariat },
      subject: `urn:cbm:key:${key.kid}`,
      operation: 'registerPrincipalKey',
      path: `/principals/${principal}/keys`,
      body: { jwk: key.publicJwk, scopes: ['read', 'contacts:write'] },
      ...spec,
    });

  /** The Secretariat revokes `key` of `principal` (a leaf). */
  const revoke = (principal: string, key: KeyPair, spec: Partial<WriteSpec> = {}) =>
    write({
      by: { principal: 'secretariat', key: secretariat },
      subject: `urn:cbm:key:${key.kid}:revocation`,
      operation: 'revokePrincipalKey',
      path: `/principals/${principal}/keys/${key.kid}/revoke`,
      body: { reason: 'compromised' },
      ...spec,
    });

  return { origin, portalJwk, privateKey, secretariat, writes, write, checkpoint, bundle, jwks, register, revoke };
}

/** RFC 6962 section 2.1.2: PROOF(m, D[n]), for 0 < m < n. */
export async function consistencyProof(m: number, leaves: Uint8Array[]): Promise<Uint8Array[]> {
  const subproof = async (m: number, leaves: Uint8Array[], complete: boolean): Promise<Uint8Array[]> => {
    if (m === leaves.length) return complete ? [] : [await root(leaves)];
    let k = 1;
    while (k * 2 < leaves.length) k *= 2;
    return m <= k
      ? [...(await subproof(m, leaves.slice(0, k), complete)), await root(leaves.slice(k))]
      : [...(await subproof(m - k, leaves.slice(k), false)), await root(leaves.slice(0, k))];
  };
  return subproof(m, leaves, true);
}

/** A valid contact body. */
export const contact = (overrides: Record<string, unknown> = {}) => ({
  role: 'technical',
  name: 'Anna Berger',
  organisation: 'CERT.at',
  email: 'duty@cert.example.at',
  phone_24x7: '+4315056416',
  languages: ['de-AT', 'en'],
  time_zone: 'Europe/Vienna',
  ...overrides,
});
