// Guest-facing policies over real listeners (docs/security.md): the session-token policy per instance
// and as a default (optional, audit, required; EC2 paths or all), the required header, fair admission
// (per-instance bucket → 429 with Retry-After) and the connection caps. Guests are loopback addresses:
// 127.0.0.1 is instance A, 127.0.0.2 is B, 127.0.0.3 is C.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import type { Config } from '../../src/config.js';
import type { HttpTokens } from '../../src/model/instance.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import type { Store } from '../../src/store/store.js';
import { sendRaw, tcpTarget, type RawRequest, type RawResponse } from '../helpers/raw-http.js';
import { sampleInstance, sampleNetwork, samplePort, testUuid } from '../helpers/sample-instance.js';
import { startTestService } from '../helpers/test-service.js';

const NET = sampleNetwork(1, {
  subnets: [{ ...sampleNetwork(1).subnets[0]!, id: testUuid(0xb, 1), cidr: '127.0.0.0/8', gateway: null }],
});
const EC2_LEAF = '/latest/meta-data/instance-id';
const OS_META = '/openstack/latest/meta_data.json';

interface Setup {
  store: Store;
  send(req: RawRequest, from?: string): Promise<RawResponse>;
  admin(path: string): Promise<RawResponse>;
  directAddress: string;
}

async function setup(
  t: TestContext,
  policies: Array<HttpTokens | null>,
  configure: (config: Config) => void = () => {},
): Promise<Setup> {
  const store = openSqliteStore({ path: ':memory:' });
  t.after(() => store.close());
  store.transaction(() => {
    store.putNetwork(NET);
    policies.forEach((httpTokens, i) => {
      const vm = sampleInstance(i + 1, { httpTokens });
      store.putInstance(vm);
      store.putPort(samplePort(i + 1, vm.uuid, NET.id, [`127.0.0.${i + 1}`]));
    });
  });
  const service = await startTestService(t, {
    store,
    configure: (config) => {
      config.directListeners = [{ listen: '127.0.0.1:0', network: NET.name }];
      config.adminListen = '127.0.0.1:0';
      configure(config);
    },
  });
  const direct = service.address('direct');
  const token = readFileSync(`${service.dataDir}/admin-token`, 'utf8').trim();
  return {
    store,
    directAddress: direct,
    send: (req, from = '127.0.0.1') => sendRaw(tcpTarget(direct, from), req),
    admin: (path) =>
      sendRaw(tcpTarget(service.address('admin')), { path, headers: [['Authorization', `Bearer ${token}`]] }),
  };
}

async function tokenFor(s: Setup, from: string): Promise<string> {
  const res = await s.send(
    { method: 'PUT', path: '/latest/api/token', headers: [['X-aws-ec2-metadata-token-ttl-seconds', '60']] },
    from,
  );
  assert.equal(res.status, 200, res.body.toString());
  return res.body.toString();
}

const withToken = (path: string, token: string): RawRequest => ({
  path,
  headers: [['X-aws-ec2-metadata-token', token]],
});

test('http_tokens: required answers 401 without a token on EC2 paths, serves with one; OpenStack paths stay open', async (t) => {
  const s = await setup(t, ['required', null]);
  const denied = await s.send({ path: EC2_LEAF });
  assert.equal(denied.status, 401);
  assert.match(denied.body.toString(), /session token is required/);
  assert.equal((await s.send({ path: '/latest/meta-data/' })).status, 401);
  const token = await tokenFor(s, '127.0.0.1');
  const served = await s.send(withToken(EC2_LEAF, token));
  assert.equal(served.status, 200);
  assert.match(served.body.toString(), /^i-[0-9a-f]{8}$/);
  // A token of another instance is no token for this one.
  const bToken = await tokenFor(s, '127.0.0.2');
  assert.equal((await s.send(withToken(EC2_LEAF, bToken))).status, 401);
  // OpenStack clients (cloud-init's OpenStack datasource) send no tokens: paths: ec2 leaves them open.
  assert.equal((await s.send({ path: OS_META })).status, 200);
  // B has no policy of its own: the default (optional) applies.
  assert.equal((await s.send({ path: EC2_LEAF }, '127.0.0.2')).status, 200);
});

