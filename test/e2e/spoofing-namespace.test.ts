// The spoofing matrix on a namespace listener (issue 7, "Tests"): `openimds serve` in this process
// answers a guest inside a network namespace through a socket handed off from that namespace; the
// guest writes request heads byte for byte (forged identity headers, repeated, in other cases, with
// odd whitespace, folded) from a small Node client run inside its namespace. Identity is the peer
// address on the attached network and nothing else: the guest always reads its own data, another
// instance at the same address on another network never answers for it, and once the guest moves
// to an unregistered address every row is a 404. 0 foreign reads throughout.
// Traffic flows only between the test's namespaces (test/helpers/netns.ts).
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startService } from '../../src/cli/service-app.js';
import { defaultConfig, type Config } from '../../src/config.js';
import { SILENT_LOGGER } from '../../src/log.js';
import type { Network } from '../../src/model/network.js';
import type { Port } from '../../src/model/port.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import { foreignReads, markedInstance, type Marked } from '../helpers/foreign-data.js';
import { createTopology, METADATA_ADDRESS, randomMac, type Topology } from '../helpers/netns.js';
import { requirePrereq } from '../helpers/prereq.js';
import { testUuid } from '../helpers/sample-instance.js';
import { CLI_MAIN } from './attach-kit.js';

const PREREQ = { root: true, commands: ['ip', 'ss'] };
const PATHS = ['/openstack/latest/meta_data.json', '/latest/user-data', '/latest/meta-data/hostname'];

// Runs inside the guest namespace: sends each head (base64) on its own connection to the metadata
// address and prints the raw answers (base64), in order, as JSON. It does not half-close after the
// head (as curl does not): Node's HTTP server drops a half-closed request whose answer is not ready yet.
const GUEST_CLIENT = `
import { connect } from 'node:net';
import { readFileSync } from 'node:fs';
const heads = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const [host, port] = [process.argv[3], Number(process.argv[4])];
const out = [];
for (const head of heads) {
  out.push(await new Promise((resolve) => {
    const s = connect({ host, port });
    const chunks = [];
    s.setTimeout(5000, () => s.destroy(new Error('no answer within 5 s')));
    s.on('data', (c) => chunks.push(c));
    s.on('close', () => resolve(Buffer.concat(chunks).toString('base64')));
    s.on('error', (err) => chunks.push(Buffer.from('CLIENT ERROR ' + err.message)));
    s.write(Buffer.from(head, 'base64'));
  }));
}
process.stdout.write(JSON.stringify(out));
`;

