// reference/openstack-metadata.md §5.1–5.3, statements 1–30, one test each (§5.4, the password
// protocol, belongs to the service; only its routing is checked here).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { lookupMetadata, rootListing, ROOT_PATH } from '../../src/metadata/lookup.js';
import type { MetadataOptions } from '../../src/metadata/metadata-options.js';
import type { MetadataResult } from '../../src/metadata/metadata-result.js';
import { normalizePath } from '../../src/metadata/normalize-path.js';
import { withSeed } from '../../src/metadata/seeded-document.js';
import { vendorData2Json } from '../../src/metadata/vendor-data-json.js';
import type { Instance } from '../../src/model/instance.js';
import type { InstanceRecord } from '../../src/model/instance-record.js';
import { loadNovaWeb1 } from '../fixtures/nova-web-1.js';

const { record: web1, vendorData } = loadNovaWeb1();
const OPTS: MetadataOptions = { dhcpDomain: 'novalocal', today: '2026-01-01', staticVendorData: vendorData };
const EC2 = [
  '1.0',
  '2007-01-19',
  '2007-03-01',
  '2007-08-29',
  '2007-10-10',
  '2007-12-15',
  '2008-02-01',
  '2008-09-01',
  '2009-04-04',
];
const OPENSTACK = [
  '2012-08-10',
  '2013-04-04',
  '2013-10-17',
  '2015-10-15',
  '2016-06-30',
  '2016-10-06',
  '2017-02-22',
  '2018-08-27',
  '2020-10-14',
  '2025-04-04',
];

function withInstance(patch: Partial<Instance>): InstanceRecord {
  return { ...web1, instance: { ...web1.instance, ...patch } };
}

function get(path: string, record: InstanceRecord = web1, opts: MetadataOptions = OPTS): MetadataResult {
  const normalized = normalizePath(path);
  if (normalized === undefined) return { kind: 'not-found' };
  return normalized === ROOT_PATH ? rootListing() : lookupMetadata(record, normalized, opts);
}

function body(result: MetadataResult): Buffer {
  if (result.kind === 'document') return result.body;
  if (result.kind === 'seeded') return withSeed(result, randomBytes(512));
  return assert.fail(`expected a body, got ${result.kind}`);
}

function text(path: string, record?: InstanceRecord, opts?: MetadataOptions): string {
  return body(get(path, record, opts)).toString('utf8');
}

function json(path: string, record?: InstanceRecord): Record<string, unknown> {
  return JSON.parse(text(path, record)) as Record<string, unknown>;
}

function contentType(path: string): string | undefined {
  const result = get(path);
  return result.kind === 'document' || result.kind === 'seeded' ? result.contentType : undefined;
}

test('checklist 1: GET / lists the EC2 versions then latest, text/plain, without an instance', () => {
  const result = rootListing();
  assert.equal(result.kind, 'document');
  assert.equal(contentType('/'), 'text/plain; charset=UTF-8');
  assert.equal(
    body(result).toString(),
    '1.0\n2007-01-19\n2007-03-01\n2007-08-29\n2007-10-10\n2007-12-15\n2008-02-01\n2008-09-01\n2009-04-04\nlatest',
  );
  assert.equal(normalizePath('/'), ROOT_PATH);
});

test('checklist 2: GET /openstack lists the versions not dated after today, then latest', () => {
  assert.equal(text('/openstack'), [...OPENSTACK, 'latest'].join('\n'));
  assert.equal(
    text('/openstack', web1, { ...OPTS, today: '2025-04-03' }),
    [...OPENSTACK.slice(0, -1), 'latest'].join('\n'),
  );
});

test('checklist 3: a trailing slash never changes a response', () => {
  for (const path of [
    '/openstack',
    '/latest',
    '/latest/meta-data',
    '/openstack/latest',
    '/latest/meta-data/public-keys/0',
  ]) {
    assert.deepEqual(body(get(`${path}/`)), body(get(path)), path);
  }
});

test('checklist 4: /openstack/latest/meta_data.json is /openstack/2025-04-04/meta_data.json but for the seed', () => {
  assert.deepEqual(get('/openstack/latest/meta_data.json'), get('/openstack/2025-04-04/meta_data.json'));
});

