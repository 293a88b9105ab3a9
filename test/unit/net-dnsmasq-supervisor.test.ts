// createDnsmasqSupervisor / createDnsmasqPool with a fake child and a fake clock: files written
// before start, SIGHUP only once dnsmasq is ready, restart with doubling backoff, clean stop.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLogger } from '../../src/log.js';
import type { Network } from '../../src/model/network.js';
import { createDnsmasqPool } from '../../src/net/dnsmasq-pool.js';
import {
  createDnsmasqSupervisor,
  type DnsmasqSupervisor,
  type DnsmasqSupervisorDeps,
} from '../../src/net/dnsmasq-supervisor.js';
import type { HostedPort } from '../../src/net/hosted-ports.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';
import { FakeChild, network, port } from '../fixtures/net/net-kit.js';

const NET = network({ mode: 'isolated', address: '10.0.0.2/24', namespace: 'qdhcp-a' });
const PORTS: HostedPort[] = [{ port: port(), hostname: 'vm-1' }];

interface Rig {
  supervisor: DnsmasqSupervisor;
  children: FakeChild[];
  events: () => string[];
  timers: Array<{ fn: () => void; ms: number; cancelled: boolean }>;
  clock: { now: number };
  runDir: string;
  /** Runs the pending restart timer (there must be exactly one). */
  fireRestart(): number;
}

function rig(t: TestContext, extra: Partial<DnsmasqSupervisorDeps> = {}): Rig {
  const dir = makeTmpDir(t, 'oimds-dnsmasq-');
  const lines: string[] = [];
  const children: FakeChild[] = [];
  const timers: Rig['timers'] = [];
  const clock = { now: 0 };
  const log = createLogger({ level: 'debug', format: 'json', write: (l) => lines.push(l) });
  const supervisor = createDnsmasqSupervisor({
    log,
    dirs: { dataDir: join(dir, 'data'), runDir: join(dir, 'run') },
    spawn: (argv) => {
      const child = new FakeChild(argv);
      children.push(child);
      return child;
    },
    stopStale: async () => undefined,
    now: () => clock.now,
    setTimer: (fn, ms) => {
      const timer = { fn, ms, cancelled: false };
      timers.push(timer);
      return () => void (timer.cancelled = true);
    },
    ...extra,
  });
  return {
    supervisor,
    children,
    timers,
    clock,
    runDir: join(dir, 'run'),
    events: () => lines.map((l) => (JSON.parse(l) as { event: string }).event),
    fireRestart() {
      const live = timers.filter((x) => !x.cancelled);
      assert.equal(live.length, 1, 'one restart pending');
      live[0]!.cancelled = true;
      live[0]!.fn();
      return live[0]!.ms;
    },
  };
}

const tick = () => new Promise((r) => setImmediate(r));

test('start() writes the hosts and options files, then runs the rendered command line', async (t) => {
  const r = rig(t);
  await r.supervisor.start(NET, PORTS);
  assert.equal(r.children.length, 1);
  assert.deepEqual(r.children[0]!.argv.slice(0, 5), ['ip', 'netns', 'exec', 'qdhcp-a', '/usr/sbin/dnsmasq']);
  const files = join(r.runDir, 'dnsmasq', 'net-a');
  assert.equal(readFileSync(join(files, 'host'), 'utf8'), 'fa:16:3e:00:00:01,10.0.0.10,vm-1\n');
  assert.match(
    readFileSync(join(files, 'opts'), 'utf8'),
    /classless-static-route,169\.254\.169\.254\/32,10\.0\.0\.2/,
  );
  assert.deepEqual(r.events(), ['dnsmasq.started']);
  assert.equal(r.supervisor.pid(), r.children[0]!.pid);
});

test('update() rewrites the files and sends SIGHUP, holding it until dnsmasq has loaded its files once', async (t) => {
  const r = rig(t);
  await r.supervisor.start(NET, PORTS);
  const child = r.children[0]!;
  const more = [
    ...PORTS,
    { port: port({ id: 'p2', mac: 'fa:16:3e:00:00:02', fixedIps: ['10.0.0.11'] }), hostname: 'vm-2' },
  ];
  await r.supervisor.update(NET, more);
  assert.deepEqual(child.signals, [], 'no SIGHUP during start-up: dnsmasq would ignore it');
  child.ready();
  await tick();
  assert.deepEqual(child.signals, ['SIGHUP']);
  assert.match(readFileSync(join(r.runDir, 'dnsmasq', 'net-a', 'host'), 'utf8'), /vm-2\n$/);
  await r.supervisor.update(NET, more);
  assert.deepEqual(child.signals, ['SIGHUP'], 'nothing changed: no signal');
  await r.supervisor.update(NET, PORTS);
  assert.deepEqual(child.signals, ['SIGHUP', 'SIGHUP']);
  assert.equal(r.children.length, 1, 'never restarted for a change of reservations');
});

