// Secrets never leak (issue 7 §8): the shared secret and the admin token, read from files, appear
// neither in `ps` output (/proc/PID/cmdline) nor in any log line — at debug level, through good and
// bad signed requests and a bad admin token — and the service warns about a world-readable secret.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sendRaw, tcpTarget } from '../helpers/raw-http.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';

const MAIN = 'dist/src/cli/main.js';
const SECRET = 'shared-secret-5f0c1e9a7b3d';
const ADMIN = 'admin-token-8e2a4c6b1d3f';

test('the shared secret and admin token appear in no log line and not in the command line', async (t) => {
  const dir = makeTmpDir(t);
  const secretFile = join(dir, 'secret');
  writeFileSync(secretFile, `${SECRET}\n`);
  chmodSync(secretFile, 0o644); // world-readable: the service must warn
  writeFileSync(join(dir, 'admin-token'), `${ADMIN}\n`, { mode: 0o600 });
  const child = spawn(
    process.execPath,
    [
      MAIN,
      'serve',
      '--demo',
      '--data-dir',
      dir,
      '--signed-listen',
      '127.0.0.1:0',
      '--shared-secret-file',
      secretFile,
      '--admin-listen',
      '127.0.0.1:0',
      '--direct',
      '127.0.0.1:0=demo',
      '--log-level',
      'debug',
    ],
    {
      env: { ...process.env, OPENIMDS_LOG_FORMAT: 'json', OPENIMDS_CONFIG: '/dev/null' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  t.after(() => void child.kill('SIGKILL'));
  let logs = '';
  child.stdout.on('data', (d: Buffer) => (logs += d.toString()));
  child.stderr.on('data', (d: Buffer) => (logs += d.toString()));
  const deadline = Date.now() + 15_000;
  while (!logs.includes('"service.started"')) {
    if (Date.now() > deadline || child.exitCode !== null) assert.fail(`serve did not start: ${logs}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const started = logs.split('\n').find((l) => l.includes('"service.started"'))!;
  const { endpoints } = JSON.parse(started) as { endpoints: Array<{ kind: string; address: string }> };
  const at = (kind: string) => tcpTarget(endpoints.find((e) => e.kind === kind)!.address);

  const cmdline = readFileSync(`/proc/${child.pid}/cmdline`, 'utf8');
  assert.ok(!cmdline.includes(SECRET) && !cmdline.includes(ADMIN), 'no secret in the command line');

  const instances = await sendRaw(at('admin'), {
    path: '/v1/instances',
    headers: [['Authorization', `Bearer ${ADMIN}`]],
  });
  assert.equal(instances.status, 200);
  const uuid = (JSON.parse(instances.body.toString()) as Array<{ uuid: string }>)[0]!.uuid;
  assert.equal(
    (await sendRaw(at('admin'), { path: '/v1/instances', headers: [['Authorization', `Bearer ${SECRET}`]] }))
      .status,
    401,
  );
  const signed = (signature: string) =>
    sendRaw(at('signed'), {
      path: '/openstack/latest/meta_data.json',
      headers: [
        ['X-Instance-ID', uuid],
        ['X-Tenant-ID', 'demo'],
        ['X-Instance-ID-Signature', signature],
        ['X-Forwarded-For', '127.0.0.1'],
      ],
    });
  const good = createHmac('sha256', SECRET).update(uuid).digest('hex');
  assert.notEqual((await signed(good)).status, 403);
  assert.equal((await signed(createHmac('sha256', 'wrong').update(uuid).digest('hex'))).status, 403);
  assert.equal((await signed(SECRET)).status, 403);

  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
  assert.match(logs, /is readable by every user/, 'a world-readable secret file is warned about');
  assert.ok(
    !logs.includes(SECRET),
    `the shared secret is in no log line: ${logs
      .split('\n')
      .filter((l) => l.includes(SECRET))
      .join('\n')}`,
  );
  assert.ok(!logs.includes(ADMIN), 'the admin token is in no log line');
  assert.ok(!logs.includes(good), 'no valid signature is logged either');
});
