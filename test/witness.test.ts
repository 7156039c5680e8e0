/**
 * Witnessed log (issue 14): states cosign the portal's checkpoints (C2SP tlog-cosignature)
 * with `witnessOnce`, the portal stores and serves their lines, a verifier holds a K-of-N
 * witness policy, and a portal that forks its log (a restored backup serving a second
 * history, same key, same origin) is caught by the witnesses, with a proof anyone can
 * check, and by the verifier's policy.
 */
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { createApp } from '../src/app.ts';
import { sqlitePortalDb } from '../src/db/sqlite.ts';
import { createLogClock } from '../src/log/clock.ts';
import {
  createPortalClient,
  createVerifier,
  ok,
  type PinnedJwks,
  type PortalClient,
} from '../clients/typescript/src/index.ts';
import {
  cosignCheckpoint,
  provenWitnessKeys,
  verifyCosignedCheckpoint,
  verifyMisbehaviour,
  witnessName,
  witnessOnce,
  WitnessPolicyError,
  type WitnessKey,
  type WitnessState,
} from '../clients/typescript/src/witness.ts';
import { contactBody, createTestPortal, ORIGIN, type TestClient, type TestPortal } from './support/portal.ts';
import { typedClient } from './support/typed.ts';

const WITNESS_SCOPES = ['read', 'contacts:write', 'witness'];

/** A state's witness as `cbm witness` runs it: its key, its durable state (in memory here). */
function stateWitness(
  state: TestClient,
  fetchApp: (request: Request) => Promise<Response>,
  jwks: PinnedJwks,
  now: () => Date,
) {
  let saved: WitnessState | undefined;
  const run = async (fetchFrom = fetchApp) =>
    witnessOnce({
      client: await createPortalClient({ baseUrl: ORIGIN, signer: state.signer, fetch: fetchFrom }),
      issuer: ORIGIN,
      portalJwks: jwks,
      principal: state.principal,
      privateJwk: state.privateJwk,
      state: saved,
      saveState: (next) => {
        saved = next;
      },
      now,
    });
  return { run, state: () => saved, key: { principal: state.principal, jwk: state.publicJwk } satisfies WitnessKey };
}

async function threeWitnesses(portal: TestPortal) {
  const [at, de, fr] = [
    await portal.registerState('AT', { scopes: WITNESS_SCOPES }),
    await portal.registerState('DE', { scopes: WITNESS_SCOPES }),
    await portal.registerState('FR', { scopes: WITNESS_SCOPES }),
  ];
  const anonymous = await typedClient(portal);
  const jwks = (await ok(anonymous.GET('/.well-known/jwks.json'))) as PinnedJwks;
  const now = () => portal.clock.now();
  return { at, de, fr, jwks, witnesses: [at, de, fr].map((state) => stateWitness(state, portal.fetch, jwks, now)) };
}

const checkpointNote = async (fetchApp: (request: Request) => Promise<Response>) =>
  (await fetchApp(new Request(`${ORIGIN}/log/checkpoint`))).text();