function network(n: number, topology: Topology, attach: boolean): Network {
  return {
    id: testUuid(0xa, n),
    name: `segment-${n}`,
    subnets: [
      {
        id: testUuid(0xb, n),
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
    attach: attach
      ? { namespace: topology.serviceNs, interface: topology.serviceInterface, mode: 'onlink', address: null }
      : null,
  };
}

function port(n: number, vm: Marked, net: Network, ip: string, mac: string): Port {
  const id = testUuid(0xc, n);
  return {
    id,
    instanceUuid: vm.uuid,
    networkId: net.id,
    mac,
    fixedIps: [ip],
    floatingIp: null,
    vifType: 'ovs',
    devname: null,
  };
}

/** Head lines (without the request line) that claim to be `victim`. */
function forgedHeads(victim: Marked, victimIp: string, victimNet: Network): Array<[string, string]> {
  const trio = `X-Instance-ID: ${victim.uuid}\r\nX-Tenant-ID: ${victim.input.projectId}\r\nX-Instance-ID-Signature: ${'0'.repeat(64)}\r\n`;
  return [
    ['none', ''],
    ['signed trio', trio],
    ['X-Forwarded-For', `X-Forwarded-For: ${victimIp}\r\n`],
    ['Forwarded', `Forwarded: for=${victimIp}\r\n`],
    ['X-Real-IP', `X-Real-IP: ${victimIp}\r\n`],
    ['X-Neutron-Network-ID', `X-Neutron-Network-ID: ${victimNet.id}\r\n`],
    ['X-Neutron-Router-ID', `X-Neutron-Router-ID: ${testUuid(0xd, 1)}\r\n`],
    ['X-OVN-Network-ID', `X-OVN-Network-ID: ${victimNet.id}\r\n`],
    ['repeated X-Forwarded-For', `X-Forwarded-For: ${victimIp}\r\nX-Forwarded-For: ${victimIp}\r\n`],
    [
      'case variants',
      `x-FORWARDED-for: ${victimIp}\r\nX-INSTANCE-ID: ${victim.uuid}\r\nx-neutron-NETWORK-id: ${victimNet.id}\r\n`,
    ],
    ['odd whitespace', `X-Forwarded-For:\t ${victimIp} \t\r\nX-Instance-ID:${victim.uuid}\r\n`],
    ['folded value', `X-Forwarded-For: 10.9.9.9\r\n ${victimIp}\r\n`],
    ['underscore names', `X_Forwarded_For: ${victimIp}\r\nX_Instance_ID: ${victim.uuid}\r\n`],
    [
      'everything',
      `${trio}X-Forwarded-For: ${victimIp}\r\nX-Neutron-Network-ID: ${victimNet.id}\r\nForwarded: for=${victimIp}\r\n`,
    ],
  ];
}

async function setUp(
  t: TestContext,
  opts: { attach?: boolean; configure?: (config: Config, dir: string) => void } = {},
) {
  const topology = await createTopology(t, { zeroconfRoute: true });
  const dir = mkdtempSync(join(tmpdir(), 'oimds-spoof-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const prefix = topology.cidr.replace(/\.0\/24$/, '');
  // The attached network: the guest G at its address, V at .3. Another network, not attached, with
  // the same subnet: W at G's address with G's MAC.
  const served = network(1, topology, opts.attach ?? true);
  const other = network(2, topology, false);
  const G = markedInstance(1, 'G');
  const V = markedInstance(2, 'V');
  const W = markedInstance(3, 'W');
  const store = openSqliteStore({ path: join(dir, 'db.sqlite') });
  store.transaction(() => {
    store.putNetwork(served);
    store.putNetwork(other);
    for (const vm of [G, V, W]) store.putInstance(vm.input);
    store.putPort(port(1, G, served, topology.guestAddress, topology.guestMac));
    store.putPort(port(2, V, served, `${prefix}.3`, randomMac()));
    store.putPort(port(3, W, other, topology.guestAddress, topology.guestMac));
  });
  const config = {
    ...defaultConfig({ uid: 0, home: dir }),
    dataDir: dir,
    signedListen: '',
    adminListen: '',
    applyPlumbing: false,
    runDir: join(dir, 'run'),
    attachPollMs: 100,
  };
  opts.configure?.(config, dir);
  const service = await startService({ config, store, log: SILENT_LOGGER, env: {}, demo: false });
  t.after(async () => {
    await service.close();
    store.close();
  });
  const listeners = (opts.attach ?? true) ? 1 : 0;
  assert.equal(service.attachments!.status().serving.length, listeners, 'the namespace listener is up');
  writeFileSync(join(dir, 'guest-client.mjs'), GUEST_CLIENT);

  /** Sends every head from inside the guest namespace; returns the raw answers in order. */
  const fromGuest = async (heads: string[], host = METADATA_ADDRESS, port = 80): Promise<string[]> => {
    const file = join(dir, `heads-${Date.now()}.json`);
    writeFileSync(file, JSON.stringify(heads.map((h) => Buffer.from(h, 'latin1').toString('base64'))));
    // Async: the service answers from this very process.
    const r = await topology.run(topology.guestNs, [
      process.execPath,
      join(dir, 'guest-client.mjs'),
      file,
      host,
      String(port),
    ]);
    return (JSON.parse(r.stdout) as string[]).map((b) => Buffer.from(b, 'base64').toString('latin1'));
  };
  return { topology, dir, prefix, served, other, G, V, W, all: [G, V, W], fromGuest };
}

interface Row {
  name: string;
  head: string;
}

function rows(victims: Array<[Marked, string, Network]>): Row[] {
  const out: Row[] = [];
  for (const [victim, ip, net] of victims) {
    for (const [name, lines] of forgedHeads(victim, ip, net)) {
      for (const p of PATHS) {
        out.push({
          name: `${name} (as ${victim.label}) ${p}`,
          head: `GET ${p} HTTP/1.1\r\nHost: ${METADATA_ADDRESS}\r\n${lines}Connection: close\r\n\r\n`,
        });
      }
    }
  }
  return out;
}

const statusOf = (raw: string) => Number(/^HTTP\/1\.1 (\d{3}) /.exec(raw)?.[1]);

test('namespace listener: forged identity headers never change who the guest is; the same address on another network never answers for it', async (t) => {
  if (!requirePrereq(t, PREREQ)) return;
  const s = await setUp(t);
  const table = rows([
    [s.V, `${s.prefix}.3`, s.served],
    [s.W, s.topology.guestAddress, s.other],
  ]);
  const answers = await s.fromGuest(table.map((r) => r.head));
  assert.equal(answers.length, table.length);
  table.forEach((row, i) => {
    const raw = answers[i]!;
    assert.deepEqual(foreignReads(raw, s.G.uuid, s.all, row.head), [], `${row.name}: foreign data`);
    const status = statusOf(raw);
    // A folded (obs-fold) head is refused by Node's parser (400); everything else is G's own data.
    assert.equal(status, row.name.startsWith('folded') ? 400 : 200, `${row.name}: ${raw.slice(0, 200)}`);
    if (status === 200) assert.ok(raw.includes(s.G.marker), `${row.name}: G's own data`);
  });
});

test('namespace listener: a guest at an address no port has gets 404 whatever it claims', async (t) => {
  if (!requirePrereq(t, PREREQ)) return;
  const s = await setUp(t);
  const { topology } = s;
  const unregistered = `${s.prefix}.9`;
  await topology.run(topology.guestNs, ['ip', 'addr', 'flush', 'dev', topology.guestInterface]);
  await topology.run(topology.guestNs, [
    'ip',
    'addr',
    'add',
    `${unregistered}/24`,
    'dev',
    topology.guestInterface,
  ]);
  await topology.run(topology.guestNs, ['ip', 'route', 'replace', 'default', 'via', topology.serviceAddress]);
  const table = rows([
    [s.G, topology.guestAddress, s.served],
    [s.V, `${s.prefix}.3`, s.served],
    [s.W, topology.guestAddress, s.other],
  ]);
  const answers = await s.fromGuest(table.map((r) => r.head));
  table.forEach((row, i) => {
    const raw = answers[i]!;
    assert.deepEqual(foreignReads(raw, undefined, s.all, row.head), [], `${row.name}: foreign data`);
    const status = statusOf(raw);
    assert.equal(status, row.name.startsWith('folded') ? 400 : 404, `${row.name}: ${raw.slice(0, 200)}`);
  });
  // The guest root listing needs no identity, so the address change did reach the service.
  const [root] = await s.fromGuest([`GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`]);
  assert.equal(statusOf(root!), 200);
});

/** The EUI-64 link-local address of a MAC (RFC 4291 appendix A), as the kernel configures it. */
function linkLocal(mac: string): string {
  const b = mac.split(':').map((h) => parseInt(h, 16));
  const hex = (x: number, y: number) => ((x << 8) | y).toString(16);
  return `fe80::${hex(b[0]! ^ 0x02, b[1]!)}:${hex(b[2]!, 0xff)}:${hex(0xfe, b[3]!)}:${hex(b[4]!, b[5]!)}`;
}

test('IPv6 link-local guest through openimds proxy in the namespace: found by the MAC inside its address, on the tagged network only', async (t) => {
  if (!requirePrereq(t, PREREQ)) return;
  // The served network is not attached: the proxy stands in for the namespace listener, as in Neutron.
  const s = await setUp(t, {
    attach: false,
    configure: (config, dir) => {
      config.taggedSocket = join(dir, 'tagged.sock');
    },
  });
  const { topology } = s;
  // Both ends' EUI-64 link-local addresses must have finished duplicate address detection.
  for (const [ns, dev, mac] of [
    [topology.guestNs, topology.guestInterface, topology.guestMac],
    [topology.serviceNs, topology.serviceInterface, topology.serviceMac],
  ] as const) {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const r = await topology.run(ns, ['ip', '-6', '-o', 'addr', 'show', 'dev', dev]);
      if (r.stdout.includes(linkLocal(mac)) && !r.stdout.includes('tentative')) break;
      assert.ok(Date.now() < deadline, `no usable link-local address on ${dev} in ${ns}: ${r.stdout}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  // The Neutron DHCP-namespace proxy of the served network, on [::]:80 in the service namespace.
  const proxy = topology.spawn(topology.serviceNs, [
    process.execPath,
    CLI_MAIN,
    ...['proxy', '--listen', '[::]:80', '--network-id', s.served.id, '--socket', join(s.dir, 'tagged.sock')],
  ]);
  let proxyOut = '';
  proxy.stderr?.on('data', (d: Buffer) => (proxyOut += d.toString()));
  const serviceLl = `${linkLocal(topology.serviceMac)}%${topology.guestInterface}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    const r = await topology.run(topology.serviceNs, ['ss', '-Hltn', 'sport', '=', ':80']);
    if (r.stdout.trim() !== '') break;
    assert.ok(Date.now() < deadline, `openimds proxy did not listen: ${proxyOut}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  // W, on the other network, has the guest's MAC too: the proxy's network id decides.
  const table = rows([
    [s.V, `${s.prefix}.3`, s.served],
    [s.W, linkLocal(topology.guestMac), s.other],
  ]);
  const answers = await s.fromGuest(
    table.map((r) => r.head),
    serviceLl,
    80,
  );
  table.forEach((row, i) => {
    const raw = answers[i]!;
    assert.deepEqual(foreignReads(raw, s.G.uuid, s.all, row.head), [], `${row.name}: foreign data`);
    assert.equal(
      statusOf(raw),
      row.name.startsWith('folded') ? 400 : 200,
      `${row.name}: ${raw.slice(0, 300)}`,
    );
    if (statusOf(raw) === 200) assert.ok(raw.includes(s.G.marker), `${row.name}: G's own data`);
  });
});