test('http_tokens default applies to instances without one; an instance may relax it; paths: all covers /openstack', async (t) => {
  const s = await setup(t, [null, 'optional'], (c) => {
    c.httpTokens = 'required';
    c.httpTokensPaths = 'all';
  });
  assert.equal((await s.send({ path: EC2_LEAF })).status, 401);
  assert.equal((await s.send({ path: OS_META })).status, 401);
  const token = await tokenFor(s, '127.0.0.1');
  assert.equal((await s.send(withToken(OS_META, token))).status, 200);
  // GET / and the health check identify nobody and stay open.
  assert.equal((await s.send({ path: '/' })).status, 200);
  assert.equal((await s.send({ path: '/healthcheck' })).status, 200);
  // B relaxed its own policy.
  assert.equal((await s.send({ path: EC2_LEAF }, '127.0.0.2')).status, 200);
  assert.equal((await s.send({ path: OS_META }, '127.0.0.2')).status, 200);
});

test('http_tokens: audit serves tokenless requests and counts them per instance (GET /v1/token-audit)', async (t) => {
  const s = await setup(t, ['audit', null]);
  for (let i = 0; i < 3; i++) assert.equal((await s.send({ path: EC2_LEAF })).status, 200);
  const token = await tokenFor(s, '127.0.0.1');
  assert.equal((await s.send(withToken(EC2_LEAF, token))).status, 200);
  // An invalid token is still refused: audit relaxes nothing that is checked today.
  assert.equal((await s.send(withToken(EC2_LEAF, 'not-a-token'))).status, 401);
  assert.equal((await s.send({ path: OS_META })).status, 200); // not covered: not counted
  assert.equal((await s.send({ path: EC2_LEAF }, '127.0.0.2')).status, 200); // optional: not counted
  const res = await s.admin('/v1/token-audit');
  assert.equal(res.status, 200);
  const report = JSON.parse(res.body.toString()) as {
    instances: Array<{
      instance_name: string;
      tokenless_requests: number;
      token_requests: number;
      last_tokenless_path: string;
    }>;
  };
  assert.deepEqual(
    report.instances.map((e) => [
      e.instance_name,
      e.tokenless_requests,
      e.token_requests,
      e.last_tokenless_path,
    ]),
    [['vm-1', 3, 1, '/latest/meta-data/instance-id']],
  );
});

test('http_tokens changes take effect on the next request, without a restart', async (t) => {
  const s = await setup(t, [null]);
  assert.equal((await s.send({ path: EC2_LEAF })).status, 200);
  const vm = s.store.findInstance(sampleInstance(1).uuid)!;
  s.store.putInstance({ ...sampleInstance(1), httpTokens: 'required', ec2Id: vm.ec2Id });
  assert.equal((await s.send({ path: EC2_LEAF })).status, 401);
});

test('required_header: requests without it get 403 before identification; the health check stays open', async (t) => {
  const s = await setup(t, [null], (c) => {
    c.requiredHeader = 'Metadata-Flavor: openimds';
  });
  const denied = await s.send({ path: OS_META });
  assert.equal(denied.status, 403);
  assert.match(denied.body.toString(), /Metadata-Flavor: openimds/);
  assert.equal((await s.send({ path: OS_META, headers: [['Metadata-Flavor', 'other']] })).status, 403);
  assert.equal((await s.send({ path: OS_META, headers: [['metadata-flavor', 'openimds']] })).status, 200);
  assert.equal((await s.send({ path: '/healthcheck' })).status, 200);
});

