// The neighbour check's parts without a kernel: parsing `ip -j neigh show` and `ip monitor neigh`
// lines, the cache with a fake monitor and a fake clock (early lines, restart with backoff, settle),
// and the two wrappers (403 naming both MACs, unknown neighbour, networks without the check).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { createLogger } from '../../src/log.js';
import type { ExecResult } from '../../src/net/exec.js';
import { createNeighbourCache, type MonitorChild } from '../../src/net/neighbour-cache.js';
import { arpTableMac, parseNeighbourJson, parseNeighbourLine } from '../../src/net/neighbour-lines.js';
import type { Identifier } from '../../src/service/identity.js';
import { awaitNeighbour, checkNeighbour } from '../../src/service/neighbour-check.js';
import type { PortMatch } from '../../src/store/store.js';

const A = 'fa:16:3e:00:00:0a';
const B = 'fa:16:3e:00:00:0b';

test('parseNeighbourJson() reads ip -j neigh show; unresolved entries have no MAC', () => {
  const text = JSON.stringify([
    { dst: '10.0.0.10', dev: 'br0', lladdr: 'FA:16:3E:00:00:0A', state: ['REACHABLE'] },
    { dst: '10.0.0.11', dev: 'br0', state: ['FAILED'] },
    { dst: 'fe80::f816:3eff:fe00:b', dev: 'br0', lladdr: B, router: null, state: ['STALE'] },
    { dev: 'br0', lladdr: A, state: ['PERMANENT'] },
  ]);
  assert.deepEqual(parseNeighbourJson(text), [
    { address: '10.0.0.10', dev: 'br0', mac: A, states: ['REACHABLE'] },
    { address: '10.0.0.11', dev: 'br0', mac: null, states: ['FAILED'] },
    { address: 'fe80::f816:3eff:fe00:b', dev: 'br0', mac: B, states: ['STALE'] },
  ]);
  assert.deepEqual(parseNeighbourJson(''), []);
});

test('parseNeighbourLine() reads ip monitor neigh lines: set, unresolved, deleted, and ignores the rest', () => {
  assert.deepEqual(parseNeighbourLine(`10.0.0.10 dev br0 lladdr ${A} STALE `), {
    kind: 'set',
    entry: { address: '10.0.0.10', dev: 'br0', mac: A, states: ['STALE'] },
  });
  assert.deepEqual(parseNeighbourLine('10.0.0.10 dev br0 lladdr fa:16:3e:00:00:0a router REACHABLE'), {
    kind: 'set',
    entry: { address: '10.0.0.10', dev: 'br0', mac: A, states: ['REACHABLE'] },
  });
  assert.deepEqual(parseNeighbourLine('10.0.0.11 dev br0 FAILED'), {
    kind: 'set',
    entry: { address: '10.0.0.11', dev: 'br0', mac: null, states: ['FAILED'] },
  });
  assert.deepEqual(parseNeighbourLine(`Deleted 10.0.0.10 dev br0 lladdr ${A} STALE`), {
    kind: 'deleted',
    entry: { address: '10.0.0.10', dev: 'br0', mac: A, states: ['STALE'] },
  });
  for (const noise of ['', 'lladdr fa:16:3e:00:00:0a dev br0', '10.0.0.10 lladdr x STALE', 'miss']) {
    assert.equal(parseNeighbourLine(noise), undefined, noise);
  }
});

class FakeMonitor extends EventEmitter implements MonitorChild {
  readonly stdout = new PassThrough();
  pid: number | undefined;
  constructor(readonly argv: readonly string[]) {
    super();
  }
  kill(): boolean {
    setImmediate(() => this.emit('exit', null, 'SIGTERM'));
    return true;
  }
  say(line: string): Promise<void> {
    this.stdout.write(`${line}\n`);
    return new Promise((r) => setImmediate(r));
  }
}

function cacheRig(dump: () => ExecResult, arp?: { pid: number; text: () => string | undefined }) {
  const monitors: FakeMonitor[] = [];
  const timers: Array<{ fn: () => void; ms: number; cancelled: boolean }> = [];
  const lines: string[] = [];
  const clock = { now: 0 };
  const cache = createNeighbourCache({
    namespace: 'qrouter-1',
    exec: async () => dump(),
    log: createLogger({ level: 'debug', format: 'json', write: (l) => lines.push(l) }),
    ...(arp === undefined ? {} : { readArp: (pid: number) => (pid === arp.pid ? arp.text() : undefined) }),
    spawn: (argv) => {
      const m = new FakeMonitor(argv);
      m.pid = arp?.pid;
      monitors.push(m);
      return m;
    },
    now: () => clock.now,
    setTimer: (fn, ms) => {
      const timer = { fn, ms, cancelled: false };
      timers.push(timer);
      return () => void (timer.cancelled = true);
    },
  });
  /** Runs the pending timers of `ms` (the subscribe delay, a restart, a settle timeout). */
  const fire = async (ms: number) => {
    for (const timer of timers.filter((x) => x.ms === ms && !x.cancelled)) {
      timer.cancelled = true;
      timer.fn();
    }
    await new Promise((r) => setImmediate(r));
  };
  return { cache, monitors, timers, lines, clock, fire };
}

