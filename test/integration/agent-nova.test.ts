// `openimds agent` (src/proxy/metadata-agent.ts), Neutron's metadata agent (reference §3.5), on real
// sockets: requests arrive on its UNIX socket as Neutron's haproxy sends them (X-Forwarded-For +
// X-Neutron-Network-ID / X-Neutron-Router-ID); "Nova" is openimds' own signed listener (Nova's trust
// protocol, §2.14.1) or a fake that records what it got and answers any status.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer as createHttpServer, type IncomingHttpHeaders } from 'node:http';
import { createServer as createNetServer, type Socket } from 'node:net';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { signInstanceId } from '../../src/auth/signature.js';
import { errorPageBody } from '../../src/http/error-page.js';
import { createLogger, type Logger } from '../../src/log.js';
import { startMetadataAgent, type NovaOptions } from '../../src/proxy/metadata-agent.js';
import { neutronPage } from '../../src/proxy/neutron-page.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import type { Store } from '../../src/store/store.js';
import { sendRaw, type RawResponse, type Target } from '../helpers/raw-http.js';
import { sampleInstance, sampleNetwork, samplePort, testUuid } from '../helpers/sample-instance.js';
import { startTestService } from '../helpers/test-service.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';

const SECRET = 'agent-test-secret';
const META = '/openstack/latest/meta_data.json';
const ROUTER = { id: testUuid(0xd, 1), name: 'router-1' };
// Two tenants share 10.0.0.5 on different networks; NET1 is on the router.
const NET1 = sampleNetwork(1, { routerId: ROUTER.id });
const NET2 = sampleNetwork(2);
const GZIP_USER_DATA = gzipSync(Buffer.concat([Buffer.from('#cloud-config\n'), randomBytes(4096)]));
const BINARY_USER_DATA = Buffer.from([0xff, 0xfe, 0x00, 0x80, 0xc3, 0x28]);
const VM1 = sampleInstance(1, { userData: GZIP_USER_DATA });
const VM2 = sampleInstance(2, { userData: BINARY_USER_DATA });

interface LogLine {
  level: string;
  event: string;
  msg: string;
  [k: string]: unknown;
}

function captureLog(): { log: Logger; lines: LogLine[]; text: () => string } {
  const raw: string[] = [];
  const lines: LogLine[] = [];
  const log = createLogger({
    level: 'debug',
    format: 'json',
    write: (l) => {
      raw.push(l);
      lines.push(JSON.parse(l));
    },
  });
  return { log, lines, text: () => raw.join('\n') };
}

function makeStore(t: TestContext): Store {
  const store = openSqliteStore({ path: ':memory:' });
  t.after(() => store.close());
  store.transaction(() => {
    store.putRouter(ROUTER);
    store.putNetwork(NET1);
    store.putNetwork(NET2);
    store.putInstance(VM1);
    store.putInstance(VM2);
    store.putPort(samplePort(1, VM1.uuid, NET1.id, ['10.0.0.5']));
    store.putPort(samplePort(2, VM2.uuid, NET2.id, ['10.0.0.5']));
  });
  return store;
}

/** openimds' signed listener standing in for Nova, with its own shared secret. */
async function startNova(t: TestContext, store: Store, secret = SECRET): Promise<string> {
  const service = await startTestService(t, {
    store,
    env: { OPENIMDS_SHARED_SECRET: secret },
    configure: (config) => {
      config.signedListen = '127.0.0.1:0';
    },
  });
  return `http://${service.address('signed')}`;
}

async function startAgent(
  t: TestContext,
  store: Store,
  novaUrl: string,
  opts: { secret?: string; log?: Logger; nova?: Partial<NovaOptions> } = {},
): Promise<Target> {
  const socketPath = path.join(makeTmpDir(t), 'metadata_proxy');
  const agent = await startMetadataAgent({
    socketPath,
    store,
    secret: opts.secret ?? SECRET,
    novaUrl,
    ...(opts.nova === undefined ? {} : { nova: opts.nova }),
    log: opts.log ?? captureLog().log,
  });
  t.after(() => agent.close(100));
  return { socketPath };
}

/** As Neutron's haproxy forwards a guest's request (§3.4): X-Forwarded-For and the tag. */
function asHaproxy(
  agent: Target,
  p: string,
  tag: Array<[string, string]> = [['X-Neutron-Network-ID', NET1.id]],
  extra: Array<[string, string]> = [],
  address = '10.0.0.5',
): Promise<RawResponse> {
  return sendRaw(agent, {
    path: p,
    headers: [...extra, ['X-Forwarded-For', address], ...tag],
    timeoutMs: 5_000,
  });
}

function uuidOf(res: RawResponse): string {
  assert.equal(res.status, 200, res.body.toString());
  assert.equal(res.headers['content-type'], 'application/json');
  return (JSON.parse(res.body.toString('utf8')) as { uuid: string }).uuid;
}

