// Issue 4 on real namespaces: `openimds serve` (in this process) plumbs each attach mode itself and
// answers guests that are set up like the seed report's CentOS guest (a zeroconf route
// 169.254.0.0/16 dev eth0 metric 1002 beside the default route) from inside the namespace:
//   onlink    a Linux bridge with two guests; each gets its own document, whatever headers it sends;
//   router    the nft redirect in a router namespace; the seed's failure exactly (ARP for
//             169.254.169.254 unanswered) and its fix, attach.onlink, applied while serve runs;
//   isolated  dnsmasq started by serve, a real Debian dhclient taking the option 121 route.
// Every namespace, link and process is the test's own and is gone after it (attach-kit.ts).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, test } from 'node:test';
import { promisify } from 'node:util';
import type { Network } from '../../src/model/network.js';
import { requirePrereq } from '../helpers/prereq.js';
import { fillStore, labNetwork, labVm, ROUTER, type Vm } from './lab-store.js';
import {
  addressesOf,
  addZeroconfRoute,
  createLab,
  deleteZeroconfRoute,
  DHCLIENT_SCRIPT,
  fetchFrom,
  macOf,
  METADATA_ADDRESS,
  metadataUuid,
  neighbours,
  randomMac,
  routeTo,
  runDhclient,
  serve,
  tailOf,
  waitForMetadata,
  waitUntil,
  type Lab,
  type Served,
} from './attach-kit.js';

const PREREQ = { root: true, commands: ['ip', 'curl'] };
const TIMEOUT = { timeout: 60_000 };

/** Namespaces this file created (by lab id); none may be left once the tests are over. */
const labs: string[] = [];
after(async () => {
  const { stdout } = await promisify(execFile)('ip', ['netns', 'list']);
  const left = stdout.split('\n').filter((line) => labs.some((id) => line.startsWith(`oimds-${id}-`)));
  assert.deepEqual(left, [], 'namespaces left behind');
});

function newLab(t: Parameters<typeof createLab>[0]): Lab {
  const lab = createLab(t);
  labs.push(lab.id);
  return lab;
}

/** serve must not have logged a plumbing failure (its plumbing runs in the background poll too). */
function assertPlumbed(served: Served): void {
  assert.deepEqual(served.events('attach.plumbing_failed'), [], tailOf(served.logs()));
}

const nftTable = async (lab: Lab, ns: string) =>
  (await lab.run(ns, ['nft', 'list', 'table', 'ip', 'openimds'], { check: false })).stdout;

