import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { analyzeGuest } from '../../src/doctor/analyze-guest.js';
import { CATALOG } from '../../src/doctor/catalog.js';
import { hasProblems, type DoctorReport } from '../../src/doctor/finding.js';
import { formatReport, rootFindings } from '../../src/doctor/report.js';
import { guestScript } from '../../src/doctor/guest-script.js';

const fixture = (name: string) => readFileSync(`test/fixtures/doctor/guest/${name}`);
const roots = (r: DoctorReport) =>
  rootFindings(r)
    .filter((f) => f.severity !== 'info')
    .map((f) => f.id);
const byId = (r: DoctorReport, id: string) => r.findings.find((f) => f.id === id);

interface BundleParts {
  routes?: string[];
  routeGet?: string[];
  addresses?: string[];
  before?: string[];
  leases?: string[];
  sysconfig?: string[];
  probe?: string[];
  after?: string[];
}

/** A bundle as the script writes it, on a guest 10.0.0.5/24 with its gateway at 10.0.0.1. */
function bundle(p: BundleParts = {}): string {
  const s = (name: string, lines: string[] | undefined) =>
    lines === undefined ? '' : `\n=== ${name} ===\n${lines.join('\n')}\n`;
  return [
    '=== openimds-guest-bundle 1 ===',
    s(
      'routes',
      p.routes ?? [
        '## source: ip',
        'default via 10.0.0.1 dev eth0',
        '10.0.0.0/24 dev eth0 proto kernel scope link src 10.0.0.5',
      ],
    ),
    s('route-get', p.routeGet ?? ['169.254.169.254 via 10.0.0.1 dev eth0 src 10.0.0.5 uid 0', '    cache']),
    s(
      'addresses',
      p.addresses ?? ['2: eth0: <BROADCAST,UP>', '    inet 10.0.0.5/24 brd 10.0.0.255 scope global eth0'],
    ),
    s('neighbours-before', p.before ?? []),
    s('leases', p.leases ?? []),
    s('sysconfig', p.sysconfig ?? []),
    s('probe', p.probe ?? ['## tool: curl', 'http_code=200', '## exit: 0']),
    s('neighbours-after', p.after ?? ['10.0.0.1 dev eth0 lladdr fa:16:3e:00:00:01 REACHABLE']),
    '=== end ===',
  ].join('');
}

const ZEROCONF_ROUTES = [
  '## source: ip',
  'default via 10.0.0.1 dev eth0',
  '10.0.0.0/24 dev eth0 proto kernel scope link src 10.0.0.5',
  '169.254.0.0/16 dev eth0 scope link metric 1002',
];
const TIMEOUT = [
  '## tool: curl',
  'curl: (28) Failed to connect to 169.254.169.254 port 80 after 3001 ms: Timeout was reached',
  'http_code=000',
  '## exit: 28',
];

test('analyzeGuest() finds nothing wrong on a healthy bundle', () => {
  const r = analyzeGuest(bundle());
  assert.deepEqual(r.findings, []);
  assert.equal(hasProblems(r), false);
});

test('analyzeGuest() on the seed bundle: the zeroconf route is the root; ARP and timeout are folded under it', () => {
  const r = analyzeGuest(fixture('seed-zeroconf-router.txt'));
  assert.deepEqual(roots(r), ['guest-zeroconf-route']);
  const root = byId(r, 'guest-zeroconf-route')!;
  assert.match(root.fix, /NOZEROCONF=yes/);
  assert.match(root.fix, /onlink/);
  assert.equal(byId(r, 'guest-arp-unanswered')?.consequenceOf, 'guest-zeroconf-route');
  assert.equal(byId(r, 'guest-connect-timeout')?.consequenceOf, 'guest-zeroconf-route');
  const text = formatReport(r);
  assert.match(text, /consequence: guest-arp-unanswered/);
  assert.match(text, /^1 problem found/m);
});

test('analyzeGuest() reads the seed from /proc/net/route and /proc/net/arp, without ip', () => {
  const r = analyzeGuest(fixture('proc-route-zeroconf.txt'));
  assert.deepEqual(roots(r), ['guest-zeroconf-route']);
  assert.equal(byId(r, 'guest-arp-unanswered')?.consequenceOf, 'guest-zeroconf-route');
  assert.match(byId(r, 'guest-bundle-unreadable')!.summary, /route-get: ip not available/);
});

test('analyzeGuest() calls the zeroconf route harmless (info) when something on the link answers', () => {
  const r = analyzeGuest(
    bundle({
      routes: ZEROCONF_ROUTES,
      routeGet: ['169.254.169.254 dev eth0 src 10.0.0.5 uid 0'],
      after: ['169.254.169.254 dev eth0 lladdr fa:16:3e:00:00:02 REACHABLE'],
    }),
  );
  assert.equal(byId(r, 'guest-zeroconf-route')?.severity, 'info');
  assert.equal(hasProblems(r), false);
});