test('fair admission: past its burst an instance gets 429 with Retry-After while another is served', async (t) => {
  const s = await setup(t, [null, null], (c) => {
    c.admissionBurst = 5;
    c.admissionRate = 0.5;
  });
  for (let i = 0; i < 5; i++) assert.equal((await s.send({ path: EC2_LEAF })).status, 200);
  const refused = await s.send({ path: EC2_LEAF });
  assert.equal(refused.status, 429);
  assert.equal(refused.headers['retry-after'], '2');
  assert.equal((await s.send({ path: OS_META }, '127.0.0.2')).status, 200);
});

test('fair admission: the default burst lets a whole cloud-init-sized boot through twice', async (t) => {
  const s = await setup(t, [null]);
  // cloud-init's OpenStack crawl and EC2 sub-crawl are about 80 requests (docs/security.md).
  for (let i = 0; i < 160; i++) {
    const res = await s.send({ path: i % 2 === 0 ? OS_META : EC2_LEAF });
    assert.equal(res.status, 200, `request ${i}`);
  }
});

function openIdle(address: string, from: string): Promise<Socket> {
  const { host, port } = tcpTarget(address);
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, localAddress: from }, () => resolve(socket));
    socket.once('error', reject);
  });
}

const closedByPeer = (socket: Socket): Promise<void> =>
  new Promise((resolve) => {
    if (socket.destroyed) return resolve();
    socket.once('close', () => resolve());
  });

test('connection caps: one guest address cannot hold more than max_connections_per_guest; others are served', async (t) => {
  const s = await setup(t, [null, null], (c) => {
    c.maxConnectionsPerGuest = 4;
  });
  const held: Socket[] = [];
  for (let i = 0; i < 4; i++) held.push(await openIdle(s.directAddress, '127.0.0.1'));
  const fifth = await openIdle(s.directAddress, '127.0.0.1');
  held.push(fifth);
  fifth.resume();
  await closedByPeer(fifth); // closed by the service before any byte
  await assert.rejects(s.send({ path: OS_META }));
  assert.equal((await s.send({ path: OS_META }, '127.0.0.2')).status, 200);
  held[0]!.destroy();
  await new Promise((r) => setTimeout(r, 50));
  assert.equal((await s.send({ path: OS_META })).status, 200);
  held.forEach((h) => h.destroy());
});

test('connection caps: max_guest_connections bounds all listeners together', async (t) => {
  const s = await setup(t, [null, null, null], (c) => {
    c.maxGuestConnections = 3;
  });
  const held: Socket[] = [];
  held.push(await openIdle(s.directAddress, '127.0.0.1'), await openIdle(s.directAddress, '127.0.0.2'));
  held.push(await openIdle(s.directAddress, '127.0.0.3'));
  await assert.rejects(s.send({ path: OS_META }, '127.0.0.2'));
  held.forEach((h) => h.destroy());
  await new Promise((r) => setTimeout(r, 50));
  assert.equal((await s.send({ path: OS_META }, '127.0.0.2')).status, 200);
});

test('a token PUT pipelined behind another request is refused (400) on a direct listener', async (t) => {
  const s = await setup(t, [null]);
  const { host, port } = tcpTarget(s.directAddress);
  const put =
    'PUT /latest/api/token HTTP/1.1\r\nHost: x\r\nX-aws-ec2-metadata-token-ttl-seconds: 60\r\nConnection: close\r\n\r\n';
  const get = 'GET /latest/meta-data/instance-id HTTP/1.1\r\nHost: x\r\n\r\n';
  const statusLines = (payload: string) =>
    new Promise<string[]>((resolve, reject) => {
      let out = '';
      const socket = connect({ host, port }, () => socket.write(payload));
      socket.setEncoding('latin1');
      socket.on('data', (d: string) => (out += d));
      socket.on('close', () => resolve(out.match(/HTTP\/1\.1 \d{3} [^\r]*/g) ?? []));
      socket.on('error', reject);
    });
  assert.deepEqual(await statusLines(get + put), ['HTTP/1.1 200 OK', 'HTTP/1.1 400 Bad Request']);
  // Not pipelined (the PUT alone), the same bytes get a token.
  assert.deepEqual(await statusLines(put), ['HTTP/1.1 200 OK']);
});
