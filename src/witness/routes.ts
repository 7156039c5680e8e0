import { Hono } from 'hono';
import type { JWK } from 'jose';
import type { components } from '../generated/openapi.ts';
import type { AppEnv } from '../http/app-env.ts';
import { commitQueries } from '../write/commit.ts';
import { operation } from '../http/operation.ts';
import { Problem, problems } from '../http/problem.ts';
import { jtiReplayed, recordJtiQuery } from '../http/replay-store.ts';
import { toBase64 } from '../log/checkpoint.ts';
import { keyStatus } from '../principals/keys-repo.ts';
import { checkCosignature, noteBody, witnessName } from './cosignature.ts';
import { insertCosignatureQuery, lastCosignedSize, listWitnessKeys, findCheckpoint, keyOf } from './repo.ts';

/** A witness's clock may differ from the portal's by as much as a request token's. */
const TIMESTAMP_TOLERANCE_SECONDS = 300;

const invalid = (detail: string, pointer = '/cosignature') =>
  new Problem(422, 'cosignature-invalid', 'Unprocessable content', detail, [{ pointer, detail }]);

const sizeConflict = (cosigned: number) =>
  problems.conflict(
    'witness-size-mismatch',
    `This witness key last cosigned the checkpoint of size ${cosigned}: submit with old_size ${cosigned} and check consistency from it.`,
    { cosigned_size: cosigned },
  );

const FLAWS: Record<string, string> = {
  malformed: 'is not a note signature line `— <name> <base64(key id || timestamp || signature)>` of 76 bytes',
  'wrong-name': 'does not carry the cosigner name of the signing state',
  'wrong-key-id': "does not carry the key id (cosignature/v1) of the request's key",
  'bad-signature': "is not a valid cosignature/v1 signature by the request's key on this checkpoint",
  'not-ed25519': 'needs an Ed25519 key (cosignature/v1): the request was signed with another kind',
};

/**
 * Witness cosignatures (C2SP tlog-cosignature, tlog-witness as far as it fits a signed
 * request): a state's witness submits its cosignature of a stored checkpoint; the portal
 * checks it and serves it appended to that checkpoint. Not a log entry: see the contract.
 */
export const witness = new Hono<AppEnv>()
  .post('/cosignatures', operation('submitLogCosignature'), async (c) => {
    const { db, clock } = c.get('deps');
    const caller = c.get('caller');
    const { old_size: oldSize, checkpoint, cosignature } = c.get('input').body;
    const body = noteBody(checkpoint);
    const lines = body?.split('\n') ?? [];
    const size = lines.length >= 4 && /^(0|[1-9]\d*)$/.test(lines[1]!) ? Number(lines[1]) : undefined;
    if (size === undefined || !Number.isSafeInteger(size))
      throw invalid('The checkpoint is not a signed note with an origin, a size and a root.', '/checkpoint');
    if (oldSize > size)
      throw problems.badRequest('old-size-too-large', `old_size ${oldSize} exceeds the checkpoint size ${size}.`, [
        { pointer: '/old_size', detail: `must be at most ${size}` },
      ]);
    const stored = await findCheckpoint(db, size);
    if (!stored || noteBody(stored.note) !== body) {
      throw new Problem(
        422,
        'checkpoint-unknown',
        'Unprocessable content',
        'The portal signed no checkpoint with this body: cosign one it served.',
        [{ pointer: '/checkpoint', detail: 'not a checkpoint this portal signed' }],
      );
    }
    const key = await keyOf(db, caller.kid);
    const name = witnessName(caller.principalId);
    const line = cosignature.replace(/\n$/, '');
    const checked = await checkCosignature(line, name, JSON.parse(key.public_jwk) as JWK, body!);
    if ('flaw' in checked) throw invalid(`The cosignature ${FLAWS[checked.flaw]} (expected name ${name}).`);
    const now = clock.now();
    const skew = Number(checked.timestamp) - Math.floor(now.getTime() / 1000);
    if (Math.abs(skew) > TIMESTAMP_TOLERANCE_SECONDS)
      throw invalid(
        `The cosignature's timestamp is ${Math.abs(skew)} s ${skew > 0 ? 'ahead of' : 'behind'} the portal's clock ` +
          `(at most ${TIMESTAMP_TOLERANCE_SECONDS} s).`,
      );
    const row = {
      size,
      kid: caller.kid,
      principal_id: caller.principalId,
      witness_name: name,
      cosigned_at: Number(checked.timestamp),
      line,
      received_at: now.toISOString(),
    };
    const replay = caller.replay;
    const jti = replay ? [recordJtiQuery(db, replay.issuer, replay.jti, replay.expiresAt)] : [];
    const results = await commitQueries(db, [...jti, insertCosignatureQuery(db, row, oldSize)], {
      request_jtis_issuer_jti: jtiReplayed,
    });
    if (replay) replay.recorded = true;
    // Nothing stored: the key's latest cosigned size is not old_size (tlog-witness 409).
    if ((results[jti.length]?.changes ?? 0) === 0) throw sizeConflict(await lastCosignedSize(db, caller.kid));
    return c.json({
      principal: caller.principalId,
      kid: caller.kid,
      witness_name: name,
      size,
      root_hash: toBase64(new Uint8Array(stored.root_hash)),
      timestamp: row.cosigned_at,
      line,
    } satisfies components['schemas']['Cosignature']);
  })
  .get('/witnesses', operation('listLogWitnesses'), async (c) => {
    const { db, clock } = c.get('deps');
    const rows = await listWitnessKeys(db);
    return c.json({
      witnesses: rows.map((row) => ({
        principal: row.principal_id,
        kid: row.kid,
        witness_name: witnessName(row.principal_id),
        jwk: JSON.parse(row.public_jwk) as components['schemas']['PublicJwk'],
        status: keyStatus(row, clock.now()),
        registration_attestation_id: row.registration_attestation_id,
        cosigned_size: Number(row.cosigned_size),
      })),
    } satisfies components['schemas']['LogWitnessList']);
  });
