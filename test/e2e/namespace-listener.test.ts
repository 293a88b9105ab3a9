// Zero-hop network listeners: `openimds serve` (here in the test's own process, in the machine's
// namespace) answers guests inside a network namespace through a socket created in that namespace by
// a short-lived helper and handed back over IPC. Traffic only flows between the test's namespaces.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startService } from '../../src/cli/service-app.js';
import { defaultConfig } from '../../src/config.js';
import { createLogger, SILENT_LOGGER } from '../../src/log.js';
import type { Network } from '../../src/model/network.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import { createTopology, NAMESPACE_PREFIX, type Topology } from '../helpers/netns.js';
import { requirePrereq } from '../helpers/prereq.js';
import { sampleInstance } from '../helpers/sample-instance.js';

const execFileAsync = promisify(execFile);
const PREREQ = { root: true, commands: ['ip', 'curl'] };

function network(topology: Topology, attachNamespace: string): Network {
  return {
    id: '7c1d2e3f-0000-4000-8000-00000000000a',
    name: 'segment',
    subnets: [
      {
        id: '7c1d2e3f-0000-4000-8000-0000000000a1',
        cidr: topology.cidr,
        ipVersion: 4,
        gateway: topology.serviceAddress,
        dns: [],
        hostRoutes: [],
        dhcp: false,
        ipv6AddressMode: null,
      },
    ],
    mtu: 1500,
    routerId: null,
    attach: {
      namespace: attachNamespace,
      interface: topology.serviceInterface,
      mode: 'onlink',
      address: null,
    },
  };
}

async function setUp(
  t: Parameters<typeof createTopology>[0],
  opts: { attachNamespace?: (topology: Topology) => string; plumbing?: boolean } = {},
) {
  const plumbing = opts.plumbing ?? false;
  // With plumbing on, serve itself binds 169.254.169.254/32 on the interface; otherwise the topology does.
  const topology = await createTopology(t, { zeroconfRoute: true, metadataOnLink: !plumbing });
  const dir = mkdtempSync(join(tmpdir(), 'oimds-nsl-'));
  const store = openSqliteStore({ path: join(dir, 'db.sqlite') });
  const net = network(topology, opts.attachNamespace?.(topology) ?? topology.serviceNs);
  store.putNetwork(net);
  const uuid = '0b5c9d3e-1f2a-4b6c-8d7e-9f0a1b2c3d4e';
  store.putInstance(sampleInstance(1, { uuid, name: 'guest-1', hostname: 'guest-1' }));
  store.putPort({
    id: '1d2e3f40-5a6b-4c7d-8e9f-a0b1c2d3e4f5',
    instanceUuid: uuid,
    networkId: net.id,
    mac: topology.guestMac,
    fixedIps: [topology.guestAddress],
    floatingIp: null,
    vifType: 'ovs',
    devname: null,
  });
  const config = {
    ...defaultConfig({ uid: 0, home: dir }),
    dataDir: dir,
    signedListen: '',
    adminListen: '',
    applyPlumbing: plumbing,
    runDir: join(dir, 'run'),
    attachPollMs: 100,
  };
  const service = await startService({
    config,
    store,
    log: process.env['E2E_LOG'] ? createLogger({ level: 'debug', format: 'text' }) : SILENT_LOGGER,
    env: {},
    demo: false,
  });
  t.after(async () => {
    await service.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { topology, store, service, uuid, net };
}

async function waitFor(what: string, check: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

test('serve plumbs an on-link network and serves its guest from inside the namespace, zeroconf route and all, with no proxy', async (t) => {
  if (!requirePrereq(t, PREREQ)) return;
  const { topology, service, uuid } = await setUp(t, { plumbing: true });
  const addrs = await topology.run(topology.serviceNs, [
    'ip',
    '-4',
    '-o',
    'addr',
    'show',
    'dev',
    topology.serviceInterface,
  ]);
  assert.match(
    addrs.stdout,
    /169\.254\.169\.254\/32/,
    'serve bound the metadata address on the guest-facing interface',
  );
  assert.deepEqual(
    service.attachments!.status().serving.map((g) => g.namespace),
    [topology.serviceNs],
  );
  const r = await topology.run(topology.guestNs, [
    'curl',
    '-s',
    '-m',
    '3',
    'http://169.254.169.254/openstack/latest/meta_data.json',
  ]);
  assert.equal((JSON.parse(r.stdout) as { uuid: string }).uuid, uuid);
  // Guest-sent identity headers change nothing: identity is the peer address inside the namespace.
  const forged = await topology.run(topology.guestNs, [
    'curl',
    '-s',
    '-m',
    '3',
    '-H',
    'X-Forwarded-For: 10.9.9.9',
    '-H',
    'X-Neutron-Network-ID: other',
    '-H',
    'X-Instance-ID: other',
    'http://169.254.169.254/latest/meta-data/local-ipv4',
  ]);
  assert.equal(forged.stdout, topology.guestAddress);
});

test('an attach removed from the store closes the listener, and re-adding it serves again without a restart', async (t) => {
  if (!requirePrereq(t, PREREQ)) return;
  const { topology, store, service, net } = await setUp(t);
  store.putNetwork({ ...net, attach: null });
  await waitFor('the listener to close', () => service.attachments!.status().serving.length === 0);
  const refused = await topology.run(topology.guestNs, ['curl', '-s', '-m', '2', 'http://169.254.169.254/'], {
    check: false,
  });
  assert.notEqual(refused.code, 0, 'nothing listens any more');
  store.putNetwork(net);
  await waitFor('the listener to return', () => service.attachments!.status().serving.length === 1);
  const back = await topology.run(topology.guestNs, [
    'curl',
    '-s',
    '-m',
    '3',
    'http://169.254.169.254/latest/meta-data/local-ipv4',
  ]);
  assert.equal(back.stdout, topology.guestAddress);
});

test('a network whose namespace does not exist yet waits, and is served once the namespace appears', async (t) => {
  if (!requirePrereq(t, PREREQ)) return;
  const late = `${NAMESPACE_PREFIX}late${process.pid % 10000}`;
  t.after(() => {
    try {
      execFileSync('ip', ['netns', 'del', late], { stdio: 'ignore' });
    } catch {
      // already gone
    }
  });
  const { service } = await setUp(t, { attachNamespace: () => late });
  assert.equal(service.attachments!.status().serving.length, 0);
  assert.equal(service.attachments!.status().waiting.length, 1);
  execFileSync('ip', ['netns', 'add', late]);
  execFileSync('ip', ['-n', late, 'link', 'set', 'lo', 'up']);
  execFileSync('ip', ['-n', late, 'addr', 'add', '169.254.169.254/32', 'dev', 'lo']);
  await waitFor('the late namespace to be served', () => service.attachments!.status().serving.length === 1);
  // Async: the service answers from this very process, so a synchronous exec would block it.
  const { stdout } = await execFileAsync('ip', [
    'netns',
    'exec',
    late,
    'curl',
    '-s',
    '-m',
    '3',
    'http://169.254.169.254/',
  ]);
  assert.match(stdout, /^1\.0\n/);
  execFileSync('ip', ['netns', 'del', late]);
  await waitFor(
    'the vanished namespace to be noticed',
    () => service.attachments!.status().waiting.length === 1,
  );
});
