/**
 * Offline archives (issue 14 item 5): `exportArchive` writes every record the caller may
 * see (or a filtered part) with everything needed to verify it, under one witnessed
 * checkpoint; `verifyArchive` checks it with no portal at all, against pinned keys and a
 * witness policy, and any changed byte fails it, naming the line.
 */
import { describe, expect, it } from 'vitest';
import { createVerifier, ok, type PinnedJwks } from '../clients/typescript/src/index.ts';
import { exportArchive, verifyArchive } from '../clients/typescript/src/archive.ts';
import { witnessOnce, type WitnessState } from '../clients/typescript/src/witness.ts';
import { contactBody, createTestPortal, ORIGIN, type TestClient } from './support/portal.ts';
import { typedClient } from './support/typed.ts';

async function world() {
  const portal = await createTestPortal();
  const scopes = ['read', 'contacts:write', 'witness'];
  const at = await portal.registerState('AT', { scopes });
  const de = await portal.registerState('DE', { scopes });
  const fr = await portal.registerState('FR', { scopes });
  for (const [state, name] of [
    [at, 'Anna'],
    [de, 'Dieter'],
    [fr, 'Fleur'],
    [at, 'Anton'],
  ] as [TestClient, string][]) {
    expect((await state.post('/contacts', contactBody({ name }))).status).toBe(201);
  }
  const jwks = (await ok((await typedClient(portal)).GET('/.well-known/jwks.json'))) as PinnedJwks;
  for (const state of [at, de]) {
    let saved: WitnessState | undefined;
    await witnessOnce({
      client: await typedClient(portal, state),
      issuer: ORIGIN,
      portalJwks: jwks,
      principal: state.principal,
      privateJwk: state.privateJwk,
      state: saved,
      saveState: (next) => {
        saved = next;
      },
      now: () => portal.clock.now(),
    });
  }
  const witnessKeys = [at, de, fr].map((state) => ({ principal: state.principal, jwk: state.publicJwk }));
  return { portal, at, de, fr, jwks, witnessKeys };
}

async function exported(
  portal: Awaited<ReturnType<typeof world>>['portal'],
  who: TestClient,
  jwks: PinnedJwks,
  filter = {},
) {
  const client = await typedClient(portal, who);
  const verifier = createVerifier(client, { issuer: ORIGIN, jwks });
  const head = await verifier.checkpoint();
  const lines: string[] = [];
  for await (const line of exportArchive(client, verifier, head, filter, portal.clock.now())) lines.push(line);
  return lines;
}

const source = (lines: string[]) =>
  async function* () {
    yield* lines;
  };

describe('offline archive', () => {
  it('verifies offline with a 2-of-3 witness policy; a filter keeps only matching records', async () => {
    const { portal, at, jwks, witnessKeys } = await world();
    const lines = await exported(portal, at, jwks);
    const types = lines.map((line) => (JSON.parse(line) as { type: string }).type);
    expect(types[0]).toBe('header');
    expect(types.at(-1)).toBe('end');
    // 1 + 3 states, 3 key registrations, 4 contacts: every write of this log is public to AT.
    const result = await verifyArchive(source(lines), { jwks, witnessKeys, threshold: 2 });
    expect(result).toMatchObject({ records: 10, keys: 4 });
    expect(result.cosigners.map((cosigner) => cosigner.principal)).toEqual(['AT', 'DE']);
    await expect(verifyArchive(source(lines), { jwks, witnessKeys, threshold: 3 })).rejects.toThrow(
      'line 1: checkpoint of 10 entries: cosigned by 2 trusted witness state(s) (AT, DE), the policy needs 3',
    );

    const onlyAustria = await exported(portal, at, jwks, { state: 'AT', kind: 'contact' });
    expect(await verifyArchive(source(onlyAustria), { jwks })).toMatchObject({
      records: 2,
      filter: { state: 'AT', kind: 'contact' },
    });
  });

  it('fails on any changed byte, a removed or repeated line, or portal keys not pinned, and says which line', {
    timeout: 120_000,
  }, async () => {
    const { portal, at, jwks } = await world();
    const lines = await exported(portal, at, jwks, { kind: 'contact' });
    const text = lines.join('\n');
    // About 400 bytes spread over the whole file, changed one at a time (a letter or digit to another).
    let tried = 0;
    const step = Math.ceil(text.length / 400);
    for (let position = 0; position < text.length; position += step) {
      const char = text[position]!;
      const replacement = /[0-9]/.test(char)
        ? String((Number(char) + 1) % 10)
        : /[a-z]/i.test(char)
          ? char === 'A'
            ? 'B'
            : 'A'
          : char === ' '
            ? '_'
            : ' ';
      const changed = `${text.slice(0, position)}${replacement}${text.slice(position + 1)}`;
      const outcome = await verifyArchive(source(changed.split('\n')), { jwks }).then(
        () =>
          `position ${position} (${JSON.stringify(char)}) changed, yet the archive verified: ` +
          `${JSON.stringify(text.slice(position - 60, position + 20))}`,
        (error: Error) => (/^line \d+: /.test(error.message) ? 'refused' : error.message),
      );
      expect(outcome).toBe('refused');
      tried += 1;
    }
    expect(tried).toBeGreaterThan(350);
    await expect(verifyArchive(source([...lines.slice(0, 2), ...lines.slice(3)]), { jwks })).rejects.toThrow(
      /^line \d+: the end line counts 4 records/,
    );
    await expect(verifyArchive(source([lines[0]!, lines[1]!, lines[1]!, ...lines.slice(2)]), { jwks })).rejects.toThrow(
      /^line \d+: (the end line counts|record .* twice)/,
    );
    await expect(verifyArchive(source(lines.slice(0, -1)), { jwks })).rejects.toThrow(
      'no end line: the archive was cut short',
    );
    const stranger = await import('../src/crypto/portal-keys.ts').then(async ({ generatePrivateJwk }) => {
      const { d: _d, ...publicJwk } = await generatePrivateJwk();
      return publicJwk;
    });
    await expect(verifyArchive(source(lines), { jwks: { keys: [stranger] } })).rejects.toThrow(
      /^line 1: the archive's portal key \S+ is not one you pinned/,
    );
  });
});
