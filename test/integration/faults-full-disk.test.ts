// Faults: the store's filesystem fills up (a small tmpfs of our own, filled to the last byte) under
// the real `openimds serve`. Every write path — the admin API, `openimds apply`, a guest's password
// POST — fails cleanly with STORE_FULL (admin 507, CLI exit 6, guest 503) and writes nothing; guests
// keep reading their metadata (200), also for documents never read before; once space is freed the
// same writes succeed without a restart; integrity_check stays ok. Needs root (mount); loopback only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { requirePrereq } from '../helpers/prereq.js';
import { sendRaw, type RawResponse } from '../helpers/raw-http.js';
import { runCli, startServe } from '../helpers/serve-child.js';
import { fillTmpfs, mountTmpfs } from '../helpers/tmpfs.js';

const TMPFS_BYTES = 8 * 1024 * 1024;
const TOKEN = 'faults-full-disk-token-0123456789';
const META = '/openstack/latest/meta_data.json';

const INVENTORY = `networks:
  - name: lo
    cidr: 127.0.0.0/8
    gateway: null
instances:
  - name: g1
    metadata: {state: before}
    ports: [{network: lo, ip: 127.0.0.1}]
  - name: g2
    user_data: "#cloud-config\\nhostname: g2\\n"
    ports: [{network: lo, ip: 127.0.0.2}]
`;
/** The change every write path tries: g1's metadata, plus user data big enough to need new pages. */
const CHANGED = INVENTORY.replace(
  '{state: before}',
  `{state: after}\n    user_data: "${'x'.repeat(60_000)}"`,
);

interface ErrorBody {
  error: { code: string; message: string; hint?: string };
}

test('a full filesystem: writes fail with STORE_FULL (admin 507, CLI exit 6, guest 503), guests still read, writes resume once freed', async (t) => {
  if (!requirePrereq(t, { root: true, commands: ['mount', 'umount'] })) return;
  const dir = mountTmpfs(t, TMPFS_BYTES);
  const database = join(dir, 'openimds.sqlite');
  const before = join(dir, 'before.yaml');
  const changed = join(dir, 'changed.yaml');
  writeFileSync(before, INVENTORY);
  writeFileSync(changed, CHANGED);
  const applied = await runCli(['apply', '-f', before, '--data-dir', dir]);
  assert.equal(applied.code, 0, applied.err);

  const serve = await startServe(
    t,
    ['--data-dir', dir, '--signed-listen', '', '--direct', '127.0.0.1:0=lo', '--admin-listen', '127.0.0.1:0'],
    { env: { OPENIMDS_ADMIN_TOKEN: TOKEN } },
  );
  const port = Number(serve.endpoints['direct']!.split(':')[1]);
  const adminPort = Number(serve.endpoints['admin']!.split(':')[1]);
  const guest = (ip: string, path = META, method = 'GET', body?: string): Promise<RawResponse> =>
    sendRaw(
      { host: '127.0.0.1', port, localAddress: ip },
      { method, path, ...(body === undefined ? {} : { body }) },
    );
  const admin = (method: string, path: string, body: string, type: string): Promise<RawResponse> =>
    sendRaw(
      { host: '127.0.0.1', port: adminPort },
      {
        method,
        path,
        body,
        headers: [
          ['Authorization', `Bearer ${TOKEN}`],
          ['Content-Type', type],
        ],
      },
    );
  assert.equal((await guest('127.0.0.1')).status, 200);

  const free = fillTmpfs(dir, TMPFS_BYTES);
  t.after(free);
  const wal = statSync(`${database}-wal`).size;

  // Admin API: 507 with the code, a message naming the file, and a hint.
  const put = await admin('POST', '/v1/inventory', CHANGED, 'application/yaml');
  assert.equal(put.status, 507, put.body.toString());
  const err = (JSON.parse(put.body.toString()) as ErrorBody).error;
  assert.equal(err.code, 'STORE_FULL');
  assert.match(err.message, /Cannot write to store ".*openimds\.sqlite" as its filesystem is full/);
  assert.match(err.hint ?? '', /Free space on the filesystem/);
  // A small single-object edit fails the same way.
  const edit = await admin(
    'PUT',
    '/v1/networks/lo',
    '{"name":"lo","cidr":"127.0.0.0/8","gateway":null,"mtu":1400}',
    'application/json',
  );
  assert.equal(edit.status, 507, edit.body.toString());

  // openimds apply, beside the running service: exit 6 and the same error.
  const cli = await runCli(['apply', '-f', changed, '--data-dir', dir]);
  assert.equal(cli.code, 6, cli.err);
  assert.match(cli.err, /error STORE_FULL: Cannot write to store .* as its filesystem is full/);
  assert.match(cli.err, /hint: Free space on the filesystem/);

  // A guest's password POST: 503 (retry later), nothing stored.
  const post = await guest('127.0.0.2', '/openstack/latest/password', 'POST', 'secret-of-g2');
  assert.equal(post.status, 503, post.body.toString());
  assert.match(post.body.toString(), /cannot store this now/);

  // Reads go on: a cached document, and ones never rendered before.
  const g1 = await guest('127.0.0.1');
  assert.equal(g1.status, 200);
  assert.deepEqual((JSON.parse(g1.body.toString()) as { meta: unknown }).meta, { state: 'before' });
  const g2 = await guest('127.0.0.2');
  assert.equal(g2.status, 200);
  assert.equal(
    (await guest('127.0.0.2', '/latest/user-data')).body.toString(),
    '#cloud-config\nhostname: g2\n',
  );
  assert.equal((await guest('127.0.0.2', '/openstack/latest/password')).body.toString(), '');
  t.diagnostic(`WAL ${wal} bytes before the failed writes, ${statSync(`${database}-wal`).size} after`);
  assert.match(serve.log(), /"event":"admin.store_failed".*"code":"STORE_FULL"/);
  assert.match(serve.log(), /"event":"listener.store_failed".*"code":"STORE_FULL"/);

  // Space again: the same writes succeed, no restart.
  free();
  assert.equal((await admin('POST', '/v1/inventory', CHANGED, 'application/yaml')).status, 200);
  assert.equal((await guest('127.0.0.2', '/openstack/latest/password', 'POST', 'secret-of-g2')).status, 200);
  const g1After = JSON.parse((await guest('127.0.0.1')).body.toString()) as { meta: unknown };
  assert.deepEqual(g1After.meta, { state: 'after' });
  assert.equal((await guest('127.0.0.2', '/openstack/latest/password')).body.toString(), 'secret-of-g2');

  // Full again with no service running: opening the store needs its -shm file, so even the open fails.
  await serve.kill('SIGTERM');
  const refill = fillTmpfs(dir, TMPFS_BYTES);
  t.after(refill);
  const stopped = await runCli(['apply', '-f', before, '--data-dir', dir]);
  assert.equal(stopped.code, 6, stopped.err);
  assert.match(stopped.err, /error STORE_FULL: Cannot (open|write to) store .* as its filesystem is full/);
  refill();

  const db = new Database(database, { readonly: true });
  try {
    assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
  } finally {
    db.close();
  }
});
