// The direct listener: the TCP peer address, within the listener's network, is the only identity.
// Guests are loopback addresses (Linux routes all of 127.0.0.0/8 to lo, so a client socket bound to
// 127.0.0.2 is a second guest). Also: hostile input gets the statuses docs/api.md documents and never
// takes the listener down; IMDSv2 session tokens over HTTP.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { connect } from 'node:net';
import { errorPageBody } from '../../src/http/error-page.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import type { Store } from '../../src/store/store.js';
import { sendRaw, tcpTarget, type RawRequest, type RawResponse } from '../helpers/raw-http.js';
import { sampleInstance, sampleNetwork, samplePort, testUuid } from '../helpers/sample-instance.js';
import { startTestService } from '../helpers/test-service.js';

const ROOT_LISTING =
  '1.0\n2007-01-19\n2007-03-01\n2007-08-29\n2007-10-10\n2007-12-15\n2008-02-01\n2008-09-01\n2009-04-04\nlatest';
const META = '/openstack/latest/meta_data.json';
const SECRET = 's3cr3t';

const loopbackSubnet = (n: number) => ({
  ...sampleNetwork(n).subnets[0]!,
  id: testUuid(0xb, n),
  cidr: '127.0.0.0/8',
  gateway: null,
});
// The listener's network: A at 127.0.0.1, B at 127.0.0.2. Another network has C at 127.0.0.1 too.
const SERVED = sampleNetwork(1, { subnets: [loopbackSubnet(1)] });
const OTHER = sampleNetwork(2, { subnets: [loopbackSubnet(2)] });
const A = sampleInstance(1);
const B = sampleInstance(2);
const C = sampleInstance(3);

interface Setup {
  store: Store;
  /** A request from a given loopback address (default 127.0.0.1, instance A). */
  send(req: RawRequest, from?: string): Promise<RawResponse>;
  port: number;
}

async function setup(t: TestContext): Promise<Setup> {
  const store = openSqliteStore({ path: ':memory:' });
  t.after(() => store.close());
  store.transaction(() => {
    store.putNetwork(SERVED);
    store.putNetwork(OTHER);
    for (const vm of [A, B, C]) store.putInstance(vm);
    store.putPort(samplePort(1, A.uuid, SERVED.id, ['127.0.0.1']));
    store.putPort(samplePort(2, B.uuid, SERVED.id, ['127.0.0.2']));
    store.putPort(samplePort(3, C.uuid, OTHER.id, ['127.0.0.1']));
  });
  const service = await startTestService(t, {
    store,
    env: { OPENIMDS_SHARED_SECRET: SECRET },
    configure: (config) => {
      config.directListeners = [{ listen: '127.0.0.1:0', network: SERVED.name }];
    },
  });
  const address = service.address('direct');
  return {
    store,
    port: tcpTarget(address).port,
    send: (req, from = '127.0.0.1') => sendRaw(tcpTarget(address, from), req),
  };
}

function uuidOf(res: RawResponse): string {
  assert.equal(res.status, 200, res.body.toString());
  return (JSON.parse(res.body.toString('utf8')) as { uuid: string }).uuid;
}

function assertPage(res: RawResponse, status: number, explanation?: string): void {
  assert.equal(res.status, status, res.body.toString());
  assert.equal(res.headers['content-type'], 'text/html; charset=UTF-8');
  assert.deepEqual(res.body, errorPageBody(status, explanation));
}

const sign = (id: string) => createHmac('sha256', SECRET).update(id).digest('hex');

test('direct listener: GET / needs no identification and the peer address alone selects the instance', async (t) => {
  const { send } = await setup(t);
  const root = await send({ path: '/' });
  assert.equal(root.status, 200);
  assert.equal(root.headers['content-type'], 'text/plain; charset=UTF-8');
  assert.equal(root.body.toString(), ROOT_LISTING);
  assert.equal(uuidOf(await send({ path: META })), A.uuid);
  assert.equal(uuidOf(await send({ path: META }, '127.0.0.2')), B.uuid);
  const userData = await send({ path: '/latest/user-data' }, '127.0.0.2');
  assert.deepEqual(userData.body, B.userData);
});