test('checklist 5: /latest/meta-data/ equals /2009-04-04/meta-data/', () => {
  assert.equal(text('/latest/meta-data/'), text('/2009-04-04/meta-data/'));
});

test('checklist 6: unknown EC2 and OpenStack versions are not found', () => {
  assert.equal(get('/9999-99-99').kind, 'not-found');
  assert.equal(get('/openstack/1999-01-01').kind, 'not-found');
});

test('checklist 7: /ec2/... is an alias of /...', () => {
  assert.equal(text('/ec2/latest/meta-data/instance-id'), text('/latest/meta-data/instance-id'));
  assert.equal(text('/ec2'), text('/'));
});

test('checklist 8: a future version hidden from the listing is still served by name', () => {
  const early = { ...OPTS, today: '2024-01-01' };
  assert.ok(!text('/openstack', web1, early).includes('2025-04-04'));
  assert.equal(get('/openstack/2025-04-04/meta_data.json', web1, early).kind, 'seeded');
});

test('checklist 9: GET /E lists meta-data/ and, only with user data, user-data', () => {
  for (const v of [...EC2, 'latest']) {
    assert.equal(text(`/${v}`), 'meta-data/\nuser-data');
    assert.equal(text(`/${v}`, withInstance({ userData: null })), 'meta-data/');
  }
});

test('checklist 10: /2009-04-04/meta-data/ lists exactly the 2009 keys, optional ones when present', () => {
  const all = withInstance({ ec2KernelId: 1, ec2RamdiskId: 2 });
  assert.equal(
    text('/2009-04-04/meta-data/', all),
    'ami-id\nami-launch-index\nami-manifest-path\nblock-device-mapping/\nhostname\ninstance-action\ninstance-id\ninstance-type\nkernel-id\nlocal-hostname\nlocal-ipv4\nplacement/\npublic-hostname\npublic-ipv4\npublic-keys/\nramdisk-id\nreservation-id\nsecurity-groups',
  );
  assert.equal(
    text('/2009-04-04/meta-data/', withInstance({ keypairs: [] })),
    'ami-id\nami-launch-index\nami-manifest-path\nblock-device-mapping/\nhostname\ninstance-action\ninstance-id\ninstance-type\nlocal-hostname\nlocal-ipv4\nplacement/\npublic-hostname\npublic-ipv4\nreservation-id\nsecurity-groups',
  );
});

test('checklist 11: /1.0/meta-data/ lists only the 1.0 keys', () => {
  const all = withInstance({ ec2KernelId: 1, ec2RamdiskId: 2 });
  assert.equal(
    text('/1.0/meta-data/', all),
    'ami-id\nami-launch-index\nami-manifest-path\nhostname\ninstance-id\nlocal-ipv4\npublic-keys/\nreservation-id\nsecurity-groups',
  );
});

test('checklist 12: instance-id, reservation-id, ami-manifest-path and instance-action have Nova forms', () => {
  const id = text('/latest/meta-data/instance-id');
  assert.match(id, /^i-[0-9a-f]{8,}$/);
  assert.notEqual(id, web1.instance.uuid);
  assert.match(text('/latest/meta-data/reservation-id'), /^r-[0-9a-z]{8}$/);
  assert.equal(text('/latest/meta-data/ami-manifest-path'), 'FIXME');
  assert.equal(text('/latest/meta-data/instance-action'), 'none');
});

test('checklist 13: hostname, local-hostname and public-hostname are <hostname>.novalocal', () => {
  for (const key of ['hostname', 'local-hostname', 'public-hostname']) {
    assert.equal(text(`/latest/meta-data/${key}`), 'web-1.novalocal');
  }
});

test('checklist 14: public-ipv4 is the first floating IP, or an empty body', () => {
  const [only] = web1.ports;
  const plain = { ...only!, port: { ...only!.port, id: 'p0', floatingIp: null } };
  const floating = { ...only!, port: { ...only!.port, floatingIp: '198.51.100.9' } };
  assert.equal(text('/latest/meta-data/public-ipv4', { ...web1, ports: [plain, floating] }), '198.51.100.9');
  assert.equal(text('/latest/meta-data/public-ipv4', { ...web1, ports: [plain] }), '');
});