test('analyzeGuest() finds an ignored option 121 route and names it in the fix', () => {
  const r = analyzeGuest(
    bundle({
      routes: ['default via 10.0.0.99 dev eth0', '10.0.0.0/24 dev eth0 scope link'],
      routeGet: ['169.254.169.254 via 10.0.0.99 dev eth0 src 10.0.0.5'],
      leases: [
        '--- file /var/lib/dhcp/dhclient.eth0.leases',
        'fixed-address 10.0.0.5;',
        'option rfc3442-classless-static-routes 32,169,254,169,254,10,0,0,2,0,10,0,0,99;',
      ],
      probe: TIMEOUT,
      after: ['10.0.0.99 dev eth0 FAILED'],
    }),
  );
  assert.deepEqual(roots(r), ['guest-option121-ignored']);
  assert.match(
    byId(r, 'guest-option121-ignored')!.fix,
    /ip route add 169\.254\.169\.254\/32 via 10\.0\.0\.2/,
  );
  assert.equal(byId(r, 'guest-arp-unanswered')?.consequenceOf, 'guest-option121-ignored');
});

test('analyzeGuest() ignores a stale lease of another address', () => {
  const r = analyzeGuest(
    bundle({
      leases: [
        '--- file /var/lib/dhcp/old.leases',
        'fixed-address 192.168.9.9;',
        'option rfc3442-classless-static-routes 32,169,254,169,254,192,168,9,2;',
      ],
    }),
  );
  assert.deepEqual(r.findings, []);
});

test('analyzeGuest() finds no route (German tool messages) and folds nothing else', () => {
  const r = analyzeGuest(fixture('german-no-route.txt'));
  assert.deepEqual(roots(r), ['guest-no-metadata-route']);
  assert.ok(
    byId(r, 'guest-no-metadata-route')!.evidence.some((e) => /Das Netzwerk ist nicht erreichbar/.test(e)),
  );
});

test('analyzeGuest() finds connection refused', () => {
  const r = analyzeGuest(
    bundle({
      probe: [
        '## tool: curl',
        '* connect to 169.254.169.254 port 80 failed: Connection refused',
        'http_code=000',
        '## exit: 7',
      ],
    }),
  );
  assert.deepEqual(roots(r), ['guest-connection-refused']);
});

test('analyzeGuest() finds TCP blocked when the next hop answers ARP (busybox route -n, wget)', () => {
  const r = analyzeGuest(fixture('busybox-route-wget-blocked.txt'));
  assert.deepEqual(roots(r), ['guest-tcp-blocked']);
  assert.equal(byId(r, 'guest-connect-timeout')?.consequenceOf, 'guest-tcp-blocked');
});

test('analyzeGuest() finds an HTTP error', () => {
  const r = analyzeGuest(bundle({ probe: ['## tool: curl', 'http_code=404', '## exit: 0'] }));
  assert.deepEqual(roots(r), ['guest-http-error']);
  assert.match(byId(r, 'guest-http-error')!.summary, /404/);
});

test('analyzeGuest() names each section it could not read, as info', () => {
  const r = analyzeGuest(
    '=== openimds-guest-bundle 1 ===\n=== routes ===\n## missing: ip, route and /proc/net/route\n',
  );
  const info = byId(r, 'guest-bundle-unreadable')!;
  assert.equal(info.severity, 'info');
  for (const name of ['routes', 'route-get', 'neighbours-after', 'addresses', 'probe', 'leases']) {
    assert.ok(
      info.evidence.some((e) => e.startsWith(`${name}:`)),
      `${name} named: ${info.evidence.join(' / ')}`,
    );
  }
});

test('analyzeGuest() never throws: empty, binary, garbled, huge, truncated input', () => {
  const full = readFileSync('test/fixtures/doctor/guest/seed-zeroconf-router.txt', 'utf8');
  const inputs: Array<string | Uint8Array> = [
    '',
    '\n\n\n',
    Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919) % 256)),
    '=== routes ===\n=== routes ===\n=== probe ===\n## exit: x\n=== neighbours-after ===\n999.1.1.1 FAILED\n',
    '=== openimds-guest-bundle 1 ===\n=== routes ===\ndefault via\n/99 dev\n0.0.0.0 x y z a b c d\n',
    full.slice(0, full.length / 2),
    'x'.repeat(6 * 1024 * 1024),
    '=== openimds-guest-bundle 1 ===\n=== leases ===\n--- file x\noption rfc3442-classless-static-routes 33,1,2,3,4,5,6,7,8,9;\n',
  ];
  for (const input of inputs) {
    const r = analyzeGuest(input);
    assert.ok(Array.isArray(r.findings));
    for (const f of r.findings) assert.ok(f.id in CATALOG);
  }
  const huge = analyzeGuest('x'.repeat(6 * 1024 * 1024));
  assert.match(byId(huge, 'guest-bundle-unreadable')!.summary, /4 MiB/);
  assert.match(byId(analyzeGuest(''), 'guest-bundle-unreadable')!.summary, /not an openimds guest bundle/);
});

test('guestScript() writes every section the analyzer reads, and guards each tool', () => {
  const script = guestScript();
  for (const name of [
    'routes',
    'route-get',
    'addresses',
    'neighbours-before',
    'leases',
    'sysconfig',
    'cloud-init',
    'probe',
    'neighbours-after',
  ]) {
    assert.ok(script.includes(`section ${name}\n`), name);
  }
  assert.match(script, /^#!\/bin\/sh\n/);
  assert.match(script, /--connect-timeout 3/);
  assert.doesNotMatch(script, /\[\[|\bfunction\b|\$\(\(|local /, 'POSIX sh only');
});
