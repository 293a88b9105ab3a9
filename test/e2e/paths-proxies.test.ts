// Neutron's metadata path with its proxies inside a real namespace (reference §1.1, §3.3–3.5): a
// DHCP-style namespace owns 169.254.169.254/32 on its guest-facing interface, a namespace proxy there
// binds 169.254.169.254:80 and forwards over a UNIX socket (a filesystem object, so reachable from
// inside the namespace) to openimds serve in this process:
//   (a) Neutron's own haproxy, configured as the DHCP agent configures it → the tagged listener;
//   (b) `openimds proxy` in its place → the tagged listener;
//   (c) haproxy, then `openimds proxy`, → `openimds agent` → the signed listener standing in for
//       Nova (shared secret from OPENIMDS_SHARED_SECRET).
// The guest, in its own namespace with the seed report's zeroconf route, fetches its own metadata in
// each case; identity headers it forges never get it anyone else's.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { after, test, type TestContext } from 'node:test';
import { promisify } from 'node:util';
import type { Network, Router } from '../../src/model/network.js';
import type { Store } from '../../src/store/store.js';
import { requirePrereq } from '../helpers/prereq.js';
import { labNetwork, labVm, type Vm } from './lab-store.js';
import { testUuid } from '../helpers/sample-instance.js';
import {
  createLab,
  fetchFrom,
  METADATA_ADDRESS,
  metadataUuid,
  randomMac,
  routeTo,
  serve,
  spawnCli,
  startHaproxy,
  tailOf,
  waitUntil,
  type Lab,
  type LabChild,
  type Served,
} from './attach-kit.js';

const TIMEOUT = { timeout: 60_000 };
const SECRET = 'paths-shared-secret';
const ROUTER: Router = { id: testUuid(0xd, 7), name: 'decoy-router' };

const labs: string[] = [];
after(async () => {
  const { stdout } = await promisify(execFile)('ip', ['netns', 'list']);
  const left = stdout.split('\n').filter((line) => labs.some((id) => line.startsWith(`oimds-${id}-`)));
  assert.deepEqual(left, [], 'namespaces left behind');
});

interface Site {
  lab: Lab;
  /** The namespace the proxy runs in (Neutron's qdhcp-<network>). */
  proxyNs: string;
  guestNs: string;
  address: string;
  net: Network;
  /** The guest, and the instances a forged header would point at. */
  vm: Vm;
  others: { sameAddressOtherNetwork: Vm; otherAddressSameNetwork: Vm };
  decoyNet: Network;
  fill(store: Store): void;
}

/**
 * The proxy's namespace owns 169.254.169.254/32 and the DHCP port's address (what Neutron's DHCP
 * agent configures, §3.3.3); the guest has an address, a default route and the zeroconf route.
 */
async function site(t: TestContext): Promise<Site> {
  const lab = createLab(t);
  labs.push(lab.id);
  const proxyNs = await lab.namespace('qdhcp');
  const guestNs = await lab.namespace('guest');
  const mac = randomMac();
  const address = `${lab.prefix}.10`;
  await lab.veth({ ns: proxyNs, dev: 'tap-lab' }, { ns: guestNs, dev: 'eth0', mac });
  await lab.ip(proxyNs, 'addr', 'add', `${lab.prefix}.2/24`, 'dev', 'tap-lab');
  await lab.ip(proxyNs, 'addr', 'add', `${METADATA_ADDRESS}/32`, 'dev', 'tap-lab');
  await lab.guest(guestNs, 'eth0', { address: `${address}/24`, gateway: `${lab.prefix}.1` });
  const net = labNetwork(lab, 1, null, {}, { dhcp: true });
  // A second tenant reusing the same addresses, on a router: the place a forged
  // X-Neutron-Network-ID or X-Neutron-Router-ID would lead.
  const decoyNet = labNetwork(lab, 2, null, { routerId: ROUTER.id }, { dhcp: true });
  const guest = labVm(1, net.id, mac, address);
  const sameAddressOtherNetwork = labVm(2, decoyNet.id, randomMac(), address);
  const otherAddressSameNetwork = labVm(3, net.id, randomMac(), `${lab.prefix}.20`);
  return {
    lab,
    proxyNs,
    guestNs,
    address,
    net,
    vm: guest,
    others: { sameAddressOtherNetwork, otherAddressSameNetwork },
    decoyNet,
    fill(store) {
      store.putRouter(ROUTER);
      store.putNetwork(net);
      store.putNetwork(decoyNet);
      for (const v of [guest, sameAddressOtherNetwork, otherAddressSameNetwork]) {
        store.putInstance(v.input);
        store.putPort(v.port);
      }
    },
  };
}

