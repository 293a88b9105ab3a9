// src/net on real network namespaces (root): onlink and router plumbing applied twice leave one
// copy and carry real TCP from a guest namespace; remove takes them away; isolated mode's dnsmasq,
// run by the supervisor, gives a real ISC dhclient its reserved address, the option 121 route to
// 169.254.169.254 and the default route repeated after RFC 3442. Every namespace, process and file
// is created for the test and removed after it, pass or fail (test/helpers/netns.ts).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test, type TestContext } from 'node:test';
import { promisify } from 'node:util';
import { createLogger } from '../../src/log.js';
import type { Network } from '../../src/model/network.js';
import type { Port } from '../../src/model/port.js';
import { applyPlan, removePlan } from '../../src/net/apply-plan.js';
import { createDnsmasqSupervisor } from '../../src/net/dnsmasq-supervisor.js';
import { systemExec } from '../../src/net/exec.js';
import { networkPlan } from '../../src/net/plan.js';
import { createTopology, METADATA_ADDRESS, type Topology } from '../helpers/netns.js';
import { requirePrereq } from '../helpers/prereq.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';
import { addressesOf, connectFrom, DHCLIENT_SCRIPT, listenIn, runDhclient, waitFor } from './net-topology.js';

const PREREQ = { root: true, commands: ['ip', 'nft', 'dnsmasq', 'dhclient'], files: [DHCLIENT_SCRIPT] };
const ROUTER_ID = '00000000-0000-4000-8000-0000000000f1';

/** Every namespace this file created; none may be left once the tests are over. */
const created: string[] = [];

after(async () => {
  const { stdout } = await promisify(execFile)('ip', ['netns', 'list']);
  const left = created.filter((ns) => stdout.split('\n').some((line) => line.split(' ')[0] === ns));
  assert.deepEqual(left, [], 'namespaces left behind');
});

async function topology(t: TestContext, opts: Parameters<typeof createTopology>[1]): Promise<Topology> {
  const net = await createTopology(t, { metadataOnLink: false, ...opts });
  created.push(net.guestNs, net.serviceNs);
  return net;
}

/** The topology's service side as an attached network (no router unless router mode). */
function attachedNetwork(
  net: Topology,
  mode: 'onlink' | 'router' | 'isolated',
  extra: Partial<Network> = {},
) {
  const prefix = net.cidr.split('.').slice(0, 3).join('.');
  const network: Network = {
    id: '00000000-0000-4000-8000-00000000ae01',
    name: `e2e-${mode}`,
    subnets: [
      {
        id: '00000000-0000-4000-8000-00000000ae02',
        cidr: net.cidr,
        ipVersion: 4,
        gateway: null,
        dns: [],
        hostRoutes: [],
        dhcp: true,
        ipv6AddressMode: null,
      },
    ],
    mtu: null,
    routerId: mode === 'router' ? ROUTER_ID : null,
    attach: {
      namespace: net.serviceNs,
      interface: net.serviceInterface,
      mode,
      address: mode === 'router' ? null : `${net.serviceAddress}/24`,
    },
    ...extra,
  };
  return { network, prefix };
}

const planFor = (network: Network, dataDir = '/nonexistent', runDir = '/nonexistent', ports: Port[] = []) =>
  networkPlan(
    { networks: [network], instances: [{ instance: { uuid: 'vm', hostname: 'guest-1' }, ports }] },
    { dataDir, runDir },
  );

test('onlink: applied twice, the service side owns 169.254.169.254/32 once and a zeroconf guest reaches it', async (t) => {
  if (!requirePrereq(t, PREREQ)) return;
  const net = await topology(t, { zeroconfRoute: true });
  const plan = planFor(attachedNetwork(net, 'onlink').network);
  await applyPlan(plan, systemExec);
  await applyPlan(plan, systemExec);
  const addrs = await addressesOf(net, net.serviceNs, net.serviceInterface);
  assert.deepEqual(addrs.sort(), [`${net.serviceAddress}/24`, `${METADATA_ADDRESS}/32`].sort());

  // The seed report's guest: 169.254.0.0/16 dev eth0 makes it ARP for 169.254.169.254 — and now
  // someone answers.
  const route = await net.run(net.guestNs, ['ip', 'route', 'get', METADATA_ADDRESS]);
  assert.doesNotMatch(route.stdout, / via /, 'the guest sends on-link, through its zeroconf route');
  await listenIn(net, net.serviceNs, METADATA_ADDRESS, 80);
  assert.equal(await connectFrom(net, net.guestNs, METADATA_ADDRESS, 80), 'ok hello 80');

  await removePlan(plan, systemExec);
  await removePlan(plan, systemExec); // already gone is fine
  assert.deepEqual(await addressesOf(net, net.serviceNs, net.serviceInterface), []);
});

