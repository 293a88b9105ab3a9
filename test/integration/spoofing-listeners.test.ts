// The spoofing matrix over the direct, signed and tagged listeners of one running service (issue 7,
// "Tests"): forged identity headers, forged or odd X-Forwarded-For, the same address on two networks,
// unknown addresses, IPv4-mapped IPv6 peers and IPv6 link-local lookups. Every instance carries a
// marker (test/helpers/foreign-data.ts) and every response is searched for the others' markers: the
// suite asserts 0 foreign reads, besides the expected owner or status of each row.
// Guests are loopback addresses (a client socket bound to 127.0.0.2 is a second guest); the namespace
// listeners are covered by test/e2e/spoofing-namespace.test.ts.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';
import type { Network, Router } from '../../src/model/network.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import { foreignReads, markedInstance, type Marked } from '../helpers/foreign-data.js';
import { requirePrereq } from '../helpers/prereq.js';
import { sendRaw, tcpTarget, type RawResponse, type Target } from '../helpers/raw-http.js';
import { sampleNetwork, samplePort, testUuid } from '../helpers/sample-instance.js';
import { startTestService } from '../helpers/test-service.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';
import { freePort } from '../helpers/free-port.js';

const SECRET = 'spoofing-secret';
const sign = (id: string) => createHmac('sha256', SECRET).update(id, 'utf8').digest('hex');
const PATHS = ['/openstack/latest/meta_data.json', '/latest/user-data', '/latest/meta-data/hostname'];

// N1 (on router R): A at 127.0.0.1, B at 127.0.0.2. N2 (no router): C at 127.0.0.1 — A's address
// and A's MAC — D at 127.0.0.3, E at 127.0.0.4 with D's MAC (a MAC lookup there is ambiguous).
const ROUTER: Router = { id: testUuid(0xd, 1), name: 'router-1' };
const loopbackNet = (n: number, routerId: string | null): Network =>
  sampleNetwork(n, {
    routerId,
    subnets: [{ ...sampleNetwork(n).subnets[0]!, cidr: '127.0.0.0/8', gateway: null }],
  });
const N1 = loopbackNet(1, ROUTER.id);
const N2 = loopbackNet(2, null);
const A = markedInstance(1, 'A', { uuid: testUuid(0xabc, 1) }); // letters, for the upper-case row
const B = markedInstance(2, 'B');
const C = markedInstance(3, 'C');
const D = markedInstance(4, 'D');
const E = markedInstance(5, 'E');
const ALL = [A, B, C, D, E];
const PORTS = [
  { ...samplePort(1, A.uuid, N1.id, ['127.0.0.1']) },
  { ...samplePort(2, B.uuid, N1.id, ['127.0.0.2']) },
  { ...samplePort(3, C.uuid, N2.id, ['127.0.0.1']), mac: samplePort(1, A.uuid, N1.id, []).mac },
  { ...samplePort(4, D.uuid, N2.id, ['127.0.0.3']) },
  { ...samplePort(5, E.uuid, N2.id, ['127.0.0.4']), mac: samplePort(4, D.uuid, N2.id, []).mac },
];
const MAC_A = PORTS[0]!.mac;
const MAC_D = PORTS[3]!.mac;

/** The EUI-64 link-local address a guest with this MAC configures (RFC 4291 appendix A). */
function linkLocal(mac: string): string {
  const b = mac.split(':').map((h) => parseInt(h, 16));
  const hex = (x: number, y: number) => ((x << 8) | y).toString(16);
  return `fe80::${hex(b[0]! ^ 0x02, b[1]!)}:${hex(b[2]!, 0xff)}:${hex(0xfe, b[3]!)}:${hex(b[4]!, b[5]!)}`;
}

interface Listeners {
  /** Direct listener of N1 on 127.0.0.1, of N2 on 127.0.0.1, and of N1 bound to :: (dual stack). */
  direct1: number;
  direct2: number;
  dual1: number;
  signed: Target;
  tagged: Target;
}

