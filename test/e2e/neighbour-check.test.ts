// Issue 7 item 7 on real namespaces: two guests on one Linux bridge; guest B takes guest A's address
// after A has gone. With attach.neighbour_check the service's neighbour table names B's MAC for that
// address, not the MAC registered for A's port: 403, and a log line naming both MACs. With the check
// off, B gets A's metadata — exactly what the check is for. openimds serve runs in this process; every
// namespace, link and process is the test's own (attach-kit.ts).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, test } from 'node:test';
import { promisify } from 'node:util';
import { requirePrereq } from '../helpers/prereq.js';
import {
  createLab,
  fetchFrom,
  META_DATA_JSON,
  METADATA_ADDRESS,
  metadataUuid,
  randomMac,
  serve,
  tailOf,
  waitUntil,
  type Lab,
} from './attach-kit.js';
import { fillStore, labNetwork, labVm, type Vm } from './lab-store.js';

const PREREQ = { root: true, commands: ['ip', 'curl'] };
const TIMEOUT = { timeout: 60_000 };
const labs: string[] = [];
after(async () => {
  const { stdout } = await promisify(execFile)('ip', ['netns', 'list']);
  const left = stdout.split('\n').filter((line) => labs.some((id) => line.startsWith(`oimds-${id}-`)));
  assert.deepEqual(left, [], 'namespaces left behind');
});

interface Guest {
  ns: string;
  mac: string;
  address: string;
  vm: Vm;
}

test(
  "neighbour_check: a guest that takes its neighbour's address gets 403 and a log naming both MACs; with the check off it gets the neighbour's metadata",
  TIMEOUT,
  async (t) => {
    if (!requirePrereq(t, PREREQ)) return;
    const lab: Lab = createLab(t);
    labs.push(lab.id);
    const svc = await lab.namespace('svc');
    await lab.ip(svc, 'link', 'add', 'br0', 'type', 'bridge'); // serve brings it up
    const net = labNetwork(lab, 1, {
      namespace: svc,
      interface: 'br0',
      mode: 'onlink',
      address: `${lab.prefix}.1/24`,
      neighbourCheck: true,
    });
    const guests: Guest[] = [];
    for (const n of [1, 2]) {
      const ns = await lab.namespace(`g${n}`);
      const mac = randomMac();
      await lab.veth({ ns: svc, dev: `vg${n}` }, { ns, dev: 'eth0', mac });
      await lab.ip(svc, 'link', 'set', `vg${n}`, 'master', 'br0');
      const address = `${lab.prefix}.${10 + n}`;
      await lab.guest(ns, 'eth0', { address: `${address}/24`, gateway: `${lab.prefix}.1`, zeroconf: false });
      guests.push({ ns, mac, address, vm: labVm(n, net.id, mac, address) });
    }
    const [a, b] = guests as [Guest, Guest];
    const served = await serve(lab, (store) => fillStore(store, [net], [a.vm, b.vm]));

    // Each guest from its own address and MAC: served (the first request also starts the cache).
    assert.equal(await metadataUuid(lab, a.ns), a.vm.input.uuid);
    assert.equal(await metadataUuid(lab, b.ns), b.vm.input.uuid);
    assert.deepEqual(served.events('identify.neighbour_mismatch'), []);

    // A goes away; B takes A's address. B's next request starts with an ARP that carries A's address
    // and B's MAC, so the service's neighbour table now names B's MAC for A's address.
    await lab.ip(a.ns, 'link', 'set', 'eth0', 'down');
    await lab.ip(b.ns, 'addr', 'flush', 'dev', 'eth0');
    await lab.ip(b.ns, 'addr', 'add', `${a.address}/24`, 'dev', 'eth0');
    await lab.ip(b.ns, 'route', 'add', 'default', 'via', `${lab.prefix}.1`);
    await lab.ip(b.ns, 'neigh', 'flush', 'dev', 'eth0');
    const url = `http://${METADATA_ADDRESS}${META_DATA_JSON}`;
    const refused = await fetchFrom(lab, b.ns, url);
    assert.equal(
      refused.status,
      403,
      `B with A's address: ${JSON.stringify(refused)}\n${tailOf(served.logs())}`,
    );
    assert.doesNotMatch(refused.body, new RegExp(a.vm.input.uuid));
    const [line, ...more] = served.events('identify.neighbour_mismatch');
    assert.ok(line !== undefined && more.length === 0, tailOf(served.logs()));
    assert.equal(line['level'], 'warn');
    assert.equal(line['registeredMac'], a.mac);
    assert.equal(line['neighbourMac'], b.mac);
    assert.equal(line['address'], a.address);
    assert.match(String(line['msg']), new RegExp(`${b.mac}.*${a.mac}`));
    t.diagnostic(`log: ${String(line['msg'])}`);

    // The check off (read per request, no restart): B is taken for A, by its address alone.
    served.store.putNetwork({ ...net, attach: { ...net.attach!, neighbourCheck: false } });
    await waitUntil(
      'serve to follow neighbour_check: false',
      () => served.service.attachments!.status().serving[0]?.neighbourChecks.length === 0,
      10_000,
    );
    assert.equal(await metadataUuid(lab, b.ns), a.vm.input.uuid, "without the check B reads A's metadata");
    assert.deepEqual(served.events('attach.plumbing_failed'), [], tailOf(served.logs()));
  },
);
