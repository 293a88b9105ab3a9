// The tagged listener (Neutron's proxy→agent protocol, reference §3.4–3.5) over its UNIX socket:
// requests as Neutron's namespace haproxy forwards them (X-Forwarded-For plus X-Neutron-Network-ID,
// X-Neutron-Router-ID or X-OVN-Network-ID), overlapping tenant addresses, router mode, and a real
// haproxy configured as Neutron configures it in front of the socket.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';
import { errorPageBody } from '../../src/http/error-page.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import type { Store } from '../../src/store/store.js';
import { requirePrereq } from '../helpers/prereq.js';
import { sendRaw, type RawResponse, type Target } from '../helpers/raw-http.js';
import { sampleInstance, sampleNetwork, samplePort, testUuid } from '../helpers/sample-instance.js';
import { startTestService } from '../helpers/test-service.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';
import { freePort } from '../helpers/free-port.js';

const META = '/openstack/latest/meta_data.json';
const ROUTER = { id: testUuid(0xd, 1), name: 'router-1' };
const loopback = (n: number) => ({
  ...sampleNetwork(n).subnets[0]!,
  id: testUuid(0xb, n),
  cidr: '127.0.0.0/8',
  gateway: null,
});

// Two tenants with the same 10.0.0.0/24 and the same guest address 10.0.0.5; a third network on the
// router with another subnet; two more on 127.0.0.0/8 for haproxy, whose client address is 127.0.0.1.
const NET1 = sampleNetwork(1, { routerId: ROUTER.id });
const NET2 = sampleNetwork(2);
const NET3 = sampleNetwork(3, {
  routerId: ROUTER.id,
  subnets: [{ ...sampleNetwork(3).subnets[0]!, cidr: '10.0.1.0/24', gateway: '10.0.1.1' }],
});
const NET4 = sampleNetwork(4, { subnets: [loopback(4)] });
const NET5 = sampleNetwork(5, { subnets: [loopback(5)] });
const VM = [1, 2, 3, 4, 5].map((n) => sampleInstance(n));
const PLACEMENT: Array<[number, string, string]> = [
  [0, NET1.id, '10.0.0.5'],
  [1, NET2.id, '10.0.0.5'],
  [2, NET3.id, '10.0.1.7'],
  [3, NET4.id, '127.0.0.1'],
  [4, NET5.id, '127.0.0.1'],
];

async function setup(t: TestContext): Promise<{ store: Store; socket: string; target: Target }> {
  const store = openSqliteStore({ path: ':memory:' });
  t.after(() => store.close());
  store.transaction(() => {
    store.putRouter(ROUTER);
    for (const net of [NET1, NET2, NET3, NET4, NET5]) store.putNetwork(net);
    for (const [i, networkId, ip] of PLACEMENT) {
      store.putInstance(VM[i]!);
      store.putPort(samplePort(i + 1, VM[i]!.uuid, networkId, [ip]));
    }
  });
  const dir = makeTmpDir(t);
  const socket = path.join(dir, 'tagged.sock');
  await startTestService(t, {
    store,
    configure: (config) => {
      config.taggedSocket = socket;
    },
  });
  return { store, socket, target: { socketPath: socket } };
}

function uuidOf(res: RawResponse): string {
  assert.equal(res.status, 200, res.body.toString());
  assert.equal(res.headers['content-type'], 'application/json');
  return (JSON.parse(res.body.toString('utf8')) as { uuid: string }).uuid;
}

const get = (target: Target, headers: Array<[string, string]>, p = META) =>
  sendRaw(target, { path: p, headers });

test('tagged listener: two tenants sharing 10.0.0.5 on different networks each get their own meta_data.json (X-Neutron-Network-ID)', async (t) => {
  const { target } = await setup(t);
  const one = await get(target, [
    ['X-Forwarded-For', '10.0.0.5'],
    ['X-Neutron-Network-ID', NET1.id],
  ]);
  assert.equal(uuidOf(one), VM[0]!.uuid);
  const two = await get(target, [
    ['X-Forwarded-For', '10.0.0.5'],
    ['X-Neutron-Network-ID', NET2.id],
  ]);
  assert.equal(uuidOf(two), VM[1]!.uuid);
  // The EC2 tree follows the same identity.
  const hostname = await get(
    target,
    [
      ['X-Forwarded-For', '10.0.0.5'],
      ['X-Neutron-Network-ID', NET2.id],
    ],
    '/latest/meta-data/hostname',
  );
  assert.equal(hostname.body.toString(), 'vm-2.novalocal');
});

test('tagged listener: X-OVN-Network-ID selects the network as X-Neutron-Network-ID does', async (t) => {
  const { target } = await setup(t);
  const res = await get(target, [
    ['X-Forwarded-For', '10.0.0.5'],
    ['X-OVN-Network-ID', NET2.id],
  ]);
  assert.equal(uuidOf(res), VM[1]!.uuid);
});

test("tagged listener: X-Neutron-Router-ID resolves the address across the router's networks only", async (t) => {
  const { target } = await setup(t);
  const router = (ip: string) =>
    get(target, [
      ['X-Forwarded-For', ip],
      ['X-Neutron-Router-ID', ROUTER.id],
    ]);
  // NET1 is on the router, NET2 (same address) is not: no ambiguity.
  assert.equal(uuidOf(await router('10.0.0.5')), VM[0]!.uuid);
  assert.equal(uuidOf(await router('10.0.1.7')), VM[2]!.uuid);
  // 127.0.0.1 exists on NET4 and NET5, neither on the router.
  const off = await router('127.0.0.1');
  assert.equal(off.status, 404);
  assert.deepEqual(off.body, errorPageBody(404, `Instance was not found on router ${ROUTER.id}.`));
});

