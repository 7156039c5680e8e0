/**
 * `cbm export` and `cbm verify --archive`: an offline archive of the records the caller
 * may see, verifiable with no network against the pinned portal keys and a witness policy.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { exportArchive, verifyArchive, type ArchiveFilter } from '../../archive.ts';
import type { WitnessKey } from '../../witness.ts';
import type { Command } from '../command.ts';
import type { Context } from '../context.ts';
import { LocalError, UsageError, VerificationFailed } from '../errors.ts';
import { trustedJwks } from '../trust.ts';
import { noMoreArgs, str, timeArg } from '../util.ts';
import { checkWitnessPolicy, WITNESS_POLICY_OPTIONS, witnessThreshold } from './witness.ts';

function filterOf(ctx: Context): ArchiveFilter {
  const filter: ArchiveFilter = {};
  const state = str(ctx, 'state');
  const kind = str(ctx, 'kind');
  const since = str(ctx, 'since');
  const until = str(ctx, 'until');
  if (state) filter.state = state;
  if (kind) filter.kind = kind;
  if (since) filter.since = timeArg(since);
  if (until) filter.until = timeArg(until);
  return filter;
}

export const archiveCommands: Command[] = [
  {
    words: ['export'],
    summary:
      'write every record you may see (or --state, --kind, --since, --until) with its proofs to one file, ' +
      'verifiable offline: cbm verify --archive FILE',
    audience: 'everyone',
    options: {
      out: { type: 'string', value: 'FILE', help: 'the archive file (JSON Lines; required)' },
      state: { type: 'string', value: 'PRINCIPAL', help: 'only records written by this state (or secretariat)' },
      kind: {
        type: 'string',
        value: 'KIND',
        help: 'only records of this kind: contact, incident, document, key, principal, ...',
      },
      since: { type: 'string', value: 'TIME', help: 'only records attested at or after (RFC 3339)' },
      until: { type: 'string', value: 'TIME', help: 'only records attested before' },
      ...WITNESS_POLICY_OPTIONS,
    },
    async run(ctx) {
      noMoreArgs(ctx, 0);
      const out = str(ctx, 'out');
      if (!out) throw new UsageError('export needs --out FILE');
      const filter = filterOf(ctx);
      const verifier = await ctx.verifier();
      const head = await verifier.checkpoint();
      // The archive is proven against one checkpoint: check the policy before using it.
      const threshold = witnessThreshold(ctx);
      if (threshold) await checkWitnessPolicy(ctx, head, threshold, { online: true });
      const stream = createWriteStream(out, { mode: 0o600 });
      const failed = new Promise<never>((_, reject) =>
        stream.once('error', (error) =>
          reject(new LocalError(`cannot write ${out}: ${(error as NodeJS.ErrnoException).code ?? error.message}`)),
        ),
      );
      let records = 0;
      for await (const line of exportArchive(await ctx.client(), verifier, head, filter)) {
        if (line.startsWith('{"type":"record"')) records += 1;
        if (!stream.write(`${line}\n`))
          await Promise.race([new Promise<void>((resolve) => stream.once('drain', () => resolve())), failed]);
      }
      await Promise.race([new Promise<void>((resolve) => stream.end(() => resolve())), failed]);
      ctx.emit(
        { archive: out, records, tree_size: head.size, filter },
        `archive ${out}: ${records} records under the checkpoint of ${head.size} entries; cbm verify --archive ${out} checks it offline`,
      );
    },
  },
];

/** `cbm verify --archive FILE`: offline, against the pinned keys (or --jwks) and the witness policy. */
export async function verifyArchiveFile(ctx: Context, file: string): Promise<void> {
  const jwks = await trustedJwks(ctx, { online: false });
  const threshold = witnessThreshold(ctx);
  const keysFile = str(ctx, 'witness-keys');
  if (threshold && !keysFile)
    throw new UsageError('offline, the witness policy needs the witness keys you trust: --witness-keys FILE');
  const witnessKeys = keysFile ? ctx.readJsonFile<WitnessKey[]>(keysFile) : [];
  const lines = () => createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  try {
    const result = await verifyArchive(lines, { jwks, witnessKeys, threshold });
    const witnessed = result.cosigners.length
      ? `; witnessed by ${result.cosigners.map((cosigner) => cosigner.principal).join(', ')}`
      : '';
    ctx.emit(
      {
        verified: true,
        archive: file,
        portal: result.portal,
        records: result.records,
        keys: result.keys,
        tree_size: result.checkpoint.size,
        filter: result.filter,
        witnesses: result.cosigners,
      },
      `verified archive ${file}: ${result.records} records of ${result.portal} and ${result.keys} key proofs, ` +
        `all included in the checkpoint of ${result.checkpoint.size} entries${witnessed} (offline, pinned keys)`,
    );
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new LocalError(`cannot read ${file}: ENOENT`);
    throw new VerificationFailed(`archive ${file}: ${(error as Error).message}`);
  }
}
