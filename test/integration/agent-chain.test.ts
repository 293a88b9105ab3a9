// The whole Neutron-shaped path on loopback (reference §1.2): guest → namespace proxy → metadata agent
// (UNIX socket) → Nova (openimds' signed listener). Once in process, once as the real `openimds proxy`
// and `openimds agent` commands, and once with Neutron's own haproxy in front of `openimds agent`.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { SILENT_LOGGER } from '../../src/log.js';
import { startMetadataAgent } from '../../src/proxy/metadata-agent.js';
import { startNamespaceProxy } from '../../src/proxy/namespace-proxy.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import type { Store } from '../../src/store/store.js';
import { requirePrereq } from '../helpers/prereq.js';
import { sendRaw, type RawResponse, type TcpTarget } from '../helpers/raw-http.js';
import { sampleInstance, sampleNetwork, samplePort } from '../helpers/sample-instance.js';
import { startTestService } from '../helpers/test-service.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';
import { freePort } from '../helpers/free-port.js';

const MAIN = 'dist/src/cli/main.js';
const SECRET = 'chain-secret';
const META = '/openstack/latest/meta_data.json';
const onLoopback = (n: number) =>
  sampleNetwork(n, { subnets: [{ ...sampleNetwork(n).subnets[0]!, cidr: '127.0.0.0/8', gateway: null }] });
// Both networks hold an instance at 127.0.0.1: only the proxy's tag tells them apart.
const NET1 = onLoopback(1);
const NET2 = onLoopback(2);
const USER_DATA = gzipSync(Buffer.from('#cloud-config\nhostname: chained\n'));
const VM1 = sampleInstance(1, { userData: USER_DATA });
const VM2 = sampleInstance(2);

function fillStore(store: Store): void {
  store.transaction(() => {
    store.putNetwork(NET1);
    store.putNetwork(NET2);
    store.putInstance(VM1);
    store.putInstance(VM2);
    store.putPort(samplePort(1, VM1.uuid, NET1.id, ['127.0.0.1']));
    store.putPort(samplePort(2, VM2.uuid, NET2.id, ['127.0.0.1']));
  });
}

async function startNova(t: TestContext, store: Store): Promise<string> {
  const service = await startTestService(t, {
    store,
    env: { OPENIMDS_SHARED_SECRET: SECRET },
    configure: (config) => {
      config.signedListen = '127.0.0.1:0';
    },
  });
  return `http://${service.address('signed')}`;
}

function uuidOf(res: RawResponse): string {
  assert.equal(res.status, 200, res.body.toString());
  return (JSON.parse(res.body.toString('utf8')) as { uuid: string }).uuid;
}

async function assertGuestServed(guest: TcpTarget): Promise<void> {
  assert.equal(uuidOf(await sendRaw(guest, { path: META })), VM1.uuid);
  // Claiming the other network (where 127.0.0.1 is VM2) changes nothing.
  const forged = await sendRaw(guest, {
    path: META,
    headers: [
      ['X-Neutron-Network-ID', NET2.id],
      ['X-Instance-ID', VM2.uuid],
    ],
  });
  assert.equal(uuidOf(forged), VM1.uuid);
  const userData = await sendRaw(guest, { path: '/openstack/latest/user_data' });
  assert.equal(userData.status, 200);
  assert.deepEqual(userData.body, USER_DATA);
}

test('proxy → agent → signed listener, in process: the guest gets its own metadata, byte-exact', async (t) => {
  const store = openSqliteStore({ path: ':memory:' });
  t.after(() => store.close());
  fillStore(store);
  const socketPath = path.join(makeTmpDir(t), 'metadata_proxy');
  const agent = await startMetadataAgent({
    socketPath,
    store,
    secret: SECRET,
    novaUrl: await startNova(t, store),
    log: SILENT_LOGGER,
  });
  t.after(() => agent.close(100));
  const proxy = await startNamespaceProxy({
    listen: { host: '127.0.0.1', port: 0 },
    tag: { kind: 'network', id: NET1.id },
    socketPath,
    log: SILENT_LOGGER,
  });
  t.after(() => proxy.close(100));
  await assertGuestServed({ host: '127.0.0.1', port: proxy.address.port });
});

// --- the real commands

interface Child {
  child: ChildProcess;
  output: () => string;
  /** Resolves with the first JSON log line whose event matches. */
  event(name: string): Promise<Record<string, unknown>>;
  stop(): Promise<number | null>;
  /** The exit code of a process expected to end by itself (within 10 s). */
  exitCode(): Promise<number | null>;
}

function spawnCli(t: TestContext, args: string[], env: NodeJS.ProcessEnv): Child {
  const child = spawn(process.execPath, [MAIN, ...args], {
    env: { ...process.env, OPENIMDS_CONFIG: '/dev/null', OPENIMDS_LOG_FORMAT: 'json', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const waiters: Array<() => void> = [];
  const onData = (d: Buffer) => {
    out += d.toString();
    waiters.splice(0).forEach((w) => w());
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const stop = async (): Promise<number | null> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    const code = await exited;
    clearTimeout(timer);
    return code;
  };
  t.after(stop);
  const find = (name: string) =>
    out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l['event'] === name);
  const event = async (name: string): Promise<Record<string, unknown>> => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const found = find(name);
      if (found !== undefined) return found;
      if (child.exitCode !== null || Date.now() > deadline) {
        throw new Error(`No "${name}" from openimds ${args[0]} (exit ${child.exitCode}):\n${out}`);
      }
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
  };
  const exitCode = async (): Promise<number | null> => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    const code = await exited;
    clearTimeout(timer);
    return code;
  };
  return { child, output: () => out, event, stop, exitCode };
}

