// The dnsmasq renderers: hosts file from the store's ports, the command line, and the paths.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dnsmasqArgv } from '../../src/net/dnsmasq-argv.js';
import { dnsmasqConfig } from '../../src/net/dnsmasq-config.js';
import { dnsmasqHostsFile } from '../../src/net/dnsmasq-hosts-file.js';
import { dnsmasqPaths } from '../../src/net/dnsmasq-paths.js';
import { hostedPorts } from '../../src/net/hosted-ports.js';
import { network, port, subnet } from '../fixtures/net/net-kit.js';

const ISOLATED = {
  mode: 'isolated',
  address: '10.0.0.2/24',
  namespace: 'qdhcp-a',
  interface: 'tap-a',
} as const;
const DIRS = { dataDir: '/var/lib/openimds', runDir: '/run/openimds' };

test('dnsmasqHostsFile() reserves each IPv4 address of each port in a DHCP subnet, with the hostname', () => {
  const net = network(ISOLATED, {
    subnets: [subnet(), subnet({ id: 'v6', cidr: '2001:db8::/64', ipVersion: 6, gateway: null })],
  });
  const ports = [
    { port: port({ fixedIps: ['10.0.0.10', '2001:db8::10'] }), hostname: 'web-1' },
    {
      port: port({ id: 'p2', mac: 'fa:16:3e:00:00:02', fixedIps: ['10.0.0.11'] }),
      hostname: 'db.example.org',
    },
  ];
  assert.equal(
    dnsmasqHostsFile(net, ports),
    'fa:16:3e:00:00:01,10.0.0.10,web-1\nfa:16:3e:00:00:02,10.0.0.11,db\n',
  );
});

test('dnsmasqHostsFile() leaves out addresses in DHCP-disabled subnets and names that are not hostnames', () => {
  const net = network(ISOLATED, {
    subnets: [subnet(), subnet({ id: 'static', cidr: '10.0.1.0/24', gateway: null, dhcp: false })],
  });
  const ports = [{ port: port({ fixedIps: ['10.0.0.10', '10.0.1.10'] }), hostname: 'bad_name' }];
  assert.equal(dnsmasqHostsFile(net, ports), 'fa:16:3e:00:00:01,10.0.0.10\n');
});

test('hostedPorts() picks the ports on one network, in store order, with their instance hostname', () => {
  const instances = [
    { instance: { uuid: 'vm-1', hostname: 'one' }, ports: [port(), port({ id: 'x', networkId: 'other' })] },
    { instance: { uuid: 'vm-2', hostname: 'two' }, ports: [port({ id: 'p2', instanceUuid: 'vm-2' })] },
  ];
  assert.deepEqual(
    hostedPorts(instances, 'net-a').map((h) => [h.port.id, h.hostname]),
    [
      ['port-1', 'one'],
      ['p2', 'two'],
    ],
  );
});

test('dnsmasqArgv() runs DHCP only, bound to the interface, in the namespace, one tagged range per DHCP subnet', () => {
  const net = network(ISOLATED, {
    subnets: [subnet(), subnet({ id: 'subnet-b', cidr: '10.0.8.0/22', gateway: null })],
  });
  const argv = dnsmasqArgv(net, dnsmasqPaths(DIRS, 'net-a'));
  assert.deepEqual(argv.slice(0, 5), ['ip', 'netns', 'exec', 'qdhcp-a', '/usr/sbin/dnsmasq']);
  for (const flag of [
    '--keep-in-foreground',
    '--no-resolv',
    '--no-hosts',
    '--port=0',
    '--conf-file=/dev/null',
    '--interface=tap-a',
    '--bind-interfaces',
    '--except-interface=lo',
    '--dhcp-range=set:subnet-subnet-a,10.0.0.0,static,255.255.255.0,86400s',
    '--dhcp-range=set:subnet-subnet-b,10.0.8.0,static,255.255.252.0,86400s',
    '--dhcp-hostsfile=/run/openimds/dnsmasq/net-a/host',
    '--dhcp-optsfile=/run/openimds/dnsmasq/net-a/opts',
    '--dhcp-leasefile=/var/lib/openimds/dnsmasq/net-a/leases',
    '--pid-file=/var/lib/openimds/dnsmasq/net-a/pid',
    '--log-dhcp',
  ]) {
    assert.ok(argv.includes(flag), `missing ${flag}`);
  }
});

test('dnsmasqArgv() runs dnsmasq itself when the network is in the host namespace', () => {
  const argv = dnsmasqArgv(network({ ...ISOLATED, namespace: null }), dnsmasqPaths(DIRS, 'net-a'));
  assert.equal(argv[0], '/usr/sbin/dnsmasq');
});

test('dnsmasqConfig() routes 169.254.169.254 via the host part of attach.address', () => {
  const config = dnsmasqConfig(network(ISOLATED), [], DIRS);
  assert.match(config.files[1]!.content, /169\.254\.169\.254\/32,10\.0\.0\.2,/);
  assert.deepEqual(
    config.files.map((f) => f.path),
    ['/run/openimds/dnsmasq/net-a/host', '/run/openimds/dnsmasq/net-a/opts'],
  );
});

test('dnsmasqPaths() refuses a network id that would leave its directory', () => {
  assert.throws(() => dnsmasqPaths(DIRS, '../etc'), { code: 'CONFIG_INVALID' });
});