test('router: applied twice, one nft table redirects 169.254.169.254:80 to :9697 and drops direct :9697', async (t) => {
  if (!requirePrereq(t, PREREQ)) return;
  const net = await topology(t, {});
  const plan = planFor(attachedNetwork(net, 'router').network);
  await applyPlan(plan, systemExec);
  await applyPlan(plan, systemExec);
  const table = await net.run(net.serviceNs, ['nft', 'list', 'table', 'ip', 'openimds']);
  assert.equal(table.stdout.match(/redirect to :9697/g)?.length, 1, table.stdout);
  assert.equal(table.stdout.match(/tcp dport 9697 drop/g)?.length, 1, table.stdout);
  assert.equal(table.stdout.match(/ct status dnat accept/g)?.length, 1, table.stdout);
  const tables = await net.run(net.serviceNs, ['nft', 'list', 'tables']);
  assert.equal(tables.stdout.match(/^table ip openimds$/gm)?.length, 1, tables.stdout);
  assert.equal(tables.stdout.match(/^table ip openimds_token$/gm)?.length, 1, 'the token hop-limit table');

  await listenIn(net, net.serviceNs, '0.0.0.0', 9697);
  assert.equal(await connectFrom(net, net.guestNs, METADATA_ADDRESS, 80), 'ok hello 9697', 'redirected');
  assert.equal(
    await connectFrom(net, net.guestNs, net.serviceAddress, 9697, 1000),
    'timeout',
    'not redirected',
  );

  // The seed report exactly: with the zeroconf route the guest ARPs for 169.254.169.254 and the
  // router does not own it — no answer. Adding it on-link on the router's interface fixes that
  // (docs/network.md), and the redirect still applies.
  const zeroconf = ['169.254.0.0/16', 'dev', net.guestInterface, 'scope', 'link', 'metric', '1002'];
  await net.run(net.guestNs, ['ip', 'route', 'add', ...zeroconf]);
  assert.match(
    await connectFrom(net, net.guestNs, METADATA_ADDRESS, 80, 1000),
    /^(timeout|error EHOSTUNREACH)$/,
  );
  const onlink = ['169.254.169.254/32', 'dev', net.serviceInterface];
  await net.run(net.serviceNs, ['ip', 'addr', 'add', ...onlink]);
  assert.equal(await connectFrom(net, net.guestNs, METADATA_ADDRESS, 80), 'ok hello 9697');

  await removePlan(plan, systemExec);
  await removePlan(plan, systemExec);
  const gone = await net.run(net.serviceNs, ['nft', 'list', 'table', 'ip', 'openimds'], { check: false });
  assert.notEqual(gone.code, 0);
  assert.match(gone.stderr, /No such file or directory/);
  assert.equal((await net.run(net.serviceNs, ['nft', 'list', 'tables'])).stdout, '', 'both tables gone');
});