async function setup(t: TestContext): Promise<Listeners & { socket: string }> {
  const store = openSqliteStore({ path: ':memory:' });
  t.after(() => store.close());
  store.transaction(() => {
    store.putRouter(ROUTER);
    store.putNetwork(N1);
    store.putNetwork(N2);
    for (const vm of ALL) store.putInstance(vm.input);
    for (const port of PORTS) store.putPort(port);
  });
  const socket = path.join(makeTmpDir(t), 'tagged.sock');
  const service = await startTestService(t, {
    store,
    env: { OPENIMDS_SHARED_SECRET: SECRET },
    configure: (config) => {
      config.signedListen = '127.0.0.1:0';
      config.taggedSocket = socket;
      config.directListeners = [
        { listen: '127.0.0.1:0', network: N1.name },
        { listen: '127.0.0.1:0', network: N2.name },
        { listen: '[::]:0', network: N1.name },
      ];
    },
  });
  const direct = service.endpoints.filter((e) => e.kind === 'direct').map((e) => tcpTarget(e.address).port);
  return {
    direct1: direct[0]!,
    direct2: direct[1]!,
    dual1: direct[2]!,
    signed: tcpTarget(service.address('signed')),
    tagged: { socketPath: socket },
    socket,
  };
}

/** What a row must get on every path: one instance's own data, or an error status. */
type Expect = Marked | number;

interface Row {
  name: string;
  target: Target;
  headers: Array<[string, string]>;
  expect: Expect;
}

const describe = (e: Expect) => (typeof e === 'number' ? `status ${e}` : `instance ${e.label}`);

async function check(row: Row): Promise<void> {
  const sent = JSON.stringify(row.headers);
  for (const p of PATHS) {
    const res = await sendRaw(row.target, { path: p, headers: row.headers });
    assertRow(res, row.expect, `${row.name} ${p}`, sent, p);
  }
}

function assertRow(res: RawResponse, expect: Expect, what: string, sent: string, p: string): void {
  const owner = typeof expect === 'number' ? undefined : expect.uuid;
  assert.deepEqual(foreignReads(res.body, owner, ALL, sent), [], `${what}: foreign data in ${res.status}`);
  if (typeof expect === 'number') {
    assert.equal(res.status, expect, `${what}: expected ${describe(expect)}, got ${res.status}`);
    return;
  }
  assert.equal(res.status, 200, `${what}: expected ${describe(expect)}: ${res.body.toString()}`);
  if (p === PATHS[0]) assert.equal(JSON.parse(res.body.toString()).uuid, expect.uuid, what);
  if (p === PATHS[1]) assert.deepEqual(res.body, expect.input.userData, what);
  if (p === PATHS[2]) assert.equal(res.body.toString(), `${expect.marker}.novalocal`, what);
}

/**
 * Headers a guest sends to pass for `victim`: every identity header any openimds listener, Nova or
 * Neutron reads, alone and together, repeated, in other cases, with odd whitespace.
 */
function forgeries(
  victim: Marked,
  victimIp: string,
  victimNet: Network,
): Array<[string, Array<[string, string]>]> {
  const trio: Array<[string, string]> = [
    ['X-Instance-ID', victim.uuid],
    ['X-Tenant-ID', victim.input.projectId],
    ['X-Instance-ID-Signature', sign(victim.uuid)],
  ];
  return [
    ['signed trio', trio],
    ['X-Instance-ID alone', [['X-Instance-ID', victim.uuid]]],
    ['X-Tenant-ID alone', [['X-Tenant-ID', victim.input.projectId]]],
    ['X-Neutron-Network-ID', [['X-Neutron-Network-ID', victimNet.id]]],
    ['X-Neutron-Router-ID', [['X-Neutron-Router-ID', ROUTER.id]]],
    ['X-OVN-Network-ID', [['X-OVN-Network-ID', victimNet.id]]],
    ['X-Forwarded-For', [['X-Forwarded-For', victimIp]]],
    [
      'X-Forwarded-For + network',
      [
        ['X-Forwarded-For', victimIp],
        ['X-Neutron-Network-ID', victimNet.id],
      ],
    ],
    ['Forwarded', [['Forwarded', `for=${victimIp};proto=http`]]],
    ['Forwarded (IPv6 form)', [['Forwarded', `for="[::ffff:${victimIp}]"`]]],
    ['X-Real-IP', [['X-Real-IP', victimIp]]],
    [
      'repeated X-Forwarded-For',
      [
        ['X-Forwarded-For', victimIp],
        ['X-Forwarded-For', victimIp],
      ],
    ],
    ['repeated X-Instance-ID', [...trio, ['X-Instance-ID', victim.uuid]]],
    [
      'case variants',
      [
        ['x-INSTANCE-id', victim.uuid],
        ['X-TENANT-ID', victim.input.projectId],
        ['x-instance-id-SIGNATURE', sign(victim.uuid)],
        ['x-forwarded-FOR', victimIp],
        ['X-NEUTRON-NETWORK-ID', victimNet.id],
      ],
    ],
    [
      'odd whitespace',
      [
        ['X-Forwarded-For', `\t${victimIp} `],
        ['X-Instance-ID', ` ${victim.uuid}\t`],
        ['X-Instance-ID-Signature', `  ${sign(victim.uuid)}`],
        ['X-Tenant-ID', `${victim.input.projectId}   `],
        ['X-OVN-Network-ID', `\t${victimNet.id}`],
      ],
    ],
    [
      'underscore names',
      [
        ['X_Forwarded_For', victimIp],
        ['X_Instance_ID', victim.uuid],
      ],
    ],
    [
      'everything',
      [
        ...trio,
        ['X-Forwarded-For', victimIp],
        ['X-Neutron-Network-ID', victimNet.id],
        ['Forwarded', `for=${victimIp}`],
      ],
    ],
  ];
}

