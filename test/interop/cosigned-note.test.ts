/**
 * Interop (issue 14 item 6): the cosigned checkpoint the portal serves verifies with Go's
 * C2SP signed-note implementation (golang.org/x/mod/sumdb/note) and a cosignature/v1
 * verifier written from the spec in cosigned_note.go, not with our own code. Runs when
 * `go` and Debian's golang-golang-x-mod-dev are installed (.ci/run installs them).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { base64url } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ok, type PinnedJwks } from '../../clients/typescript/src/index.ts';
import { witnessName, witnessOnce, type WitnessState } from '../../clients/typescript/src/witness.ts';
import { contactBody, createTestPortal, ORIGIN, type TestClient } from '../support/portal.ts';
import { typedClient } from '../support/typed.ts';

const GOPATH = '/usr/share/gocode';
const hasGo =
  spawnSync('go', ['version']).status === 0 && existsSync(join(GOPATH, 'src/golang.org/x/mod/sumdb/note/note.go'));
const source = fileURLToPath(new URL('./cosigned_note.go', import.meta.url));
const raw = (jwk: { x?: string }) => btoa(String.fromCharCode(...base64url.decode(jwk.x!)));

describe.skipIf(!hasGo)('a cosigned checkpoint read by Go sumdb/note', () => {
  let work: string;
  let binary: string;
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'cbm-interop-'));
    binary = join(work, 'cosigned_note');
    // GOPATH mode: Debian's packaged module, no network, no module cache.
    execFileSync('go', ['build', '-o', binary, source], {
      env: { ...process.env, GO111MODULE: 'off', GOPATH, GOCACHE: join(work, 'cache'), GOFLAGS: '' },
      stdio: 'pipe',
    });
  }, 120_000);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  const verify = (input: unknown) => {
    const result = spawnSync(binary, [], { input: JSON.stringify(input), encoding: 'utf8' });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr.trim() };
  };

  it('verifies the portal signature and three witness cosignatures; refuses a changed byte and a policy of 4', async () => {
    const portal = await createTestPortal();
    const states: TestClient[] = [];
    for (const id of ['AT', 'DE', 'FR'])
      states.push(await portal.registerState(id, { scopes: ['read', 'contacts:write', 'witness'] }));
    expect((await states[0]!.post('/contacts', contactBody())).status).toBe(201);
    const jwks = (await ok((await typedClient(portal)).GET('/.well-known/jwks.json'))) as PinnedJwks;
    for (const state of states) {
      let saved: WitnessState | undefined;
      const outcome = await witnessOnce({
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
      expect(outcome.status).toBe('cosigned');
    }
    const note = await (await portal.fetch(new Request(`${ORIGIN}/log/checkpoint`))).text();
    const seconds = Math.floor(portal.clock.now().getTime() / 1000);
    const input = {
      note,
      portal: { name: 'portal.test/log', key: raw(jwks.keys[0]!) },
      witnesses: states.map((state) => ({ name: witnessName(state.principal), key: raw(state.publicJwk) })),
      threshold: 3,
    };
    const verified = verify(input);
    expect(verified).toEqual({
      status: 0,
      stdout: `portal.test/log portal\ncbm-witness/AT ${seconds}\ncbm-witness/DE ${seconds}\ncbm-witness/FR ${seconds}\n`,
      stderr: '',
    });

    expect(verify({ ...input, threshold: 4 })).toMatchObject({
      status: 1,
      stderr: 'policy: 3 witnesses cosigned, 4 needed',
    });
    // One witness key unknown to the verifier: its line is ignored, as a note verifier must.
    expect(verify({ ...input, witnesses: input.witnesses.slice(1), threshold: 2 })).toMatchObject({ status: 0 });
    // A changed byte in a cosignature of a known witness: Go refuses the whole note.
    const lines = note.split('\n');
    const at = lines.findIndex((line) => line.startsWith('— cbm-witness/AT '));
    const blob = Uint8Array.from(atob(lines[at]!.split(' ')[2]!), (char) => char.charCodeAt(0));
    blob[40]! ^= 1;
    lines[at] = `— cbm-witness/AT ${btoa(String.fromCharCode(...blob))}`;
    const tampered = verify({ ...input, note: lines.join('\n') });
    expect(tampered.status).toBe(1);
    expect(tampered.stderr).toMatch(/^note: invalid signature for key cbm-witness\/AT/);
  });
});
