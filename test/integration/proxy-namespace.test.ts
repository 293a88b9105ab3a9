// `openimds proxy` (src/proxy/namespace-proxy.ts), Neutron's namespace proxy (reference §3.4), on
// real sockets: in front of the openimds tagged listener, and in front of fake UNIX servers that are
// missing, silent, broken or endless. The guest is 127.0.0.1; two networks both hold an instance at
// 127.0.0.1, so any identity taken from a header instead of the proxy's own tag would show.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Agent, createServer as createHttpServer, request, type Server as HttpServer } from 'node:http';
import { createServer as createNetServer, connect, type Server as NetServer, type Socket } from 'node:net';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { errorPageBody } from '../../src/http/error-page.js';
import { createLogger, type Logger } from '../../src/log.js';
import {
  startNamespaceProxy,
  type ProxyTag,
  type ProxyUpstreamOptions,
} from '../../src/proxy/namespace-proxy.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import type { Store } from '../../src/store/store.js';
import { sendRaw, type RawResponse, type TcpTarget } from '../helpers/raw-http.js';
import { sampleInstance, sampleNetwork, samplePort, testUuid } from '../helpers/sample-instance.js';
import { startTestService, type TestService } from '../helpers/test-service.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';

const META = '/openstack/latest/meta_data.json';
const ROUTER = { id: testUuid(0xd, 1), name: 'router-1' };
const onLoopback = (n: number, routerId: string | null = null) =>
  sampleNetwork(n, {
    routerId,
    subnets: [{ ...sampleNetwork(n).subnets[0]!, cidr: '127.0.0.0/8', gateway: null }],
  });

// NET1 and NET2 both hold an instance at 127.0.0.1; NET3 (on ROUTER) holds a third one there.
const NET1 = onLoopback(1);
const NET2 = onLoopback(2);
const NET3 = onLoopback(3, ROUTER.id);
const GZIP_USER_DATA = gzipSync(Buffer.concat([Buffer.from('#cloud-config\n'), randomBytes(2048)]));
const BINARY_USER_DATA = Buffer.from([0xff, 0xfe, 0x00, 0x80, 0xc3, 0x28, 0x0d, 0x0a, 0x1f, 0x8b]);
const VM1 = sampleInstance(1, { userData: GZIP_USER_DATA });
const VM2 = sampleInstance(2, { userData: BINARY_USER_DATA });
const VM3 = sampleInstance(3);

interface Setup {
  store: Store;
  socket: string;
  dir: string;
  service: TestService;
}

async function setup(t: TestContext): Promise<Setup> {
  const store = openSqliteStore({ path: ':memory:' });
  t.after(() => store.close());
  store.transaction(() => {
    store.putRouter(ROUTER);
    for (const net of [NET1, NET2, NET3]) store.putNetwork(net);
    [VM1, VM2, VM3].forEach((vm, i) => {
      store.putInstance(vm);
      store.putPort(samplePort(i + 1, vm.uuid, [NET1, NET2, NET3][i]!.id, ['127.0.0.1']));
    });
  });
  const dir = makeTmpDir(t);
  const socket = path.join(dir, 'tagged.sock');
  const service = await startTagged(t, store, socket);
  return { store, socket, dir, service };
}

function startTagged(t: TestContext, store: Store, socket: string): Promise<TestService> {
  return startTestService(t, {
    store,
    configure: (config) => {
      config.taggedSocket = socket;
    },
  });
}

interface LogLine {
  level: string;
  event: string;
  msg: string;
  [k: string]: unknown;
}

function captureLog(): { log: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const log = createLogger({ level: 'debug', format: 'json', write: (l) => lines.push(JSON.parse(l)) });
  return { log, lines };
}

async function startProxy(
  t: TestContext,
  socketPath: string,
  tag: ProxyTag = { kind: 'network', id: NET1.id },
  upstream: Partial<ProxyUpstreamOptions> = {},
  log: Logger = captureLog().log,
): Promise<TcpTarget> {
  const proxy = await startNamespaceProxy({
    listen: { host: '127.0.0.1', port: 0 },
    tag,
    socketPath,
    upstream,
    log,
  });
  t.after(() => proxy.close(100));
  return { host: '127.0.0.1', port: proxy.address.port };
}

