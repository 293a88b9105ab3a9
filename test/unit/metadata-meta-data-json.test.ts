import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deviceMetadata } from '../../src/metadata/device-metadata.js';
import { metaDataJson } from '../../src/metadata/meta-data-json.js';
import type { OpenstackVersion } from '../../src/metadata/openstack-versions.js';
import { pythonJson } from '../../src/metadata/python-json.js';
import { seededParts, withSeed, type SeededParts } from '../../src/metadata/seeded-document.js';
import type { DeviceMetadata, Instance } from '../../src/model/instance.js';
import type { InstanceRecord } from '../../src/model/instance-record.js';
import { loadNovaWeb1 } from '../fixtures/nova-web-1.js';

const { record: web1 } = loadNovaWeb1();
const opts = { dhcpDomain: 'novalocal' };

function withInstance(patch: Partial<Instance>): InstanceRecord {
  return { ...web1, instance: { ...web1.instance, ...patch } };
}

function rendered(record: InstanceRecord, version: OpenstackVersion): Record<string, unknown> {
  const doc = metaDataJson(record, version, opts);
  const body = Buffer.isBuffer(doc) ? doc : withSeed(doc, Buffer.alloc(512, 7));
  return JSON.parse(body.toString('utf8')) as Record<string, unknown>;
}

function devices(list: DeviceMetadata[], version: OpenstackVersion): string {
  return pythonJson(deviceMetadata(list, version));
}

const nic = (patch: Partial<DeviceMetadata> = {}): DeviceMetadata => ({
  type: 'nic',
  bus: 'pci',
  address: '0000:00:03.0',
  mac: 'fa:16:3e:00:00:01',
  tags: [],
  ...patch,
});

