/**
 * The top self-time functions of a V8 CPU profile (node --cpu-prof), and the same grouped
 * by file, to see where a request's CPU goes:
 *
 *   BENCH_SERVER_NODE_FLAGS="--cpu-prof --cpu-prof-dir=/tmp/prof" npm run bench
 *   npx tsx test/bench/profile-top.ts /tmp/prof/*.cpuprofile [top=25]
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const args = process.argv.slice(2);
const top = Number(args.find((arg) => /^\d+$/.test(arg)) ?? 25);
const files = args.filter((arg) => !/^\d+$/.test(arg));
if (!files.length) {
  console.error('usage: profile-top.ts FILE.cpuprofile... [top]');
  process.exit(2);
}

const selfByFunction = new Map<string, number>();
const selfByFile = new Map<string, number>();
let total = 0;
let idle = 0;
const shortUrl = (url: string) =>
  url
    .replace(/^file:\/\//, '')
    .replace(/^.*\/node_modules\//, 'npm:')
    .replace(/^.*\/(src|test|clients)\//, '$1/');

for (const file of files) {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  profile.samples.forEach((id, i) => {
    const micros = profile.timeDeltas[i] ?? 0;
    const frame = byId.get(id)!.callFrame;
    total += micros;
    if (frame.functionName === '(idle)') {
      idle += micros;
      return;
    }
    const where = shortUrl(frame.url) || '(native)';
    const name = `${frame.functionName || '(anonymous)'}  ${where}:${frame.lineNumber + 1}`;
    selfByFunction.set(name, (selfByFunction.get(name) ?? 0) + micros);
    const group = where.startsWith('npm:')
      ? where
          .split('/')
          .slice(0, where.startsWith('npm:@') ? 2 : 1)
          .join('/')
      : where;
    selfByFile.set(group, (selfByFile.get(group) ?? 0) + micros);
  });
}

const busy = total - idle;
const print = (title: string, entries: Map<string, number>) => {
  console.log(title);
  for (const [name, micros] of [...entries].sort((a, b) => b[1] - a[1]).slice(0, top))
    console.log(
      `  ${((micros / busy) * 100).toFixed(1).padStart(5)} %  ${(micros / 1000).toFixed(0).padStart(7)} ms  ${name}`,
    );
};
console.log(
  `${files.length} profile(s): ${(busy / 1000).toFixed(0)} ms busy of ${(total / 1000).toFixed(0)} ms sampled`,
);
print(`top ${top} functions by self time (share of busy time):`, selfByFunction);
print(`top ${top} files or packages by self time:`, selfByFile);