const get = (target: TcpTarget, headers: Array<[string, string]> = [], p = META) =>
  sendRaw(target, { path: p, headers, timeoutMs: 5_000 });

function uuidOf(res: RawResponse): string {
  assert.equal(res.status, 200, res.body.toString());
  assert.equal(res.headers['content-type'], 'application/json');
  return (JSON.parse(res.body.toString('utf8')) as { uuid: string }).uuid;
}

async function waitFor<T>(find: () => T | undefined, ms = 2_000): Promise<T | undefined> {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = find();
    if (found !== undefined || Date.now() > deadline) return found;
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A UNIX-socket server that the test controls; every connection is destroyed when the test ends. */
async function fakeUnixServer(
  t: TestContext,
  socketPath: string,
  onConnection: (socket: Socket) => void,
): Promise<{ server: NetServer; connections: Socket[] }> {
  const connections: Socket[] = [];
  const server = createNetServer((s) => {
    connections.push(s);
    s.on('error', () => {});
    onConnection(s);
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  t.after(async () => {
    for (const s of connections) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { server, connections };
}

/** A fake upstream speaking HTTP on a UNIX socket, closed (with every connection) when the test ends. */
async function fakeHttpServer(
  t: TestContext,
  socketPath: string,
  handler: Parameters<typeof createHttpServer>[1],
): Promise<HttpServer> {
  const server = createHttpServer(handler);
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  t.after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return server;
}

test('openimds proxy: the guest at 127.0.0.1 on network N gets its own meta_data.json and EC2 tree', async (t) => {
  const { socket } = await setup(t);
  const proxy = await startProxy(t, socket);
  assert.equal(uuidOf(await get(proxy)), VM1.uuid);
  const hostname = await get(proxy, [], '/latest/meta-data/hostname');
  assert.equal(hostname.body.toString(), 'vm-1.novalocal');
  // GET / needs no identity and passes through as the service answers it.
  const root = await get(proxy, [], '/');
  assert.equal(root.status, 200);
  assert.match(root.body.toString(), /^1\.0\n/);
});

test('openimds proxy: identity headers the guest sends never change whose metadata comes back', async (t) => {
  const { socket } = await setup(t);
  const proxy = await startProxy(t, socket);
  const forgeries: Array<Array<[string, string]>> = [
    // Another network where another instance has 127.0.0.1.
    [['X-Neutron-Network-ID', NET2.id]],
    [['X-OVN-Network-ID', NET2.id]],
    // Would make the tagged listener answer 400 ("both defined") if it went through.
    [['X-Neutron-Router-ID', ROUTER.id]],
    // Another address, or a comma list that would match nothing.
    [['X-Forwarded-For', '10.0.0.5']],
    [
      ['X-Forwarded-For', '127.0.0.1'],
      ['X-Forwarded-For', '127.0.0.2'],
    ],
    [['Forwarded', 'for=10.0.0.5']],
    // Nova's signed-protocol headers and the provider branch.
    [
      ['X-Instance-ID', VM2.uuid],
      ['X-Tenant-ID', VM2.projectId],
      ['X-Instance-ID-Signature', 'a'.repeat(64)],
    ],
    [
      ['X-Metadata-Provider', 'lb-1'],
      ['X-Metadata-Provider-Signature', 'b'.repeat(64)],
    ],
    // Everything at once, in odd case.
    [
      ['x-neutron-network-id', NET2.id],
      ['X-FORWARDED-FOR', '10.0.0.5'],
      ['x-instance-id', VM2.uuid],
    ],
  ];
  for (const headers of forgeries) {
    const res = await get(proxy, headers);
    assert.equal(uuidOf(res), VM1.uuid, `forged ${JSON.stringify(headers)}`);
  }
});

test('openimds proxy: the service gets exactly one X-Forwarded-For and one tag, and the guest’s other headers', async (t) => {
  const dir = makeTmpDir(t);
  const socket = path.join(dir, 'recorder.sock');
  const seen: string[][] = [];
  await fakeHttpServer(t, socket, (req, res) => {
    seen.push(req.rawHeaders);
    res.end('ok');
  });
  const proxy = await startProxy(t, socket, { kind: 'router', id: ROUTER.id });
  const res = await get(proxy, [
    ['X-Forwarded-For', '10.0.0.5'],
    ['X-Neutron-Network-ID', NET2.id],
    ['X-Neutron-Router-ID', testUuid(0xd, 9)],
    ['X-Real-IP', '10.0.0.5'],
    ['User-Agent', 'cloud-init/22.4'],
    ['Accept', '*/*'],
    ['Connection', 'close, X-Hop'],
    ['X-Hop', 'only for this hop'],
  ]);
  assert.equal(res.status, 200);
  const pairs = seen[0]!.flatMap((v, i, all) => (i % 2 === 0 ? [[v.toLowerCase(), all[i + 1]!]] : []));
  const named = (name: string) => pairs.filter(([n]) => n === name).map(([, v]) => v);
  assert.deepEqual(named('x-forwarded-for'), ['127.0.0.1']);
  assert.deepEqual(named('x-neutron-router-id'), [ROUTER.id]);
  assert.deepEqual(named('x-neutron-network-id'), []);
  assert.deepEqual(named('x-real-ip'), []);
  assert.deepEqual(named('x-hop'), []);
  assert.deepEqual(named('user-agent'), ['cloud-init/22.4']);
  assert.deepEqual(named('accept'), ['*/*']);
});

test('openimds proxy: router mode resolves the guest on the router’s networks only', async (t) => {
  const { socket } = await setup(t);
  const proxy = await startProxy(t, socket, { kind: 'router', id: ROUTER.id });
  // Only NET3 is on the router, so 127.0.0.1 is VM3 there, whatever the guest claims.
  assert.equal(uuidOf(await get(proxy)), VM3.uuid);
  assert.equal(uuidOf(await get(proxy, [['X-Neutron-Network-ID', NET1.id]])), VM3.uuid);
  const other = await startProxy(t, socket, { kind: 'router', id: testUuid(0xd, 2) });
  const missing = await get(other);
  assert.equal(missing.status, 404);
  assert.deepEqual(missing.body, errorPageBody(404, `Instance was not found on router ${testUuid(0xd, 2)}.`));
});

test('openimds proxy: gzip and binary user data pass through byte for byte, HEAD keeps the length', async (t) => {
  const { socket } = await setup(t);
  const one = await startProxy(t, socket, { kind: 'network', id: NET1.id });
  const two = await startProxy(t, socket, { kind: 'network', id: NET2.id });
  for (const p of ['/openstack/latest/user_data', '/latest/user-data']) {
    const gz = await get(one, [['Accept-Encoding', 'gzip']], p);
    assert.equal(gz.status, 200);
    assert.deepEqual(gz.body, GZIP_USER_DATA);
    assert.equal(gz.headers['content-encoding'], undefined);
    const bin = await get(two, [], p);
    assert.deepEqual(bin.body, BINARY_USER_DATA);
  }
  const head = await sendRaw(one, { method: 'HEAD', path: '/openstack/latest/user_data' });
  assert.equal(head.status, 200);
  assert.equal(head.headers['content-length'], String(GZIP_USER_DATA.length));
  assert.equal(head.body.length, 0);
});

test('openimds proxy: a password POST reaches the service with its body', async (t) => {
  const { socket, store } = await setup(t);
  const proxy = await startProxy(t, socket);
  const posted = await sendRaw(proxy, { method: 'POST', path: '/openstack/latest/password', body: 'pw-1' });
  assert.equal(posted.status, 200, posted.body.toString());
  assert.equal(store.findInstance(VM1.uuid)!.password, 'pw-1');
  const again = await sendRaw(proxy, { method: 'POST', path: '/openstack/latest/password', body: 'pw-2' });
  assert.equal(again.status, 409);
});

test('openimds proxy: service stopped → 503 within 1 s; restarted → answers again without a proxy restart', async (t) => {
  const { socket, store, service } = await setup(t);
  const { log, lines } = captureLog();
  const proxy = await startProxy(t, socket, undefined, {}, log);
  assert.equal(uuidOf(await get(proxy)), VM1.uuid);

  await service.close();
  const started = Date.now();
  const down = await get(proxy);
  assert.ok(Date.now() - started < 1_000, `503 took ${Date.now() - started} ms`);
  assert.equal(down.status, 503);
  assert.match(down.body.toString(), /503 Service Unavailable/);
  assert.equal(down.headers['connection'], 'close');
  const warning = lines.find((l) => l.event === 'proxy.unavailable');
  assert.ok(warning, JSON.stringify(lines));
  assert.match(warning.msg, new RegExp(socket.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')));

  await startTagged(t, store, socket);
  assert.equal(uuidOf(await get(proxy)), VM1.uuid);
});

test('openimds proxy: a service that accepts and never answers → 504 after the server timeout', async (t) => {
  const dir = makeTmpDir(t);
  const socket = path.join(dir, 'silent.sock');
  await fakeUnixServer(t, socket, () => {});
  const { log, lines } = captureLog();
  const proxy = await startProxy(t, socket, undefined, { serverTimeoutMs: 300 }, log);
  const started = Date.now();
  const res = await get(proxy);
  const took = Date.now() - started;
  assert.equal(res.status, 504);
  assert.match(res.body.toString(), /504 Gateway Time-out/);
  assert.ok(took >= 250 && took < 2_000, `504 after ${took} ms`);
  assert.ok(lines.some((l) => l.event === 'proxy.timed_out'));
});

test('openimds proxy: a service that closes mid-answer → 502 before the head, a cut connection after it', async (t) => {
  const dir = makeTmpDir(t);
  const socket = path.join(dir, 'broken.sock');
  await fakeUnixServer(t, socket, (s) => {
    s.once('data', (chunk: Buffer) => {
      if (chunk.toString().startsWith('GET /head-only')) {
        s.end('HTTP/1.1 200 OK\r\nContent-Type: application/js');
      } else if (chunk.toString().startsWith('GET /garbage')) {
        s.end('this is not HTTP\r\n\r\n');
      } else {
        s.end(
          'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"uuid": "par',
        );
      }
    });
  });
  const { log, lines } = captureLog();
  const proxy = await startProxy(t, socket, undefined, {}, log);
  for (const p of ['/head-only', '/garbage']) {
    const res = await get(proxy, [], p);
    assert.equal(res.status, 502, p);
    assert.match(res.body.toString(), /502 Bad Gateway/);
  }
  // The head already went to the guest: the only honest signal left is a cut connection.
  await assert.rejects(get(proxy, [], '/partial-body'));
  assert.equal(lines.filter((l) => l.event === 'proxy.bad_answer').length, 2);
  // The guest sees the cut before the proxy has logged why.
  const broken = await waitFor(() => lines.find((l) => l.event === 'proxy.broken'));
  assert.ok(broken, JSON.stringify(lines));
  assert.match(broken.msg, /UND_ERR_SOCKET/);
});

test('openimds proxy: guests that disconnect mid-request do not leak pooled connections', async (t) => {
  const dir = makeTmpDir(t);
  const socket = path.join(dir, 'upstream.sock');
  const upstreamClosed: string[] = [];
  await fakeHttpServer(t, socket, (req, res) => {
    req.socket.once('close', () => upstreamClosed.push(req.url!));
    if (req.url === '/hang') return; // never answers
    if (req.url === '/endless') {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      const timer = setInterval(() => res.write(Buffer.alloc(16 * 1024, 0x61)), 5);
      res.on('close', () => clearInterval(timer));
      return;
    }
    res.end('ok');
  });
  // One pooled connection: a leaked one would block every later request until the 30 s timeout.
  const proxy = await startProxy(t, socket, undefined, { connections: 1, serverTimeoutMs: 30_000 });
  assert.equal((await get(proxy, [], '/ok')).body.toString(), 'ok');

  // Gone while the service is still thinking.
  await abandon(proxy, '/hang', 'before-answer');
  assert.equal((await get(proxy, [], '/ok')).body.toString(), 'ok');
  // Gone in the middle of an endless answer.
  await abandon(proxy, '/endless', 'mid-answer');
  assert.equal((await get(proxy, [], '/ok')).body.toString(), 'ok');
  // Gone in the middle of sending its own body.
  await abandonBody(proxy);
  assert.equal((await get(proxy, [], '/ok')).body.toString(), 'ok');
  assert.ok(upstreamClosed.includes('/hang') && upstreamClosed.includes('/endless'), upstreamClosed.join());
});

/** Sends a GET and destroys the connection before (or while) the answer arrives. */
function abandon(target: TcpTarget, p: string, when: 'before-answer' | 'mid-answer'): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request({ ...target, path: p, agent: false }, (res) => {
      res.once('data', () => {
        req.destroy();
        resolve();
      });
    });
    req.on('error', () => {});
    req.end();
    if (when === 'before-answer') {
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 100);
    }
    setTimeout(() => reject(new Error(`no answer to ${p}`)), 5_000).unref();
  });
}

/** Announces a body, sends half of it, and goes away. */
function abandonBody(target: TcpTarget): Promise<void> {
  return new Promise((resolve) => {
    const s = connect(target.port, target.host, () => {
      s.write('POST /openstack/latest/password HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nhalf');
      setTimeout(() => {
        s.destroy();
        resolve();
      }, 50);
    });
    s.on('error', () => {});
  });
}

test('openimds proxy: keep-alive guests get several answers on one connection', async (t) => {
  const { socket } = await setup(t);
  const proxy = await startProxy(t, socket);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  t.after(() => agent.destroy());
  const ports = new Set<number>();
  for (let i = 0; i < 3; i++) {
    const { status, localPort } = await new Promise<{ status: number; localPort: number }>(
      (resolve, reject) => {
        const req = request({ ...proxy, path: META, agent }, (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode!, localPort: req.socket!.localPort! }));
        });
        req.on('error', reject);
        req.end();
      },
    );
    assert.equal(status, 200);
    ports.add(localPort);
  }
  assert.equal(ports.size, 1, 'the guest connection was reused');
});