test('checklist 15: public-keys shows 0=<name>, then openssh-key, then the key; absent without a keypair', () => {
  const key = web1.instance.keypairs[0]!;
  assert.equal(text('/latest/meta-data/public-keys'), `0=${key.name}`);
  assert.equal(text('/latest/meta-data/public-keys/0'), 'openssh-key');
  assert.equal(text('/latest/meta-data/public-keys/0/openssh-key'), key.publicKey);
  const keyless = withInstance({ keypairs: [] });
  assert.ok(!text('/latest/meta-data/', keyless).includes('public-keys'));
  assert.equal(get('/latest/meta-data/public-keys', keyless).kind, 'not-found');
});

test('checklist 16: placement lists availability-zone; block-device-mapping lists ami and root', () => {
  assert.equal(text('/latest/meta-data/placement'), 'availability-zone');
  const bdm = text('/latest/meta-data/block-device-mapping').split('\n');
  assert.ok(bdm.includes('ami') && bdm.includes('root'));
});

test('checklist 17: security-groups are the group names separated by newlines', () => {
  assert.equal(text('/latest/meta-data/security-groups'), 'default\nweb');
});

test('checklist 18: unknown keys are not found, and so is a sub-path into a value (Nova: 500, openimds: 404 by design)', () => {
  assert.equal(get('/latest/meta-data/no-such-key').kind, 'not-found');
  assert.equal(get('/latest/meta-data/ami-id/x').kind, 'not-found');
  assert.equal(get('/latest/meta-data/security-groups/default').kind, 'not-found');
});

test('checklist 19: /E/user-data is the raw bytes as text/plain, not found without user data', () => {
  const bytes = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0xff, 0xfe, 0x0a]);
  const result = get('/2009-04-04/user-data', withInstance({ userData: bytes }));
  assert.deepEqual(result, { kind: 'document', contentType: 'text/plain; charset=UTF-8', body: bytes });
  assert.equal(get('/latest/user-data', withInstance({ userData: null })).kind, 'not-found');
});

test('checklist 20: /openstack/2012-08-10 lists meta_data.json and, with user data, user_data', () => {
  assert.equal(text('/openstack/2012-08-10'), 'meta_data.json\nuser_data');
  assert.equal(text('/openstack/2012-08-10', withInstance({ userData: null })), 'meta_data.json');
});

test('checklist 21: /openstack/latest lists every file in Nova order', () => {
  assert.equal(
    text('/openstack/latest'),
    'meta_data.json\nuser_data\npassword\nvendor_data.json\nnetwork_data.json\nvendor_data2.json',
  );
  assert.equal(
    text('/openstack/latest', withInstance({ userData: null })),
    'meta_data.json\npassword\nvendor_data.json\nnetwork_data.json\nvendor_data2.json',
  );
  assert.equal(text('/openstack/latest/version'), text('/openstack/latest'));
});

test('checklist 22: meta_data.json is application/json with each field from its version only', () => {
  const since: Record<string, string> = {
    random_seed: '2013-04-04',
    project_id: '2015-10-15',
    devices: '2016-06-30',
    dedicated_cpus: '2020-10-14',
  };
  for (const v of OPENSTACK) {
    assert.equal(contentType(`/openstack/${v}/meta_data.json`), 'application/json');
    const doc = json(`/openstack/${v}/meta_data.json`);
    for (const key of ['uuid', 'hostname', 'name', 'launch_index', 'availability_zone'])
      assert.ok(key in doc, `${v} ${key}`);
    for (const [key, first] of Object.entries(since)) assert.equal(key in doc, v >= first, `${v} ${key}`);
  }
});

test('checklist 23: random_seed is 512 bytes of base64 and changes with every request', () => {
  const first = json('/openstack/latest/meta_data.json');
  const second = json('/openstack/latest/meta_data.json');
  assert.equal(Buffer.from(first.random_seed as string, 'base64').length, 512);
  assert.notEqual(first.random_seed, second.random_seed);
});