test('isolated: dnsmasq under the supervisor gives a real dhclient its address, the 121 route and the default route', async (t) => {
  if (!requirePrereq(t, PREREQ)) return;
  const net = await topology(t, {});
  // The guest starts bare: everything it gets comes from DHCP.
  await net.run(net.guestNs, ['ip', 'addr', 'flush', 'dev', net.guestInterface]);
  const dir = makeTmpDir(t, 'oimds-net-e2e-');
  chmodSync(dir, 0o755); // dnsmasq reads its files as "nobody" (src/net/dnsmasq-paths.ts)
  const dirs = { dataDir: join(dir, 'data'), runDir: join(dir, 'run') };
  const { network, prefix } = attachedNetwork(net, 'isolated', { mtu: 1400 });
  const gateway = `${prefix}.254`;
  network.subnets[0] = {
    ...network.subnets[0]!,
    gateway,
    dns: [`${prefix}.53`],
    hostRoutes: [{ destination: '192.0.2.0/24', nexthop: gateway }],
  };
  const guestPort: Port = {
    id: 'p1',
    instanceUuid: 'vm',
    networkId: network.id,
    mac: net.guestMac,
    fixedIps: [`${prefix}.50`],
    floatingIp: null,
    vifType: 'ovs',
    devname: null,
  };
  await applyPlan(planFor(network, dirs.dataDir, dirs.runDir), systemExec);

  const lines: Array<{ event: string; msg: string }> = [];
  const log = createLogger({ level: 'debug', format: 'json', write: (l) => lines.push(JSON.parse(l)) });
  const supervisor = createDnsmasqSupervisor({ log, dirs, restart: { firstMs: 200 } });
  t.after(() => supervisor.stop());
  const seen = (event: string, msg = /./) => lines.filter((l) => l.event === event && msg.test(l.msg)).length;
  const hostsRead = /^read .*\/host$/;

  // Started with no reservation, then given the guest's: the reservation arrives by SIGHUP.
  await supervisor.start(network, []);
  await supervisor.update(network, [{ port: guestPort, hostname: 'guest-1' }]);
  await waitFor('dnsmasq to reread its hosts file', () => seen('dnsmasq.output', hostsRead) >= 2).catch(
    (err) => {
      throw new Error(
        `${(err as Error).message}; its log:\n${lines.map((l) => JSON.stringify(l)).join('\n')}`,
      );
    },
  );
  assert.equal(seen('dnsmasq.started'), 1, 'a SIGHUP, not a restart');
  assert.equal(seen('dnsmasq.warned'), 0, JSON.stringify(lines.filter((l) => l.event === 'dnsmasq.warned')));

  const resolvBefore = readFileSync('/etc/resolv.conf', 'utf8');
  const dhclient = await runDhclient(net, net.guestNs, net.guestInterface, dir, { name: 'stock' });
  t.after(() => dhclient.stop());
  assert.deepEqual(await addressesOf(net, net.guestNs, net.guestInterface), [`${prefix}.50/24`]);
  const routes = (await net.run(net.guestNs, ['ip', '-4', 'route', 'show'])).stdout;
  assert.match(routes, new RegExp(`^169\\.254\\.169\\.254 via ${net.serviceAddress} dev eth0`, 'm'));
  assert.match(routes, new RegExp(`^default via ${gateway} dev eth0`, 'm'));
  assert.match(routes, new RegExp(`^192\\.0\\.2\\.0/24 via ${gateway} dev eth0`, 'm'));
  const link = (await net.run(net.guestNs, ['ip', 'link', 'show', 'dev', net.guestInterface])).stdout;
  assert.match(link, / mtu 1400 /);
  assert.match(
    readFileSync(`/etc/netns/${net.guestNs}/resolv.conf`, 'utf8'),
    new RegExp(`nameserver ${prefix}\\.53`),
  );
  assert.equal(readFileSync('/etc/resolv.conf', 'utf8'), resolvBefore, "the host's resolv.conf is untouched");
  assert.ok(seen('dnsmasq.dhcp', /DHCPACK/) >= 1);
  await dhclient.stop();

  // Microsoft's option 249 carries the same list (a client that asks for it, leases only).
  const conf = join(dir, 'dhclient-249.conf');
  writeFileSync(
    conf,
    'option ms-classless-static-routes code 249 = array of unsigned integer 8;\n' +
      'request subnet-mask, routers, ms-classless-static-routes;\n',
  );
  const ms = await runDhclient(net, net.guestNs, net.guestInterface, dir, {
    name: 'ms',
    confFile: conf,
    script: '/bin/true',
  });
  t.after(() => ms.stop());
  const octets = (ip: string) => ip.split('.').join(',');
  assert.match(
    readFileSync(ms.leaseFile, 'utf8'),
    new RegExp(
      `option ms-classless-static-routes 32,169,254,169,254,${octets(net.serviceAddress)},` +
        `24,192,0,2,${octets(gateway)},0,${octets(gateway)};`,
    ),
  );
  await ms.stop();

  // dnsmasq dies; the supervisor starts it again after the backoff.
  process.kill(supervisor.pid()!, 'SIGKILL');
  await waitFor('dnsmasq to be restarted', () => seen('dnsmasq.started') === 2);
  assert.equal(seen('dnsmasq.exited'), 1);
  await supervisor.stop();
  assert.equal(supervisor.pid(), undefined);
  await removePlan(planFor(network, dirs.dataDir, dirs.runDir), systemExec);
});