test(
  'onlink on a Linux bridge: two zeroconf guests each get their own meta_data.json; forged identity headers change nothing',
  TIMEOUT,
  async (t) => {
    if (!requirePrereq(t, PREREQ)) return;
    const lab = newLab(t);
    const svc = await lab.namespace('svc');
    await lab.ip(svc, 'link', 'add', 'br0', 'type', 'bridge'); // serve brings it up
    const net = labNetwork(lab, 1, {
      namespace: svc,
      interface: 'br0',
      mode: 'onlink',
      address: `${lab.prefix}.1/24`,
    });
    // A second tenant network (not attached) where guest 1's address belongs to someone else: a
    // request that could pick its network by header would get that instance.
    const decoyNet = labNetwork(lab, 2, null);
    const guests: Array<{ ns: string; address: string; vm: Vm }> = [];
    for (const n of [1, 2]) {
      const ns = await lab.namespace(`g${n}`);
      const mac = randomMac();
      await lab.veth({ ns: svc, dev: `vg${n}` }, { ns, dev: 'eth0', mac });
      await lab.ip(svc, 'link', 'set', `vg${n}`, 'master', 'br0');
      const address = `${lab.prefix}.${10 + n}`;
      await lab.guest(ns, 'eth0', { address: `${address}/24`, gateway: `${lab.prefix}.1` });
      guests.push({ ns, address, vm: labVm(n, net.id, mac, address) });
    }
    const decoy = labVm(3, decoyNet.id, randomMac(), guests[0]!.address);
    const served = await serve(lab, (store) =>
      fillStore(store, [net, decoyNet], [...guests.map((g) => g.vm), decoy]),
    );

    assert.deepEqual(
      served.service.attachments!.status().serving.map((g) => [g.namespace, g.host, g.port]),
      [[svc, METADATA_ADDRESS, 80]],
    );
    assert.deepEqual((await addressesOf(lab, svc, 'br0')).sort(), [
      `${lab.prefix}.1/24`,
      `${METADATA_ADDRESS}/32`,
    ]);
    const bridgeMac = await macOf(lab, svc, 'br0');

    for (const [i, guest] of guests.entries()) {
      const other = guests[1 - i]!;
      // The zeroconf route wins over the default route: the guest ARPs for 169.254.169.254 on its link.
      assert.match(await routeTo(lab, guest.ns), new RegExp(`^${METADATA_ADDRESS} dev eth0 `));
      assert.equal(await metadataUuid(lab, guest.ns), guest.vm.input.uuid, `guest ${i + 1} gets itself`);
      assert.deepEqual(
        (await neighbours(lab, guest.ns, 'eth0')).map((e) => e.lladdr),
        [bridgeMac],
        'the bridge answered the ARP',
      );
      // Every header anything in a metadata path reads as identity, naming the other guest, the
      // decoy network and its instance: the answer is still the sender's own.
      const forged: Array<[string, string]> = [
        ['X-Forwarded-For', other.address],
        ['Forwarded', `for=${other.address}`],
        ['X-Real-IP', other.address],
        ['X-Instance-ID', other.vm.input.uuid],
        ['X-Instance-ID-Signature', 'a'.repeat(64)],
        ['X-Tenant-ID', other.vm.input.projectId],
        ['X-Neutron-Network-ID', decoyNet.id],
        ['X-OVN-Network-ID', decoyNet.id],
      ];
      assert.equal(await metadataUuid(lab, guest.ns, { headers: forged }), guest.vm.input.uuid);
      const ipv4 = await fetchFrom(lab, guest.ns, `http://${METADATA_ADDRESS}/latest/meta-data/local-ipv4`, {
        headers: [...forged, ['X-Neutron-Router-ID', ROUTER.id]],
      });
      assert.equal(ipv4.status, 200, ipv4.body);
      assert.equal(ipv4.body, guest.address);
    }

    // Without the zeroconf route the guest sends to its gateway, the bridge, where 169.254.169.254 is
    // a local address: served just the same.
    const second = guests[1]!;
    await deleteZeroconfRoute(lab, second.ns, 'eth0');
    assert.match(
      await routeTo(lab, second.ns),
      new RegExp(`^${METADATA_ADDRESS} via ${lab.prefix}\\.1 dev eth0 `),
    );
    assert.equal(await metadataUuid(lab, second.ns), second.vm.input.uuid);
    assertPlumbed(served);
  },
);