// Who each loopback address is on each direct listener; undefined → nobody (404).
const DIRECT_GUESTS: Array<{ from: string; n1?: Marked; n2?: Marked }> = [
  { from: '127.0.0.1', n1: A, n2: C },
  { from: '127.0.0.2', n1: B },
  { from: '127.0.0.3', n2: D },
  { from: '127.0.0.9' },
];

test('direct listeners: no forged identity header changes who a guest is; the listener of one network never serves another network’s instance', async (t) => {
  const l = await setup(t);
  const rows: Row[] = [];
  for (const guest of DIRECT_GUESTS) {
    for (const [listener, port, self] of [
      ['N1', l.direct1, guest.n1],
      ['N2', l.direct2, guest.n2],
      ['N1 on ::', l.dual1, guest.n1],
    ] as const) {
      const target = { host: '127.0.0.1', port, localAddress: guest.from };
      // The victim: someone this guest is not, preferably on the other network.
      const victim = self === B ? D : B;
      const [victimIp, victimNet] = victim === B ? ['127.0.0.2', N1] : ['127.0.0.3', N2];
      const rowsHere: Row[] = [{ name: 'no headers', target, headers: [], expect: self ?? 404 }];
      for (const [name, headers] of forgeries(victim, victimIp, victimNet)) {
        rowsHere.push({ name, target, headers, expect: self ?? 404 });
      }
      for (const row of rowsHere) rows.push({ ...row, name: `${listener} from ${guest.from}: ${row.name}` });
    }
  }
  for (const row of rows) await check(row);
  assert.ok(rows.length > 100, `the matrix ran ${rows.length} rows`);
});

test('direct listener bound to :: — an IPv4 guest (::ffff:127.0.0.x) is identified exactly as its IPv4 address; an IPv6 peer with no port gets 404', async (t) => {
  const l = await setup(t);
  const rows: Row[] = [
    {
      name: 'from 127.0.0.1',
      target: { host: '127.0.0.1', port: l.dual1, localAddress: '127.0.0.1' },
      headers: [],
      expect: A,
    },
    {
      name: 'from 127.0.0.2',
      target: { host: '127.0.0.1', port: l.dual1, localAddress: '127.0.0.2' },
      headers: [],
      expect: B,
    },
    {
      name: 'from 127.0.0.3 (D is on N2)',
      target: { host: '127.0.0.1', port: l.dual1, localAddress: '127.0.0.3' },
      headers: [],
      expect: 404,
    },
    {
      name: 'from ::1',
      target: { host: '::1', port: l.dual1 },
      headers: [['X-Forwarded-For', '127.0.0.1']],
      expect: 404,
    },
  ];
  for (const row of rows) await check(row);
});