/** Waits until the proxy answers the guest (GET / needs no identity), or fails with its output. */
async function waitForProxy(s: Site, proxy: LabChild, served: Served): Promise<void> {
  let last = '';
  await waitUntil(
    'the namespace proxy to answer the guest',
    async () => {
      const r = await fetchFrom(s.lab, s.guestNs, `http://${METADATA_ADDRESS}/`, {
        connectTimeout: 1,
        maxTime: 2,
      });
      last = `curl exit ${r.exit}, status ${r.status}`;
      return r.status === 200;
    },
    10_000,
    () => `${last}\n--- proxy\n${proxy.output()}\n--- openimds\n${tailOf(served.logs())}`,
  );
}

/**
 * The guest gets itself, with and without forged identity headers. A forged X-Forwarded-For is
 * "stripped" by openimds proxy (the guest still gets itself) and kept by haproxy's `option
 * forwardfor`, which appends the real address ("forged, real"): that matches no port, so the
 * guest is "refused" (404) — as Neutron's agent refuses it — and never gets the forged address's
 * instance.
 */
async function assertOwnMetadata(s: Site, forgedXff: 'stripped' | 'refused'): Promise<void> {
  const { lab, guestNs, vm: me, others } = s;
  assert.match(
    await routeTo(lab, guestNs),
    new RegExp(`^${METADATA_ADDRESS} dev eth0 `),
    'zeroconf, on-link',
  );
  assert.equal(await metadataUuid(lab, guestNs), me.input.uuid);
  // Neutron's ML2/OVS haproxy leaves a guest's X-OVN-Network-ID in place beside its own
  // X-Neutron-Network-ID; the tagged listener cannot tell which one the proxy set, so it refuses (400).
  const ovnForged: [string, string] = ['X-OVN-Network-ID', s.decoyNet.id];
  const forged: Array<[string, string]> = [
    ['X-Neutron-Network-ID', s.decoyNet.id],
    ['X-Neutron-Router-ID', ROUTER.id],
    ...(forgedXff === 'stripped' ? [ovnForged] : []),
    ['X-Instance-ID', others.sameAddressOtherNetwork.input.uuid],
    ['X-Instance-ID-Signature', 'a'.repeat(64)],
    ['X-Tenant-ID', others.sameAddressOtherNetwork.input.projectId],
    ['Forwarded', `for=${others.otherAddressSameNetwork.port.fixedIps[0]}`],
    ['X-Real-IP', others.otherAddressSameNetwork.port.fixedIps[0]!],
  ];
  assert.equal(
    await metadataUuid(lab, guestNs, { headers: forged }),
    me.input.uuid,
    'forged identity headers',
  );
  if (forgedXff === 'refused') {
    const url = `http://${METADATA_ADDRESS}/openstack/latest/meta_data.json`;
    const ovn = await fetchFrom(lab, guestNs, url, { headers: [...forged, ovnForged] });
    assert.equal(ovn.status, 400, ovn.body);
    for (const other of Object.values(others)) assert.ok(!ovn.body.includes(other.input.uuid), ovn.body);
  }
  const ipv4 = await fetchFrom(lab, guestNs, `http://${METADATA_ADDRESS}/latest/meta-data/local-ipv4`, {
    headers: forged,
  });
  assert.equal(`${ipv4.status} ${ipv4.body}`, `200 ${s.address}`);

  const xff: Array<[string, string]> = [
    ['X-Forwarded-For', others.otherAddressSameNetwork.port.fixedIps[0]!],
  ];
  const spoofed = await fetchFrom(
    lab,
    guestNs,
    `http://${METADATA_ADDRESS}/openstack/latest/meta_data.json`,
    {
      headers: [...xff, ...forged],
    },
  );
  for (const other of Object.values(others))
    assert.ok(!spoofed.body.includes(other.input.uuid), spoofed.body);
  if (forgedXff === 'stripped') {
    assert.equal(spoofed.status, 200, spoofed.body);
    assert.equal((JSON.parse(spoofed.body) as { uuid: string }).uuid, me.input.uuid);
  } else {
    assert.equal(spoofed.status, 404, spoofed.body);
  }
}

