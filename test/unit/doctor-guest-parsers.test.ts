import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bundleSections } from '../../src/doctor/bundle-sections.js';
import { numberToIpv4 } from '../../src/doctor/guest-ipv4.js';
import { parseLeases } from '../../src/doctor/guest-leases.js';
import { parseNeighbours } from '../../src/doctor/guest-neighbours.js';
import { parseRouteGet } from '../../src/doctor/guest-route-get.js';
import { lookupRoute, parseRoutes } from '../../src/doctor/guest-routes.js';
import { probeOutcome } from '../../src/doctor/probe-outcome.js';

const cidrs = (lines: string[]) =>
  parseRoutes(lines).routes.map(
    (r) => `${numberToIpv4(r.network)}/${r.prefix}${r.gateway ? ` via ${r.gateway}` : ''}`,
  );

test('parseRoutes() reads iproute2 output, route types, names and ECMP nexthops', () => {
  const lines = [
    'default via 10.0.0.1 dev eth0 proto dhcp src 10.0.0.5 metric 100',
    '10.0.0.0/24 dev eth0 proto kernel scope link src 10.0.0.5',
    '169.254.0.0/16 dev eth0 scope link metric 1002',
    '169.254.169.254 via 10.0.0.2 dev eth0 proto dhcp metric 100',
    'unreachable 10.9.0.0/16',
    '10.20.0.0/16 proto static',
    '\tnexthop via 10.0.0.7 dev eth0 weight 1',
  ];
  assert.deepEqual(cidrs(lines), [
    '0.0.0.0/0 via 10.0.0.1',
    '10.0.0.0/24',
    '169.254.0.0/16',
    '169.254.169.254/32 via 10.0.0.2',
    '10.9.0.0/16',
    '10.20.0.0/16 via 10.0.0.7',
  ]);
  const routes = parseRoutes(lines).routes;
  assert.equal(lookupRoute(routes, '169.254.169.254')?.gateway, '10.0.0.2', 'the /32 beats the zeroconf /16');
  assert.equal(lookupRoute(routes, '169.254.1.1')?.raw, '169.254.0.0/16 dev eth0 scope link metric 1002');
  assert.equal(lookupRoute(routes, '10.9.1.1')?.type, 'unreachable');
});

test('parseRoutes() reads busybox and net-tools route -n, in English and German, and route without -n', () => {
  assert.deepEqual(
    cidrs([
      'Kernel-IP-Routentabelle',
      'Ziel            Router          Genmask         Flags Metric Ref    Use Iface',
      '0.0.0.0         10.0.0.1        0.0.0.0         UG    0      0        0 eth0',
      '169.254.0.0     0.0.0.0         255.255.0.0     U     1002   0        0 eth0',
      'default         gateway         0.0.0.0         UG    0      0        0 eth1',
      'link-local      *               255.255.0.0     U     1002   0        0 eth0',
    ]),
    ['0.0.0.0/0 via 10.0.0.1', '169.254.0.0/16', '0.0.0.0/0 via gateway', '169.254.0.0/16'], // a name: still a gateway,
  );
});

test('parseRoutes() reads /proc/net/route hex (little-endian) and counts lines in no known format', () => {
  const parsed = parseRoutes([
    'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT',
    'eth0\t00000000\t0100000A\t0003\t0\t0\t0\t00000000\t0\t0\t0',
    'eth0\t0000FEA9\t00000000\t0001\t0\t0\t1002\t0000FFFF\t0\t0\t0',
    'this is not a route',
  ]);
  assert.deepEqual(
    parsed.routes.map((r) => `${numberToIpv4(r.network)}/${r.prefix} ${r.gateway ?? '-'} ${r.metric}`),
    ['0.0.0.0/0 10.0.0.1 0', '169.254.0.0/16 - 1002'],
  );
  assert.deepEqual(parsed.unread, ['this is not a route']);
});

test('parseRouteGet() reads the route, and the error in English or German', () => {
  assert.deepEqual(parseRouteGet(['169.254.169.254 via 10.0.0.1 dev eth0 src 10.0.0.5 uid 0', '    cache']), {
    kind: 'route',
    via: '10.0.0.1',
    dev: 'eth0',
    raw: '169.254.169.254 via 10.0.0.1 dev eth0 src 10.0.0.5 uid 0',
  });
  assert.equal(parseRouteGet(['RTNETLINK answers: Network is unreachable'])?.kind, 'unreachable');
  assert.equal(parseRouteGet(['RTNETLINK answers: Das Netzwerk ist nicht erreichbar'])?.kind, 'unreachable');
  assert.equal(parseRouteGet(['garbage ☃ \ufffd']), undefined);
});

test('parseNeighbours() tells answered from unanswered, in ip neigh and /proc/net/arp', () => {
  const n = parseNeighbours([
    '10.0.0.1 dev eth0 lladdr fa:16:3e:00:00:01 REACHABLE',
    '169.254.169.254 dev eth0  FAILED',
    '10.0.0.9 dev eth0 INCOMPLETE',
    '10.0.0.3 dev eth0 lladdr fa:16:3e:00:00:03 router STALE',
    'IP address       HW type     Flags       HW address            Mask     Device',
    '10.0.0.4         0x1         0x0         00:00:00:00:00:00     *        eth0',
    '10.0.0.5         0x1         0x2         fa:16:3e:00:00:05     *        eth0',
  ]);
  assert.deepEqual(Object.fromEntries([...n].map(([k, v]) => [k, v.state])), {
    '10.0.0.1': 'answered',
    '169.254.169.254': 'unanswered',
    '10.0.0.9': 'unanswered',
    '10.0.0.3': 'answered',
    '10.0.0.4': 'unanswered',
    '10.0.0.5': 'answered',
  });
});

