// Shared by the fuzz runs (test/integration/fuzz-*.test.ts): a small world of marked instances, the
// request arbitraries (paths, headers, methods, bodies, peers), the statuses docs/api.md documents,
// and an oracle that says which instance a request may legitimately read.
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import type { Network, Router } from '../../src/model/network.js';
import type { Port } from '../../src/model/port.js';
import type { Store } from '../../src/store/store.js';
import { markedInstance, type Marked } from './foreign-data.js';
import { sampleNetwork, samplePort, testUuid } from './sample-instance.js';

export const FUZZ_SECRET = 'fuzz-secret';
export const sign = (id: string) => createHmac('sha256', FUZZ_SECRET).update(id, 'utf8').digest('hex');

// N1 (on router R): A 127.0.0.1, B 127.0.0.2. N2: C 127.0.0.1 with A's MAC, D 127.0.0.3.
export const ROUTER: Router = { id: testUuid(0xd, 1), name: 'router-1' };
const loopbackNet = (n: number, routerId: string | null): Network =>
  sampleNetwork(n, {
    routerId,
    subnets: [{ ...sampleNetwork(n).subnets[0]!, cidr: '127.0.0.0/8', gateway: null }],
  });
export const N1 = loopbackNet(1, ROUTER.id);
export const N2 = loopbackNet(2, null);
export const WORLD: Marked[] = [
  markedInstance(1, 'A', { uuid: testUuid(0xabc, 1) }),
  markedInstance(2, 'B'),
  markedInstance(3, 'C'),
  markedInstance(4, 'D'),
];
const [A, B, C, D] = WORLD as [Marked, Marked, Marked, Marked];
const macOf = (n: number) => samplePort(n, '', '', []).mac;
export const PLACES: Array<{ vm: Marked; port: Port }> = [
  { vm: A, port: samplePort(1, A.uuid, N1.id, ['127.0.0.1']) },
  { vm: B, port: samplePort(2, B.uuid, N1.id, ['127.0.0.2']) },
  { vm: C, port: { ...samplePort(3, C.uuid, N2.id, ['127.0.0.1']), mac: macOf(1) } },
  { vm: D, port: samplePort(4, D.uuid, N2.id, ['127.0.0.3']) },
];

export function fillWorld(store: Store): void {
  store.transaction(() => {
    store.putRouter(ROUTER);
    store.putNetwork(N1);
    store.putNetwork(N2);
    for (const { vm, port } of PLACES) {
      store.putInstance(vm.input);
      store.putPort(port);
    }
  });
}

/** The EUI-64 link-local address a guest with this MAC configures (RFC 4291 appendix A). */
export function linkLocal(mac: string): string {
  const b = mac.split(':').map((h) => parseInt(h, 16));
  const hex = (x: number, y: number) => ((x << 8) | y).toString(16);
  return `fe80::${hex(b[0]! ^ 0x02, b[1]!)}:${hex(b[2]!, 0xff)}:${hex(0xfe, b[3]!)}:${hex(b[4]!, b[5]!)}`;
}

/** Every status docs/api.md documents, read from its tables' status columns ("status", "beyond it"). */
export function documentedStatuses(doc = readFileSync('docs/api.md', 'utf8')): Set<number> {
  const statuses = new Set<number>();
  let columns: number[] = [];
  for (const line of doc.split('\n')) {
    if (!line.startsWith('|')) {
      columns = [];
      continue;
    }
    const cells = line.split('|').slice(1, -1);
    if (columns.length === 0 && !/^\s*-+/.test(cells[0] ?? '')) {
      columns = cells.flatMap((c, i) => (/^\s*(status|beyond it)\s*$/.test(c) ? [i] : []));
      if (columns.length === 0) columns = [-1]; // a table without a status column
      continue;
    }
    for (const i of columns) {
      for (const m of (cells[i] ?? '').matchAll(/\b[1-5]\d\d\b/g)) statuses.add(Number(m[0]));
    }
  }
  return statuses;
}

// --- arbitraries

const SEGMENTS = [
  'latest',
  'openstack',
  'ec2',
  'meta-data',
  'user-data',
  'user_data',
  '2009-04-04',
  '1.0',
  '2013-04-04',
  '2016-10-06',
  'meta_data.json',
  'network_data.json',
  'vendor_data.json',
  'vendor_data2.json',
  'password',
  'version',
  'api',
  'token',
  'dynamic',
  'instance-identity',
  'document',
  'public-keys',
  '0',
  'openssh-key',
  'hostname',
  'local-ipv4',
  'instance-id',
  'placement',
  'block-device-mapping',
  'healthcheck',
  '.',
  '..',
  '',
  '%2e%2e',
  '%2E',
  '%2f',
  '%00',
  '%zz',
  '%',
  '%c3%28',
  '%e2%82%ac',
  '~',
  'ö',
  '\u0000',
  '😀',
];