test('openimds proxy: a guest over the limits gets 414 / 413 / 431 and nothing is forwarded', async (t) => {
  const dir = makeTmpDir(t);
  const socket = path.join(dir, 'recorder.sock');
  let forwarded = 0;
  await fakeHttpServer(t, socket, (_req, res) => {
    forwarded++;
    res.end('ok');
  });
  const proxy = await startProxy(t, socket);
  assert.equal((await get(proxy, [], '/' + 'a'.repeat(5000))).status, 414);
  const big = await sendRaw(proxy, { method: 'POST', path: '/x', body: Buffer.alloc(70 * 1024) });
  assert.equal(big.status, 413);
  const head = await get(proxy, [['X-Big', 'b'.repeat(9000)]]);
  assert.equal(head.status, 431);
  assert.equal(forwarded, 0);
});

test('openimds proxy: an IPv6 guest is tagged with its IPv6 address', async (t) => {
  const dir = makeTmpDir(t);
  const socket = path.join(dir, 'recorder.sock');
  const seen: Array<string | string[] | undefined> = [];
  await fakeHttpServer(t, socket, (req, res) => {
    seen.push(req.headers['x-forwarded-for']);
    res.end('ok');
  });
  let proxy;
  try {
    proxy = await startNamespaceProxy({
      listen: { host: '::1', port: 0 },
      tag: { kind: 'network', id: NET1.id },
      socketPath: socket,
      log: captureLog().log,
    });
  } catch {
    t.skip('no IPv6 loopback here');
    return;
  }
  t.after(() => proxy.close(100));
  const res = await sendRaw({ host: '::1', port: proxy.address.port }, { path: META });
  assert.equal(res.status, 200);
  assert.deepEqual(seen, ['::1']);
});
