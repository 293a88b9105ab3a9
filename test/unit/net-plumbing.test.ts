// createNetPlumbing: what `openimds serve` calls on every change of attached networks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ImdsError } from '../../src/errors.js';
import type { Network } from '../../src/model/network.js';
import type { DnsmasqPool } from '../../src/net/dnsmasq-pool.js';
import { createNetPlumbing } from '../../src/net/net-plumbing.js';
import { fakeExec, network, port } from '../fixtures/net/net-kit.js';

function fakePool(): DnsmasqPool & { log: string[] } {
  const log: string[] = [];
  return {
    log,
    sync: async (networks) =>
      void log.push(`sync ${networks.map((n) => `${n.network.id}:${n.ports.length}`).join(',')}`),
    stopNetwork: async (id) => void log.push(`stop ${id}`),
    stop: async () => void log.push('stop all'),
    networkIds: () => [],
  };
}

const router = (id: string, iface: string): Network =>
  network({ mode: 'router', namespace: 'q1', interface: iface }, { id, name: id, routerId: 'r' });
const isolated = network({ mode: 'isolated', address: '10.0.0.2/24' }, { id: 'iso', name: 'iso' });
const instances = () => [
  { instance: { uuid: 'vm-1', hostname: 'vm-1' }, ports: [port({ networkId: 'iso' })] },
];

test('sync() applies every attached network and hands the isolated ones, with their ports, to dnsmasq', async () => {
  const { exec, calls } = fakeExec();
  const pool = fakePool();
  const plumbing = createNetPlumbing({
    exec,
    dnsmasq: pool,
    instances,
    dirs: { dataDir: '/d', runDir: '/r' },
  });
  await plumbing.sync([router('a', 'qr-a'), isolated]);
  assert.deepEqual(
    calls.map((c) => c.line),
    [
      'ip netns exec q1 nft -f -',
      'ip link set dev tap-a up',
      'ip addr replace 169.254.169.254/32 dev tap-a',
      'ip addr replace 10.0.0.2/24 dev tap-a',
      'ip netns exec q1 nft -f -',
      'nft -f -',
    ],
  );
  assert.match(calls[4]!.input!, /^table ip openimds_token$/m);
  assert.deepEqual(pool.log, ['sync iso:1']);
});

test('sync() goes on past a failing network and then throws what failed', async () => {
  const { exec, calls } = fakeExec((line) =>
    line.startsWith('ip netns exec') ? { code: 1, stderr: 'Error: Could not process rule' } : {},
  );
  const broken = network({ mode: 'isolated' }, { id: 'bad', name: 'bad' }); // no attach.address
  const plumbing = createNetPlumbing({ exec, dnsmasq: fakePool(), instances, dirs: { dataDir: '/d' } });
  const err = (await plumbing
    .sync([router('a', 'qr-a'), broken, isolated])
    .catch((e: unknown) => e)) as ImdsError;
  assert.equal(err.code, 'PLUMBING_FAILED');
  // the router table and the token table of q1 fail; the broken network never gets that far
  assert.match(err.message, /Cannot plumb 3 of the attached networks/);
  assert.equal(calls.length, 6, 'the isolated network was still applied');
});

test('remove() of one network in a shared router namespace rewrites the table from the others', async () => {
  const { exec, calls } = fakeExec();
  const pool = fakePool();
  const plumbing = createNetPlumbing({ exec, dnsmasq: pool, instances, dirs: { dataDir: '/d' } });
  await plumbing.sync([router('a', 'qr-a'), router('b', 'qr-b')]);
  calls.length = 0;
  await plumbing.remove(router('a', 'qr-a'));
  assert.equal(calls.length, 2, 'the redirect table and the token table');
  for (const call of calls) {
    assert.match(call.input!, /"qr-b"/);
    assert.doesNotMatch(call.input!, /"qr-a"/);
  }
  calls.length = 0;
  await plumbing.remove(router('b', 'qr-b'));
  assert.deepEqual(
    calls.map((c) => c.line),
    ['ip netns exec q1 nft delete table ip openimds', 'ip netns exec q1 nft delete table ip openimds_token'],
  );
  assert.deepEqual(pool.log.slice(-2), ['stop a', 'stop b']);
});
