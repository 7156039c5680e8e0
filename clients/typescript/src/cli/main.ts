/**
 * `cbm`: the portal's command line for points of contact, the Secretariat and scripts.
 * `run(argv, io)` returns the exit code; the entry (../cli.ts) wires it to the process.
 */
import { parseArgs } from 'node:util';
import type { Command, OptionSpec } from './command.ts';
import { createContext, type Context, type Io } from './context.ts';
import { classify, EXIT, UsageError } from './errors.ts';
import { COMMANDS } from './commands/index.ts';

export const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  portal: { type: 'string', value: 'URL', help: 'the portal (CBM_PORTAL, the profile; default http://127.0.0.1:8787)' },
  as: {
    type: 'string',
    value: 'PRINCIPAL',
    help: 'sign as this principal: a state code or secretariat (CBM_PRINCIPAL, the profile)',
  },
  key: { type: 'string', value: 'FILE', help: "the principal's private JWK (CBM_KEY, the profile)" },
  profile: {
    type: 'string',
    value: 'FILE',
    help: 'the profile file (CBM_PROFILE; default ~/.config/cbm/profile.json)',
  },
  json: {
    type: 'boolean',
    help: 'machine-readable output: the JSON result on stdout, or the problem document on failure',
  },
  timeout: {
    type: 'string',
    value: 'SECONDS',
    help: 'give up on the portal after this long (CBM_TIMEOUT; default 60)',
  },
  jwks: {
    type: 'string',
    value: 'FILE',
    help: "verify against this copy of the portal's /.well-known/jwks.json (default: the keys cbm init pinned)",
  },
  help: { type: 'boolean', short: 'h', help: 'this help' },
};

const EXIT_CODES = `exit codes:
  0  done
  1  the portal refused (its problem document is printed: status, code, each bad field)
  2  usage or local error (bad arguments, unreadable file or key, no profile)
  3  verification failed (a signature, digest or proof, or the log was rewritten)
  4  the portal is unreachable, timed out or failed (5xx): try again later`;

const usageLine = (command: Command) => `cbm ${command.words.join(' ')}${command.args ? ` ${command.args}` : ''}`;

function optionLines(options: Record<string, OptionSpec>): string[] {
  return Object.entries(options).map(([name, spec]) => {
    const left = `  ${spec.short ? `-${spec.short}, ` : ''}--${name}${spec.type === 'string' ? ` ${spec.value ?? 'VALUE'}` : ''}`;
    return `${left.padEnd(30)} ${spec.help}`;
  });
}

export function helpIndex(filter?: string): string {
  const groups: [string, Command['audience']][] = [
    ['everyone', 'everyone'],
    ['points of contact (a state)', 'state'],
    ['the Secretariat', 'secretariat'],
  ];
  const lines = [
    'cbm: the CBM Exchange Portal command line',
    '',
    'usage: cbm COMMAND [ARGS] [OPTIONS]   (cbm COMMAND --help for its options)',
  ];
  for (const [title, audience] of groups) {
    const commands = COMMANDS.filter(
      (command) => command.audience === audience && (!filter || command.words[0] === filter),
    );
    if (!commands.length) continue;
    lines.push('', `${title}:`);
    for (const command of commands) lines.push(`  ${usageLine(command).slice(4).padEnd(46)} ${command.summary}`);
  }
  lines.push('', 'options of every command:', ...optionLines(GLOBAL_OPTIONS), '', EXIT_CODES);
  return lines.join('\n');
}

function commandHelp(command: Command): string {
  return [
    `usage: ${usageLine(command)} [OPTIONS]`,
    '',
    command.summary,
    ...(command.options && Object.keys(command.options).length
      ? ['', 'options:', ...optionLines(command.options)]
      : []),
    '',
    'options of every command:',
    ...optionLines(GLOBAL_OPTIONS),
    '',
    EXIT_CODES,
  ].join('\n');
}