test('direct listener: identity headers from the client (signed X-Instance-ID, X-Forwarded-For, Neutron ids) never change whose data is returned', async (t) => {
  const { send } = await setup(t);
  const claims: Array<Array<[string, string]>> = [
    [
      ['X-Instance-ID', B.uuid],
      ['X-Tenant-ID', B.projectId],
      ['X-Instance-ID-Signature', sign(B.uuid)],
    ],
    [['X-Forwarded-For', '127.0.0.2']],
    [['X-Neutron-Network-ID', OTHER.id]],
    [['X-OVN-Network-ID', OTHER.id]],
    [['X-Neutron-Router-ID', testUuid(0xd, 1)]],
    [['Forwarded', 'for=127.0.0.2']],
    [['X-Real-IP', '127.0.0.2']],
  ];
  for (const headers of claims) {
    assert.equal(uuidOf(await send({ path: META, headers })), A.uuid, JSON.stringify(headers));
    const hostname = await send({ path: '/latest/meta-data/hostname', headers });
    assert.equal(hostname.body.toString(), 'vm-1.novalocal');
  }
  // And from B, claiming to be A.
  const fromB = await send(
    {
      path: META,
      headers: [
        ['X-Instance-ID', A.uuid],
        ['X-Tenant-ID', A.projectId],
        ['X-Instance-ID-Signature', sign(A.uuid)],
        ['X-Forwarded-For', '127.0.0.1'],
      ],
    },
    '127.0.0.2',
  );
  assert.equal(uuidOf(fromB), B.uuid);
});

test("direct listener: an address with no port on the listener's network → 404, even if another network has an instance there or the client claims another address", async (t) => {
  const { store, send } = await setup(t);
  const nobody = await send({ path: META, headers: [['X-Forwarded-For', '127.0.0.1']] }, '127.0.0.3');
  assertPage(nobody, 404, `Instance was not found on network ${SERVED.id}.`);
  // C sits at 127.0.0.1 on the other network; removing A's port must not hand its address to C.
  store.deletePort(store.listPorts(A.uuid)[0]!.id);
  assertPage(await send({ path: META }), 404, `Instance was not found on network ${SERVED.id}.`);
  // GET / still needs nobody.
  assert.equal((await send({ path: '/' }, '127.0.0.3')).status, 200);
});

/** Writes raw bytes on a fresh connection and returns everything the server sends until it closes. */
function rawExchange(port: number, bytes: string | Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    socket.setTimeout(5_000, () => socket.destroy(new Error('raw exchange timed out')));
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('end', () => resolve(Buffer.concat(chunks).toString('latin1')));
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
    socket.on('error', (err) =>
      chunks.length > 0 ? resolve(Buffer.concat(chunks).toString('latin1')) : reject(err),
    );
    socket.write(bytes);
  });
}