interface Recorded {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A fake Nova on 127.0.0.1: records each request; /status/<n> answers n with a marker body. */
async function startFakeNova(
  t: TestContext,
  answer?: (req: Recorded) => { status: number; type: string; body: Buffer } | 'hang' | undefined,
): Promise<{ url: string; seen: Recorded[] }> {
  const seen: Recorded[] = [];
  const server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rec = { method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks) };
      seen.push(rec);
      const status = Number(/^\/status\/(\d+)/.exec(rec.url)?.[1] ?? 200);
      const a = answer?.(rec) ?? {
        status,
        type: 'application/x-nova',
        body: Buffer.from(`nova said ${status}`),
      };
      if (a === 'hang') return;
      res.writeHead(a.status, { 'content-type': a.type });
      res.end(a.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, seen };
}

test('openimds agent: a tagged request reaches the signed listener as the right instance', async (t) => {
  const store = makeStore(t);
  const agent = await startAgent(t, store, await startNova(t, store));
  assert.equal(uuidOf(await asHaproxy(agent, META)), VM1.uuid);
  assert.equal(uuidOf(await asHaproxy(agent, META, [['X-Neutron-Network-ID', NET2.id]])), VM2.uuid);
  // Router mode: NET1 is the router's only network.
  assert.equal(uuidOf(await asHaproxy(agent, META, [['X-Neutron-Router-ID', ROUTER.id]])), VM1.uuid);
  const hostname = await asHaproxy(agent, '/latest/meta-data/hostname');
  assert.equal(hostname.body.toString(), 'vm-1.novalocal');
});

test('openimds agent: gzip and binary user data pass through byte for byte (unlike Neutron, §3.5.5 / F16)', async (t) => {
  const store = makeStore(t);
  const agent = await startAgent(t, store, await startNova(t, store));
  for (const p of ['/openstack/latest/user_data', '/latest/user-data']) {
    const gz = await asHaproxy(agent, p);
    assert.equal(gz.status, 200);
    assert.deepEqual(gz.body, GZIP_USER_DATA);
    assert.equal(gz.headers['content-encoding'], undefined);
    assert.equal(gz.headers['content-type'], 'text/plain; charset=UTF-8');
    const bin = await asHaproxy(agent, p, [['X-Neutron-Network-ID', NET2.id]]);
    assert.deepEqual(bin.body, BINARY_USER_DATA);
  }
});

test('openimds agent: a different shared secret → Nova’s 403 passes through and the log names the likely cause', async (t) => {
  const store = makeStore(t);
  const { log, lines, text } = captureLog();
  const agent = await startAgent(t, store, await startNova(t, store, 'nova-secret'), { secret: SECRET, log });
  const res = await asHaproxy(agent, META);
  assert.equal(res.status, 403);
  assert.deepEqual(res.body, errorPageBody(403, 'Invalid proxy request signature.'));
  const warning = lines.find((l) => l.event === 'agent.forbidden');
  assert.ok(warning, text());
  assert.equal(warning.level, 'warn');
  assert.match(warning.msg, /403/);
  assert.match(warning.msg, /shared secrets probably differ/);
  assert.ok(warning.msg.includes(VM1.uuid), warning.msg);
  // Never the secret, nor the signature made with it.
  assert.ok(!text().includes(SECRET));
  assert.ok(!text().includes(signInstanceId(SECRET, VM1.uuid)));
});