test('checklist 24: with a keypair public_keys and keys are set; meta only with properties', () => {
  const doc = json('/openstack/latest/meta_data.json');
  const key = web1.instance.keypairs[0]!;
  assert.deepEqual(doc.public_keys, { [key.name]: key.publicKey });
  assert.deepEqual(doc.keys, [{ name: key.name, type: key.type, data: key.publicKey }]);
  assert.deepEqual(doc.meta, web1.instance.metadata);
  assert.ok(!('meta' in json('/openstack/latest/meta_data.json', withInstance({ metadata: {} }))));
});

test('checklist 25: /openstack/V/user_data is the raw bytes, not found without user data', () => {
  assert.deepEqual(body(get('/openstack/2016-06-30/user_data')), web1.instance.userData);
  assert.equal(get('/openstack/latest/user_data', withInstance({ userData: null })).kind, 'not-found');
});

test('checklist 26: password, vendor_data.json and vendor_data2.json are not found below their versions', () => {
  assert.equal(get('/openstack/2012-08-10/password').kind, 'not-found');
  assert.equal(get('/openstack/2013-04-04/vendor_data.json').kind, 'not-found');
  assert.equal(get('/openstack/2016-06-30/vendor_data2.json').kind, 'not-found');
});

test('checklist 27: vendor_data.json is {} for StaticJSON without a file and absent when disabled; vendor_data2 nests it under static', () => {
  assert.equal(text('/openstack/latest/vendor_data.json', web1, { ...OPTS, staticVendorData: {} }), '{}');
  assert.equal(
    get('/openstack/latest/vendor_data.json', web1, { ...OPTS, staticVendorData: null }).kind,
    'not-found',
  );
  const result = get('/openstack/latest/vendor_data2.json');
  assert.deepEqual(result, { kind: 'vendor-data2', staticData: vendorData });
  const doc =
    result.kind === 'vendor-data2'
      ? vendorData2Json(result.staticData, [['site', { a: 1 }]])
      : Buffer.alloc(0);
  assert.deepEqual(JSON.parse(doc.toString()), { static: vendorData, site: { a: 1 } });
});

test('checklist 28: network_data.json has links, networks and services; a DHCP subnet is ipv4_dhcp with a null mtu', () => {
  const doc = json('/openstack/latest/network_data.json') as {
    links: object[];
    networks: object[];
    services: object[];
  };
  assert.deepEqual(Object.keys(doc), ['links', 'networks', 'services']);
  assert.deepEqual(Object.keys(doc.links[0]!), ['id', 'vif_id', 'type', 'mtu', 'ethernet_mac_address']);
  const [only] = web1.ports;
  const dhcpNetwork = { ...only!.network, subnets: only!.network.subnets.map((s) => ({ ...s, dhcp: true })) };
  const dhcp = json('/openstack/latest/network_data.json', {
    ...web1,
    ports: [{ ...only!, network: dhcpNetwork }],
  });
  assert.deepEqual(dhcp.networks, [
    { id: 'network0', type: 'ipv4_dhcp', link: 'tap6e1a2b3c-4d', network_id: only!.network.id },
  ]);
  assert.equal((dhcp.links as Array<{ mtu: unknown }>)[0]!.mtu, null);
});

test('checklist 29: network_data.json is text/plain and served for every version', () => {
  for (const v of OPENSTACK) {
    assert.equal(contentType(`/openstack/${v}/network_data.json`), 'text/plain; charset=UTF-8');
  }
});

test('checklist 30: /openstack/V/nonexistent is not found', () => {
  assert.equal(get('/openstack/latest/nonexistent').kind, 'not-found');
  assert.equal(get('/openstack/latest/content').kind, 'not-found', 'Nova: 500 (wrong arity); openimds: 404');
  assert.equal(get('/openstack/content/0000').kind, 'not-found');
});

test('checklist 31–33: /openstack/V/password goes to the service from 2013-04-04', () => {
  for (const v of OPENSTACK.slice(1)) assert.deepEqual(get(`/openstack/${v}/password`), { kind: 'password' });
});