test('direct listener: hand-written heads (obs-fold, space before the colon, bare LF) never carry identity', async (t) => {
  const l = await setup(t);
  // [head lines, status]: Node's parser refuses folded lines, a space before the colon and bare LF
  // (400); the rest reach the listener, where 127.0.0.3 has no port on N1 (404).
  const heads: Array<[string, number]> = [
    [`X-Forwarded-For: 127.0.0.1\r\n 127.0.0.2\r\n`, 400],
    [`X-Forwarded-For : 127.0.0.2\r\n`, 400],
    [
      `X-Instance-ID: ${B.uuid}\r\nX-Instance-ID-Signature: ${sign(B.uuid)}\r\nX-Tenant-ID: ${B.input.projectId}\r\n`,
      404,
    ],
    [`X-Neutron-Network-ID:${N2.id}\r\nX-Forwarded-For:\t127.0.0.3\t\r\n`, 404],
    [`X-Forwarded-For: 127.0.0.2\nX-Instance-ID: ${B.uuid}\n`, 400],
    [`Forwarded: for=127.0.0.2, for=127.0.0.3\r\n`, 404],
    [`X-Forwarded-For: 127.0.0.1\r\nX-Forwarded-For: 127.0.0.2\r\n`, 404],
  ];
  for (const [head, expected] of heads) {
    const raw = await rawExchange(
      l.direct1,
      '127.0.0.3',
      `GET /latest/user-data HTTP/1.1\r\nHost: x\r\n${head}Connection: close\r\n\r\n`,
    );
    assert.equal(
      Number(/^HTTP\/1\.1 (\d{3}) /.exec(raw)?.[1]),
      expected,
      `${JSON.stringify(head)} → ${raw.slice(0, 40)}`,
    );
    assert.deepEqual(foreignReads(raw, undefined, ALL, head), [], JSON.stringify(head));
  }
});

/** Writes raw bytes from a chosen loopback address; resolves with everything received until close. */
function rawExchange(port: number, from: string, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, localAddress: from });
    const chunks: Buffer[] = [];
    const done = () => resolve(Buffer.concat(chunks).toString('latin1'));
    socket.setTimeout(5_000, () => socket.destroy(new Error('raw exchange timed out')));
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('close', done);
    socket.on('error', (err) => (chunks.length > 0 ? done() : reject(err)));
    socket.write(bytes);
  });
}

test('signed listener: only a valid signature of the named instance, with its own tenant, reads that instance', async (t) => {
  const { signed } = await setup(t);
  const agent = (
    id: string,
    signature: string | null,
    tenant: string | null,
    extra: Array<[string, string]> = [],
  ) => {
    const h: Array<[string, string]> = [
      ['X-Forwarded-For', '10.0.0.15'],
      ['X-Instance-ID', id],
    ];
    if (tenant !== null) h.push(['X-Tenant-ID', tenant]);
    if (signature !== null) h.push(['X-Instance-ID-Signature', signature]);
    return [...h, ...extra];
  };
  const sigA = sign(A.uuid);
  const rows: Array<[string, Array<[string, string]>, Expect]> = [
    ['A, valid', agent(A.uuid, sigA, A.input.projectId), A],
    ['D (another network), valid', agent(D.uuid, sign(D.uuid), D.input.projectId), D],
    ['A, signature absent', agent(A.uuid, null, A.input.projectId), 400],
    ['A, tenant absent', agent(A.uuid, sigA, null), 400],
    [
      'A, wrong signature',
      agent(
        A.uuid,
        sigA.replace(/^./, (c) => (c === '0' ? '1' : '0')),
        A.input.projectId,
      ),
      403,
    ],
    ['A, truncated signature', agent(A.uuid, sigA.slice(0, 32), A.input.projectId), 403],
    ['A, signature plus a byte', agent(A.uuid, `${sigA}0`, A.input.projectId), 403],
    ['A, upper-case signature', agent(A.uuid, sigA.toUpperCase(), A.input.projectId), 403],
    ['A, empty signature', agent(A.uuid, '', A.input.projectId), 403],
    [
      'A, signed with the wrong secret',
      agent(A.uuid, createHmac('sha256', 'guess').update(A.uuid).digest('hex'), A.input.projectId),
      403,
    ],
    ['A named, signature of B', agent(A.uuid, sign(B.uuid), A.input.projectId), 403],
    ['B named, signature of A', agent(B.uuid, sigA, B.input.projectId), 403],
    ['B named, signature of A, tenant of A', agent(B.uuid, sigA, A.input.projectId), 403],
    ['A, tenant of B (tenant mismatch)', agent(A.uuid, sigA, B.input.projectId), 404],
    ['A, tenant repeated', agent(A.uuid, sigA, A.input.projectId, [['X-Tenant-ID', A.input.projectId]]), 404],
    [
      'A and B both named, signature of A',
      agent(A.uuid, sigA, A.input.projectId, [['X-Instance-ID', B.uuid]]),
      403,
    ],
    [
      'A, signature repeated',
      agent(A.uuid, sigA, A.input.projectId, [['X-Instance-ID-Signature', sigA]]),
      403,
    ],
    [
      'A in upper case, validly signed',
      agent(A.uuid.toUpperCase(), sign(A.uuid.toUpperCase()), A.input.projectId),
      404,
    ],
    [
      'A, with Neutron and forwarding headers naming B',
      agent(A.uuid, sigA, A.input.projectId, [
        ['X-Neutron-Network-ID', N1.id],
        ['X-Forwarded-For', '127.0.0.2'],
        ['Forwarded', 'for=127.0.0.2'],
      ]),
      A,
    ],
    [
      'A, odd whitespace around valid values',
      agent(` ${A.uuid}\t`, `\t${sigA} `, ` ${A.input.projectId}`),
      A,
    ],
    ['nothing at all', [], 400],
  ];
  for (const [name, headers, expect] of rows) await check({ name, target: signed, headers, expect });
});