test('update() restarts dnsmasq when its command line changes', async (t) => {
  const r = rig(t);
  await r.supervisor.start(NET, PORTS);
  const moved: Network = { ...NET, attach: { ...NET.attach!, interface: 'tap-b' } };
  await r.supervisor.update(moved, PORTS);
  assert.deepEqual(r.children[0]!.signals, ['SIGTERM']);
  assert.equal(r.children.length, 2);
  assert.ok(r.children[1]!.argv.includes('--interface=tap-b'));
  assert.deepEqual(r.events(), [
    'dnsmasq.started',
    'dnsmasq.reconfigured',
    'dnsmasq.stopped',
    'dnsmasq.started',
  ]);
});

test('an exiting dnsmasq is restarted after 1 s, 2 s, 4 s …, and from 1 s again after a stable run', async (t) => {
  const r = rig(t);
  await r.supervisor.start(NET, PORTS);
  const delays: number[] = [];
  for (let i = 0; i < 4; i++) {
    r.children.at(-1)!.exit(1);
    await tick();
    delays.push(r.fireRestart());
  }
  assert.deepEqual(delays, [1000, 2000, 4000, 8000]);
  assert.equal(r.children.length, 5);
  r.clock.now += 30_000;
  r.children.at(-1)!.exit(null, 'SIGSEGV');
  await tick();
  assert.equal(r.fireRestart(), 1000);
  assert.ok(r.events().includes('dnsmasq.exited'));
});

test('a dnsmasq that cannot be started is retried like one that exited', async (t) => {
  const r = rig(t);
  await r.supervisor.start(NET, PORTS);
  r.children[0]!.emit('error', new Error('spawn ip ENOENT'));
  await tick();
  assert.equal(r.fireRestart(), 1000);
  assert.equal(r.children.length, 2);
});

test('stop() ends dnsmasq with SIGTERM and nothing restarts it', async (t) => {
  const r = rig(t);
  await r.supervisor.start(NET, PORTS);
  r.children[0]!.exit(1); // a restart is pending …
  await tick();
  r.fireRestart();
  await r.supervisor.stop();
  assert.deepEqual(r.children[1]!.signals, ['SIGTERM']);
  assert.equal(r.supervisor.pid(), undefined);
  assert.equal(r.timers.filter((x) => !x.cancelled).length, 0);
  assert.equal(r.events().at(-1), 'dnsmasq.stopped');
});

test('start() ends a dnsmasq left running by an earlier openimds, and says so', async (t) => {
  const r = rig(t, { stopStale: async () => 4242 });
  await r.supervisor.start(NET, PORTS);
  assert.deepEqual(r.events(), ['dnsmasq.stale_stopped', 'dnsmasq.started']);
});

test("dnsmasq's problems and DHCP answers reach the log at warn and info", async (t) => {
  const r = rig(t);
  await r.supervisor.start(NET, PORTS);
  const child = r.children[0]!;
  child.stderr.write('dnsmasq[1]: cannot read /run/x/host: Permission denied\n');
  child.stderr.write('dnsmasq-dhcp[1]: 123 DHCPACK(tap-a) 10.0.0.10 fa:16:3e:00:00:01 vm-1\n');
  await tick();
  assert.deepEqual(r.events().slice(1), ['dnsmasq.warned', 'dnsmasq.dhcp']);
});

test('createDnsmasqPool() starts isolated networks, updates them, and stops the ones that went', async () => {
  const created: DnsmasqSupervisor[] = [];
  const calls: string[] = [];
  const pool = createDnsmasqPool(() => {
    const s: DnsmasqSupervisor = {
      start: async (n) => void calls.push(`start ${n.id}`),
      update: async (n) => void calls.push(`update ${n.id}`),
      stop: async () => void calls.push('stop'),
      pid: () => undefined,
    };
    created.push(s);
    return s;
  });
  const b = { ...NET, id: 'net-b' };
  const onlink = network({ mode: 'onlink' }, { id: 'net-c' });
  await pool.sync([NET, b, onlink].map((network) => ({ network, ports: [] })));
  assert.deepEqual(pool.networkIds(), ['net-a', 'net-b']);
  await pool.sync([{ network: b, ports: [] }]);
  assert.deepEqual(calls, ['update net-a', 'update net-b', 'stop', 'update net-b']);
  assert.deepEqual(pool.networkIds(), ['net-b']);
  await pool.stop();
  assert.deepEqual(pool.networkIds(), []);
});
