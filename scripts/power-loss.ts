/**
 * Power-loss test of the embedded portal on LazyFS (README: Operating the portal, "How
 * durability was checked"). Needs root, FUSE and a LazyFS build; not part of CI.
 *
 *   LAZYFS=/path/to/lazyfs/lazyfs/build/lazyfs npx tsx scripts/power-loss.ts [--crashes 3] [--writes 300] [--synchronous FULL|NORMAL]
 *
 * LazyFS keeps everything written but not fsynced in its own cache; `lazyfs::clear-cache`
 * drops it, as a power cut drops the page cache. Each round: the portal (src/node.ts) runs
 * on a data dir inside the LazyFS mount, takes signed writes (8 in flight) while the served
 * checkpoints are recorded, is killed with SIGKILL while more writes are in flight, the
 * cache is cleared (the power cut), and the portal starts again on what the disk kept.
 * A first cut comes right after the first start (the key files must survive it).
 * Checked after each restart: every acknowledged write is still there, and every
 * checkpoint served before the cut is consistent (RFC 9162 consistency proof) with a
 * checkpoint the restarted portal signs once the log has grown past it: no fork.
 * Exit code 0 when nothing was lost and nothing forked.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JWK } from 'jose';
import {
  createRequestSigner,
  fromBase64,
  generateSigningKey,
  verifyConsistency,
  type RequestSigner,
} from '../clients/typescript/src/index.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const argument = (name: string, fallback: string) => {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? process.argv[index + 1]! : fallback;
};
const crashes = Number(argument('crashes', '3'));
const writesPerRound = Number(argument('writes', '300'));
const synchronous = argument('synchronous', 'FULL');
const lazyfs = process.env.LAZYFS;
if (!lazyfs || !existsSync(lazyfs)) {
  console.error(
    'power-loss: set LAZYFS to the lazyfs binary (lazyfs/build/lazyfs of a LazyFS build; README: Operating the portal)',
  );
  process.exit(2);
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));
const base = mkdtempSync(join(tmpdir(), 'cbm-power-loss-'));
const [rootDir, mountDir, fifo] = [join(base, 'root'), join(base, 'mnt'), join(base, 'faults.fifo')];
mkdirSync(rootDir);
mkdirSync(mountDir);
writeFileSync(
  join(base, 'config.toml'),
  [
    '[faults]',
    `fifo_path="${fifo}"`,
    '[cache]',
    'apply_eviction=false',
    '[cache.simple]',
    'custom_size="1gb"',
    'blocks_per_page=1',
    '[filesystem]',
    'log_all_operations=false',
    'logfile=""',
    '',
  ].join('\n'),
);
const dataDir = join(mountDir, 'data');
const port = 18000 + Math.floor(Math.random() * 2000);
const origin = `http://127.0.0.1:${port}`;

const children: ChildProcess[] = [];
const killGroup = (child: ChildProcess, signal: NodeJS.Signals) => {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // gone already
  }
};

async function mount(): Promise<ChildProcess> {
  const child = spawn(
    lazyfs!,
    [
      mountDir,
      '--config-path',
      join(base, 'config.toml'),
      '-o',
      'allow_other',
      '-o',
      'modules=subdir',
      '-o',
      `subdir=${rootDir}`,
      '-f',
    ],
    {
      env: {
        ...process.env,
        LD_LIBRARY_PATH: process.env.LD_LIBRARY_PATH ?? join(lazyfs!, '../../../libs/libpcache/build'),
      },
      stdio: 'ignore',
      detached: true,
    },
  );
  children.push(child);
  // LazyFS allocates its whole cache before it mounts: seconds on a busy machine.
  for (let i = 0; i < 600; i++) {
    if (readFileSync('/proc/mounts', 'utf8').includes(` ${mountDir} fuse`)) return child;
    await sleep(100);
  }
  throw new Error('LazyFS did not mount within 60 s');
}

async function startPortal(): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn(join(ROOT, 'node_modules/.bin/tsx'), ['src/node.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? tmpdir(),
      CBM_DATA_DIR: dataDir,
      CBM_PORT: String(port),
      CBM_SQLITE_SYNCHRONOUS: synchronous,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  children.push(child);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`the portal exited:\n${output}`);
    try {
      if ((await fetch(`${origin}/healthz`)).ok) return { child, output: () => output };
    } catch {
      // not yet
    }
    await sleep(100);
  }
  throw new Error(`the portal did not start:\n${output}`);
}

function signedCall(signer: RequestSigner) {
  return async (method: string, path: string, body?: unknown) => {
    const bytes = body === undefined ? undefined : new TextEncoder().encode(JSON.stringify(body));
    const token = await signer.sign({ method, pathAndQuery: path, body: bytes });
    return fetch(`${origin}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(bytes ? { 'content-type': 'application/json' } : {}) },
      body: bytes,
    });
  };
}

const contact = (n: number) => ({
  role: 'technical',
  name: `Duty officer ${n}`,
  organisation: 'CERT',
  email: `duty${n}@cert.example`,
  phone_24x7: '+4315056416',
  languages: ['en'],
  time_zone: 'Europe/Vienna',
});

async function servedCheckpoint(): Promise<{ size: number; root: string } | null> {
  const res = await fetch(`${origin}/log/checkpoint`);
  if (!res.ok) return null;
  const [, size, root] = (await res.text()).split('\n');
  return { size: Number(size), root: root! };
}

async function main() {
  await mount();
  console.log(
    `power-loss: LazyFS at ${mountDir}, synchronous=${synchronous}, ${crashes} power cuts after ${writesPerRound} acknowledged writes each`,
  );
  let portal = await startPortal();
  // A first cut right after the first start: the key files and the Secretariat's row must
  // survive it (they were once left empty, and the portal could not start again).
  const firstKey = readFileSync(join(dataDir, 'secretariat.private.jwk'), 'utf8');
  killGroup(portal.child, 'SIGKILL');
  await sleep(300);
  writeFileSync(fifo, 'lazyfs::clear-cache\n');
  await sleep(1000);
  portal = await startPortal();
  if (readFileSync(join(dataDir, 'secretariat.private.jwk'), 'utf8') !== firstKey)
    throw new Error('the Secretariat key changed across the first cut');
  console.log('  cut 0, right after the first start: the portal starts again with the same keys');
  const secretariatJwk = JSON.parse(readFileSync(join(dataDir, 'secretariat.private.jwk'), 'utf8')) as JWK;
  const secretariat = signedCall(
    await createRequestSigner({ principal: 'secretariat', privateJwk: secretariatJwk, audience: origin }),
  );
  if ((await secretariat('POST', '/principals', { id: 'AT', name: 'Austria' })).status !== 201)
    throw new Error('registering AT');
  const key = await generateSigningKey('EdDSA');
  if (
    (await secretariat('POST', '/principals/AT/keys', { jwk: key.publicJwk, scopes: ['read', 'contacts:write'] }))
      .status !== 201
  )
    throw new Error('registering a key');
  const at = signedCall(await createRequestSigner({ principal: 'AT', privateJwk: key.privateJwk, audience: origin }));

  const acknowledged: string[] = [];
  const published = new Map<number, string>();
  let serial = 0;
  let lostTotal = 0;
  let forksTotal = 0;
  for (let round = 1; round <= crashes; round++) {
    const target = acknowledged.length + writesPerRound;
    const recordCheckpoint = async () => {
      const checkpoint = await servedCheckpoint();
      if (checkpoint && checkpoint.size > 0) published.set(checkpoint.size, checkpoint.root);
    };
    const lane = async () => {
      while (acknowledged.length < target) {
        const res = await at('POST', '/contacts', contact(++serial));
        if (res.status !== 201) throw new Error(`write refused: ${res.status} ${await res.text()}`);
        acknowledged.push(((await res.json()) as { data: { id: string } }).data.id);
        if (acknowledged.length % 10 === 0) await recordCheckpoint();
      }
    };
    await Promise.all(Array.from({ length: 8 }, lane));
    await sleep(1500);
    await recordCheckpoint();
    // More writes in flight, never acknowledged, when the power goes.
    for (let i = 0; i < 8; i++) void at('POST', '/contacts', contact(++serial)).catch(() => undefined);
    await sleep(20);
    killGroup(portal.child, 'SIGKILL');
    await sleep(300);
    writeFileSync(fifo, 'lazyfs::clear-cache\n');
    await sleep(1000);

    portal = await startPortal();
    // Each loss and each fork is counted in the cut that caused it, then forgotten.
    let lost = 0;
    for (const [index, id] of [...acknowledged.entries()].reverse()) {
      if ((await at('GET', `/contacts/${id}`)).status !== 200) {
        lost += 1;
        acknowledged.splice(index, 1);
      }
    }
    // Grow the log past every published size, then check each published root against it.
    const largest = Math.max(0, ...published.keys());
    let latest = await servedCheckpoint();
    for (let n = 0; (latest?.size ?? 0) < largest + 1 && n < 2000; n++) {
      const res = await at('POST', '/contacts', contact(++serial));
      if (res.status === 201) acknowledged.push(((await res.json()) as { data: { id: string } }).data.id);
      else if (res.status === 503) break; // the log integrity check stopped the portal: reported below
      if (n % 10 === 9) latest = await servedCheckpoint();
    }
    await sleep(1500);
    latest = await servedCheckpoint();
    let forks = 0;
    const health = (await (await fetch(`${origin}/healthz`)).json()) as {
      status: string;
      conditions?: { code: string }[];
    };
    if (!latest || latest.size <= largest) {
      forks = published.size;
      published.clear();
      console.log(`  the restarted portal serves no checkpoint past ${largest} (health: ${JSON.stringify(health)})`);
    } else {
      for (const [size, root] of published) {
        const proof = await at('GET', `/log/proofs/consistency?first=${size}&second=${latest.size}`);
        const body = (await proof.json()) as { proof: string[]; second_root_hash: string };
        try {
          if (body.second_root_hash !== latest.root) throw new Error('second root is not the served one');
          await verifyConsistency(
            size,
            latest.size,
            body.proof.map(fromBase64),
            fromBase64(root),
            fromBase64(latest.root),
          );
        } catch {
          forks += 1;
          published.delete(size);
        }
      }
    }
    lostTotal += lost;
    forksTotal += forks;
    console.log(
      `  cut ${round}: ${lost} acknowledged writes lost (${acknowledged.length} kept so far); ${forks} of the ` +
        `checkpoints published before the cut inconsistent with the log after it (${published.size} ` +
        `consistent so far); health ${health.status}`,
    );
  }
  killGroup(portal.child, 'SIGTERM');
  await sleep(1000);
  console.log(
    lostTotal === 0 && forksTotal === 0
      ? 'power-loss: PASS, nothing acknowledged lost, nothing published forked'
      : `power-loss: FAIL, ${lostTotal} acknowledged writes lost, ${forksTotal} published checkpoints forked`,
  );
  return lostTotal === 0 && forksTotal === 0 ? 0 : 1;
}

let code = 1;
try {
  code = await main();
} catch (error) {
  console.error(`power-loss: ${(error as Error).stack ?? error}`);
} finally {
  for (const child of children.reverse()) killGroup(child, 'SIGKILL');
  await sleep(500);
  spawn('fusermount3', ['-u', mountDir], { stdio: 'ignore' }).once('exit', () => {
    rmSync(base, { recursive: true, force: true });
    process.exit(code);
  });
}