test('tagged listener: the address is looked up on the tagged network only; odd, repeated or ambiguous tags identify nobody', async (t) => {
  const { tagged } = await setup(t);
  const tag = (xff: string | null, ...ids: Array<[string, string]>) => {
    const h: Array<[string, string]> = xff === null ? [] : [['X-Forwarded-For', xff]];
    return [...h, ...ids];
  };
  const net = (id: string): [string, string] => ['X-Neutron-Network-ID', id];
  const ovn = (id: string): [string, string] => ['X-OVN-Network-ID', id];
  const router: [string, string] = ['X-Neutron-Router-ID', ROUTER.id];
  const rows: Array<[string, Array<[string, string]>, Expect]> = [
    ['127.0.0.1 on N1', tag('127.0.0.1', net(N1.id)), A],
    ['127.0.0.1 on N2 (same address, other network)', tag('127.0.0.1', net(N2.id)), C],
    ['127.0.0.1 on N2 by OVN id', tag('127.0.0.1', ovn(N2.id)), C],
    ['127.0.0.1 via router R (N1 only)', tag('127.0.0.1', router), A],
    ["D's address (N2) tagged N1", tag('127.0.0.3', net(N1.id)), 404],
    ["D's address via router R (N2 is not on it)", tag('127.0.0.3', router), 404],
    ['unknown address', tag('127.0.0.9', net(N1.id)), 404],
    ['unknown network', tag('127.0.0.1', net(testUuid(0xa, 99))), 404],
    ['network id in upper case', tag('127.0.0.1', net(N1.id.toUpperCase())), 404],
    ['two addresses in one X-Forwarded-For', tag('127.0.0.2, 127.0.0.1', net(N1.id)), 404],
    ['X-Forwarded-For repeated', [...tag('127.0.0.2', net(N1.id)), ['X-Forwarded-For', '127.0.0.1']], 404],
    [
      'X-Forwarded-For repeated, same value',
      [...tag('127.0.0.2', net(N1.id)), ['X-Forwarded-For', '127.0.0.2']],
      404,
    ],
    ['network id repeated', tag('127.0.0.1', net(N1.id), net(N2.id)), 404],
    ['network and router', tag('127.0.0.1', net(N1.id), router), 400],
    ['OVN network and router', tag('127.0.0.1', ovn(N2.id), router), 400],
    // OVN's haproxy adds X-OVN-Network-ID and deletes nothing: a guest's X-Neutron-Network-ID rides along.
    ['OVN network N1 plus a guest-sent Neutron network N2', tag('127.0.0.1', ovn(N1.id), net(N2.id)), 400],
    ['Neutron network N1 plus a guest-sent OVN network N2', tag('127.0.0.1', net(N1.id), ovn(N2.id)), 400],
    ['no X-Forwarded-For', tag(null, net(N1.id)), 400],
    ['no network or router', tag('127.0.0.1'), 400],
    ['Forwarded instead of X-Forwarded-For', [['Forwarded', 'for=127.0.0.1'], net(N1.id)], 400],
    ['IPv4-mapped X-Forwarded-For', tag('::ffff:127.0.0.2', net(N1.id)), B],
    ['IPv4-mapped, hex form', tag('::ffff:7f00:2', net(N1.id)), B],
    ['IPv4-mapped address of nobody', tag('::ffff:127.0.0.9', net(N1.id)), 404],
    ['127.1 (shorthand)', tag('127.1', net(N1.id)), 404],
    ['leading zeros', tag('127.000.000.001', net(N1.id)), 404],
    ['hex IPv4', tag('0x7f.0.0.1', net(N1.id)), 404],
    ['address with a port', tag('127.0.0.1:80', net(N1.id)), 404],
    ['odd whitespace around the address', tag('\t127.0.0.2 ', net(N1.id)), B],
    ["link-local of A's MAC on N1", tag(linkLocal(MAC_A), net(N1.id)), A],
    ["link-local of A's MAC on N2 (C has the same MAC there)", tag(linkLocal(MAC_A), net(N2.id)), C],
    ["link-local of A's MAC, upper case", tag(linkLocal(MAC_A).toUpperCase(), net(N1.id)), A],
    ["link-local of D's MAC on N2 (E has it too: ambiguous)", tag(linkLocal(MAC_D), net(N2.id)), 404],
    ["link-local of D's MAC on N1", tag(linkLocal(MAC_D), net(N1.id)), 404],
    ['link-local with a zone', tag(`${linkLocal(MAC_A)}%eth0`, net(N1.id)), 404],
    ['link-local, not EUI-64', tag('fe80::1', net(N1.id)), 404],
    [
      'valid signed trio of D beside the tags of B',
      tag(
        '127.0.0.2',
        net(N1.id),
        ['X-Instance-ID', D.uuid],
        ['X-Tenant-ID', D.input.projectId],
        ['X-Instance-ID-Signature', sign(D.uuid)],
      ),
      B,
    ],
  ];
  for (const [name, headers, expect] of rows) await check({ name, target: tagged, headers, expect });
});

