// dnsmasqOptsFile / classlessRoutes: option 121 and 249 as Neutron's dnsmasq driver writes them
// (reference §3.3.4), with the RFC 3442 rule that the default route is repeated inside option 121.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classlessRoutes } from '../../src/net/classless-routes.js';
import { dnsmasqOptsFile } from '../../src/net/dnsmasq-opts-file.js';
import { network, subnet } from '../fixtures/net/net-kit.js';

const ISOLATED = { mode: 'isolated', address: '10.0.0.2/24' } as const;

test('dnsmasqOptsFile() sends option 121 and 249 with the metadata route and, with a gateway, the default route last', () => {
  const net = network(ISOLATED, { subnets: [subnet({ gateway: '10.0.0.1' })] });
  assert.equal(
    dnsmasqOptsFile(net, '10.0.0.2'),
    'tag:subnet-subnet-a,option:classless-static-route,169.254.169.254/32,10.0.0.2,0.0.0.0/0,10.0.0.1\n' +
      'tag:subnet-subnet-a,249,169.254.169.254/32,10.0.0.2,0.0.0.0/0,10.0.0.1\n' +
      'tag:subnet-subnet-a,option:router,10.0.0.1\n',
  );
});

test('dnsmasqOptsFile() without a gateway sends no default route and an empty option 3', () => {
  const net = network(ISOLATED, { subnets: [subnet({ gateway: null })] });
  const opts = dnsmasqOptsFile(net, '10.0.0.2');
  assert.doesNotMatch(opts, /0\.0\.0\.0\/0/);
  assert.match(
    opts,
    /^tag:subnet-subnet-a,option:classless-static-route,169\.254\.169\.254\/32,10\.0\.0\.2$/m,
  );
  assert.match(opts, /^tag:subnet-subnet-a,249,169\.254\.169\.254\/32,10\.0\.0\.2$/m);
  // dnsmasq would otherwise offer its own address as the router.
  assert.match(opts, /^tag:subnet-subnet-a,option:router$/m);
});

test('classlessRoutes() includes the host routes between the metadata route and the default route', () => {
  const s = subnet({
    hostRoutes: [
      { destination: '10.20.0.0/16', nexthop: '10.0.0.254' },
      { destination: '192.0.2.0/24', nexthop: '10.0.0.253' },
    ],
  });
  assert.deepEqual(classlessRoutes(network(ISOLATED, { subnets: [s] }), s, '10.0.0.2'), {
    routes: [
      '169.254.169.254/32,10.0.0.2',
      '10.20.0.0/16,10.0.0.254',
      '192.0.2.0/24,10.0.0.253',
      '0.0.0.0/0,10.0.0.1',
    ],
    gateway: '10.0.0.1',
  });
});

test('classlessRoutes() takes a 0.0.0.0/0 host route as the gateway of a subnet without one, as Neutron does', () => {
  const s = subnet({ gateway: null, hostRoutes: [{ destination: '0.0.0.0/0', nexthop: '10.0.0.254' }] });
  const { routes, gateway } = classlessRoutes(network(ISOLATED, { subnets: [s] }), s, '10.0.0.2');
  assert.equal(gateway, '10.0.0.254');
  assert.deepEqual(routes, ['169.254.169.254/32,10.0.0.2', '0.0.0.0/0,10.0.0.254']);
});

test('classlessRoutes() routes the other IPv4 subnets of the network on-link and skips IPv6 ones', () => {
  const a = subnet();
  const b = subnet({ id: 'subnet-b', cidr: '10.0.1.0/24', gateway: null });
  const v6 = subnet({ id: 'subnet-6', cidr: '2001:db8::/64', ipVersion: 6, gateway: null, dhcp: false });
  const net = network(ISOLATED, { subnets: [a, b, v6] });
  assert.deepEqual(classlessRoutes(net, b, '10.0.0.2').routes, [
    '169.254.169.254/32,10.0.0.2',
    '10.0.0.0/24,0.0.0.0',
  ]);
});

test('dnsmasqOptsFile() adds DNS servers (IPv4 only) and the MTU per DHCP subnet, and skips non-DHCP subnets', () => {
  const net = network(ISOLATED, {
    mtu: 1450,
    subnets: [
      subnet({ dns: ['10.0.0.53', '2001:db8::53'] }),
      subnet({ id: 'subnet-off', cidr: '10.0.9.0/24', gateway: null, dhcp: false }),
    ],
  });
  const lines = dnsmasqOptsFile(net, '10.0.0.2').trimEnd().split('\n');
  assert.deepEqual(lines.slice(2), [
    'tag:subnet-subnet-a,option:router,10.0.0.1',
    'tag:subnet-subnet-a,option:dns-server,10.0.0.53',
    'tag:subnet-subnet-a,option:mtu,1450',
  ]);
  assert.ok(lines.every((l) => l.startsWith('tag:subnet-subnet-a,')));
});