describe('witness cosignatures', () => {
  it('three states cosign; the checkpoint carries their lines; a 2-of-3 policy over proven keys passes, 4 does not', async () => {
    const portal = await createTestPortal();
    const { at, jwks, witnesses } = await threeWitnesses(portal);
    expect((await at.post('/contacts', contactBody())).status).toBe(201);
    const cosignedSizes = async () =>
      (await ok((await typedClient(portal, at)).GET('/log/witnesses'))).witnesses.map((one) => [
        one.principal,
        one.cosigned_size,
      ]);
    // Nothing cosigned yet: every key says 0, so a verifier knows not to ask for a witnessed checkpoint.
    expect(await cosignedSizes()).toEqual([
      ['AT', 0],
      ['DE', 0],
      ['FR', 0],
    ]);
    for (const witness of witnesses) expect(await witness.run()).toMatchObject({ status: 'cosigned', previous: 0 });
    const note = await checkpointNote(portal.fetch);
    const lines = note.split('\n').filter((line) => line.startsWith('— '));
    expect(lines.map((line) => line.split(' ')[1])).toEqual([
      'portal.test/log',
      'cbm-witness/AT',
      'cbm-witness/DE',
      'cbm-witness/FR',
    ]);
    const size = Number(note.split('\n')[1]);
    expect(
      portal.sqlite.prepare('SELECT principal_id, size FROM log_cosignatures ORDER BY principal_id').all(),
    ).toEqual(['AT', 'DE', 'FR'].map((principal_id) => ({ principal_id, size })));
    expect(await cosignedSizes()).toEqual([
      ['AT', size],
      ['DE', size],
      ['FR', size],
    ]);

    // The verifier proves each witness key through its attested registration (pinned Secretariat key).
    const client = await typedClient(portal, at);
    const verifier = createVerifier(client, { issuer: ORIGIN, jwks });
    const head = await verifier.checkpoint();
    const { keys, refused } = await provenWitnessKeys(client, verifier, head, jwks);
    expect(keys.map((key) => key.principal)).toEqual(['AT', 'DE', 'FR']);
    expect(refused).toEqual([]);
    const { cosigners } = await verifyCosignedCheckpoint(note, {
      portalJwks: jwks,
      issuer: ORIGIN,
      witnessKeys: keys,
      threshold: 2,
    });
    expect(cosigners.map((cosigner) => cosigner.principal)).toEqual(['AT', 'DE', 'FR']);
    await expect(
      verifyCosignedCheckpoint(note, { portalJwks: jwks, issuer: ORIGIN, witnessKeys: keys, threshold: 4 }),
    ).rejects.toThrow(
      `checkpoint of ${size} entries: cosigned by 3 trusted witness state(s) (AT, DE, FR), the policy needs 4`,
    );
    // A second run on the same checkpoint cosigns nothing new.
    expect(await witnesses[0]!.run()).toEqual({ status: 'unchanged', size });

    // A later write: the latest checkpoint is not witnessed yet; ?witnesses=K serves the latest one that is.
    expect((await at.post('/contacts', contactBody({ name: 'Later' }))).status).toBe(201);
    expect((await checkpointNote(portal.fetch)).split('\n')[1]).toBe(String(size + 1));
    const witnessed = await portal.fetch(new Request(`${ORIGIN}/log/checkpoint?witnesses=3`));
    expect(witnessed.status).toBe(200);
    expect(await witnessed.text()).toBe(note);
    expect((await portal.fetch(new Request(`${ORIGIN}/log/checkpoint?witnesses=4`))).status).toBe(404);
    const zero = await portal.fetch(new Request(`${ORIGIN}/log/checkpoint?witnesses=0`));
    expect(zero.status).toBe(422);
    expect(((await zero.json()) as { code: string }).code).toBe('validation-failed');
  });

  it('a key without scope witness is refused (403), and so is a key the state uses for contacts', async () => {
    const portal = await createTestPortal();
    const at = await portal.registerState('AT');
    const note = await checkpointNote(portal.fetch);
    const line = await cosignCheckpoint(note, {
      name: witnessName('AT'),
      privateJwk: at.privateJwk,
      timestamp: portal.clock.now().getTime() / 1000,
    });
    const res = await at.post('/log/cosignatures', { old_size: 0, checkpoint: note, cosignature: line });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { code: string }).code).toBe('insufficient-scope');
  });

  it(
    'refuses a wrong old size (409 with cosigned_size), a checkpoint it never signed, a bad signature, ' +
      'another name, a stale timestamp',
    async () => {
      const portal = await createTestPortal();
      const { at, witnesses } = await threeWitnesses(portal);
      await witnesses[0]!.run();
      const cosignedSize = witnesses[0]!.state()!.size;
      expect((await at.post('/contacts', contactBody())).status).toBe(201);
      const note = await checkpointNote(portal.fetch);
      const seconds = Math.floor(portal.clock.now().getTime() / 1000);
      const line = await cosignCheckpoint(note, {
        name: witnessName('AT'),
        privateJwk: at.privateJwk,
        timestamp: seconds,
      });
      const submit = async (body: unknown) => {
        const res = await at.post('/log/cosignatures', body);
        return {
          status: res.status,
          body: (await res.json()) as {
            code: string;
            detail?: string;
            cosigned_size?: number;
            errors?: { pointer: string }[];
          },
        };
      };
      expect(await submit({ old_size: 0, checkpoint: note, cosignature: line })).toMatchObject({
        status: 409,
        body: { code: 'witness-size-mismatch', cosigned_size: cosignedSize },
      });
      const forged = note
        .replace(/\n(\d+)\n/, (_, n: string) => `\n${Number(n)}\n`)
        .replace(/^(.*\n.*\n)(.)/, (_, head: string, first: string) => `${head}${first === 'A' ? 'B' : 'A'}`);
      expect(await submit({ old_size: cosignedSize, checkpoint: forged, cosignature: line })).toMatchObject({
        status: 422,
        body: { code: 'checkpoint-unknown' },
      });
      const other = await cosignCheckpoint(note, {
        name: witnessName('AT'),
        privateJwk: (await portal.registerState('DE', { scopes: WITNESS_SCOPES })).privateJwk,
        timestamp: seconds,
      });
      expect(await submit({ old_size: cosignedSize, checkpoint: note, cosignature: other })).toMatchObject({
        status: 422,
        body: { code: 'cosignature-invalid' },
      });
      // The right key and name, but signed over another checkpoint: the signature itself fails.
      const elsewhere = await cosignCheckpoint(witnesses[0]!.state()!.note, {
        name: witnessName('AT'),
        privateJwk: at.privateJwk,
        timestamp: seconds,
      });
      const wrongMessage = await submit({ old_size: cosignedSize, checkpoint: note, cosignature: elsewhere });
      expect(wrongMessage).toMatchObject({
        status: 422,
        body: {
          code: 'cosignature-invalid',
          detail: expect.stringContaining('is not a valid cosignature/v1 signature'),
        },
      });
      const renamed = await cosignCheckpoint(note, {
        name: witnessName('DE'),
        privateJwk: at.privateJwk,
        timestamp: seconds,
      });
      expect(await submit({ old_size: cosignedSize, checkpoint: note, cosignature: renamed })).toMatchObject({
        status: 422,
        body: { code: 'cosignature-invalid' },
      });
      const stale = await cosignCheckpoint(note, {
        name: witnessName('AT'),
        privateJwk: at.privateJwk,
        timestamp: seconds - 3600,
      });
      expect(await submit({ old_size: cosignedSize, checkpoint: note, cosignature: stale })).toMatchObject({
        status: 422,
        body: { code: 'cosignature-invalid' },
      });
      expect(portal.sqlite.prepare('SELECT size FROM log_cosignatures').all()).toEqual([{ size: cosignedSize }]);
      // The right old size: stored. Then no going back to the smaller checkpoint.
      expect(await submit({ old_size: cosignedSize, checkpoint: note, cosignature: line })).toMatchObject({
        status: 200,
      });
      const older = (await portal.sqlite
        .prepare('SELECT note FROM log_checkpoints WHERE size = ?')
        .get(cosignedSize)) as { note: string };
      const back = await cosignCheckpoint(older.note, {
        name: witnessName('AT'),
        privateJwk: at.privateJwk,
        timestamp: seconds,
      });
      expect(await submit({ old_size: cosignedSize, checkpoint: older.note, cosignature: back })).toMatchObject({
        status: 409,
        body: { cosigned_size: Number(note.split('\n')[1]) },
      });
    },
  );
});