test('direct listener: hostile paths, heads and bodies get documented statuses and never crash the listener', async (t) => {
  const { send, port } = await setup(t);
  const status = async (req: RawRequest) => (await send(req)).status;
  const instanceId = (await send({ path: '/latest/meta-data/instance-id' })).body.toString();
  assert.match(instanceId, /^i-[0-9a-f]{8}$/);

  // ".." never climbs above the root (posixpath.normpath), encoded or not: the same tree, no files.
  const climbed = await send({ path: '/../../../latest/meta-data/instance-id' });
  assert.equal(climbed.body.toString(), instanceId);
  const encoded = await send({ path: '/latest/meta-data/%2e%2e/user-data' });
  assert.equal(encoded.status, 200);
  assert.deepEqual(encoded.body, A.userData);
  const toRoot = await send({ path: '/openstack/%2e%2e/%2E%2E/%2e%2e' });
  assert.equal(toRoot.body.toString(), ROOT_LISTING);
  assert.equal(await status({ path: '/../../etc/passwd' }), 404);

  // NUL, bad escapes, invalid UTF-8, control characters: 404 (no name contains them).
  for (const p of [
    '/latest/meta-data/%00',
    '/latest/%00/user-data',
    '/latest/meta-data/instance-id%00',
    '/latest/meta-data/%zz',
    '/%',
    '/latest/meta-data/%c3%28',
    '/latest/meta-data/%0d%0aX-Injected:%20yes',
  ]) {
    assertPage(await send({ path: p }), 404);
  }

  // Request target limits (docs/api.md): over 4,096 bytes → 414; a head over 8 KiB → 431.
  assertPage(
    await send({ path: '/latest/meta-data/' + 'a'.repeat(8_000) }),
    414,
    'The request path is longer than 4096 bytes.',
  );
  assert.equal(await status({ path: '/latest/' + 'a'.repeat(5_000) }), 414);
  // Past 8 KiB the request line alone overflows the head limit: Node refuses it before routing.
  assert.equal(await status({ path: '/' + 'a'.repeat(16 * 1024) }), 431);
  assert.equal(
    await status({ path: '/latest/meta-data/', headers: [['X-Padding', 'p'.repeat(20 * 1024)]] }),
    431,
  );
  // Many small headers adding up past the limit, too.
  const many = Array.from({ length: 400 }, (_, i): [string, string] => [`X-H${i}`, 'v'.repeat(30)]);
  assert.equal(await status({ path: '/latest/meta-data/', headers: many }), 431);

  // A 1 MB body on a path that takes none: read up to its limit, discarded, answered as a GET.
  const big = await send({
    method: 'POST',
    path: '/latest/meta-data/instance-id',
    body: Buffer.alloc(1 << 20, 0x41),
  });
  assert.equal(big.status, 200);
  assert.equal(big.body.toString(), instanceId);
  const bigMeta = await send({ method: 'PUT', path: META, body: Buffer.alloc(1 << 20, 0x42) });
  assert.equal(uuidOf(bigMeta), A.uuid);

  // Unknown versions.
  assertPage(await send({ path: '/9999-99-99/meta-data/' }), 404);
  assertPage(await send({ path: '/openstack/1999-01-01/meta_data.json' }), 404);
  assertPage(await send({ path: '/openstack/2099-01-01/meta_data.json' }), 404);

  // Malformed requests at the HTTP layer: 400 and the connection closed.
  assert.match(await rawExchange(port, 'GARBAGE\r\n\r\n'), /^HTTP\/1\.1 400 /);
  assert.match(
    await rawExchange(port, 'GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n'),
    /^HTTP\/1\.1 400 /,
  );
  assert.match(await rawExchange(port, 'BREW /latest HTTP/1.1\r\nHost: x\r\n\r\n'), /^HTTP\/1\.1 400 /);
  assert.match(
    await rawExchange(
      port,
      'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    ),
    /^HTTP\/1\.1 400 /,
  );

  // Still serving.
  assert.equal(uuidOf(await send({ path: META })), A.uuid);
});

test('direct listener: IMDSv2 tokens — PUT /latest/api/token with TTL 1..21600 issues one; bad TTLs → 400', async (t) => {
  const { send } = await setup(t);
  const put = (ttl: string | undefined) =>
    send({
      method: 'PUT',
      path: '/latest/api/token',
      headers: ttl === undefined ? [] : [['X-aws-ec2-metadata-token-ttl-seconds', ttl]],
    });
  for (const ttl of ['1', '60', '21600']) {
    const res = await put(ttl);
    assert.equal(res.status, 200, `TTL ${ttl}`);
    assert.equal(res.headers['content-type'], 'text/plain; charset=UTF-8');
    assert.equal(res.headers['x-aws-ec2-metadata-token-ttl-seconds'], ttl);
    assert.ok(res.body.length > 0 && res.body.length <= 128, 'a token of bounded length');
  }
  for (const ttl of ['0', '21601', undefined, 'abc', '-1', '1.5', '']) {
    const res = await put(ttl);
    assert.equal(res.status, 400, `TTL ${JSON.stringify(ttl)}`);
    assert.equal(res.headers['content-type'], 'text/html; charset=UTF-8');
  }
  // Only PUT, and only on the unversioned path (docs/api.md).
  const get = await send({
    path: '/latest/api/token',
    headers: [['X-aws-ec2-metadata-token-ttl-seconds', '60']],
  });
  assert.equal(get.status, 405);
  assert.equal(get.headers.allow, 'PUT');
  const versioned = await send({
    method: 'PUT',
    path: '/2021-03-23/api/token',
    headers: [['X-aws-ec2-metadata-token-ttl-seconds', '60']],
  });
  assert.equal(versioned.status, 403);
});

test('direct listener: IMDSv2 tokens — valid → 200, garbage → 401, expired → 401, another instance’s → 401, none → 200; /openstack ignores them', async (t) => {
  const { send } = await setup(t);
  const issue = async (ttl: number, from = '127.0.0.1') => {
    const res = await send(
      {
        method: 'PUT',
        path: '/latest/api/token',
        headers: [['X-aws-ec2-metadata-token-ttl-seconds', String(ttl)]],
      },
      from,
    );
    assert.equal(res.status, 200);
    return res.body.toString();
  };
  const withToken = (token: string, path = '/latest/meta-data/instance-id', from = '127.0.0.1') =>
    send({ path, headers: [['X-aws-ec2-metadata-token', token]] }, from);

  const token = await issue(60);
  assert.equal((await withToken(token)).status, 200);
  assert.equal((await withToken(token, '/latest/user-data')).status, 200);
  assert.equal((await send({ path: '/latest/meta-data/instance-id' })).status, 200, 'tokens are optional');

  for (const garbage of [
    'nonsense',
    token.slice(0, -2) + 'xx',
    'v1.9999999999.' + 'A'.repeat(43),
    'x'.repeat(5000),
    '',
  ]) {
    assertPage(await withToken(garbage), 401, 'The session token is not valid.');
  }

  // Bound to the instance that asked: B presenting A's token.
  assertPage(
    await withToken(token, '/latest/meta-data/instance-id', '127.0.0.2'),
    401,
    'The session token is not valid.',
  );
  const tokenB = await issue(60, '127.0.0.2');
  assert.equal((await withToken(tokenB, '/latest/meta-data/instance-id', '127.0.0.2')).status, 200);
  assertPage(await withToken(tokenB), 401, 'The session token is not valid.');

  // The OpenStack tree does not look at the token header at all.
  assert.equal(uuidOf(await withToken('nonsense', META)), A.uuid);
  assert.equal(uuidOf(await withToken(tokenB, META)), A.uuid);

  // Expiry: a 1-second token is refused once its second has passed.
  const short = await issue(1);
  await new Promise((r) => setTimeout(r, 1_100));
  assertPage(await withToken(short), 401, 'The session token has expired.');
});

test('direct listener refuses a token PUT that carries X-Forwarded-For (403), as AWS does', async (t) => {
  const { send } = await setup(t);
  const ttl: [string, string] = ['X-aws-ec2-metadata-token-ttl-seconds', '60'];
  const forwarded = await send({
    method: 'PUT',
    path: '/latest/api/token',
    headers: [ttl, ['X-Forwarded-For', '10.9.9.9']],
  });
  assert.equal(forwarded.status, 403);
  const plain = await send({ method: 'PUT', path: '/latest/api/token', headers: [ttl] });
  assert.equal(plain.status, 200);
});