test('openimds agent: Nova down → 503 with Neutron’s text, and the log names the URL', async (t) => {
  const store = makeStore(t);
  const closedPort = await new Promise<number>((resolve) => {
    const s = createNetServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
  const { log, lines, text } = captureLog();
  const novaUrl = `http://127.0.0.1:${closedPort}`;
  const agent = await startAgent(t, store, novaUrl, { log });
  const started = Date.now();
  const res = await asHaproxy(agent, META);
  assert.ok(Date.now() - started < 1_000);
  assert.equal(res.status, 503);
  assert.deepEqual(
    res.body,
    neutronPage(503, 'The remote metadata server is temporarily unavailable. Please try again later.').body,
  );
  assert.equal(res.headers['content-type'], 'text/plain; charset=UTF-8');
  const warning = lines.find((l) => l.event === 'agent.unreachable');
  assert.ok(warning, text());
  assert.ok(warning.msg.includes(novaUrl), warning.msg);
  assert.match(warning.msg, /ECONNREFUSED/);
});

test('openimds agent: Nova’s statuses are mapped as Neutron maps them (§3.5.4)', async (t) => {
  const store = makeStore(t);
  const nova = await startFakeNova(t);
  const { log, lines } = captureLog();
  const agent = await startAgent(t, store, nova.url, { log });
  for (const status of [200, 400, 403, 404, 409, 500, 502, 503, 504]) {
    const res = await asHaproxy(agent, `/status/${status}`);
    assert.equal(res.status, status);
    assert.equal(res.body.toString(), `nova said ${status}`);
    assert.equal(res.headers['content-type'], 'application/x-nova');
  }
  assert.ok(lines.some((l) => l.event === 'agent.nova_failed' && l.level === 'warn'));
  for (const status of [401, 405, 429, 301, 201]) {
    const res = await asHaproxy(agent, `/status/${status}`);
    assert.equal(res.status, 502, `Nova ${status}`);
    assert.ok(!res.body.toString().includes('nova said'));
    assert.ok(lines.some((l) => l.event === 'agent.unexpected_status' && l['status'] === status));
  }
});

test('openimds agent: no unique port → 404 "Instance was not found on …"; both ids → 400; nothing reaches Nova', async (t) => {
  const store = makeStore(t);
  const nova = await startFakeNova(t);
  const agent = await startAgent(t, store, nova.url);
  const unknown = await asHaproxy(agent, META, undefined, [], '10.0.0.99');
  assert.equal(unknown.status, 404);
  assert.deepEqual(unknown.body, neutronPage(404, `Instance was not found on network ${NET1.id}.`).body);
  assert.equal(unknown.headers['content-type'], 'text/plain; charset=UTF-8');
  const router = await asHaproxy(agent, META, [['X-Neutron-Router-ID', ROUTER.id]], [], '10.0.0.99');
  assert.deepEqual(router.body, neutronPage(404, `Instance was not found on router ${ROUTER.id}.`).body);
  const both = await asHaproxy(agent, META, [
    ['X-Neutron-Network-ID', NET1.id],
    ['X-Neutron-Router-ID', ROUTER.id],
  ]);
  assert.equal(both.status, 400);
  assert.deepEqual(
    both.body,
    neutronPage(400, `Both network ${NET1.id} and router ${ROUTER.id} defined.`).body,
  );
  // Neutron's page: 95 + 2 × len(title) + len(message) bytes (neutron/common/metadata.py).
  const message = `Instance was not found on network ${NET1.id}.`;
  assert.equal(unknown.body.length, 95 + 2 * '404 Not Found'.length + message.length);
  assert.equal(nova.seen.length, 0);
});

test('openimds agent: Nova gets only the four headers, with the guest’s method, path, query and body', async (t) => {
  const store = makeStore(t);
  const nova = await startFakeNova(t);
  const agent = await startAgent(t, store, nova.url);
  const guestHeaders: Array<[string, string]> = [
    ['Authorization', 'Bearer guest-token'],
    ['Cookie', 'session=guest'],
    ['X-Instance-ID', VM2.uuid],
    ['X-Tenant-ID', VM2.projectId],
    ['X-Instance-ID-Signature', 'f'.repeat(64)],
    ['User-Agent', 'cloud-init/22.4'],
    ['X-Custom', 'from the guest'],
    ['Content-Type', 'text/plain'],
  ];
  const res = await sendRaw(agent, {
    method: 'POST',
    path: '/openstack/2013-04-04/password?x=1&y=%2F',
    headers: [...guestHeaders, ['X-Forwarded-For', '10.0.0.5'], ['X-Neutron-Network-ID', NET1.id]],
    body: 'pw',
  });
  assert.equal(res.status, 200);
  const got = nova.seen[0]!;
  assert.equal(got.method, 'POST');
  assert.equal(got.url, '/openstack/2013-04-04/password?x=1&y=%2F');
  assert.equal(got.body.toString(), 'pw');
  assert.deepEqual(Object.keys(got.headers).sort(), [
    'connection',
    'content-length',
    'content-type',
    'host',
    'x-forwarded-for',
    'x-instance-id',
    'x-instance-id-signature',
    'x-tenant-id',
  ]);
  assert.equal(got.headers['x-forwarded-for'], '10.0.0.5');
  assert.equal(got.headers['x-instance-id'], VM1.uuid);
  assert.equal(got.headers['x-tenant-id'], VM1.projectId);
  assert.equal(got.headers['x-instance-id-signature'], signInstanceId(SECRET, VM1.uuid));
  // A GET carries no body headers at all.
  await asHaproxy(agent, META, undefined, guestHeaders.slice(0, 2));
  assert.deepEqual(Object.keys(nova.seen[1]!.headers).sort(), [
    'connection',
    'host',
    'x-forwarded-for',
    'x-instance-id',
    'x-instance-id-signature',
    'x-tenant-id',
  ]);
});

test('openimds agent: a --nova-url path prefix is kept; a silent Nova → 504 after the Nova timeout', async (t) => {
  const store = makeStore(t);
  const nova = await startFakeNova(t, (req) => (req.url.includes('/slow') ? 'hang' : undefined));
  const agent = await startAgent(t, store, `${nova.url}/metadata/`, { nova: { timeoutMs: 300 } });
  const ok = await asHaproxy(agent, META);
  assert.equal(ok.status, 200);
  assert.equal(nova.seen[0]!.url, `/metadata${META}`);
  const started = Date.now();
  const slow = await asHaproxy(agent, '/slow');
  assert.equal(slow.status, 504);
  assert.ok(Date.now() - started < 2_000);
});

test('openimds agent: a Nova that closes without answering → 503, as python-requests’ ConnectionError', async (t) => {
  const store = makeStore(t);
  const held: Socket[] = [];
  const server = createNetServer((s) => {
    held.push(s);
    s.once('data', () => s.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(async () => {
    for (const s of held) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const agent = await startAgent(t, store, `http://127.0.0.1:${(server.address() as { port: number }).port}`);
  const res = await asHaproxy(agent, META);
  assert.equal(res.status, 503);
});