const PROXY_PREREQ = { root: true, commands: ['ip', 'curl'] };

test(
  "Neutron's haproxy in the namespace → tagged listener: the guest gets its own metadata; forged headers get it no one else's",
  TIMEOUT,
  async (t) => {
    if (!requirePrereq(t, { ...PROXY_PREREQ, commands: [...PROXY_PREREQ.commands, 'haproxy'] })) return;
    const s = await site(t);
    const socket = join(s.lab.dir, 'tagged.sock');
    const served = await serve(s.lab, s.fill, { configure: (c) => void (c.taggedSocket = socket) });
    const haproxy = startHaproxy(s.lab, s.proxyNs, {
      bind: `${METADATA_ADDRESS}:80`,
      socket,
      networkId: s.net.id,
    });
    await waitForProxy(s, haproxy, served);
    await assertOwnMetadata(s, 'refused');
    assert.equal(haproxy.child.exitCode, null, `haproxy kept running:\n${haproxy.output()}`);
    await haproxy.stop();
  },
);

test(
  'openimds proxy in the namespace → tagged listener: the guest gets its own metadata, every forged identity header dropped',
  TIMEOUT,
  async (t) => {
    if (!requirePrereq(t, PROXY_PREREQ)) return;
    const s = await site(t);
    const socket = join(s.lab.dir, 'tagged.sock');
    const served = await serve(s.lab, s.fill, { configure: (c) => void (c.taggedSocket = socket) });
    const proxy = spawnCli(s.lab, s.proxyNs, [
      ...['proxy', '--listen', `${METADATA_ADDRESS}:80`],
      ...['--network-id', s.net.id, '--socket', socket],
    ]);
    await proxy.waitOutput(/"event":"proxy\.started"/);
    await waitForProxy(s, proxy, served);
    await assertOwnMetadata(s, 'stripped');
    assert.equal(await proxy.stop(), 0, proxy.output());
  },
);

test(
  'haproxy, then openimds proxy, in the namespace → openimds agent → signed listener (Nova): the guest gets its own metadata',
  TIMEOUT,
  async (t) => {
    if (!requirePrereq(t, { ...PROXY_PREREQ, commands: [...PROXY_PREREQ.commands, 'haproxy'] })) return;
    const s = await site(t);
    // Nova's stand-in: only the signed listener, so nothing reaches openimds but through the agent.
    const served = await serve(s.lab, s.fill, {
      configure: (c) => void (c.signedListen = '127.0.0.1:0'),
      env: { OPENIMDS_SHARED_SECRET: SECRET },
    });
    const signed = served.service.endpoints.find((e) => e.kind === 'signed');
    assert.ok(signed !== undefined, JSON.stringify(served.service.endpoints));
    assert.deepEqual(
      served.service.endpoints.map((e) => e.kind),
      ['signed'],
    );
    const agentSocket = join(s.lab.dir, 'metadata_proxy');
    // The agent runs beside the namespaces, as Neutron's does; it reads the same database.
    const agent = spawnCli(
      s.lab,
      null,
      [
        ...['agent', '--socket', agentSocket, '--nova-url', `http://${signed.address}`],
        ...['--database', served.database, '--data-dir', join(s.lab.dir, 'agent')],
      ],
      { OPENIMDS_SHARED_SECRET: SECRET },
    );
    await agent.waitOutput(/"event":"agent\.started"/);

    const haproxy = startHaproxy(s.lab, s.proxyNs, {
      bind: `${METADATA_ADDRESS}:80`,
      socket: agentSocket,
      networkId: s.net.id,
    });
    await waitForProxy(s, haproxy, served);
    await assertOwnMetadata(s, 'refused');
    assert.equal(haproxy.child.exitCode, null, `haproxy kept running:\n${haproxy.output()}`);
    await haproxy.stop();

    const proxy = spawnCli(s.lab, s.proxyNs, [
      ...['proxy', '--listen', `${METADATA_ADDRESS}:80`],
      ...['--network-id', s.net.id, '--socket', agentSocket],
    ]);
    await proxy.waitOutput(/"event":"proxy\.started"/);
    await waitForProxy(s, proxy, served);
    await assertOwnMetadata(s, 'stripped');
    assert.equal(await proxy.stop(), 0, proxy.output());
    assert.equal(await agent.stop(), 0, agent.output());
    assert.ok(!agent.output().includes(SECRET), 'the secret is never logged');
  },
);
