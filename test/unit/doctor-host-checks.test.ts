import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hasProblems } from '../../src/doctor/finding.js';
import { diagnoseHost, type HostDoctorIo } from '../../src/doctor/host-doctor.js';
import type { HostStore } from '../../src/doctor/host-collect.js';
import type { Network } from '../../src/model/network.js';
import type { Port } from '../../src/model/port.js';
import { nftRuleset } from '../../src/net/nft-ruleset.js';

const NET_ID = '11111111-0000-4000-8000-000000000001';
const OTHER_ID = '11111111-0000-4000-8000-000000000002';

function network(
  mode: 'onlink' | 'router' | 'isolated',
  extra: Partial<Network['attach'] & object> = {},
): Network {
  return {
    id: NET_ID,
    name: 'web',
    subnets: [
      {
        id: 's1',
        cidr: '10.0.0.0/24',
        ipVersion: 4,
        gateway: '10.0.0.1',
        dns: [],
        hostRoutes: [],
        dhcp: mode === 'isolated',
        ipv6AddressMode: null,
      },
    ],
    mtu: null,
    routerId: mode === 'router' ? 'r1' : null,
    attach: {
      namespace: 'qns',
      interface: 'tap0',
      mode,
      address: mode === 'isolated' ? '10.0.0.2/24' : null,
      ...extra,
    },
  };
}

const port = (ip: string, networkId = NET_ID, id = `p-${ip}`): Port => ({
  id,
  instanceUuid: `i-${ip}`,
  networkId,
  mac: 'fa:16:3e:00:00:01',
  fixedIps: [ip],
  floatingIp: null,
  vifType: 'ovs',
  devname: null,
});

function fakeStore(networks: Network[], ports: Port[]): HostStore {
  return {
    listNetworks: () => networks,
    listPorts: () => ports,
    networkIdsOfRouter: (r) => networks.filter((n) => n.routerId === r).map((n) => n.id),
    findPortsByAddress: (ids, address) =>
      ports
        .filter((p) => ids.includes(p.networkId) && p.fixedIps.includes(address))
        .map((p) => ({ port: p, instanceUuid: p.instanceUuid, projectId: 'proj', revision: 1 })),
  };
}

/** Answers by the command line; anything unknown fails as a missing program would. */
type Outputs = Record<string, string | { code: number; stderr: string }>;

const HEALTHY: Outputs = {
  'ip netns list': 'qns (id: 0)\n',
  'ip -n qns -4 -o addr show dev tap0':
    '5: tap0 inet 10.0.0.2/24 scope global tap0\n5: tap0 inet 169.254.169.254/32 scope global tap0\n',
  'ip -n qns -4 -o addr show':
    '5: tap0 inet 10.0.0.2/24 scope global tap0\n5: tap0 inet 169.254.169.254/32 scope global tap0\n',
  'ip netns exec qns ss -ltnH': 'LISTEN 0 511 169.254.169.254:80 0.0.0.0:*\n',
  'ip -n qns -4 neigh show dev tap0': '10.0.0.5 lladdr fa:16:3e:00:00:01 REACHABLE\n',
  'ip netns exec qns timeout -s INT 3 tcpdump -l -n -i tap0 arp': '',
};

function io(store: HostStore, outputs: Outputs, extra: Partial<HostDoctorIo> = {}): HostDoctorIo {
  return {
    store: () => store,
    exec: async (argv) => {
      const out = outputs[argv.join(' ')];
      if (out === undefined) return { code: 1, stdout: '', stderr: `unexpected: ${argv.join(' ')}` };
      if (typeof out === 'string')
        return { code: argv.includes('tcpdump') ? 124 : 0, stdout: out, stderr: '' };
      return { code: out.code, stdout: '', stderr: out.stderr };
    },
    readFile: async (p) => {
      if (p.endsWith('/pid')) return '4242\n';
      if (p.endsWith('/opts')) {
        return 'tag:subnet-s1,option:classless-static-route,169.254.169.254/32,10.0.0.2,0.0.0.0/0,10.0.0.1\n';
      }
      throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
    },
    processAlive: (pid) => pid === 4242,
    connect: async () => true,
    ...extra,
  };
}

const OPTS = {
  watchSeconds: 3,
  dirs: { dataDir: '/d', runDir: '/r' },
  serviceAddresses: [{ kind: 'admin', host: '127.0.0.1', port: 8779 }],
};
const ids = (r: { findings: Array<{ id: string }> }) => r.findings.map((f) => f.id);

