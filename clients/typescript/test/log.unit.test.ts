/**
 * Checkpoint parsing in the client (log.ts), each check alone: notes signed here with the
 * portal's own key, so a malformed body or signature line is refused for what it is and
 * not because the signature fails. And the byte comparisons behind proofs.
 */
import { base64url, type JWK } from 'jose';
import { describe, expect, it } from 'vitest';
import { hashLeaf, LogVerificationError, verifyCheckpoint, verifyConsistency, verifyInclusion } from '../src/log.ts';
import { consistencyProof, mintPortal, path, root } from './mint.ts';

const encoder = new TextEncoder();
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
const ORIGIN = 'forged.example/log';
const ROOT = b64(new Uint8Array(32).fill(7));

async function signer() {
  const portal = await mintPortal();
  const raw = base64url.decode(portal.portalJwk.x!);
  const keyId = async (name: string) =>
    new Uint8Array(
      await crypto.subtle.digest('SHA-256', new Uint8Array([...encoder.encode(name), 0x0a, 0x01, ...raw])),
    ).slice(0, 4);
  const signature = async (body: string) =>
    new Uint8Array(await crypto.subtle.sign('Ed25519', portal.privateKey, encoder.encode(body)));
  /** `body` signed by the portal key, with the signature line as given (default: the C2SP one). */
  async function note(body: string, line?: (blob: string) => string) {
    const blob = b64(new Uint8Array([...(await keyId(ORIGIN)), ...(await signature(body))]));
    return `${body}\n${line ? line(blob) : `— ${ORIGIN} ${blob}`}\n`;
  }
  return { portal, key: portal.portalJwk, note, keyId, signature };
}

async function refusal(promise: Promise<unknown>): Promise<{ name: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    return { name: (error as Error).name, message: (error as Error).message };
  }
  throw new Error('expected a refusal, but it verified');
}
const refused = (message: string) => ({ name: 'LogVerificationError', message });

describe('verifyCheckpoint: the body', () => {
  it('verifies an honest note and reads it', async () => {
    const { key, note } = await signer();
    const text = await note(`${ORIGIN}\n12\n${ROOT}\n`);
    await expect(verifyCheckpoint(text, key, ORIGIN)).resolves.toEqual({
      origin: ORIGIN,
      size: 12,
      root: new Uint8Array(32).fill(7),
      note: text,
    });
    await expect(verifyCheckpoint(text, key)).resolves.toMatchObject({ size: 12 });
  });

  it.each([
    ['no origin', `\n12\n${ROOT}\n`],
    ['no root', `${ORIGIN}\n12\n`],
    ['a size with a prefix', `${ORIGIN}\nx12\n${ROOT}\n`],
    ['a size with a suffix', `${ORIGIN}\n12x\n${ROOT}\n`],
    ['a negative size', `${ORIGIN}\n-1\n${ROOT}\n`],
  ])('refuses a signed body with %s', async (_name, body) => {
    const { key, note } = await signer();
    expect(await refusal(verifyCheckpoint(await note(body), key))).toEqual(refused('checkpoint: malformed body'));
  });

  it('refuses a note that starts with its blank line, or has none', async () => {
    const { key, note } = await signer();
    const honest = await note(`${ORIGIN}\n12\n${ROOT}\n`);
    expect(await refusal(verifyCheckpoint(`\n${honest}`, key))).toEqual(refused('checkpoint: malformed body'));
    expect(await refusal(verifyCheckpoint(`\n\n${honest}`, key))).toEqual(refused('checkpoint: malformed body'));
    expect(await refusal(verifyCheckpoint(`${ORIGIN}\n12\n${ROOT}\n— ${ORIGIN} AAAA\n`, key))).toEqual(
      refused('checkpoint: no signature block'),
    );
  });

  it('refuses a signed root that is not a 32-byte hash', async () => {
    const { key, note } = await signer();
    expect(await refusal(verifyCheckpoint(await note(`${ORIGIN}\n12\n${b64(new Uint8Array(31))}\n`), key))).toEqual(
      refused('checkpoint: a hash is not 32 bytes'),
    );
  });
});

describe('verifyCheckpoint: the key', () => {
  it.each([
    ['a P-256 key', (key: JWK) => ({ kty: 'EC', crv: 'P-256', x: key.x, y: key.x })],
    ['an X25519 key', (key: JWK) => ({ kty: 'OKP', crv: 'X25519', x: key.x })],
    ['an EC key that says Ed25519', (key: JWK) => ({ kty: 'EC', crv: 'Ed25519', x: key.x })],
    ['an Ed25519 key without x', () => ({ kty: 'OKP', crv: 'Ed25519' })],
  ])('refuses %s as the portal key', async (_name, make) => {
    const { key, note } = await signer();
    expect(await refusal(verifyCheckpoint(await note(`${ORIGIN}\n12\n${ROOT}\n`), make(key) as JWK))).toEqual(
      refused('checkpoint: the portal key must be an Ed25519 JWK'),
    );
  });

  it('refuses an unsafe portal key before verifying anything', async () => {
    const { note } = await signer();
    // The identity point: a small-order key under which R = identity, S = 0 verifies anything.
    const identity = { kty: 'OKP', crv: 'Ed25519', x: base64url.encode(new Uint8Array([1, ...new Uint8Array(31)])) };
    expect(await refusal(verifyCheckpoint(await note(`${ORIGIN}\n12\n${ROOT}\n`), identity))).toEqual(
      refused('checkpoint: unsafe public key: small-order Ed25519 point'),
    );
  });
});