const DUMP = (entries: unknown[]): ExecResult => ({ code: 0, stdout: JSON.stringify(entries), stderr: '' });

test('createNeighbourCache() follows ip monitor neigh after reading the table once, in order', async () => {
  const rig = cacheRig(() => DUMP([{ dst: '10.0.0.10', dev: 'br0', lladdr: A, state: ['STALE'] }]));
  rig.cache.start();
  rig.cache.start(); // idempotent
  assert.equal(rig.monitors.length, 1);
  assert.deepEqual(rig.monitors[0]!.argv, ['ip', '-n', 'qrouter-1', 'monitor', 'neigh']);
  assert.equal(rig.cache.find('br0', '10.0.0.10'), undefined, 'nothing before the table is read');
  await rig.monitors[0]!.say(`10.0.0.10 dev br0 lladdr ${B} REACHABLE`); // seen before the dump lands
  await rig.fire(50);
  assert.equal(rig.cache.find('br0', '10.0.0.10'), B, 'the early line is applied after the dump');
  await rig.monitors[0]!.say('10.0.0.10 dev br0 FAILED');
  assert.equal(rig.cache.find('br0', '10.0.0.10'), undefined);
  await rig.monitors[0]!.say(`10.0.0.10 dev br0 lladdr ${A} STALE`);
  assert.equal(rig.cache.find('br0', '10.0.0.10'), A);
  assert.equal(rig.cache.find('qr-x', '10.0.0.10'), undefined, 'per interface');
  await rig.monitors[0]!.say(`Deleted 10.0.0.10 dev br0 lladdr ${A} STALE`);
  assert.equal(rig.cache.find('br0', '10.0.0.10'), undefined);
  await rig.cache.stop();
});

test('createNeighbourCache() drops the table when the monitor dies and restarts it with doubling backoff', async () => {
  const rig = cacheRig(() => DUMP([{ dst: '10.0.0.10', dev: 'br0', lladdr: A, state: ['STALE'] }]));
  rig.cache.start();
  await rig.fire(50);
  assert.equal(rig.cache.find('br0', '10.0.0.10'), A);
  rig.monitors[0]!.emit('exit', 1, null);
  await new Promise((r) => setImmediate(r));
  assert.equal(rig.cache.find('br0', '10.0.0.10'), undefined, 'unknown, not stale');
  await rig.fire(1000);
  assert.equal(rig.monitors.length, 2);
  rig.monitors[1]!.emit('error', new Error('spawn ip ENOENT'));
  await new Promise((r) => setImmediate(r));
  await rig.fire(2000);
  assert.equal(rig.monitors.length, 3);
  await rig.fire(50);
  assert.equal(rig.cache.find('br0', '10.0.0.10'), A, 'read again after the restart');
  const exits = rig.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(
    exits.filter((l) => l['event'] === 'neighbour.monitor_exited').map((l) => l['restartInMs']),
    [1000, 2000],
  );
  await rig.cache.stop();
  assert.equal(rig.timers.filter((x) => !x.cancelled && x.ms !== 50).length, 0, 'no restart after stop');
});

test('createNeighbourCache() settle() waits for the next change naming the address, bounded', async () => {
  const rig = cacheRig(() => DUMP([]));
  rig.cache.start();
  await rig.fire(50);
  let settled = false;
  const waiting = rig.cache.settle('10.0.0.10', 700).then(() => (settled = true));
  await rig.monitors[0]!.say(`10.0.0.99 dev br0 lladdr ${B} STALE`);
  assert.equal(settled, false, 'another address does not end the wait');
  await rig.monitors[0]!.say(`10.0.0.10 dev br0 lladdr ${A} REACHABLE`);
  await waiting;
  assert.equal(settled, true);
  let timedOut = false;
  const unknown = rig.cache.settle('10.0.0.11', 700).then(() => (timedOut = true));
  await rig.fire(700);
  await unknown;
  assert.equal(timedOut, true, 'the bound ends it');
  await rig.cache.settle('10.0.0.10', 700); // known: at once
  await rig.cache.stop();
});

function match(mac: string, uuid = 'vm-a'): PortMatch {
  const port = { id: 'port-a', instanceUuid: uuid, networkId: 'net-1', mac, fixedIps: ['10.0.0.10'] };
  return {
    port: { ...port, floatingIp: null, vifType: 'ovs', devname: null },
    instanceUuid: uuid,
    projectId: 'p',
    revision: 1,
  };
}