test('diagnoseHost() finds nothing wrong on a healthy onlink network', async () => {
  const report = await diagnoseHost(io(fakeStore([network('onlink')], [port('10.0.0.5')]), HEALTHY), OPTS);
  assert.deepEqual(report.findings, []);
  assert.equal(hasProblems(report), false);
});

test('diagnoseHost() reports host-store-unreachable when the store cannot be opened', async () => {
  const broken = io(fakeStore([], []), HEALTHY, {
    store: () => {
      throw new Error('SQLITE_CANTOPEN');
    },
  });
  assert.deepEqual(ids(await diagnoseHost(broken, OPTS)), ['host-store-unreachable']);
});

test('diagnoseHost() reports host-namespace-missing and checks nothing else there', async () => {
  const report = await diagnoseHost(
    io(fakeStore([network('onlink')], []), { ...HEALTHY, 'ip netns list': 'other\n' }),
    OPTS,
  );
  assert.deepEqual(ids(report), ['host-namespace-missing']);
});

test('diagnoseHost() reports host-address-missing with the fix naming net apply', async () => {
  const outputs = {
    ...HEALTHY,
    'ip -n qns -4 -o addr show dev tap0': '5: tap0 inet 10.0.0.2/24 scope global tap0\n',
  };
  const report = await diagnoseHost(io(fakeStore([network('onlink')], [port('10.0.0.5')]), outputs), OPTS);
  assert.deepEqual(ids(report), ['host-address-missing']);
  assert.match(report.findings[0]!.fix, /openimds net apply --network web/);
});

test('diagnoseHost() in router mode: no nft table is host-nft-redirect-missing; a :9697 listener serves', async () => {
  const outputs: Outputs = {
    ...HEALTHY,
    'ip netns exec qns ss -ltnH': 'LISTEN 0 511 0.0.0.0:9697 0.0.0.0:*\n',
    'ip netns exec qns nft list table ip openimds': { code: 1, stderr: 'Error: No such file or directory' },
  };
  const store = fakeStore([network('router')], [port('10.0.0.5')]);
  const report = await diagnoseHost(io(store, outputs), OPTS);
  assert.deepEqual(ids(report), ['host-nft-redirect-missing']);
  const fixed = {
    ...outputs,
    'ip netns exec qns nft list table ip openimds': nftRuleset([{ interface: 'tap0', networkId: NET_ID }]),
  };
  assert.deepEqual(ids(await diagnoseHost(io(store, fixed), OPTS)), []);
});

test('diagnoseHost() folds host-listener-missing under host-service-down when nothing answers anywhere', async () => {
  const outputs = { ...HEALTHY, 'ip netns exec qns ss -ltnH': '' };
  const store = fakeStore([network('onlink')], [port('10.0.0.5')]);
  const up = await diagnoseHost(io(store, outputs), OPTS);
  assert.deepEqual(
    ids(up),
    ['host-listener-missing'],
    'the admin API answers: serve runs, the listener is missing',
  );
  const down = await diagnoseHost(io(store, outputs, { connect: async () => false }), OPTS);
  assert.deepEqual(ids(down), ['host-service-down', 'host-listener-missing']);
  assert.equal(down.findings[1]!.consequenceOf, 'host-service-down');
});

test('diagnoseHost() on an isolated network checks dnsmasq and its option 121', async () => {
  const store = fakeStore([network('isolated')], [port('10.0.0.5')]);
  assert.deepEqual(ids(await diagnoseHost(io(store, HEALTHY), OPTS)), []);
  const dead = io(store, HEALTHY, { processAlive: () => false });
  assert.deepEqual(ids(await diagnoseHost(dead, OPTS)), ['host-dnsmasq-down']);
  const noRoute = io(store, HEALTHY, {
    readFile: async (p) => (p.endsWith('/pid') ? '4242' : 'tag:subnet-s1,option:router,10.0.0.1\n'),
  });
  assert.deepEqual(ids(await diagnoseHost(noRoute, OPTS)), ['host-dnsmasq-no-option121']);
});

test('diagnoseHost() reports a port that resolves to two instances', async () => {
  const store = fakeStore([network('onlink')], [port('10.0.0.5'), port('10.0.0.5', NET_ID, 'dup')]);
  const report = await diagnoseHost(io(store, HEALTHY), OPTS);
  assert.deepEqual(ids(report), ['host-port-unresolvable', 'host-port-unresolvable']);
  assert.match(report.findings[0]!.summary, /2 instances/);
});