const percentEscape = fc
  .uint8Array({ minLength: 1, maxLength: 6 })
  .map((bytes) => [...bytes].map((b) => `%${b.toString(16).padStart(2, '0')}`).join(''));

const segment = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...SEGMENTS) },
  { weight: 2, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 6 }) },
  { weight: 1, arbitrary: percentEscape },
);

const REAL_PATHS = [
  '/openstack/latest/meta_data.json',
  '/openstack/latest/user_data',
  '/openstack/latest/network_data.json',
  '/openstack/latest/vendor_data2.json',
  '/openstack/latest/password',
  '/latest/user-data',
  '/latest/meta-data/',
  '/latest/meta-data/hostname',
  '/latest/meta-data/local-ipv4',
  '/latest/dynamic/instance-identity/document',
  '/latest/api/token',
  '/2009-04-04/meta-data/public-keys/',
  '/ec2/latest/meta-data/instance-id',
];

/** A request target: real paths, path-like mixes, raw bytes, very long ones. */
export const pathArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...REAL_PATHS) },
  {
    weight: 8,
    arbitrary: fc
      .tuple(
        fc.array(segment, { maxLength: 8 }),
        fc.boolean(),
        fc.option(fc.string({ maxLength: 12 }), { nil: undefined }),
      )
      .map(
        ([segs, slash, query]) =>
          `/${segs.join('/')}${slash ? '/' : ''}${query === undefined ? '' : `?${query}`}`,
      ),
  },
  {
    weight: 1,
    arbitrary: fc.uint8Array({ maxLength: 64 }).map((b) => '/' + Buffer.from(b).toString('latin1')),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(
        fc.constantFrom('/latest/meta-data/', '/openstack/latest/', '/'),
        fc.integer({ min: 1, max: 70_000 }),
      )
      .map(([p, n]) => p + 'a'.repeat(n)),
  },
);

export const methodArb = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('GET', 'HEAD', 'POST', 'PUT') },
  { weight: 2, arbitrary: fc.constantFrom('DELETE', 'OPTIONS', 'PATCH', 'TRACE', 'CONNECT', 'PROPFIND') },
  { weight: 1, arbitrary: fc.stringMatching(/^[A-Z]{1,10}$/) },
);

const addresses = [
  '127.0.0.1',
  '127.0.0.2',
  '127.0.0.3',
  '127.0.0.9',
  '::ffff:127.0.0.2',
  '::ffff:7f00:1',
  '::1',
  linkLocal(macOf(1)),
  linkLocal(macOf(2)),
  `${linkLocal(macOf(1))}%eth0`,
  'fe80::1',
  '127.1',
  '0x7f.0.0.1',
  '127.000.000.001',
  '',
  'garbage',
];
const addressArb = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...addresses) },
  { weight: 1, arbitrary: fc.ipV4() },
  { weight: 1, arbitrary: fc.ipV6() },
);
const idArb = fc.oneof(
  fc.constantFrom(...WORLD.map((m) => m.uuid), N1.id, N2.id, ROUTER.id, A.uuid.toUpperCase(), 'x', ''),
  fc.uuid(),
);
const signatureArb = fc.oneof(
  fc.constantFrom(
    ...WORLD.map((m) => sign(m.uuid)),
    sign(A.uuid).slice(0, 40),
    sign(A.uuid).toUpperCase(),
    '',
  ),
  fc.stringMatching(/^[0-9a-f]{0,70}$/),
);
const tenantArb = fc.constantFrom(...WORLD.map((m) => m.input.projectId), 'project', '');

/** Header value text: visible ASCII and tabs (what an HTTP head can carry), sometimes huge. */
const valueArb = fc.oneof(
  { weight: 8, arbitrary: fc.stringMatching(/^[\t\x20-\x7e]{0,40}$/) },
  { weight: 1, arbitrary: fc.integer({ min: 100, max: 6_000 }).map((n) => 'v'.repeat(n)) },
);
const nameArb = fc.stringMatching(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,20}$/);

/** [lower-case name, value] pairs; a repeated name is joined with ", " as node:http does. */
export const headersArb: fc.Arbitrary<Array<[string, string]>> = fc
  .tuple(
    fc.array(
      fc.oneof(
        addressArb.map((v): [string, string] => ['x-forwarded-for', v]),
        addressArb.map((v): [string, string] => ['forwarded', `for=${v}`]),
        idArb.map((v): [string, string] => ['x-neutron-network-id', v]),
        idArb.map((v): [string, string] => ['x-ovn-network-id', v]),
        idArb.map((v): [string, string] => ['x-neutron-router-id', v]),
        idArb.map((v): [string, string] => ['x-instance-id', v]),
        signatureArb.map((v): [string, string] => ['x-instance-id-signature', v]),
        tenantArb.map((v): [string, string] => ['x-tenant-id', v]),
        valueArb.map((v): [string, string] => ['x-aws-ec2-metadata-token', v]),
        fc
          .constantFrom('1', '60', '21600', '0', '21601', 'abc', ' 5 ', '')
          .map((v): [string, string] => ['x-aws-ec2-metadata-token-ttl-seconds', v]),
        fc.tuple(nameArb, valueArb).map(([n, v]): [string, string] => [n.toLowerCase(), v]),
      ),
      { maxLength: 8 },
    ),
  )
  .map(([pairs]) => pairs);

