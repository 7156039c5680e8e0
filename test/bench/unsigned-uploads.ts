/**
 * Memory of the portal under unsigned uploads (issue 9 item 6): 12 concurrent unsigned
 * 24 MiB PUTs to /documents/{id}/content, each sent whole, against a real portal process
 * started as `npm start` does. Prints the server's resident memory (VmRSS, and the peak
 * VmHWM) before and after, and how long the 401s took.
 *
 *   npx tsx test/bench/unsigned-uploads.ts            # this checkout
 *   npx tsx test/bench/unsigned-uploads.ts <dir>      # another checkout (e.g. a git worktree
 *                                                      # of an older commit) with node_modules
 *
 * Linux only (reads /proc/<pid>/status).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../support/real-portal.ts';

const ROOT = resolve(process.argv[2] ?? fileURLToPath(new URL('../..', import.meta.url)));
const UPLOADS = 12;
const SIZE = 24 * 1024 * 1024;

function memory(pid: number): { rssMiB: number; peakMiB: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMiB: kib('VmRSS') / 1024, peakMiB: kib('VmHWM') / 1024 };
}

function unsignedUpload(origin: string): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  return new Promise((done, fail) => {
    const req = request(`${origin}/documents/0190b2a4-0000-7000-8000-000000000000/content`, {
      method: 'PUT',
      headers: { 'content-type': 'application/pdf', 'content-length': String(SIZE) },
    });
    let status = 0;
    req.on('response', (res) => {
      status = res.statusCode!;
      res.resume();
      res.on('end', () => done({ status, ms: performance.now() - started }));
    });
    // The server may close the connection once it has answered: that is not a failure.
    req.on('error', (error) => (status ? done({ status, ms: performance.now() - started }) : fail(error)));
    const chunk = Buffer.alloc(1024 * 1024, 0x25);
    let sent = 0;
    const write = () => {
      while (sent < SIZE) {
        sent += chunk.byteLength;
        if (!req.write(chunk)) return void req.once('drain', write);
      }
      req.end();
    };
    write();
  });
}

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'cbm-bench-uploads-'));
  const port = await freePort();
  // As `npm start` runs it, but node itself, so /proc/<pid> is the server's.
  const child = spawn(process.execPath, ['--import', 'tsx', '--max-semi-space-size=32', 'src/node.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: tmpdir(),
      CBM_DATA_DIR: dataDir,
      CBM_PORT: String(port),
      CBM_HOST: '127.0.0.1',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const origin = `http://127.0.0.1:${port}`;
  try {
    for (let tries = 0; ; tries++) {
      try {
        if ((await fetch(`${origin}/healthz`)).ok) break;
      } catch {
        if (tries > 300) throw new Error('the portal did not start');
      }
      await new Promise((wait) => setTimeout(wait, 100));
    }
    await new Promise((wait) => setTimeout(wait, 500));
    const before = memory(child.pid!);
    let peak = before.rssMiB;
    const sampler = setInterval(() => (peak = Math.max(peak, memory(child.pid!).rssMiB)), 10);
    const started = performance.now();
    const answers = await Promise.all(Array.from({ length: UPLOADS }, () => unsignedUpload(origin)));
    const allMs = performance.now() - started;
    await new Promise((wait) => setTimeout(wait, 300));
    clearInterval(sampler);
    const after = memory(child.pid!);
    const statuses = [...new Set(answers.map((answer) => answer.status))].join(', ');
    const slowest = Math.max(...answers.map((answer) => answer.ms));
    console.log(`portal at ${ROOT}`);
    console.log(
      `${UPLOADS} concurrent unsigned ${SIZE / 1024 / 1024} MiB PUTs: status ${statuses}; slowest answer ` +
        `${slowest.toFixed(0)} ms; all sent in ${allMs.toFixed(0)} ms`,
    );
    console.log(
      `server RSS: before ${before.rssMiB.toFixed(0)} MiB, peak sampled ${peak.toFixed(0)} MiB (VmHWM ` +
        `${after.peakMiB.toFixed(0)} MiB), after ${after.rssMiB.toFixed(0)} MiB`,
    );
  } finally {
    child.kill('SIGTERM');
    await new Promise((wait) => child.once('exit', wait));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
