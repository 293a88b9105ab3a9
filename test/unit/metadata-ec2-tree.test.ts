import { test } from 'node:test';
import assert from 'node:assert/strict';
import { blockDeviceMapping } from '../../src/metadata/block-device-mapping.js';
import { ec2Id } from '../../src/metadata/ec2-id.js';
import type { Ec2Node } from '../../src/metadata/ec2-node.js';
import { ec2Tree } from '../../src/metadata/ec2-tree.js';
import { findPath } from '../../src/metadata/find-path.js';
import { listing } from '../../src/metadata/listing.js';
import { lookupMetadata } from '../../src/metadata/lookup.js';
import type { BlockDevice, Instance } from '../../src/model/instance.js';
import type { InstanceRecord } from '../../src/model/instance-record.js';
import { loadNovaWeb1 } from '../fixtures/nova-web-1.js';

const { record: web1 } = loadNovaWeb1();
const opts = { dhcpDomain: 'novalocal', requestAddress: '192.0.2.7' };

function withInstance(patch: Partial<Instance>, record: InstanceRecord = web1): InstanceRecord {
  return { ...record, instance: { ...record.instance, ...patch } };
}

function leaf(record: InstanceRecord, path: string, version: Parameters<typeof ec2Tree>[1] = '2009-04-04') {
  const node = findPath(ec2Tree(record, version, opts), path.split('/'));
  return node === undefined ? undefined : listing(node).toString('utf8');
}

function bdm(
  deviceName: string,
  sourceType: BlockDevice['sourceType'],
  destinationType: BlockDevice['destinationType'],
  guestFormat: string | null = null,
): BlockDevice {
  return { deviceName, sourceType, destinationType, guestFormat, bootIndex: null };
}

test('listing() marks directories with a trailing slash, sorted, without a final newline', () => {
  const dir: Ec2Node = new Map<string, Ec2Node>([
    ['b', 'x'],
    ['a', new Map()],
    ['C', ['1']],
  ]);
  assert.equal(listing(dir).toString(), 'C\na/\nb');
  assert.equal(listing(new Map()).toString(), '');
});

test('listing() shows a sub-directory by its _name and never lists _name itself', () => {
  const keys: Ec2Node = new Map([
    [
      '0',
      new Map([
        ['_name', '0=alice'],
        ['openssh-key', 'ssh-ed25519 AAAA'],
      ]),
    ],
  ]);
  assert.equal(listing(keys).toString(), '0=alice');
  assert.equal(listing(findPath(keys, ['0'])!).toString(), 'openssh-key');
});

test('listing() prints lists one item per line, None for null, ints in decimal, bytes verbatim', () => {
  assert.equal(listing(['default', 'web']).toString(), 'default\nweb');
  assert.equal(listing([]).toString(), '');
  assert.equal(listing(null).toString(), 'None');
  assert.equal(listing(12).toString(), '12');
  const bytes = Buffer.from([0xff, 0x00, 0x0a]);
  assert.equal(listing(bytes), bytes);
});

test('findPath() descends only into directories, as find_path_in_tree does without raising', () => {
  const tree = ec2Tree(web1, '2009-04-04', opts);
  assert.equal(findPath(tree, ['meta-data', 'security-groups', 'default']), undefined);
  assert.equal(findPath(tree, ['meta-data', 'hostname', 'extra']), undefined);
  assert.equal(findPath(tree, ['user-data', 'x']), undefined);
  assert.equal(findPath(tree, ['meta-data', 'nonexistent']), undefined);
  assert.equal(findPath(tree, []), tree);
});

test('blockDeviceMapping() gives Nova defaults when there is no root device name', () => {
  const mapping = blockDeviceMapping({ ...web1.instance, rootDeviceName: null });
  assert.deepEqual(
    [...mapping],
    [
      ['ami', 'sda1'],
      ['ephemeral0', 'sda2'],
      ['root', '/dev/sda1'],
      ['swap', 'sda3'],
    ],
  );
});

test('blockDeviceMapping() numbers volumes by sorted device name and blanks in order', () => {
  const mapping = blockDeviceMapping({
    rootDeviceName: '/dev/vda',
    defaultEphemeralDevice: '/dev/vdz',
    defaultSwapDevice: '/dev/vdy',
    blockDevices: [
      bdm('/dev/vda', 'image', 'local'),
      bdm('/dev/vdd', 'volume', 'volume'),
      bdm('/dev/vdb', 'blank', 'local'),
      bdm('/dev/vdc', 'snapshot', 'volume'),
      bdm('/dev/vde', 'blank', 'local', 'swap'),
      bdm('/dev/vdf', 'blank', 'local', 'ext4'),
      bdm('/dev/vdg', 'blank', 'local', 'swap'),
      bdm('/dev/vdh', 'blank', 'volume'),
    ],
  });
  assert.deepEqual(Object.fromEntries(mapping), {
    ami: 'vda',
    root: '/dev/vda',
    ephemeral0: '/dev/vdb',
    ephemeral1: '/dev/vdf',
    swap: '/dev/vdg',
    ebs0: '/dev/vdc',
    ebs1: '/dev/vdd',
    ebs2: '/dev/vdh',
  });
});

