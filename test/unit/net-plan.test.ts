// networkPlan / applyPlan / removePlan / formatPlan: which commands, in which order, and what a
// failure says. Exec is a fake: nothing runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ImdsError } from '../../src/errors.js';
import { applyPlan, removePlan } from '../../src/net/apply-plan.js';
import { formatPlan } from '../../src/net/format-plan.js';
import { networkPlan, plumbingPlan, type NetSnapshot } from '../../src/net/plan.js';
import type { Network } from '../../src/model/network.js';
import { shellQuote } from '../../src/net/shell-quote.js';
import { fakeExec, network, port } from '../fixtures/net/net-kit.js';

const DIRS = { dataDir: '/var/lib/openimds', runDir: '/run/openimds' };

function snapshot(...networks: NetSnapshot['networks']): NetSnapshot {
  return { networks, instances: [{ instance: { uuid: 'vm-1', hostname: 'vm-1' }, ports: [port()] }] };
}

test('networkPlan() for onlink brings the link up and replaces both addresses (idempotent form)', () => {
  const plan = networkPlan(snapshot(network({ namespace: 'ns1', address: '10.0.0.2/24' })), DIRS);
  assert.deepEqual(
    plan.sections[0]!.apply.map((c) => c.argv.join(' ')),
    [
      'ip -n ns1 link set dev tap-a up',
      'ip -n ns1 addr replace 169.254.169.254/32 dev tap-a',
      'ip -n ns1 addr replace 10.0.0.2/24 dev tap-a',
    ],
  );
  assert.deepEqual(
    plan.sections[0]!.remove.map((c) => c.argv.join(' ')),
    ['ip -n ns1 addr del 169.254.169.254/32 dev tap-a', 'ip -n ns1 addr del 10.0.0.2/24 dev tap-a'],
  );
  assert.equal(plan.sections[0]!.dnsmasq, null);
});

test('networkPlan() makes one router section per namespace, covering all its router-mode networks', () => {
  const r = (id: string, iface: string, ns: string) =>
    network({ mode: 'router', namespace: ns, interface: iface }, { id, name: id, routerId: 'r' });
  const plan = networkPlan(snapshot(r('a', 'qr-a', 'q1'), r('b', 'qr-b', 'q2'), r('c', 'qr-c', 'q1')), DIRS);
  assert.deepEqual(
    plan.sections.map((s) => [s.namespace, s.networks]),
    [
      ['q1', ['a', 'c']],
      ['q2', ['b']],
      ['q1', ['a', 'c']], // then the token hop-limit table of each namespace
      ['q2', ['b']],
    ],
  );
  const only = networkPlan(snapshot(r('a', 'qr-a', 'q1'), r('c', 'qr-c', 'q1')), { ...DIRS, network: 'c' });
  assert.match(only.sections[0]!.apply[0]!.input!, /qr-a[\s\S]*qr-c/, 'the shared table keeps network a');
});

test('networkPlan() for isolated adds the dnsmasq configuration with the reservations', () => {
  const net = network({ mode: 'isolated', address: '10.0.0.2/24' });
  const { sections } = networkPlan(snapshot(net), DIRS);
  assert.equal(sections[0]!.dnsmasq?.files[0]!.content, 'fa:16:3e:00:00:01,10.0.0.10,vm-1\n');
});

test('networkPlan() refuses an unknown, unattached or unplumbable network with its code', () => {
  assert.throws(() => networkPlan(snapshot(network(null)), { ...DIRS, network: 'x' }), {
    code: 'NETWORK_NOT_FOUND',
  });
  assert.throws(() => networkPlan(snapshot(network(null)), { ...DIRS, network: 'a' }), {
    code: 'VALIDATION_FAILED',
  });
  assert.throws(() => networkPlan(snapshot(network({ mode: 'isolated' })), DIRS), {
    code: 'CONFIG_INVALID',
    message: /attach\.address/,
  });
  assert.throws(() => networkPlan(snapshot(network({ mode: 'router' })), DIRS), {
    code: 'CONFIG_INVALID',
    message: /needs a router/,
  });
});

test('networkPlan() leaves unattached networks out', () => {
  assert.deepEqual(networkPlan(snapshot(network(null)), DIRS).sections, []);
  assert.match(formatPlan({ sections: [] }), /nothing to do/);
});