// --- a real haproxy configured as the OVN metadata agent configures it (reference §3.4, §3.6):
// `add-header X-OVN-Network-ID`, no delete of anything a guest sent.

async function startOvnHaproxy(t: TestContext, socket: string, networkId: string): Promise<number> {
  const port = await freePort();
  const cfg = path.join(makeTmpDir(t), 'haproxy.cfg');
  writeFileSync(
    cfg,
    [
      'global',
      '    maxconn 1024',
      'defaults',
      '    mode http',
      '    option http-server-close',
      '    option forwardfor',
      '    timeout http-request 30s',
      '    timeout connect 30s',
      '    timeout client 32s',
      '    timeout server 32s',
      'listen listener',
      `    bind 127.0.0.1:${port}`,
      `    server metadata ${socket}`,
      `    http-request add-header X-OVN-Network-ID ${networkId}`,
      '',
    ].join('\n'),
  );
  const child = spawn('haproxy', ['-f', cfg, '-db'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let out = '';
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  });
  const deadline = Date.now() + 5_000;
  for (;;) {
    const up = await new Promise<boolean>((resolve) => {
      const c = connect(port, '127.0.0.1');
      c.once('connect', () => {
        c.destroy();
        resolve(true);
      });
      c.once('error', () => resolve(false));
    });
    if (up) return port;
    assert.ok(child.exitCode === null && Date.now() < deadline, `haproxy did not start: ${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test("tagged listener behind a real haproxy set up as OVN's metadata proxy: a guest-sent X-Neutron-Network-ID or X-Forwarded-For never reads another network's instance", async (t) => {
  if (!requirePrereq(t, { commands: ['haproxy'] })) return;
  const { socket } = await setup(t);
  const port = await startOvnHaproxy(t, socket, N1.id);
  // The guest at 127.0.0.1 on N1 is A; C has the same address (and MAC) on N2.
  const target = { host: '127.0.0.1', port, localAddress: '127.0.0.1' };
  const rows: Array<[string, Array<[string, string]>, Expect]> = [
    ['plain', [], A],
    ['X-Neutron-Network-ID of N2', [['X-Neutron-Network-ID', N2.id]], 400],
    ['X-Neutron-Router-ID', [['X-Neutron-Router-ID', ROUTER.id]], 400],
    ['X-OVN-Network-ID of N2 (haproxy appends its own)', [['X-OVN-Network-ID', N2.id]], 404],
    ['X-Forwarded-For of B (haproxy appends the real one)', [['X-Forwarded-For', '127.0.0.2']], 404],
    [
      'everything',
      [
        ['X-Neutron-Network-ID', N2.id],
        ['X-OVN-Network-ID', N2.id],
        ['X-Forwarded-For', '127.0.0.1'],
      ],
      400,
    ],
  ];
  for (const [name, headers, expect] of rows)
    await check({ name: `OVN haproxy: ${name}`, target, headers, expect });
});