test('diagnoseHost() reports a neighbour that is registered on another network only', async () => {
  const other = { ...network('onlink'), id: OTHER_ID, name: 'db', attach: null };
  const store = fakeStore([network('onlink'), other], [port('10.0.0.5', OTHER_ID)]);
  const report = await diagnoseHost(io(store, HEALTHY), OPTS);
  assert.deepEqual(ids(report), ['host-guest-unregistered']);
  assert.match(report.findings[0]!.summary, /10\.0\.0\.5 .*registered on "db" only/);
  assert.match(report.findings[0]!.fix, /--network web --ip 10\.0\.0\.5/);
});

test('diagnoseHost() reports ARP for 169.254.169.254 that nobody answers, only when the namespace does not own it', async () => {
  const arp = '12:00:00.1 ARP, Request who-has 169.254.169.254 tell 10.0.0.5, length 28\n';
  const outputs: Outputs = {
    ...HEALTHY,
    'ip netns exec qns timeout -s INT 3 tcpdump -l -n -i tap0 arp': arp,
    'ip netns exec qns ss -ltnH': 'LISTEN 0 511 0.0.0.0:9697 0.0.0.0:*\n',
    'ip -n qns -4 -o addr show': '5: tap0 inet 10.0.0.1/24 scope global tap0\n',
    'ip netns exec qns nft list table ip openimds': nftRuleset([{ interface: 'tap0', networkId: NET_ID }]),
  };
  const store = fakeStore([network('router')], [port('10.0.0.5')]);
  const report = await diagnoseHost(io(store, outputs), OPTS);
  assert.deepEqual(ids(report), ['host-arp-unanswered']);
  assert.match(report.findings[0]!.summary, /10\.0\.0\.5 ARPed 1 time/);
  assert.match(report.findings[0]!.fix, /onlink: true/);
  const owned = { ...outputs, 'ip -n qns -4 -o addr show': HEALTHY['ip -n qns -4 -o addr show']! };
  assert.deepEqual(ids(await diagnoseHost(io(store, owned), OPTS)), []);
  const off = await diagnoseHost(io(store, outputs), { ...OPTS, watchSeconds: 0 });
  assert.deepEqual(ids(off), [], 'no watch, no ARP finding');
});

test('diagnoseHost() maps agent and signed probes: 403 is host-signed-rejected, 503 host-path-error', async () => {
  const store = fakeStore([network('onlink')], [port('10.0.0.5')]);
  const asked: string[] = [];
  const report = await diagnoseHost(
    io(store, HEALTHY, {
      probeAgent: async (who) => {
        asked.push(`${who.address}@${who.networkId}`);
        return { path: 'agent', target: '/s', as: who.address, status: 403 };
      },
      probeSigned: async () => ({ path: 'signed', target: 'http://x', as: 'i', status: 503 }),
    }),
    OPTS,
  );
  assert.deepEqual(asked, [`10.0.0.5@${NET_ID}`]);
  assert.deepEqual(ids(report), ['host-signed-rejected', 'host-path-error']);
  assert.match(report.findings[0]!.fix, /OPENIMDS_SHARED_SECRET/);
});

test('diagnoseHost() says which check could not run (tcpdump missing) without calling it a problem', async () => {
  const outputs = {
    ...HEALTHY,
    'ip netns exec qns timeout -s INT 3 tcpdump -l -n -i tap0 arp': {
      code: 127,
      stderr: 'timeout: failed to run command tcpdump: No such file or directory',
    },
  };
  const report = await diagnoseHost(io(fakeStore([network('onlink')], [port('10.0.0.5')]), outputs), OPTS);
  assert.deepEqual(ids(report), ['host-check-incomplete']);
  assert.equal(hasProblems(report), false);
});

test('diagnoseHost() folds unanswered ARP under a missing address on an onlink network', async () => {
  const outputs: Outputs = {
    ...HEALTHY,
    'ip -n qns -4 -o addr show dev tap0': '5: tap0 inet 10.0.0.2/24 scope global tap0\n',
    'ip -n qns -4 -o addr show': '5: tap0 inet 10.0.0.2/24 scope global tap0\n',
    'ip netns exec qns timeout -s INT 3 tcpdump -l -n -i tap0 arp':
      '12:00:00.1 ARP, Request who-has 169.254.169.254 tell 10.0.0.5, length 28\n',
  };
  const report = await diagnoseHost(io(fakeStore([network('onlink')], [port('10.0.0.5')]), outputs), OPTS);
  assert.deepEqual(ids(report), ['host-address-missing', 'host-arp-unanswered']);
  assert.equal(report.findings[1]!.consequenceOf, 'host-address-missing');
  const { formatReport } = await import('../../src/doctor/report.js');
  assert.match(formatReport(report), /consequence: host-arp-unanswered/);
});
