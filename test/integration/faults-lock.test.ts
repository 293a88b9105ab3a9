// Another process holding the store's write lock (a long `openimds apply`) does not stall the
// service: its own writes wait at most the service's short busy timeout and then answer 503 (the
// guest retries), while reads go on; once the lock is released the same write succeeds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SERVICE_BUSY_TIMEOUT_MS } from '../../src/cli/common.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import { sendRaw, tcpTarget } from '../helpers/raw-http.js';
import { sampleInstance, sampleNetwork, samplePort, testUuid } from '../helpers/sample-instance.js';
import { startTestService } from '../helpers/test-service.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';

const NET = sampleNetwork(1, {
  subnets: [{ ...sampleNetwork(1).subnets[0]!, id: testUuid(0xb, 1), cidr: '127.0.0.0/8', gateway: null }],
});
const PASSWORD = '/openstack/latest/password';

test("a write lock held by another process makes the service's writes answer 503 fast, never stall reads", async (t) => {
  const dir = makeTmpDir(t);
  const path = join(dir, 'store.sqlite');
  const store = openSqliteStore({ path, busyTimeoutMs: SERVICE_BUSY_TIMEOUT_MS });
  t.after(() => store.close());
  const vm = sampleInstance(1);
  store.transaction(() => {
    store.putNetwork(NET);
    store.putInstance(vm);
    store.putPort(samplePort(1, vm.uuid, NET.id, ['127.0.0.1']));
  });
  const service = await startTestService(t, {
    store,
    configure: (c) => {
      c.directListeners = [{ listen: '127.0.0.1:0', network: NET.name }];
    },
  });
  const target = tcpTarget(service.address('direct'));

  // The other process: a connection of its own that takes the write lock and keeps it.
  const other = new Database(path);
  t.after(() => other.close());
  other.exec('BEGIN IMMEDIATE');
  const started = Date.now();
  const refused = await sendRaw(target, { method: 'POST', path: PASSWORD, body: 'first' });
  const waited = Date.now() - started;
  assert.equal(refused.status, 503, refused.body.toString());
  // Generous: the point is seconds versus the default 5 s wait, not a timing benchmark.
  assert.ok(waited < 3000, `answered after ${waited} ms`);
  const read = await sendRaw(target, { path: '/openstack/latest/meta_data.json' });
  assert.equal(read.status, 200);
  assert.equal((await sendRaw(target, { path: PASSWORD })).body.toString(), '', 'nothing was stored');

  other.exec('ROLLBACK');
  assert.equal((await sendRaw(target, { method: 'POST', path: PASSWORD, body: 'first' })).status, 200);
  assert.equal((await sendRaw(target, { path: PASSWORD })).body.toString(), 'first');
});