test('blockDeviceMapping() keeps the default ephemeral and swap devices when no BDM overrides them', () => {
  const mapping = blockDeviceMapping({
    rootDeviceName: '/dev/sda',
    defaultEphemeralDevice: '/dev/sdb',
    defaultSwapDevice: '/dev/sdc',
    blockDevices: [],
  });
  assert.deepEqual(Object.fromEntries(mapping), {
    ami: 'sda',
    root: '/dev/sda',
    ephemeral0: '/dev/sdb',
    swap: '/dev/sdc',
  });
});

test('ec2Id() pads to eight hex digits and keeps longer ids whole', () => {
  assert.equal(ec2Id('i', 1), 'i-00000001');
  assert.equal(ec2Id('ami', 0xabc), 'ami-00000abc');
  assert.equal(ec2Id('aki', 0x123456789), 'aki-123456789');
});

test('ec2Tree() shows kernel-id and ramdisk-id from 2007-12-15, only when the instance has them', () => {
  const record = withInstance({ ec2KernelId: 4, ec2RamdiskId: 5 });
  assert.equal(leaf(record, 'meta-data/kernel-id'), 'aki-00000004');
  assert.equal(leaf(record, 'meta-data/ramdisk-id'), 'ari-00000005');
  assert.equal(leaf(record, 'meta-data/kernel-id', '2007-10-10'), undefined);
  assert.equal(leaf(withInstance({ ec2KernelId: null }), 'meta-data/kernel-id'), undefined);
});

test('ec2Tree() prints ami-id as None when the instance booted from a volume', () => {
  assert.equal(leaf(withInstance({ imageId: null, ec2ImageId: null }), 'meta-data/ami-id'), 'None');
});

test('ec2Tree() falls back to the request address for local-ipv4, then to None', () => {
  const noPorts: InstanceRecord = { ...web1, ports: [] };
  assert.equal(leaf(noPorts, 'meta-data/local-ipv4'), '192.0.2.7');
  const bare = findPath(ec2Tree(noPorts, '2009-04-04', { dhcpDomain: '' }), ['meta-data', 'local-ipv4']);
  assert.equal(listing(bare!).toString(), 'None');
  assert.equal(leaf(noPorts, 'meta-data/public-ipv4'), '');
});

test('ec2Tree() takes local-ipv4 port by port and subnet by subnet, skipping IPv6', () => {
  const [first] = web1.ports;
  const v6Subnet = { ...first!.network.subnets[0]!, id: 's6', cidr: '2001:db8::/64', ipVersion: 6 as const };
  const v6Only = {
    port: { ...first!.port, id: 'p0', fixedIps: ['2001:db8::5'], floatingIp: null },
    network: { ...first!.network, subnets: [v6Subnet] },
  };
  const record: InstanceRecord = { ...web1, ports: [v6Only, first!] };
  assert.equal(leaf(record, 'meta-data/local-ipv4'), '10.0.0.15');
  assert.equal(leaf(record, 'meta-data/public-ipv4'), '203.0.113.25');
});

test('ec2Tree() uses the bare hostname when dhcp_domain is empty', () => {
  const node = findPath(ec2Tree(web1, '2009-04-04', { dhcpDomain: '' }), ['meta-data', 'hostname']);
  assert.equal(listing(node!).toString(), 'web-1');
});

test('ec2Tree() renders an empty security group list as an empty body and a missing AZ as None', () => {
  const record = withInstance({ securityGroups: [], availabilityZone: null });
  assert.equal(leaf(record, 'meta-data/security-groups'), '');
  assert.equal(leaf(record, 'meta-data/placement/availability-zone'), 'None');
});

test('lookupMetadata() serves the instance-identity document as an unlisted extension', () => {
  const { record } = loadNovaWeb1();
  const opts = { dhcpDomain: 'novalocal', today: '2026-01-01', staticVendorData: null };
  const listing = lookupMetadata(record, '/2009-04-04/dynamic/instance-identity', opts);
  assert.ok(listing.kind === 'document' && listing.body.toString() === 'document');
  const doc = lookupMetadata(record, '/latest/dynamic/instance-identity/document', opts);
  assert.ok(doc.kind === 'document');
  const parsed = JSON.parse(doc.body.toString()) as Record<string, unknown>;
  assert.equal(parsed['instanceId'], 'i-00000001');
  assert.equal(parsed['imageId'], 'ami-00000003');
  assert.equal(parsed['privateIp'], '10.0.0.15');
  assert.equal(parsed['availabilityZone'], 'nova');
  const top = lookupMetadata(record, '/2009-04-04', opts);
  assert.ok(
    top.kind === 'document' && !top.body.toString().includes('dynamic'),
    'listed nowhere: Nova listings unchanged',
  );
});