test('applyPlan() runs the commands in order, with stdin, through the injected exec', async () => {
  const r = network({ mode: 'router', namespace: 'q1', interface: 'qr-a' }, { routerId: 'r' });
  const plan = networkPlan(snapshot(network({ namespace: 'ns1' }, { id: 'n2', name: 'b' }), r), DIRS);
  const { exec, calls } = fakeExec();
  await applyPlan(plan, exec);
  assert.deepEqual(
    calls.map((c) => c.line),
    [
      'ip -n ns1 link set dev tap-a up',
      'ip -n ns1 addr replace 169.254.169.254/32 dev tap-a',
      'ip netns exec q1 nft -f -',
      'ip netns exec ns1 nft -f -',
      'ip netns exec q1 nft -f -',
    ],
  );
  assert.match(calls[2]!.input!, /^table ip openimds$/m);
  assert.match(calls[3]!.input!, /^table ip openimds_token$/m);
});

test('applyPlan() stops at the first failure with PLUMBING_FAILED, the command and a hint', async () => {
  const plan = networkPlan(snapshot(network({ namespace: 'gone' })), DIRS);
  const { exec, calls } = fakeExec(() => ({
    code: 1,
    stderr: 'Cannot open network namespace "gone": No such file or directory\n',
  }));
  const err = await applyPlan(plan, exec).then(
    () => assert.fail('applyPlan should fail'),
    (e: unknown) => e as ImdsError,
  );
  assert.equal(calls.length, 1);
  assert.equal(err.code, 'PLUMBING_FAILED');
  assert.match(err.message, /^Cannot run "ip -n gone link set dev tap-a up": Cannot open network namespace/);
  assert.match(err.hint!, /ip netns add/);
});

test('removePlan() accepts "already gone" answers, old and new iproute2 wording, and goes on', async () => {
  const plan = networkPlan(snapshot(network({ address: '10.0.0.2/24' })), DIRS);
  for (const stderr of [
    'Error: ipv4: Address not found.',
    'RTNETLINK answers: Cannot assign requested address',
  ]) {
    const { exec, calls } = fakeExec((line) => ({
      code: 2,
      stderr: line.includes('nft')
        ? 'Error: Could not process rule: No such file or directory\n'
        : `${stderr}\n`,
    }));
    await removePlan(plan, exec);
    assert.equal(calls.length, 3);
  }
});

test('formatPlan() prints each command under its why, stdin as a here-document', () => {
  const r = network({ mode: 'router', namespace: 'q1', interface: 'qr-a' }, { routerId: 'r' });
  const text = formatPlan(networkPlan(snapshot(r), DIRS));
  assert.match(text, /^# === router mode in namespace "q1": network "a"\n# replace table ip openimds whole/);
  assert.match(text, /\nip netns exec q1 nft -f - <<'EOF'\n# openimds[\s\S]*\n}\nEOF\n$/);
  assert.match(
    formatPlan(networkPlan(snapshot(r), DIRS), 'remove'),
    /\nip netns exec q1 nft delete table ip openimds\n/,
  );
});

test('shellQuote() leaves plain words alone and single-quotes the rest', () => {
  assert.equal(shellQuote(['ip', '-n', 'ns', 'addr', '10.0.0.2/24']), 'ip -n ns addr 10.0.0.2/24');
  assert.equal(shellQuote(['a b', "it's", '']), `'a b' 'it'\\''s' ''`);
});

test('plumbingPlan() binds 169.254.169.254/32 on the router interface of a router network with attach.onlink', () => {
  const router = 'f00d0000-0000-4000-8000-000000000001';
  const net = (n: number, onlink: boolean): Network => ({
    id: `f00d0000-0000-4000-8000-00000000010${n}`,
    name: `r${n}`,
    subnets: [
      {
        id: `f00d0000-0000-4000-8000-00000000020${n}`,
        cidr: `10.${n}.0.0/24`,
        ipVersion: 4,
        gateway: `10.${n}.0.1`,
        dns: [],
        hostRoutes: [],
        dhcp: false,
        ipv6AddressMode: null,
      },
    ],
    mtu: 1500,
    routerId: router,
    attach: {
      namespace: 'qrouter-x',
      interface: `qr-${n}`,
      mode: 'router',
      address: null,
      ...(onlink ? { onlink: true } : {}),
    },
  });
  const plan = plumbingPlan([net(1, true), net(2, false)], {
    dirs: { dataDir: '/d', runDir: '/r' },
    ports: () => [],
  });
  const apply = plan.sections.flatMap((s) => s.apply.map((c) => c.argv.join(' ')));
  assert.ok(
    apply.some((l) => l.includes('addr replace 169.254.169.254/32 dev qr-1')),
    apply.join('\n'),
  );
  assert.ok(
    !apply.some((l) => l.includes('dev qr-2') && l.includes('169.254.169.254')),
    'only the onlink network gets the address',
  );
  assert.ok(
    apply.some((l) => l.includes('nft -f -')),
    'the redirect stays',
  );
});
