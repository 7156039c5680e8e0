import { Hono } from 'hono';
import type { Deps } from '../deps.ts';
import type { components } from '../generated/openapi.ts';
import type { AppEnv } from '../http/app-env.ts';
import { negotiate } from '../http/negotiate.ts';
import { operation } from '../http/operation.ts';
import { problems } from '../http/problem.ts';
import { representationEtag } from '../http/raw-bytes.ts';
import { latestCheckpoint, toBase64, treeRoot } from './checkpoint.ts';
import { LogIntegrityError, logIntegrityProblem, noteLogIntegrityFailure } from './integrity.ts';
import { consistencyRanges, inclusionRanges } from './merkle.ts';
import { integratedSize, listEntries, rangeHashes } from './store.ts';
import { cosignatureLines, latestWitnessedCheckpoint } from '../witness/repo.ts';

const MAX_ENTRIES = 256;

const beyondLog = (pointer: string, size: number) =>
  problems.unprocessable(`The log has ${size} integrated entries.`, [
    { parameter: pointer, in: 'query', detail: `must be at most ${size}` },
  ]);

/**
 * Every log read answers from what is stored and writes nothing: the latest checkpoint the
 * log clock signed, and proofs and entries up to the integrated size (a leaf committed a
 * moment ago is integrated and covered by the clock's next tick, within about a second).
 * A stored subtree missing under the integrated size is the log's fault, not the
 * caller's: 503 `log-integrity-failed`, and this process stops signing and writing.
 */
async function fromStore<T>(deps: Deps, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (!(error instanceof LogIntegrityError)) throw error;
    noteLogIntegrityFailure(deps, error.message);
    throw logIntegrityProblem(error.message);
  }
}

/** The signed checkpoint is public, like the portal's keys: anyone may watch the log. */
export const logPublic = new Hono<AppEnv>().get('/log/checkpoint', async (c) => {
  negotiate(c, 'text/plain');
  const witnesses = c.req.query('witnesses');
  if (witnesses !== undefined) {
    if (!/^[1-9]\d{0,3}$/.test(witnesses) || Number(witnesses) > 1000) {
      throw problems.unprocessable('witnesses is a number of states, from 1 to 1000.', [
        { parameter: 'witnesses', in: 'query', detail: 'must be an integer from 1 to 1000' },
      ]);
    }
    const witnessed = await latestWitnessedCheckpoint(c.get('deps').db, Number(witnesses));
    if (!witnessed) throw problems.notFound(`No checkpoint is cosigned by ${witnesses} states yet.`);
    const note =
      witnessed.note + (await cosignatureLines(c.get('deps').db, witnessed.size)).map((line) => `${line}\n`).join('');
    return c.body(note, 200, {
      'Content-Type': 'text/plain; charset=utf-8',
      'Cache-Control': 'no-cache',
      ETag: await representationEtag(note),
    });
  }
  const checkpoint = await latestCheckpoint(c.get('deps').db);
  if (!checkpoint) {
    const problem = problems.unavailable(
      'The log has no signed checkpoint yet; the first one is signed within seconds of the start.',
    );
    throw Object.assign(problem, { headers: { ...problem.headers, 'Retry-After': '1' } });
  }
  // The witnesses' cosignature lines follow the portal's: one note, the body bytes unchanged.
  const note =
    checkpoint.note + (await cosignatureLines(c.get('deps').db, checkpoint.size)).map((line) => `${line}\n`).join('');
  // no-cache: revalidate each time; the ETag makes that a 304 until the next checkpoint or cosignature.
  return c.body(note, 200, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Cache-Control': 'no-cache',
    ETag: await representationEtag(note),
  });
});

export const log = new Hono<AppEnv>()
  .get('/proofs/inclusion', operation('getInclusionProof'), async (c) => {
    const { db } = c.get('deps');
    const { leaf_index: leafIndex, tree_size: treeSize } = c.get('input').query;
    const size = await integratedSize(db);
    if (treeSize > size) throw beyondLog('tree_size', size);
    if (leafIndex >= treeSize)
      throw problems.unprocessable('The leaf is not in a tree of that size.', [
        { parameter: 'leaf_index', in: 'query', detail: `must be below tree_size ${treeSize}` },
      ]);
    return fromStore(c.get('deps'), async () => {
      const [leaf, ...proof] = await rangeHashes(db, [
        { start: leafIndex, end: leafIndex + 1 },
        ...inclusionRanges(leafIndex, treeSize),
      ]);
      return c.json({
        leaf_index: leafIndex,
        tree_size: treeSize,
        leaf_hash: toBase64(leaf!),
        root_hash: toBase64(await treeRoot(db, treeSize)),
        proof: proof.map(toBase64),
      } satisfies components['schemas']['InclusionProof']);
    });
  })
  .get('/proofs/consistency', operation('getConsistencyProof'), async (c) => {
    const { db } = c.get('deps');
    const { first, second } = c.get('input').query;
    const size = await integratedSize(db);
    if (second > size) throw beyondLog('second', size);
    if (first > second)
      throw problems.unprocessable('first must not exceed second.', [
        { parameter: 'first', in: 'query', detail: `must be at most second (${second})` },
      ]);
    return fromStore(c.get('deps'), async () => {
      const proof = await rangeHashes(db, consistencyRanges(first, second));
      return c.json({
        first,
        second,
        first_root_hash: toBase64(await treeRoot(db, first)),
        second_root_hash: toBase64(await treeRoot(db, second)),
        proof: proof.map(toBase64),
      } satisfies components['schemas']['ConsistencyProof']);
    });
  })
  .get('/entries', operation('listLogEntries'), async (c) => {
    const { db } = c.get('deps');
    const { start, end } = c.get('input').query;
    const size = await integratedSize(db);
    if (end > size) throw beyondLog('end', size);
    if (start >= end || end - start > MAX_ENTRIES) {
      throw problems.unprocessable(`Ask for 1 to ${MAX_ENTRIES} entries.`, [
        { parameter: 'start', in: 'query', detail: `must be below end and at most ${MAX_ENTRIES} before it` },
      ]);
    }
    const rows = await listEntries(db, start, end, c.get('caller'));
    return c.json({
      tree_size: size,
      entries: rows.map((row) => ({
        index: Number(row.idx),
        leaf_hash: toBase64(new Uint8Array(row.leaf_hash)),
        ...(row.visible ? { attestation_id: row.id, token: row.token } : { token: null }),
      })),
    } satisfies components['schemas']['LogEntryList']);
  });