test('parseLeases() finds the option 121 metadata route in dhclient, unknown-121 and networkd leases', () => {
  const leases = parseLeases([
    '--- file /var/lib/dhclient/dhclient-eth0.leases',
    'lease {',
    '  fixed-address 10.0.0.5;',
    '  option rfc3442-classless-static-routes 32,169,254,169,254,10,0,0,2,0,10,0,0,1;',
    '}',
    '--- file /var/lib/dhcp/dhclient.leases',
    '  fixed-address 10.0.1.5;',
    '  option unknown-121 20:a9:fe:a9:fe:0a:00:01:02:00:0a:00:01:01;',
    '--- file /run/systemd/netif/leases/2',
    'ADDRESS=10.0.2.5',
    'CLASSLESS_ROUTES=10.20.0.0/16,10.0.2.254 169.254.169.254/32,10.0.2.2 0.0.0.0/0,10.0.2.1',
    '--- file /var/lib/NetworkManager/dhclient-eth0.lease',
    '  option rfc3442-classless-static-routes 0,10,0,3,1;',
    '--- file /var/lib/dhcp/broken',
    '  option rfc3442-classless-static-routes 32,169,254;',
  ]);
  assert.deepEqual(
    leases.map((l) => [l.file, l.address, l.metadataRouter]),
    [
      ['/var/lib/dhclient/dhclient-eth0.leases', '10.0.0.5', '10.0.0.2'],
      ['/var/lib/dhcp/dhclient.leases', '10.0.1.5', '10.0.1.2'],
      ['/run/systemd/netif/leases/2', '10.0.2.5', '10.0.2.2'],
      ['/var/lib/NetworkManager/dhclient-eth0.lease', undefined, undefined],
      ['/var/lib/dhcp/broken', undefined, undefined],
    ],
  );
});

test('probeOutcome() classifies curl and wget results, in English and German', () => {
  const p = (...lines: string[]) => probeOutcome(lines);
  assert.deepEqual(p('## tool: curl', 'http_code=200', '## exit: 0').outcome, 'connected');
  assert.equal(p('## tool: curl', 'http_code=404', '## exit: 0').status, 404);
  assert.equal(
    p('## tool: curl', '* connect to 169.254.169.254 port 80 failed: Connection refused', '## exit: 7')
      .outcome,
    'refused',
  );
  assert.equal(
    p(
      '## tool: curl',
      'curl: (7) Failed to connect to 169.254.169.254 port 80: Verbindungsaufbau abgelehnt',
      '## exit: 7',
    ).outcome,
    'refused',
  );
  assert.equal(
    p(
      '## tool: curl',
      'curl: (28) Failed to connect to 169.254.169.254 port 80 after 3000 ms: Timeout was reached',
    ).outcome,
    'timeout',
  );
  assert.equal(
    p('## tool: curl', 'curl: (7) Failed to connect: Keine Route zum Zielrechner').outcome,
    'host-unreachable',
  );
  assert.equal(
    p('## tool: curl', '## exit: 28').outcome,
    'timeout',
    'the exit code when the words say nothing',
  );
  assert.equal(
    p(
      '## tool: curl',
      '* Connected to 169.254.169.254 (169.254.169.254) port 80 (#0)',
      'curl: (28) Operation timed out after 5001 milliseconds with 0 bytes received',
    ).outcome,
    'no-answer',
  );
  assert.equal(
    p(
      '## tool: wget',
      'Connecting to 169.254.169.254 (169.254.169.254:80)',
      'wget: download timed out',
      '## exit: 1',
    ).outcome,
    'timeout',
  );
  assert.equal(
    p('## tool: wget', "wget: can't connect to remote host (169.254.169.254): Connection refused").outcome,
    'refused',
  );
  assert.equal(p('## tool: wget', 'wget: server returned error: HTTP/1.1 404 Not Found').status, 404);
  assert.equal(p('## tool: wget', '  HTTP/1.1 200 OK', '## exit: 0').outcome, 'connected');
  assert.equal(p('## missing: curl, wget').outcome, 'not-run');
  assert.equal(probeOutcome(undefined).outcome, 'not-run');
});

test('bundleSections() caps lines, replaces control bytes and spots a bundle', () => {
  const b = bundleSections(
    Buffer.concat([
      Buffer.from('=== openimds-guest-bundle 1 ===\n=== routes ===\nx\u0000y\n'),
      Buffer.from([0xff, 0xfe, 0x0a]),
    ]),
  );
  assert.equal(b.hasMagic, true);
  assert.equal(b.binary, true);
  assert.deepEqual(b.sections.get('routes')?.[0], 'x y');
  const none = bundleSections('');
  assert.equal(none.hasMagic, false);
  assert.equal(none.sections.size, 0);
});
