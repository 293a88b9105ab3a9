// stopStaleDnsmasq ends the process its pid file names only when that process carries the same
// --pid-file: a recycled pid belongs to someone else and is left alone. Real processes, no root.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stopStaleDnsmasq } from '../../src/net/stop-stale-dnsmasq.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';

function sleeper(t: TestContext, ...extra: string[]): ChildProcess {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)', '--', ...extra], {
    stdio: 'ignore',
  });
  t.after(() => void child.kill('SIGKILL'));
  return child;
}

const exited = (child: ChildProcess) =>
  new Promise<NodeJS.Signals | number | null>((resolve) =>
    child.once('exit', (code, sig) => resolve(sig ?? code)),
  );

test('stopStaleDnsmasq() ends the process that carries our --pid-file', async (t) => {
  const pidFile = join(makeTmpDir(t), 'pid');
  const child = sleeper(t, `--pid-file=${pidFile}`);
  const gone = exited(child);
  writeFileSync(pidFile, `${child.pid}\n`);
  await new Promise((r) => setTimeout(r, 100)); // let it exec node before /proc/<pid>/cmdline is read
  assert.equal(await stopStaleDnsmasq(pidFile), child.pid);
  assert.equal(await gone, 'SIGTERM');
});

test('stopStaleDnsmasq() leaves a process alone whose command line names another pid file', async (t) => {
  const pidFile = join(makeTmpDir(t), 'pid');
  const child = sleeper(t, '--pid-file=/elsewhere/pid');
  writeFileSync(pidFile, `${child.pid}\n`);
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(await stopStaleDnsmasq(pidFile), undefined);
  assert.equal(child.exitCode, null);
  assert.equal(child.signalCode, null);
});

test('stopStaleDnsmasq() is a no-op without a pid file', async (t) => {
  assert.equal(await stopStaleDnsmasq(join(makeTmpDir(t), 'missing')), undefined);
});
