/**
 * The operator's commands for a data dir (README: Operating the portal):
 *
 *   npm run backup -- DEST                  while the portal serves
 *   npm run restore -- SRC [--published CHECKPOINT_FILE] [--accept-fork]
 *   npm run set-origin -- ORIGIN --confirm
 *
 * Each takes `--data-dir DIR` (default: CBM_DATA_DIR, else ./data). Exit codes: 0 done,
 * 1 refused (the message says why and what to do), 2 bad usage.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { StartupError } from '../data-dir.ts';
import { DataDirLocked } from '../db/data-dir-lock.ts';
import { isStorageFull } from '../db/storage-full.ts';
import { ConfigError, NODE_ENV_VARS, parseNodeConfig } from '../node-config.ts';
import { backup } from './backup.ts';
import { restore } from './restore.ts';
import { setOrigin } from './set-origin.ts';

class UsageError extends Error {}

const USAGE = `usage:
  npm run backup -- DEST [--data-dir DIR]
  npm run restore -- SRC [--data-dir DIR] [--published CHECKPOINT_FILE] [--accept-fork]
  npm run set-origin -- ORIGIN [--data-dir DIR] [--confirm]`;

function parse(argv: string[]) {
  const [command, ...rest] = argv;
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    if (arg === '--accept-fork' || arg === '--confirm') flags.set(arg, true);
    else if (arg === '--data-dir' || arg === '--published') {
      const value = rest[++i];
      if (!value) throw new UsageError(`${arg} needs a value`);
      flags.set(arg, value);
    } else if (arg.startsWith('--')) throw new UsageError(`unknown option ${arg}`);
    else positional.push(arg);
  }
  if (positional.length !== 1) throw new UsageError(`${command ?? 'a command'} takes exactly one argument`);
  const dataDir = resolve(
    (flags.get('--data-dir') as string | undefined) ?? process.env.CBM_DATA_DIR ?? NODE_ENV_VARS.CBM_DATA_DIR,
  );
  return { command, argument: positional[0]!, flags, dataDir };
}

async function run(argv: string[]): Promise<number> {
  const { command, argument, flags, dataDir } = parse(argv);
  switch (command) {
    case 'backup': {
      const manifest = await backup(dataDir, resolve(argument));
      const checkpoint = manifest.log.checkpoint;
      console.log(`backed up ${dataDir} to ${resolve(argument)}`);
      console.log(
        `  log: ${manifest.log.size} entries; latest checkpoint: ` +
          (checkpoint ? `size ${checkpoint.size}, root ${checkpoint.root}` : 'none'),
      );
      console.log(
        `  blobs: ${manifest.blobs.count} (${manifest.blobs.bytes} bytes); database ${manifest.database.bytes} bytes`,
      );
      console.log('  The backup holds the portal signing key: keep it as safe as the key itself.');
      return 0;
    }
    case 'restore': {
      const publishedFile = flags.get('--published') as string | undefined;
      const result = await restore(resolve(argument), dataDir, {
        publishedNote: publishedFile ? readFileSync(publishedFile, 'utf8') : null,
        acceptFork: flags.has('--accept-fork'),
      });
      console.log(`restored ${resolve(argument)} into ${dataDir}`);
      console.log(
        `  log: ${result.manifest.log.size} entries, taken ${result.manifest.created_at}; ${result.blobsCopied} blob(s) copied`,
      );
      if (result.replacedDir) console.log(`  what it replaced is in ${result.replacedDir}`);
      if (result.forks.length)
        console.log('  The log forked (--accept-fork): tell every partner and monitor, with the sizes above.');
      console.log('  Start the portal: npm start');
      return 0;
    }
    case 'set-origin': {
      try {
        parseNodeConfig({ CBM_PUBLIC_ORIGIN: argument });
      } catch (error) {
        if (error instanceof ConfigError) throw new UsageError(error.problems.join('; '));
        throw error;
      }
      const result = await setOrigin(dataDir, argument, { confirm: flags.has('--confirm') });
      if (result.previous === argument) {
        console.log(`${dataDir} is pinned to ${argument} already; nothing to change.`);
        return 0;
      }
      const consequences =
        `  ${result.attestations} attestation(s) carry iss ${result.previous ?? '(none)'} and ` +
        `${result.checkpoints} checkpoint(s) its origin line;\n` +
        '  checkpoints and attestations from now on carry the new origin. Partners verify old and new against ' +
        'the portal keys they pinned,\n' +
        '  but must accept the new origin (cbm init against the new origin).';
      if (!result.changed) {
        console.error(
          `cbm-portal: would change the public origin of ${dataDir} from ${result.previous} to ` +
            `${argument}:\n${consequences}\n  Run again with --confirm to do it.`,
        );
        return 1;
      }
      console.log(`changed the public origin of ${dataDir} from ${result.previous} to ${argument}.\n${consequences}`);
      console.log(`  Start the portal with CBM_PUBLIC_ORIGIN=${argument}.`);
      return 0;
    }
    default:
      throw new UsageError(`unknown command ${command ?? '(none)'}`);
  }
}

try {
  process.exitCode = await run(process.argv.slice(2));
} catch (error) {
  if (error instanceof UsageError) {
    console.error(`cbm-portal: ${error.message}\n${USAGE}`);
    process.exitCode = 2;
  } else if (error instanceof StartupError || error instanceof DataDirLocked) {
    console.error(`cbm-portal: ${error.message}`);
    process.exitCode = 1;
  } else if (isStorageFull(error)) {
    console.error(
      `cbm-portal: no space left (${(error as Error).message}); free space and run the command again. Nothing was replaced.`,
    );
    process.exitCode = 1;
  } else {
    throw error;
  }
}