/** Finds the command named by the first words of argv (options may come before them). */
function findCommand(argv: string[]): { command?: Command; rest: string[]; words: string[] } {
  const words: { index: number; word: string }[] = [];
  for (let index = 0; index < argv.length && words.length < 2; index += 1) {
    const token = argv[index]!;
    if (token === '--') break;
    if (token.startsWith('-') && token !== '-') {
      const name = token.replace(/^-+/, '').split('=')[0]!;
      if (GLOBAL_OPTIONS[name]?.type === 'string' && !token.includes('=')) index += 1;
      continue;
    }
    words.push({ index, word: token });
  }
  for (const count of [2, 1]) {
    const named = words.slice(0, count).map((entry) => entry.word);
    const command = COMMANDS.find(
      (candidate) =>
        candidate.words.length === count && candidate.words.every((word, position) => word === named[position]),
    );
    if (command) {
      const skip = new Set(words.slice(0, count).map((entry) => entry.index));
      return { command, rest: argv.filter((_, index) => !skip.has(index)), words: named };
    }
  }
  return { rest: argv, words: words.map((entry) => entry.word) };
}

const toParseArgs = (options: Record<string, OptionSpec>) =>
  Object.fromEntries(
    Object.entries(options).map(([name, spec]) => [
      name,
      { type: spec.type, ...(spec.multiple ? { multiple: true } : {}), ...(spec.short ? { short: spec.short } : {}) },
    ]),
  );

export async function run(argv: string[], io: Io): Promise<number> {
  const json = argv.includes('--json');
  const fail = (error: unknown) => {
    const { exit, message, json: document } = classify(error);
    if (json) io.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
    io.stderr.write(`${message}\n`);
    return exit;
  };
  const { command, rest, words } = findCommand(argv);
  if (!command) {
    if (!words.length || argv.includes('--help') || argv.includes('-h')) {
      const group = words[0] && COMMANDS.some((candidate) => candidate.words[0] === words[0]) ? words[0] : undefined;
      if (words.length && !group) return fail(new UsageError(`unknown command ${words.join(' ')}`));
      io.stdout.write(`${helpIndex(group)}\n`);
      return words.length || argv.includes('--help') || argv.includes('-h') ? EXIT.ok : EXIT.usage;
    }
    const group = COMMANDS.filter((candidate) => candidate.words[0] === words[0]);
    return fail(
      new UsageError(
        group.length
          ? `${words.join(' ')}: unknown; ${words[0]} has ${group.map((candidate) => candidate.words[1]).join(', ')}`
          : `unknown command ${words[0]}`,
      ),
    );
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: rest,
      allowPositionals: true,
      strict: true,
      options: toParseArgs({ ...GLOBAL_OPTIONS, ...command.options }),
    });
  } catch (error) {
    return fail(
      new UsageError(
        `${usageLine(command)}: ${(error as Error).message.replace(/\. To specify a positional argument.*$/s, '')}`,
      ),
    );
  }
  if (parsed.values.help) {
    io.stdout.write(`${commandHelp(command)}\n`);
    return EXIT.ok;
  }
  try {
    const ctx = createContext(
      parsed.positionals,
      parsed.values as Record<string, string | boolean | string[] | undefined>,
      io,
    );
    checkAudience(command, ctx);
    await command.run(ctx);
    return EXIT.ok;
  } catch (error) {
    return fail(error);
  }
}

/**
 * A Secretariat's command signed as a state (or the reverse) is refused here, saying so,
 * rather than by the portal with a scope or role code that reads like a broken key.
 */
function checkAudience(command: Command, ctx: Context): void {
  if (command.audience === 'everyone' || command.offline) return;
  let principal: string;
  try {
    principal = ctx.principal();
  } catch {
    return; // the command itself says a principal is needed
  }
  const name = `cbm ${command.words.join(' ')}`;
  if (command.audience === 'secretariat' && principal !== 'secretariat') {
    throw new UsageError(
      `${name} is for the Secretariat; you sign as ${principal} (${ctx.profile ? `profile ${ctx.profileFile}` : '--as'}). ` +
        "Use the Secretariat's profile (--profile secretariat) or --as secretariat --key FILE",
    );
  }
  if (command.audience === 'state' && principal === 'secretariat') {
    throw new UsageError(
      `${name} is for a state's point of contact; you sign as the Secretariat. Use the state's profile ` +
        `(--profile at) or --as CODE --key FILE`,
    );
  }
}
