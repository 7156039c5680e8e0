/**
 * No line of hand-written code or configuration is longer than 140 characters (issue 13
 * item 7). Biome wraps code at 120 but leaves long strings, comments, SQL, YAML and CSS
 * alone; this check covers them. Part of `npm run lint` (and so of `npm test`).
 *
 * Checked: the files git tracks or would track (untracked but not ignored), by extension.
 * Not checked, and why:
 * - generated code (src/generated, clients/typescript/src/generated): `npm run gen` writes it;
 * - test vectors (test/vectors): fixed bytes shared with partners;
 * - migrations: a shipped migration is never edited, its text is what deployed databases ran;
 * - JSON: it has no way to split a string (package.json descriptions and scripts);
 * - Markdown: prose, wrapped for readers, with tables and links that cannot be split.
 *
 * Run: npx tsx scripts/check-lines.ts [--max N]   (exit 1 and a list when a line is too long)
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CHECKED = /\.(ts|mts|cts|tsx|js|mjs|cjs|jsx|css|html|sql|ya?ml|toml|sh|py)$/;
const SKIPPED = [/^src\/generated\//, /^clients\/typescript\/src\/generated\//, /^test\/vectors\//, /^migrations\//];

const maxArg = process.argv.indexOf('--max');
const MAX = maxArg > 0 ? Number(process.argv[maxArg + 1]) : 140;
if (!Number.isInteger(MAX) || MAX < 1) throw new Error('--max takes a positive whole number of characters');

const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], {
  cwd: ROOT,
  encoding: 'utf8',
  maxBuffer: 64 * 1024 * 1024,
})
  .split('\0')
  .filter((file) => CHECKED.test(file) && !SKIPPED.some((skip) => skip.test(file)));

const long: string[] = [];
for (const file of files) {
  let text: string;
  try {
    text = readFileSync(new URL(file, `file://${ROOT}`), 'utf8');
  } catch {
    continue; // deleted in the working tree, not yet in the index
  }
  const lines = text.split('\n');
  for (const [index, line] of lines.entries()) {
    // Characters as a reader counts them (code points), not UTF-16 units.
    const length = [...line].length;
    if (length > MAX) long.push(`${file}:${index + 1}: ${length} characters`);
  }
}

if (long.length) {
  console.error(`${long.length} line(s) longer than ${MAX} characters (wrap strings with + or build them from parts):`);
  for (const line of long) console.error(`  ${line}`);
  process.exit(1);
}
console.log(`check-lines: ${files.length} files, no line longer than ${MAX} characters`);