test('openimds proxy → openimds agent → signed listener, as separate processes, and both stop on SIGTERM', async (t) => {
  const dir = makeTmpDir(t);
  const database = path.join(dir, 'openimds.sqlite');
  const store = openSqliteStore({ path: database });
  t.after(() => store.close());
  fillStore(store);
  const socket = path.join(dir, 'metadata_proxy');
  const secretFile = path.join(dir, 'secret');
  writeFileSync(secretFile, SECRET + '\n', { mode: 0o600 });

  const agent = spawnCli(
    t,
    [
      'agent',
      '--socket',
      socket,
      '--database',
      database,
      '--data-dir',
      dir,
      '--shared-secret-file',
      secretFile,
    ],
    { OPENIMDS_NOVA_URL: await startNova(t, store) },
  );
  await agent.event('agent.started');
  const proxy = spawnCli(t, ['proxy', '--listen', '127.0.0.1:0', '--network-id', NET1.id], {
    OPENIMDS_PROXY_SOCKET: socket,
  });
  const started = await proxy.event('proxy.started');
  const port = (started['address'] as { port: number }).port;
  await assertGuestServed({ host: '127.0.0.1', port });

  assert.equal(await proxy.stop(), 0, proxy.output());
  assert.equal(await agent.stop(), 0, agent.output());
  assert.ok(!agent.output().includes(SECRET), 'the secret is never logged');
});

test('openimds proxy refuses to start without exactly one of --network-id and --router-id (exit 2)', async (t) => {
  const both = spawnCli(t, ['proxy', '--listen', '127.0.0.1:0', '--socket', '/nonexistent'], {});
  assert.equal(await both.exitCode(), 2);
  assert.match(both.output(), /exactly one of --network-id .* and --router-id/);
  const bad = spawnCli(
    t,
    ['proxy', '--listen', '127.0.0.1:0', '--socket', '/x', '--router-id', 'router-1'],
    {},
  );
  assert.equal(await bad.exitCode(), 2);
  assert.match(bad.output(), /UUID/);
});

test('openimds agent refuses to start without a shared secret (exit 6, with a hint)', async (t) => {
  const dir = makeTmpDir(t);
  const agent = spawnCli(t, ['agent', '--socket', path.join(dir, 's'), '--data-dir', dir], {
    OPENIMDS_SHARED_SECRET: '',
  });
  assert.equal(await agent.exitCode(), 6);
  assert.match(agent.output(), /error SECRET_UNAVAILABLE/);
  assert.match(agent.output(), /hint: .*metadata_proxy_shared_secret/);
});

// --- Neutron's own haproxy in front of openimds agent (its metadata_proxy_socket)

test("Neutron's haproxy (as the L3/DHCP agent configures it) → openimds agent → signed listener", async (t) => {
  if (!requirePrereq(t, { commands: ['haproxy'] })) return;
  const store = openSqliteStore({ path: ':memory:' });
  t.after(() => store.close());
  fillStore(store);
  const dir = makeTmpDir(t);
  const socketPath = path.join(dir, 'metadata_proxy');
  const agent = await startMetadataAgent({
    socketPath,
    store,
    secret: SECRET,
    novaUrl: await startNova(t, store),
    log: SILENT_LOGGER,
  });
  t.after(() => agent.close(100));
  const port = await freePort();
  const cfg = path.join(dir, 'haproxy.cfg');
  // neutron/common/metadata.py METADATA_HAPROXY_GLOBAL + the ML2/OVS header rules (§3.4).
  writeFileSync(
    cfg,
    `global\n    maxconn 1024\n\ndefaults\n    mode http\n    option http-server-close\n    option forwardfor\n` +
      `    retries 3\n    timeout http-request 30s\n    timeout connect 30s\n    timeout client 32s\n` +
      `    timeout server 32s\n    timeout http-keep-alive 30s\n\nlisten listener\n    bind 127.0.0.1:${port}\n` +
      `    server metadata ${socketPath}\n    http-request del-header X-Neutron-Router-ID\n` +
      `    http-request set-header X-Neutron-Network-ID ${NET1.id}\n`,
  );
  const haproxy = spawn('haproxy', ['-f', cfg, '-db'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  haproxy.stderr!.on('data', (d: Buffer) => (out += d));
  const exited = new Promise<void>((resolve) => haproxy.once('exit', () => resolve()));
  t.after(async () => {
    if (haproxy.exitCode === null && haproxy.signalCode === null) haproxy.kill('SIGTERM');
    await exited;
  });
  const guest = { host: '127.0.0.1', port };
  const deadline = Date.now() + 5_000;
  for (;;) {
    const up = await sendRaw(guest, { path: '/' }).then(
      () => true,
      () => false,
    );
    if (up) break;
    assert.ok(Date.now() < deadline && haproxy.exitCode === null, `haproxy did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(uuidOf(await sendRaw(guest, { path: META })), VM1.uuid);
  const userData = await sendRaw(guest, { path: '/openstack/latest/user_data' });
  assert.deepEqual(userData.body, USER_DATA);
});