test('tagged listener: both a network and a router id → 400; an unknown address or network → 404; a forged comma list never matches', async (t) => {
  const { target } = await setup(t);
  const both = await get(target, [
    ['X-Forwarded-For', '10.0.0.5'],
    ['X-Neutron-Network-ID', NET1.id],
    ['X-Neutron-Router-ID', ROUTER.id],
  ]);
  assert.equal(both.status, 400);
  assert.deepEqual(both.body, errorPageBody(400, `Both network ${NET1.id} and router ${ROUTER.id} defined.`));

  const unknown = await get(target, [
    ['X-Forwarded-For', '10.0.0.99'],
    ['X-Neutron-Network-ID', NET1.id],
  ]);
  assert.equal(unknown.status, 404);
  assert.deepEqual(unknown.body, errorPageBody(404, `Instance was not found on network ${NET1.id}.`));

  const otherNetwork = await get(target, [
    ['X-Forwarded-For', '10.0.0.5'],
    ['X-Neutron-Network-ID', testUuid(0xa, 99)],
  ]);
  assert.equal(otherNetwork.status, 404);

  // A guest-supplied X-Forwarded-For plus the proxy's own: "spoofed, real" is not an address.
  const forged = await get(target, [
    ['X-Forwarded-For', '10.0.0.5, 10.0.0.99'],
    ['X-Neutron-Network-ID', NET1.id],
  ]);
  assert.equal(forged.status, 404);
  // No identity headers at all.
  assert.equal((await get(target, [])).status, 400);
});

// --- a real haproxy in front, configured as neutron/agent/metadata/driver_base.py writes it

function haproxyConfig(port: number, socket: string, networkId: string): string {
  return `global
    maxconn 1024

defaults
    mode http
    option httplog
    option dontlognull
    option http-server-close
    option forwardfor
    retries                 3
    timeout http-request    30s
    timeout connect         30s
    timeout client          32s
    timeout server          32s
    timeout http-keep-alive 30s

listen listener
    bind 127.0.0.1:${port}
    server metadata ${socket}

    http-request del-header X-Neutron-Router-ID
    http-request set-header X-Neutron-Network-ID ${networkId}
`;
}

async function waitForPort(port: number, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`haproxy exited (${child.exitCode}):\n${output()}`);
    const up = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (up) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`haproxy did not listen on 127.0.0.1:${port} within 5 s:\n${output()}`);
}

async function startHaproxy(t: TestContext, socket: string, networkId: string): Promise<Target> {
  const dir = makeTmpDir(t);
  const port = await freePort();
  const cfg = path.join(dir, 'haproxy.cfg');
  writeFileSync(cfg, haproxyConfig(port, socket, networkId));
  const check = spawn('haproxy', ['-c', '-f', cfg], { stdio: ['ignore', 'pipe', 'pipe'] });
  let checkOut = '';
  check.stdout!.on('data', (d: Buffer) => (checkOut += d));
  check.stderr!.on('data', (d: Buffer) => (checkOut += d));
  const checkCode = await new Promise<number | null>((resolve) => check.on('exit', resolve));
  assert.equal(checkCode, 0, `haproxy -c rejected the configuration:\n${checkOut}`);

  const child = spawn('haproxy', ['-f', cfg, '-db'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d));
  child.stderr!.on('data', (d: Buffer) => (out += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
      await exited;
      clearTimeout(timer);
    }
  });
  await waitForPort(port, child, () => out);
  return { host: '127.0.0.1', port };
}

test("tagged listener behind a real haproxy set up as Neutron's namespace proxy: the network id comes from haproxy, never from the guest", async (t) => {
  if (!requirePrereq(t, { commands: ['haproxy'] })) return;
  const { socket } = await setup(t);
  const proxy = await startHaproxy(t, socket, NET4.id);

  // The guest at 127.0.0.1 on NET4 (haproxy adds X-Forwarded-For: 127.0.0.1 and the network id).
  const plain = await get(proxy, []);
  assert.equal(uuidOf(plain), VM[3]!.uuid);

  // A guest claiming the other network (where 127.0.0.1 is another instance): overwritten by haproxy.
  const spoofNetwork = await get(proxy, [['X-Neutron-Network-ID', NET5.id]]);
  assert.equal(uuidOf(spoofNetwork), VM[3]!.uuid);
  // A guest-supplied router id is deleted (else "both defined" → 400).
  const spoofRouter = await get(proxy, [['X-Neutron-Router-ID', ROUTER.id]]);
  assert.equal(uuidOf(spoofRouter), VM[3]!.uuid);
  // A guest-supplied X-Forwarded-For is kept and the real one appended: never another guest's data.
  const spoofAddress = await get(proxy, [['X-Forwarded-For', '10.0.0.5']]);
  assert.equal(spoofAddress.status, 404);

  // EC2 paths and the user data go through the same way.
  const userData = await get(proxy, [], '/latest/user-data');
  assert.equal(userData.status, 200);
  assert.deepEqual(userData.body, VM[3]!.userData);
});
