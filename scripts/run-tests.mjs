#!/usr/bin/env node
// Runs every compiled test file under dist/test with Node's own test runner, in two phases:
// unit and integration files in parallel, then the end-to-end files (network namespaces, real
// daemons, real cloud-init) one at a time, so their timeouts never compete for the machine's 2 cores.
// Usage: node scripts/run-tests.mjs [substring ...]   (only files whose path contains a substring)
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

const filters = process.argv.slice(2);
const files = walk('dist/test')
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .sort();
if (files.length === 0) {
  console.error(`run-tests: no test files match ${filters.join(' ') || '(all)'} under dist/test`);
  process.exit(1);
}
const isE2e = (f) => f.startsWith(join('dist', 'test', 'e2e'));
const phases = [
  { files: files.filter((f) => !isE2e(f)), concurrency: process.env.TEST_CONCURRENCY ?? 2 },
  { files: files.filter(isE2e), concurrency: 1 },
];
let status = 0;
for (const phase of phases) {
  if (phase.files.length === 0) continue;
  const result = spawnSync(
    process.execPath,
    ['--test', '--test-reporter=spec', `--test-concurrency=${phase.concurrency}`, ...phase.files],
    { stdio: 'inherit' },
  );
  if (result.status !== 0) status = result.status ?? 1;
}
process.exit(status);
