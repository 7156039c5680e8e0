/**
 * `cbm`: the command line for points of contact, the Secretariat and scripts. The
 * commands live in ./cli/ (one module per area); `cbm --help` lists them, with the exit
 * codes a script can rely on. Run it with `npx cbm` or `npm run -s cbm --` in the
 * repository, or through bin/cbm.mjs from the client package.
 */
import { run } from './cli/main.ts';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

// `cbm ... | head` closes the pipe early: that is not an error of cbm's.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

const code = await run(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  readStdin,
});
// Let stdout drain (a pipe may be slow) before the process ends with the code.
process.exitCode = code;