export const bodyArb = fc.oneof(
  { weight: 3, arbitrary: fc.constant(Buffer.alloc(0)) },
  { weight: 2, arbitrary: fc.uint8Array({ maxLength: 1_100 }).map((b) => Buffer.from(b)) },
  { weight: 1, arbitrary: fc.integer({ min: 1_000, max: 5_000 }).map((n) => Buffer.alloc(n, 0x61)) },
);

export type ListenerKind = 'peer' | 'signed' | 'tagged';

export interface FuzzRequest {
  kind: ListenerKind;
  method: string;
  url: string;
  headers: Array<[string, string]>;
  body: Buffer;
  peer: string;
}

/** Headers a real proxy or agent would send for one instance (so runs also reach instances' data). */
function legitHeaders(kind: ListenerKind): fc.Arbitrary<Array<[string, string]>> {
  return fc.constantFrom(...PLACES).map(({ vm, port }): Array<[string, string]> => {
    if (kind === 'signed') {
      return [
        ['x-instance-id', vm.uuid],
        ['x-tenant-id', vm.input.projectId],
        ['x-instance-id-signature', sign(vm.uuid)],
      ];
    }
    return kind === 'tagged'
      ? [
          ['x-forwarded-for', port.fixedIps[0]!],
          ['x-neutron-network-id', port.networkId],
        ]
      : [];
  });
}

export const requestArb: fc.Arbitrary<FuzzRequest> = fc
  .constantFrom<ListenerKind>('peer', 'signed', 'tagged')
  .chain((kind) =>
    fc.record({
      kind: fc.constant(kind),
      method: methodArb,
      url: pathArb,
      headers: fc.oneof(
        headersArb,
        fc.tuple(legitHeaders(kind), headersArb).map(([legit, more]) => [...legit, ...more.slice(0, 2)]),
      ),
      body: bodyArb,
      peer: addressArb,
    }),
  );

/** node:http's view of the headers: lower-case names, repeats joined with ", ". */
export function headerRecord(pairs: ReadonlyArray<[string, string]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, raw] of pairs) {
    const value = raw.trim(); // node strips optional whitespace around a value
    out[name] = out[name] === undefined ? value : `${out[name]}, ${value}`;
  }
  return out;
}

// --- the oracle: which instance may this request read? (independent of src/: ipaddr.js and tables)

function byAddress(text: string | undefined, network: Network): Marked | undefined {
  if (text === undefined || !ipaddr.isValid(text) || text.includes('%')) return undefined;
  let parsed = ipaddr.parse(text);
  if (parsed.kind() === 'ipv4' && !ipaddr.IPv4.isValidFourPartDecimal(text)) return undefined;
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) {
    parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  }
  const canonical = parsed.toString();
  const matches = PLACES.filter(
    ({ port }) =>
      port.networkId === network.id &&
      (port.fixedIps.includes(canonical) || linkLocal(port.mac) === canonical),
  );
  return matches.length === 1 ? matches[0]!.vm : undefined;
}

/** The one instance this request may read, or undefined: any marker in its answer but this one's is a foreign read. */
export function allowedOwner(req: FuzzRequest, peerNetworks: readonly Network[]): Marked | undefined {
  const h = headerRecord(req.headers);
  if (req.kind === 'peer') {
    const peer = req.peer.replace(/%.*$/, '');
    const found = peerNetworks.map((n) => byAddress(peer, n)).filter((m) => m !== undefined);
    return found.length === 1 ? found[0] : undefined;
  }
  if (req.kind === 'signed') {
    const named = WORLD.find((m) => m.uuid === h['x-instance-id']);
    if (named === undefined || h['x-instance-id-signature'] !== sign(named.uuid)) return undefined;
    return h['x-tenant-id'] === named.input.projectId ? named : undefined;
  }
  const tags = ['x-neutron-network-id', 'x-ovn-network-id', 'x-neutron-router-id'].filter((k) => k in h);
  if (tags.length !== 1) return undefined;
  const tag = h[tags[0]!]!;
  const networks =
    tags[0] === 'x-neutron-router-id'
      ? tag === ROUTER.id
        ? [N1]
        : []
      : [N1, N2].filter((n) => n.id === tag);
  const found = networks.map((n) => byAddress(h['x-forwarded-for'], n)).filter((m) => m !== undefined);
  return found.length === 1 ? found[0] : undefined;
}
