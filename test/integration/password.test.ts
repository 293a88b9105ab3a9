// Reference checklist §5.4 (items 31–33), /openstack/<v>/password over HTTP through the signed
// listener: write-once, at most 1,020 bytes, GET and POST only — plus what Nova cannot promise
// (its cached "no password" lets a second POST through): exactly one of many concurrent POSTs wins,
// and the stored password survives a restart of the store.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import path from 'node:path';
import { errorPageBody } from '../../src/http/error-page.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import type { Store } from '../../src/store/store.js';
import { sendRaw, tcpTarget, type RawResponse, type Target } from '../helpers/raw-http.js';
import { sampleInstance, sampleNetwork, samplePort } from '../helpers/sample-instance.js';
import { startTestService } from '../helpers/test-service.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';

const SECRET = 's3cr3t';
const PASSWORD_PATH = '/openstack/latest/password';
const HTML = 'text/html; charset=UTF-8';
const INSTANCES = [1, 2, 3, 4].map((n) => sampleInstance(n));

function seed(store: Store): void {
  const net = sampleNetwork(1);
  store.transaction(() => {
    store.putNetwork(net);
    INSTANCES.forEach((instance, i) => {
      store.putInstance(instance);
      store.putPort(samplePort(i + 1, instance.uuid, net.id, [`10.0.0.${i + 10}`]));
    });
  });
}

async function serve(t: TestContext, store: Store): Promise<{ target: Target; close: () => Promise<void> }> {
  const service = await startTestService(t, {
    store,
    env: { OPENIMDS_SHARED_SECRET: SECRET },
    configure: (config) => {
      config.signedListen = '127.0.0.1:0';
    },
  });
  return { target: tcpTarget(service.address('signed')), close: service.close };
}

async function freshService(t: TestContext): Promise<Target> {
  const store = openSqliteStore({ path: ':memory:' });
  t.after(() => store.close());
  seed(store);
  return (await serve(t, store)).target;
}

function request(
  target: Target,
  instance: { uuid: string; projectId: string },
  method: string,
  body?: Buffer | string,
): Promise<RawResponse> {
  return sendRaw(target, {
    method,
    path: PASSWORD_PATH,
    headers: [
      ['X-Forwarded-For', '10.0.0.10'],
      ['X-Instance-ID', instance.uuid],
      ['X-Tenant-ID', instance.projectId],
      ['X-Instance-ID-Signature', createHmac('sha256', SECRET).update(instance.uuid).digest('hex')],
    ],
    ...(body === undefined ? {} : { body }),
  });
}

/** `n` bytes of base64-alphabet text, different for each `tag`. */
function passwordOf(n: number, tag: string): Buffer {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  let text = `${tag}:`;
  for (let i = 0; text.length < n; i++) text += alphabet[(i * 7 + tag.length) % alphabet.length];
  return Buffer.from(text.slice(0, n), 'ascii');
}

function assertEmptyOk(res: RawResponse): void {
  assert.equal(res.status, 200);
  assert.equal(res.headers['content-type'], HTML);
  assert.equal(res.body.length, 0);
}

function assertPage(res: RawResponse, status: number, explanation?: string): void {
  assert.equal(res.status, status, res.body.toString());
  assert.equal(res.headers['content-type'], HTML);
  assert.deepEqual(res.body, errorPageBody(status, explanation));
}

test('31-32 password: GET is empty until a POST of 1,020 bytes stores it, GET returns exactly those bytes, a second POST → 409', async (t) => {
  const target = await freshService(t);
  const vm = INSTANCES[0]!;
  assertEmptyOk(await request(target, vm, 'GET'));
  const password = passwordOf(1020, 'first');
  assert.equal(password.length, 1020);
  assertEmptyOk(await request(target, vm, 'POST', password));
  const stored = await request(target, vm, 'GET');
  assert.equal(stored.status, 200);
  assert.equal(stored.headers['content-type'], HTML);
  assert.deepEqual(stored.body, password);
  const second = await request(target, vm, 'POST', passwordOf(10, 'second'));
  // webob's HTTPConflict page, as Nova raises it (no explanation of its own).
  assertPage(second, 409);
  assert.match(second.body.toString(), /There was a conflict when trying to complete your request\./);
  assert.deepEqual((await request(target, vm, 'GET')).body, password);
});

test('33 password: POST of 1,021 bytes → 400 and nothing stored; PUT, DELETE and HEAD → 400 text/html', async (t) => {
  const target = await freshService(t);
  const vm = INSTANCES[1]!;
  assertPage(await request(target, vm, 'POST', passwordOf(1021, 'big')), 400, 'Request is too large.');
  assertEmptyOk(await request(target, vm, 'GET'));
  for (const method of ['PUT', 'DELETE']) {
    assertPage(await request(target, vm, method, 'abc'), 400, 'GET and POST only are supported.');
    assertPage(await request(target, vm, method), 400, 'GET and POST only are supported.');
  }
  const head = await request(target, vm, 'HEAD');
  assert.equal(head.status, 400);
  assert.equal(head.headers['content-type'], HTML);
  assert.equal(head.body.length, 0);
  assert.equal(
    Number(head.headers['content-length']),
    errorPageBody(400, 'GET and POST only are supported.').length,
  );
  // None of that stored anything: a POST still succeeds.
  assertEmptyOk(await request(target, vm, 'POST', 'ok'));
  assert.equal((await request(target, vm, 'GET')).body.toString(), 'ok');
});

test('password: exactly one of 50 concurrent POSTs wins (the others get 409) and the stored value is its body', async (t) => {
  const target = await freshService(t);
  const vm = INSTANCES[2]!;
  const bodies = Array.from({ length: 50 }, (_, i) => passwordOf(64, `racer-${i}`));
  const answers = await Promise.all(bodies.map((body) => request(target, vm, 'POST', body)));
  const winners = answers.flatMap((res, i) => (res.status === 200 ? [i] : []));
  assert.equal(winners.length, 1, `winners: ${winners.join(', ')}`);
  for (const [i, res] of answers.entries()) {
    if (i !== winners[0]) assertPage(res, 409);
  }
  assert.deepEqual((await request(target, vm, 'GET')).body, bodies[winners[0]!]);
});

test('password: a stored password survives closing and reopening the store (and the service)', async (t) => {
  const dir = makeTmpDir(t);
  const file = path.join(dir, 'openimds.sqlite');
  const vm = INSTANCES[3]!;
  const password = passwordOf(300, 'durable');

  const first = openSqliteStore({ path: file });
  let firstOpen = true;
  t.after(() => {
    if (firstOpen) first.close();
  });
  seed(first);
  const service1 = await serve(t, first);
  assertEmptyOk(await request(service1.target, vm, 'POST', password));
  // Stop everything: the service, then the store (its database connection).
  await service1.close();
  first.close();
  firstOpen = false;

  const second = openSqliteStore({ path: file });
  t.after(() => second.close());
  assert.equal(second.findInstance(vm.uuid)?.password, password.toString());
  const { target: target2 } = await serve(t, second);
  assert.deepEqual((await request(target2, vm, 'GET')).body, password);
  assertPage(await request(target2, vm, 'POST', 'again'), 409);
});
