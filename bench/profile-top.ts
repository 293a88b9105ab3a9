// node dist/bench/profile-top.js FILE.cpuprofile [N] [--total]: the top N functions (default 25) by
// self time, or by total time with --total. For the profiles `npm run bench -- --cpu-prof DIR` keeps.
import { readFileSync } from 'node:fs';
import { rankFunctions, type CpuProfile } from './lib/cpuprofile-top.js';
import { fixed, markdownTable } from './lib/table.js';

const args = process.argv.slice(2);
const file = args.find((a) => !a.startsWith('--') && !/^\d+$/.test(a));
const count = Number(args.find((a) => /^\d+$/.test(a)) ?? 25);
const byTotal = args.includes('--total');
if (file === undefined) {
  process.stderr.write('Usage: node dist/bench/profile-top.js FILE.cpuprofile [N] [--total]\n');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
const { totalMs, functions } = rankFunctions(profile);
// Idle time says nothing about the cost of a request: shares are of the busy time.
const idleMs = functions.filter((f) => f.name === '(idle)').reduce((a, f) => a + f.selfMs, 0);
const busyMs = totalMs - idleMs;
const ranked = functions
  .filter((f) => f.name !== '(idle)' && f.name !== '(root)')
  .sort((a, b) => (byTotal ? b.totalMs - a.totalMs : b.selfMs - a.selfMs))
  .slice(0, count);
process.stdout.write(`${file}: ${fixed(totalMs / 1000, 2)} s sampled, ${fixed(busyMs / 1000, 2)} s busy\n\n`);
process.stdout.write(
  markdownTable(
    [
      { title: 'function' },
      { title: 'where' },
      { title: 'self ms', align: 'right' },
      { title: 'self %', align: 'right' },
      { title: 'total %', align: 'right' },
    ],
    ranked.map((f) => [
      f.name,
      f.where,
      fixed(f.selfMs, 0),
      fixed((100 * f.selfMs) / busyMs, 1),
      fixed((100 * f.totalMs) / busyMs, 1),
    ]),
  ) + '\n',
);