test(
  'router: the nft redirect serves a guest via its gateway; the zeroconf route fails as in the seed (ARP unanswered); attach.onlink fixes it live',
  TIMEOUT,
  async (t) => {
    if (!requirePrereq(t, { ...PREREQ, commands: [...PREREQ.commands, 'nft'] })) return;
    const lab = newLab(t);
    const router = await lab.namespace('qrouter');
    const guestNs = await lab.namespace('guest');
    const gateway = `${lab.prefix}.1`;
    const address = `${lab.prefix}.10`;
    const mac = randomMac();
    // The L3 agent's side: the router's qr- interface holds the subnet's gateway address.
    await lab.veth({ ns: router, dev: 'qr-lab' }, { ns: guestNs, dev: 'eth0', mac });
    await lab.ip(router, 'addr', 'add', `${gateway}/24`, 'dev', 'qr-lab');
    await lab.guest(guestNs, 'eth0', { address: `${address}/24`, gateway, zeroconf: false });
    const attach = { namespace: router, interface: 'qr-lab', mode: 'router' as const, address: null };
    const net = labNetwork(lab, 1, attach, { routerId: ROUTER.id });
    const guest = labVm(1, net.id, mac, address);
    const served = await serve(lab, (store) => fillStore(store, [net], [guest], [ROUTER]));

    assert.deepEqual(
      served.service.attachments!.status().serving.map((g) => [g.namespace, g.host, g.port]),
      [[router, '0.0.0.0', 9697]],
    );
    assert.match(
      await nftTable(lab, router),
      /iifname "qr-lab" ip daddr 169\.254\.169\.254 tcp dport 80 redirect to :9697/,
    );
    assert.deepEqual(await addressesOf(lab, router, 'qr-lab'), [`${gateway}/24`], 'no on-link address yet');

    // (a) No zeroconf route: the guest sends to its gateway and the redirect takes it to :9697.
    assert.match(await routeTo(lab, guestNs), new RegExp(`^${METADATA_ADDRESS} via ${gateway} dev eth0 `));
    assert.equal(await metadataUuid(lab, guestNs), guest.input.uuid);
    // Straight to :9697 (not redirected) is dropped, not refused: curl times out.
    const direct = await fetchFrom(lab, guestNs, `http://${gateway}:9697/`, {
      connectTimeout: 1,
      maxTime: 2,
    });
    assert.equal(direct.exit, 28, `direct :9697 must time out (dropped): ${JSON.stringify(direct)}`);

    // (b) The seed report: with 169.254.0.0/16 dev eth0 the guest ARPs for 169.254.169.254 itself, and
    // nobody on the link owns it.
    await addZeroconfRoute(lab, guestNs, 'eth0');
    assert.match(await routeTo(lab, guestNs), new RegExp(`^${METADATA_ADDRESS} dev eth0 `));
    const failed = await fetchFrom(lab, guestNs, `http://${METADATA_ADDRESS}/`, {
      connectTimeout: 2,
      maxTime: 3,
    });
    assert.notEqual(failed.exit, 0, 'no connection');
    assert.equal(failed.status, 0);
    assert.ok(failed.seconds < 5, `fails within a few seconds (${failed.seconds} s)`);
    t.diagnostic(
      `zeroconf guest, router mode: curl exit ${failed.exit} after ${failed.seconds.toFixed(1)} s`,
    );
    let seen: string[] = [];
    await waitUntil(
      'the guest to show 169.254.169.254 unresolved',
      async () => {
        const entries = await neighbours(lab, guestNs, 'eth0');
        seen = entries.flatMap((e) => e.state);
        return (
          entries.length === 1 && entries[0]!.lladdr === undefined && /FAILED|INCOMPLETE/.test(seen.join())
        );
      },
      5000,
      () => `neighbour states: ${seen.join()}`,
    );
    t.diagnostic(`neighbour entry for 169.254.169.254: ${seen.join()}`);

    // (c) attach.onlink, while serve runs: the router's interface now owns 169.254.169.254 too and
    // answers the ARP; the same redirect takes the packets to :9697.
    served.store.putNetwork({ ...net, attach: { ...attach, onlink: true } });
    await waitUntil(
      'serve to bind 169.254.169.254/32 on qr-lab and keep the redirect',
      async () =>
        (await addressesOf(lab, router, 'qr-lab')).includes(`${METADATA_ADDRESS}/32`) &&
        /redirect to :9697/.test(await nftTable(lab, router)),
      10_000,
      () => tailOf(served.logs()),
    );
    assert.equal(
      await waitForMetadata(lab, guestNs, 'the zeroconf guest after attach.onlink'),
      guest.input.uuid,
    );
    assert.match(await routeTo(lab, guestNs), new RegExp(`^${METADATA_ADDRESS} dev eth0 `), 'still on-link');
    const [entry, ...more] = await neighbours(lab, guestNs, 'eth0');
    assert.deepEqual(more, []);
    assert.equal(entry?.lladdr, await macOf(lab, router, 'qr-lab'), 'the router interface answered the ARP');
    assert.match(entry.state.join(), /REACHABLE|STALE/);
    t.diagnostic(`after attach.onlink: neighbour ${entry.lladdr} ${entry.state.join()}`);
    // 169.254.169.254 is now local to the router, but :9697 on it is still only for redirected traffic.
    const onlinkDirect = await fetchFrom(lab, guestNs, `http://${METADATA_ADDRESS}:9697/`, {
      connectTimeout: 1,
      maxTime: 2,
    });
    assert.equal(
      onlinkDirect.exit,
      28,
      `direct :9697 must time out (dropped): ${JSON.stringify(onlinkDirect)}`,
    );

    // (d) And back: without attach.onlink the address goes, the redirect stays.
    served.store.putNetwork(net);
    await waitUntil(
      'serve to remove 169.254.169.254/32 from qr-lab',
      async () =>
        !(await addressesOf(lab, router, 'qr-lab')).includes(`${METADATA_ADDRESS}/32`) &&
        /redirect to :9697/.test(await nftTable(lab, router)),
      10_000,
      () => tailOf(served.logs()),
    );
    await deleteZeroconfRoute(lab, guestNs, 'eth0');
    assert.equal(await waitForMetadata(lab, guestNs, 'the guest via its gateway again'), guest.input.uuid);
    assertPlumbed(served);
  },
);

