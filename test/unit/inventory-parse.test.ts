import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ImdsError } from '../../src/errors.js';
import { parseInventory } from '../../src/inventory/parse-inventory.js';
import { parse } from '../fixtures/inventory/inventory-kit.js';

const NET = 'networks:\n  - name: private\n    cidr: 10.0.0.0/24\n';

test('parseInventory() reads an empty file as an empty inventory', () => {
  assert.deepEqual(parse(''), { routers: [], networks: [], instances: [], ec2Images: [] });
  assert.deepEqual(parse('routers: []\nnetworks:\ninstances: []\n'), {
    routers: [],
    networks: [],
    instances: [],
    ec2Images: [],
  });
});

test('parseInventory() reads the short network form as one subnet with Neutron defaults', () => {
  const { networks } = parse(NET);
  assert.deepEqual(networks, [
    {
      name: 'private',
      id: undefined,
      router: null,
      mtu: null,
      attach: null,
      subnets: [
        {
          id: undefined,
          cidr: '10.0.0.0/24',
          ipVersion: 4,
          gateway: '10.0.0.1',
          dns: [],
          hostRoutes: [],
          dhcp: true,
          ipv6AddressMode: null,
        },
      ],
    },
  ]);
});

test('parseInventory() keeps "gateway: null" apart from an omitted gateway', () => {
  const { networks } = parse('networks:\n  - name: iso\n    cidr: 192.168.0.0/24\n    gateway: null\n');
  assert.equal(networks[0]!.subnets[0]!.gateway, null);
  const v6 = parse('networks:\n  - name: v6\n    cidr: 2001:DB8::/64\n');
  assert.equal(v6.networks[0]!.subnets[0]!.cidr, '2001:db8::/64');
  assert.equal(v6.networks[0]!.subnets[0]!.gateway, '2001:db8::1');
});

test('parseInventory() defaults attach.mode to onlink and the namespace to the host', () => {
  const { networks } = parse(`${NET}    attach: { interface: virbr0 }\n`);
  assert.deepEqual(networks[0]!.attach, {
    namespace: null,
    interface: 'virbr0',
    mode: 'onlink',
    address: null,
  });
});

test('parseInventory() fills in the documented instance defaults', () => {
  const [instance] = parse(
    `${NET}instances:\n  - name: Web Server_1\n    ports: [{ network: private, ip: 10.0.0.5 }]\n`,
  ).instances;
  assert.deepEqual(instance, {
    name: 'Web Server_1',
    hostname: 'web-server-1',
    uuid: undefined,
    reservationId: undefined,
    ec2Id: undefined,
    createdAt: undefined,
    projectId: 'default',
    availabilityZone: 'nova',
    launchIndex: 0,
    flavor: 'm1.small',
    imageId: null,
    kernelId: null,
    ramdiskId: null,
    rootDeviceName: '/dev/vda',
    defaultEphemeralDevice: null,
    defaultSwapDevice: null,
    blockDevices: [],
    devices: [],
    dedicatedCpus: [],
    metadata: {},
    keypairs: [],
    securityGroups: ['default'],
    userData: null,
    vendorData: null,
    tags: [],
    httpTokens: null,
    ports: [
      {
        network: 'private',
        id: undefined,
        mac: undefined,
        fixedIps: ['10.0.0.5'],
        floatingIp: null,
        vifType: 'ovs',
        devname: undefined,
      },
    ],
  });
});

test('parseInventory() normalises addresses, MACs, UUIDs and EC2 ids', () => {
  const text =
    'networks:\n  - name: v6\n    cidr: 2001:db8::/64\ninstances:\n  - name: a\n' +
    '    uuid: 9D3B2C1A-6E5F-4A7B-8C9D-0E1F2A3B4C5D\n    ec2_id: i-0000002a\n    dedicated_cpus: [3, 1, 2]\n' +
    '    ports: [{ network: v6, ip: "2001:DB8:0:0::5", mac: FA-16-3E-00-00-0A }]\n';
  const [i] = parse(text).instances;
  assert.equal(i!.uuid, '9d3b2c1a-6e5f-4a7b-8c9d-0e1f2a3b4c5d');
  assert.equal(i!.ec2Id, 42);
  assert.deepEqual(i!.dedicatedCpus, [1, 2, 3]);
  assert.deepEqual(i!.ports[0]!.fixedIps, ['2001:db8::5']);
  assert.equal(i!.ports[0]!.mac, 'fa:16:3e:00:00:0a');
});

test('parseInventory() reads user_data_file relative to the inventory file, as raw bytes', () => {
  const bytes = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0xff]);
  const [i] = parse('instances:\n  - name: a\n    user_data_file: data/a.gz\n', {
    '/srv/data/a.gz': bytes,
  }).instances;
  assert.deepEqual(i!.userData, bytes);
});

test('parseInventory() reads user_data as UTF-8 and user_data_base64 as bytes', () => {
  const { instances } = parse(
    'instances:\n  - name: a\n    user_data: "#!/bin/sh\\necho héllo\\n"\n  - name: b\n    user_data_base64: |\n      H4sIAAAA\n      AAAA/w==\n',
  );
  assert.deepEqual(instances[0]!.userData, Buffer.from('#!/bin/sh\necho héllo\n', 'utf8'));
  assert.deepEqual(instances[1]!.userData, Buffer.from('H4sIAAAAAAAA/w==', 'base64'));
});

test('parseInventory() accepts user data of exactly 65,535 bytes', () => {
  const [i] = parse('instances:\n  - name: a\n    user_data_file: big\n', {
    '/srv/big': Buffer.alloc(65535, 0x61),
  }).instances;
  assert.equal(i!.userData!.length, 65535);
});

test('parseInventory() reads the full example of docs/inventory.md', () => {
  const file = new URL('../../../test/fixtures/inventory/full-example.yaml', import.meta.url).pathname;
  const { desired } = parseInventory(readFileSync(file, 'utf8'), file, (p) => readFileSync(p));
  assert.equal(desired.routers.length, 1);
  assert.deepEqual(
    desired.networks.map((n) => [n.name, n.subnets.length, n.attach?.mode]),
    [
      ['private', 2, 'router'],
      ['storage', 1, 'isolated'],
    ],
  );
  const web = desired.instances[0]!;
  assert.equal(web.userData!.toString('utf8').startsWith('#cloud-config\n'), true);
  assert.deepEqual(
    web.devices.map((d) => d.type),
    ['nic', 'disk', 'share'],
  );
  assert.deepEqual(
    desired.ec2Images.map((m) => m.ec2Id),
    [10, 11, 12],
  );
});

test('parseInventory() throws INVENTORY_INVALID with a count and every issue in details', () => {
  assert.throws(
    () =>
      parseInventory('routers:\n  - name: a\n    id: x\n  - name: a\n', 'inv.yaml', () => Buffer.alloc(0)),
    (err: unknown) => {
      assert.ok(err instanceof ImdsError);
      assert.equal(err.code, 'INVENTORY_INVALID');
      assert.equal(err.message, '2 errors in inv.yaml');
      assert.deepEqual(err.details, [
        {
          file: 'inv.yaml',
          path: 'routers[0].id',
          message: '"x" is not a UUID (expected 8-4-4-4-12 hex digits)',
          line: 3,
          column: 9,
        },
        {
          file: 'inv.yaml',
          path: 'routers[1].name',
          message: '"a" is already the name of routers[0]',
          line: 4,
          column: 11,
        },
      ]);
      return true;
    },
  );
});