test('metaDataJson() is one buffer before 2013-04-04 and two parts around random_seed after', () => {
  assert.ok(Buffer.isBuffer(metaDataJson(web1, '2012-08-10', opts)));
  const parts = metaDataJson(web1, '2013-04-04', opts) as SeededParts;
  assert.match(parts.before.toString(), /, "random_seed": "$/);
  assert.equal(parts.after.toString(), '"}');
  const later = metaDataJson(web1, '2020-10-14', opts) as SeededParts;
  assert.match(later.after.toString(), /^", "project_id": "6f1c2e3d4b5a49c8a7e6d5c4b3a29180", "devices": \[/);
});

test('withSeed() splices base64 of the seed bytes between the parts', () => {
  const parts = seededParts(new Map([['uuid', 'u']]), 'random_seed', new Map([['project_id', 'p']]));
  const body = withSeed(parts, Buffer.from([1, 2, 3]));
  assert.equal(body.toString(), '{"uuid": "u", "random_seed": "AQID", "project_id": "p"}');
  assert.equal(
    withSeed(seededParts(new Map(), 'random_seed', new Map()), Buffer.alloc(0)).toString(),
    '{"random_seed": ""}',
  );
});

test('metaDataJson() keeps the seed apart even when user metadata holds a "random_seed" key', () => {
  const record = withInstance({ metadata: { random_seed: '' } });
  const doc = rendered(record, '2013-04-04');
  assert.deepEqual(doc.meta, { random_seed: '' });
  assert.equal(Buffer.from(doc.random_seed as string, 'base64').length, 512);
});

test('metaDataJson() leaves out meta without properties and keys without keypairs', () => {
  const doc = rendered(withInstance({ metadata: {}, keypairs: [] }), '2012-08-10');
  assert.deepEqual(Object.keys(doc), ['uuid', 'hostname', 'name', 'launch_index', 'availability_zone']);
});

test('metaDataJson() puts only the first keypair in public_keys and every keypair in keys', () => {
  const keypairs = [
    { name: 'a', type: 'ssh' as const, publicKey: 'ssh-rsa AAA a' },
    { name: 'b', type: 'x509' as const, publicKey: '-----BEGIN CERTIFICATE-----' },
  ];
  const doc = rendered(withInstance({ keypairs }), '2012-08-10');
  assert.deepEqual(doc.public_keys, { a: 'ssh-rsa AAA a' });
  assert.deepEqual(doc.keys, [
    { name: 'a', type: 'ssh', data: 'ssh-rsa AAA a' },
    { name: 'b', type: 'x509', data: '-----BEGIN CERTIFICATE-----' },
  ]);
});

test('metaDataJson() escapes non-ASCII names as Python does', () => {
  const body = metaDataJson(withInstance({ name: 'wéb 😀' }), '2012-08-10', opts) as Buffer;
  assert.match(body.toString(), /"name": "w\\u00e9b \\ud83d\\ude00"/);
});

test('metaDataJson() lists dedicated_cpus sorted and without repeats from 2020-10-14', () => {
  assert.deepEqual(
    rendered(withInstance({ dedicatedCpus: [7, 3, 5, 3] }), '2020-10-14').dedicated_cpus,
    [3, 5, 7],
  );
  assert.equal(rendered(withInstance({ dedicatedCpus: [1] }), '2018-08-27').dedicated_cpus, undefined);
});

test('deviceMetadata() hides an untagged NIC until vf_trusted is always shown (2018-08-27)', () => {
  assert.equal(devices([nic()], '2016-06-30'), '[]');
  assert.equal(devices([nic()], '2017-02-22'), '[]');
  assert.equal(
    devices([nic()], '2018-08-27'),
    '[{"vf_trusted": false, "type": "nic", "mac": "fa:16:3e:00:00:01", "bus": "pci", "address": "0000:00:03.0"}]',
  );
});

test('deviceMetadata() shows a NIC vlan from 2017-02-22, which alone exposes an untagged NIC', () => {
  const tagged = nic({ vlan: 100, vfTrusted: true, tags: ['a', 'b'] });
  assert.equal(
    devices([tagged], '2016-06-30'),
    '[{"type": "nic", "mac": "fa:16:3e:00:00:01", "bus": "pci", "address": "0000:00:03.0", "tags": ["a", "b"]}]',
  );
  assert.equal(
    devices([nic({ vlan: 100 })], '2017-02-22'),
    '[{"vlan": 100, "type": "nic", "mac": "fa:16:3e:00:00:01", "bus": "pci", "address": "0000:00:03.0"}]',
  );
  assert.equal(
    devices([tagged], '2018-08-27'),
    '[{"vlan": 100, "vf_trusted": true, "type": "nic", "mac": "fa:16:3e:00:00:01", "bus": "pci", "address": "0000:00:03.0", "tags": ["a", "b"]}]',
  );
});

test('deviceMetadata() always shows disks, with serial and path only when set', () => {
  const disk: DeviceMetadata = {
    type: 'disk',
    bus: 'scsi',
    address: '0:0:0:1',
    tags: ['db'],
    serial: 'vol-1',
    path: null,
  };
  assert.equal(
    devices([disk], '2016-06-30'),
    '[{"type": "disk", "serial": "vol-1", "bus": "scsi", "address": "0:0:0:1", "tags": ["db"]}]',
  );
  const bare: DeviceMetadata = { type: 'disk', bus: 'none', address: 'ignored', tags: [], path: '/dev/vdb' };
  assert.equal(
    devices([bare], '2016-06-30'),
    '[{"type": "disk", "path": "/dev/vdb", "bus": "none", "address": "none"}]',
  );
});

test('deviceMetadata() shows shares only from 2025-04-04 and skips unknown buses', () => {
  const share: DeviceMetadata = {
    type: 'share',
    bus: 'none',
    address: 'none',
    tags: [],
    shareId: 's-1',
    tag: 'data',
  };
  assert.equal(devices([share], '2020-10-14'), '[]');
  assert.equal(
    devices([share], '2025-04-04'),
    '[{"type": "share", "share_id": "s-1", "tag": "data", "bus": "none", "address": "none"}]',
  );
  assert.equal(devices([nic({ bus: 'virtio-mmio', tags: ['x'] })], '2025-04-04'), '[]');
});