describe('split view: a portal that shows two histories is caught', () => {
  /** A second portal from a copy of the first one's database: same key, same origin, same history so far. */
  function fork(portal: TestPortal) {
    const sqlite = new BetterSqlite3(portal.sqlite.serialize());
    sqlite.pragma('foreign_keys = ON');
    const deps = { ...portal.deps, db: sqlitePortalDb(sqlite) };
    const app = createApp(deps);
    const clock = createLogClock(deps);
    return async (request: Request) => {
      const response = await app.fetch(request);
      if (request.method !== 'GET') await clock.tick();
      return response;
    };
  }

  it('each witness refuses the other view with a proof anyone can check; a 2-of-3 policy refuses the minority view', async () => {
    const portal = await createTestPortal();
    const { at, de, jwks, witnesses } = await threeWitnesses(portal);
    const [atWitness, deWitness, frWitness] = witnesses as [
      ReturnType<typeof stateWitness>,
      ReturnType<typeof stateWitness>,
      ReturnType<typeof stateWitness>,
    ];
    for (const witness of witnesses) expect((await witness.run()).status).toBe('cosigned');

    const forked = fork(portal);
    // One more write in each history: two checkpoints of the same size, two roots.
    expect((await at.post('/contacts', contactBody({ name: 'In view A' }))).status).toBe(201);
    const deOnFork: PortalClient = await createPortalClient({ baseUrl: ORIGIN, signer: de.signer, fetch: forked });
    await ok(deOnFork.POST('/contacts', { body: contactBody({ name: 'In view B' }) as never }));
    const [viewA, viewB] = [await checkpointNote(portal.fetch), await checkpointNote(forked)];
    expect(viewA.split('\n')[1]).toBe(viewB.split('\n')[1]);
    expect(viewA.split('\n')[2]).not.toBe(viewB.split('\n')[2]);

    // AT and FR are shown view A, DE view B: each cosigns what it is shown.
    expect((await atWitness.run()).status).toBe('cosigned');
    expect((await frWitness.run()).status).toBe('cosigned');
    expect((await deWitness.run(forked)).status).toBe('cosigned');

    // Policy 2 of 3: view A passes, view B (DE alone) is refused.
    const witnessKeys = witnesses.map((witness) => witness.key);
    const policy = { portalJwks: jwks, issuer: ORIGIN, witnessKeys, threshold: 2 };
    await expect(verifyCosignedCheckpoint(await checkpointNote(portal.fetch), policy)).resolves.toMatchObject({
      cosigners: [{ principal: 'AT' }, { principal: 'FR' }],
    });
    const refusal = await verifyCosignedCheckpoint(await checkpointNote(forked), policy).catch(
      (error: unknown) => error,
    );
    expect(refusal).toBeInstanceOf(WitnessPolicyError);
    expect((refusal as Error).message).toContain('cosigned by 1 trusted witness state(s) (DE), the policy needs 2');

    // DE then sees view A, AT sees view B: both refuse, with a conclusive proof.
    const deSeesA = await deWitness.run(portal.fetch);
    const atSeesB = await atWitness.run(forked);
    for (const outcome of [deSeesA, atSeesB]) {
      expect(outcome.status).toBe('misbehaviour');
      if (outcome.status !== 'misbehaviour') continue;
      expect(outcome.proof.kind).toBe('fork');
      expect(await verifyMisbehaviour(outcome.proof, jwks)).toMatchObject({ conclusive: true });
      // Publishable: it holds no witness secret, and a changed byte breaks the portal's signature.
      expect(JSON.stringify(outcome.proof)).not.toContain('"d"');
      const tampered = {
        ...outcome.proof,
        served: outcome.proof.served.replace(/\n(\d+)\n/, (_, n: string) => `\n${Number(n) + 1}\n`),
      };
      await expect(verifyMisbehaviour(tampered, jwks)).rejects.toThrow(/signature/);
    }
    // The witnesses did not move: their state is still their own view.
    expect(deWitness.state()!.root).toBe(viewB.split('\n')[2]);

    // View A grows; DE (which cosigned B) finds that A's next checkpoint does not extend B's.
    expect((await at.post('/contacts', contactBody({ name: 'Later in view A' }))).status).toBe(201);
    const later = await deWitness.run(portal.fetch);
    expect(later).toMatchObject({ status: 'misbehaviour', proof: { kind: 'inconsistent' } });
    if (later.status === 'misbehaviour')
      expect(await verifyMisbehaviour(later.proof, jwks)).toMatchObject({ conclusive: true });
    // An honest pair of checkpoints is no proof of anything.
    const honest = {
      ...(later as { proof: Parameters<typeof verifyMisbehaviour>[0] }).proof,
      cosigned: viewA,
      consistency_proof: null,
    };
    await expect(verifyMisbehaviour({ ...honest, served: viewA }, jwks)).rejects.toThrow('the two checkpoints agree');
  });
});