function checkRig(neighbourMac: string | undefined, checks = [{ networkId: 'net-1', interface: 'br0' }]) {
  const started: string[] = [];
  const deps = {
    store: { findPortsByAddress: () => [match(A)], findPortsByMac: () => [] },
    networkIds: () => ['net-1'],
    checks: () => checks,
    neighbours: {
      start: () => void started.push('start'),
      find: (dev: string, address: string) =>
        dev === 'br0' && address === '10.0.0.10' ? neighbourMac : undefined,
      settle: async () => {},
    },
  };
  const inner: Identifier = () => ({ ok: true, identity: { instanceUuid: 'vm-a', address: '10.0.0.10' } });
  return { identify: checkNeighbour(inner, deps), deps, started };
}

const REQ = { headers: {}, peerAddress: '10.0.0.10' };

test('checkNeighbour() passes the registered MAC and refuses another with 403, naming both MACs', () => {
  assert.equal(checkRig(A).identify(REQ).ok, true);
  const refused = checkRig(B).identify(REQ);
  assert.ok(!refused.ok);
  assert.equal(refused.status, 403);
  assert.equal(refused.log.event, 'identify.neighbour_mismatch');
  assert.equal(
    refused.log.msg,
    `Refused the guest at "10.0.0.10" as its MAC ${B} is not ${A}, the MAC of port port-a that owns the address`,
  );
  assert.equal(refused.log.fields['registeredMac'], A);
  assert.equal(refused.log.fields['neighbourMac'], B);
});

test('checkNeighbour() refuses a peer the neighbour table has no MAC for, and leaves unchecked networks alone', () => {
  const unknown = checkRig(undefined).identify(REQ);
  assert.ok(!unknown.ok);
  assert.equal(unknown.status, 403);
  assert.equal(unknown.log.event, 'identify.neighbour_unknown');
  assert.equal(checkRig(B, []).identify(REQ).ok, true, 'no network has the check');
  assert.equal(
    checkRig(B, [{ networkId: 'net-2', interface: 'br1' }]).identify(REQ).ok,
    true,
    'another network',
  );
});

test('awaitNeighbour() starts the cache only where a network has the check', async () => {
  const on = checkRig(A);
  const reply = { status: 200, headers: {}, body: Buffer.alloc(0) };
  const handler = () => reply;
  const request = { ...REQ, method: 'GET', url: '/', body: Buffer.alloc(0), bodyTooLarge: false };
  assert.equal(await awaitNeighbour(handler, on.deps)(request), reply);
  assert.deepEqual(on.started, ['start']);
  const off = checkRig(A, []);
  assert.equal(await awaitNeighbour(handler, off.deps)(request), reply);
  assert.deepEqual(off.started, []);
});

const PROC_ARP = `IP address       HW type     Flags       HW address            Mask     Device
10.0.0.10        0x1         0x2         FA:16:3E:00:00:0B     *        br0
10.0.0.1         0x1         0x2         fa:16:3e:00:00:01     *        eth9
10.0.0.100       0x1         0x2         fa:16:3e:00:00:0a     *        br0
10.0.0.11        0x1         0x0         00:00:00:00:00:00     *        br0
`;

test('arpTableMac() reads /proc/net/arp: resolved entries only, by exact address and device', () => {
  assert.equal(arpTableMac(PROC_ARP, 'br0', '10.0.0.10'), B);
  assert.equal(arpTableMac(PROC_ARP, 'br0', '10.0.0.1'), undefined, 'another device');
  assert.equal(arpTableMac(PROC_ARP, 'eth9', '10.0.0.1'), 'fa:16:3e:00:00:01');
  assert.equal(arpTableMac(PROC_ARP, 'br0', '10.0.0.100'), A, 'not the prefix match 10.0.0.10');
  assert.equal(arpTableMac(PROC_ARP, 'br0', '10.0.0.11'), undefined, 'incomplete');
  assert.equal(arpTableMac(PROC_ARP, 'br0', '10.0.0.12'), undefined, 'absent');
});

test("createNeighbourCache().find() answers IPv4 from the kernel's table, even when the monitor has not told it yet", async () => {
  let text: string | undefined = PROC_ARP;
  const rig = cacheRig(() => DUMP([{ dst: '10.0.0.10', dev: 'br0', lladdr: A, state: ['STALE'] }]), {
    pid: 4242,
    text: () => text,
  });
  rig.cache.start();
  await rig.fire(50);
  // The followed table still says A; the kernel already has B (a guest took the address).
  assert.equal(rig.cache.find('br0', '10.0.0.10'), B);
  text = undefined; // /proc unreadable: the followed table answers
  assert.equal(rig.cache.find('br0', '10.0.0.10'), A);
});