test(
  'isolated: serve runs dnsmasq; a real dhclient takes its address, 169.254.169.254 via the DHCP port (option 121) and the default route, and fetches its metadata',
  TIMEOUT,
  async (t) => {
    const prereq = { root: true, commands: ['ip', 'curl', 'dnsmasq', 'dhclient'], files: [DHCLIENT_SCRIPT] };
    if (!requirePrereq(t, prereq)) return;
    const lab = newLab(t);
    const dhcp = await lab.namespace('qdhcp');
    const guestNs = await lab.namespace('guest');
    const mac = randomMac();
    const port = `${lab.prefix}.2`; // the DHCP port: dnsmasq and 169.254.169.254 live here
    const gateway = `${lab.prefix}.1`; // nothing has this address: only option 121 leads to metadata
    const address = `${lab.prefix}.10`;
    await lab.veth({ ns: dhcp, dev: 'tap-lab' }, { ns: guestNs, dev: 'eth0', mac });
    // The guest starts bare but for the zeroconf route (added before DHCP, as a CentOS image has it).
    await lab.guest(guestNs, 'eth0', {});
    const base = labNetwork(lab, 1, {
      namespace: dhcp,
      interface: 'tap-lab',
      mode: 'isolated',
      address: `${port}/24`,
    });
    const net: Network = { ...base, subnets: [{ ...base.subnets[0]!, dhcp: true }] };
    const guest = labVm(1, net.id, mac, address);
    const served = await serve(lab, (store) => fillStore(store, [net], [guest]));

    assert.deepEqual((await addressesOf(lab, dhcp, 'tap-lab')).sort(), [
      `${port}/24`,
      `${METADATA_ADDRESS}/32`,
    ]);
    await waitUntil(
      'dnsmasq to load its hosts file',
      () => served.events('dnsmasq.output').some((l) => /^read .*\/host$/.test(String(l['msg']))),
      10_000,
      () => tailOf(served.logs()),
    );
    const resolvBefore = readFileSync('/etc/resolv.conf', 'utf8');
    const { leaseFile, client } = await runDhclient(lab, guestNs, 'eth0');

    assert.deepEqual(await addressesOf(lab, guestNs, 'eth0'), [`${address}/24`], 'the reserved address');
    const octets = (ip: string) => ip.split('.').join(',');
    assert.match(
      readFileSync(leaseFile, 'utf8'),
      new RegExp(
        `option rfc3442-classless-static-routes 32,169,254,169,254,${octets(port)},0,${octets(gateway)};`,
      ),
      'option 121: the metadata host route, then the default route repeated (RFC 3442)',
    );
    const routes = (await lab.ip(guestNs, '-4', 'route', 'show')).stdout;
    assert.match(routes, new RegExp(`^169\\.254\\.169\\.254 via ${port} dev eth0`, 'm'));
    assert.match(routes, new RegExp(`^default via ${gateway} dev eth0`, 'm'));
    assert.match(
      routes,
      /^169\.254\.0\.0\/16 dev eth0 scope link metric 1002/m,
      'the zeroconf route is still there',
    );
    // The /32 beats the zeroconf /16 and the default route.
    assert.match(await routeTo(lab, guestNs), new RegExp(`^${METADATA_ADDRESS} via ${port} dev eth0 `));
    assert.equal(await metadataUuid(lab, guestNs), guest.input.uuid);
    assert.ok(served.events('dnsmasq.dhcp').some((l) => /DHCPACK/.test(String(l['msg']))));
    assert.deepEqual(served.events('dnsmasq.warned'), []);

    // A client that ignored option 121 but has the zeroconf route still gets there: it ARPs for
    // 169.254.169.254 and the DHCP port, which owns it, answers.
    await lab.ip(guestNs, 'route', 'del', `${METADATA_ADDRESS}/32`, 'via', port, 'dev', 'eth0');
    assert.match(await routeTo(lab, guestNs), new RegExp(`^${METADATA_ADDRESS} dev eth0 `));
    assert.equal(await metadataUuid(lab, guestNs), guest.input.uuid);
    assert.deepEqual(
      (await neighbours(lab, guestNs, 'eth0')).map((e) => e.lladdr),
      [await macOf(lab, dhcp, 'tap-lab')],
    );
    // Without either route the guest sends to its gateway, which does not exist: that is what
    // option 121 saves it from.
    await deleteZeroconfRoute(lab, guestNs, 'eth0');
    assert.match(await routeTo(lab, guestNs), new RegExp(`^${METADATA_ADDRESS} via ${gateway} dev eth0 `));
    const lost = await fetchFrom(lab, guestNs, `http://${METADATA_ADDRESS}/`, {
      connectTimeout: 1,
      maxTime: 2,
    });
    assert.notEqual(lost.exit, 0, 'no metadata through a gateway that does not exist');

    assert.equal(
      readFileSync('/etc/resolv.conf', 'utf8'),
      resolvBefore,
      "the host's resolv.conf is untouched",
    );
    await client.stop();
    await served.close();
    // serve stopped the dnsmasq it started: nothing runs in the DHCP namespace any more.
    const left = await promisify(execFile)('ip', ['netns', 'pids', dhcp]);
    assert.equal(left.stdout.trim(), '', 'no process left in the DHCP namespace');
    assert.equal(served.events('dnsmasq.stopped').length, 1);
    assertPlumbed(served);
  },
);