describe('verifyCheckpoint: the signature lines', () => {
  it.each([
    ['another name (same key id and signature)', (blob: string) => `— other.example/log ${blob}`],
    ['text before the dash', (blob: string) => `x— ${ORIGIN} ${blob}`],
    ['text after the signature', (blob: string) => `— ${ORIGIN} ${blob} trailing`],
    ['no dash', (blob: string) => `${ORIGIN} ${blob}`],
  ])('skips a signature line with %s', async (_name, line) => {
    const { key, note } = await signer();
    expect(await refusal(verifyCheckpoint(await note(`${ORIGIN}\n12\n${ROOT}\n`, line), key))).toEqual(
      refused('checkpoint: no signature by the portal key'),
    );
  });

  it('skips a signature of another length under the right key id', async () => {
    const { key, note, keyId, signature } = await signer();
    const body = `${ORIGIN}\n12\n${ROOT}\n`;
    const long = b64(new Uint8Array([...(await keyId(ORIGIN)), ...(await signature(body)), 0]));
    expect(await refusal(verifyCheckpoint(await note(body, () => `— ${ORIGIN} ${long}`), key))).toEqual(
      refused('checkpoint: no signature by the portal key'),
    );
    const short = b64(new Uint8Array([...(await keyId(ORIGIN)), ...(await signature(body)).slice(1)]));
    expect(await refusal(verifyCheckpoint(await note(body, () => `— ${ORIGIN} ${short}`), key))).toEqual(
      refused('checkpoint: no signature by the portal key'),
    );
  });

  it('takes the portal signature among others, and refuses a bad one under its key id', async () => {
    const { key, note, keyId } = await signer();
    const body = `${ORIGIN}\n12\n${ROOT}\n`;
    const witness = `— witness.example ${b64(new Uint8Array(68))}`;
    await expect(
      verifyCheckpoint(await note(body, (blob) => `${witness}\n\n— ${ORIGIN} ${blob}`), key),
    ).resolves.toMatchObject({ size: 12 });
    const forged = b64(new Uint8Array([...(await keyId(ORIGIN)), ...new Uint8Array(64)]));
    expect(await refusal(verifyCheckpoint(await note(body, () => `— ${ORIGIN} ${forged}`), key))).toEqual(
      refused('checkpoint: the signature does not verify'),
    );
  });
});

describe('proofs at every size, made by the RFC 6962 definition (mint.ts)', () => {
  async function tree(n: number) {
    const leaves = await Promise.all(Array.from({ length: n }, (_, i) => hashLeaf(new Uint8Array([i]))));
    const roots = await Promise.all(
      Array.from({ length: n + 1 }, (_, size) => (size ? root(leaves.slice(0, size)) : new Uint8Array(32))),
    );
    return { leaves, roots };
  }

  it('verifies every inclusion proof up to 17 leaves, and refuses it for a neighbour', async () => {
    const { leaves, roots } = await tree(17);
    for (let size = 1; size <= 17; size += 1) {
      for (let index = 0; index < size; index += 1) {
        const proof = await path(index, leaves.slice(0, size));
        await verifyInclusion(leaves[index]!, index, size, proof, roots[size]!);
        if (size > 1) {
          const other = (index + 1) % size;
          await expect(
            verifyInclusion(leaves[index]!, other, size, proof, roots[size]!),
            `${index} as ${other} in ${size}`,
          ).rejects.toThrow(LogVerificationError);
        }
      }
    }
  });

  it('verifies every consistency proof up to 17 leaves, and refuses a changed hash or a swapped root', async () => {
    const { leaves, roots } = await tree(17);
    for (let second = 2; second <= 17; second += 1) {
      for (let first = 1; first < second; first += 1) {
        const proof = await consistencyProof(first, leaves.slice(0, second));
        await verifyConsistency(first, second, proof, roots[first]!, roots[second]!);
        for (let i = 0; i < proof.length; i += 1) {
          const changed = proof.map((hash, j) => (j === i ? new Uint8Array(32).fill(9) : hash));
          await expect(
            verifyConsistency(first, second, changed, roots[first]!, roots[second]!),
            `${first} to ${second}, hash ${i}`,
          ).rejects.toThrow(LogVerificationError);
        }
        await expect(
          verifyConsistency(first, second, proof, roots[second]!, roots[first]!),
          `${first} to ${second}, roots swapped`,
        ).rejects.toThrow(LogVerificationError);
      }
    }
  });
});

describe('proof hashes compared byte for byte', () => {
  it('refuses equal sizes whose roots differ only in length', async () => {
    const root = new Uint8Array(32).fill(5);
    expect(await refusal(verifyConsistency(4, 4, [], root, new Uint8Array([...root, 0])))).toEqual(
      refused('consistency proof: equal sizes with different roots'),
    );
    expect(await refusal(verifyConsistency(4, 4, [], new Uint8Array([...root, 0]), root))).toEqual(
      refused('consistency proof: equal sizes with different roots'),
    );
  });

  it('is a LogVerificationError', async () => {
    const error = new LogVerificationError('x');
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('LogVerificationError');
  });
});
