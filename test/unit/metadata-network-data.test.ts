import { test } from 'node:test';
import assert from 'node:assert/strict';
import { networkData } from '../../src/metadata/network-data.js';
import { pythonJson } from '../../src/metadata/python-json.js';
import type { InstanceRecord } from '../../src/model/instance-record.js';
import type { Network, Subnet } from '../../src/model/network.js';
import type { Port } from '../../src/model/port.js';
import { loadNovaWeb1 } from '../fixtures/nova-web-1.js';

const { record: web1 } = loadNovaWeb1();

function subnet(cidr: string, patch: Partial<Subnet> = {}): Subnet {
  return {
    id: `subnet-${cidr}`,
    cidr,
    ipVersion: cidr.includes(':') ? 6 : 4,
    gateway: null,
    dns: [],
    hostRoutes: [],
    dhcp: false,
    ipv6AddressMode: null,
    ...patch,
  };
}

function network(id: string, subnets: Subnet[], mtu: number | null = 1500): Network {
  return { id, name: id, subnets, mtu, routerId: null, attach: null };
}

function port(id: string, networkId: string, fixedIps: string[], patch: Partial<Port> = {}): Port {
  return {
    id,
    instanceUuid: 'i',
    networkId,
    mac: `fa:16:3e:00:00:0${id.slice(-1)}`,
    fixedIps,
    floatingIp: null,
    vifType: 'ovs',
    devname: null,
    ...patch,
  };
}

function json(record: InstanceRecord): unknown {
  return JSON.parse(pythonJson(networkData(record)));
}

test('networkData() is {} when the instance has no ports', () => {
  assert.equal(pythonJson(networkData({ ...web1, ports: [] })), '{}');
});

test('networkData() reproduces golden 060 byte for byte', () => {
  const expected =
    '{"links": [{"id": "tap6e1a2b3c-4d", "vif_id": "6e1a2b3c-4d5e-4f60-8172-93a4b5c6d7e8", "type": "ovs", "mtu": 1450, "ethernet_mac_address": "fa:16:3e:4c:2a:91"}], "networks": [{"id": "network0", "type": "ipv4", "link": "tap6e1a2b3c-4d", "ip_address": "10.0.0.15", "netmask": "255.255.255.0", "routes": [{"network": "0.0.0.0", "netmask": "0.0.0.0", "gateway": "10.0.0.1"}, {"network": "10.20.0.0", "netmask": "255.255.0.0", "gateway": "10.0.0.254"}], "network_id": "a3f1c5d7-e9b1-4c3d-8e5f-7a9b1c3d5e7f", "services": [{"type": "dns", "address": "10.0.0.2"}, {"type": "dns", "address": "9.9.9.9"}]}], "services": [{"type": "dns", "address": "10.0.0.2"}, {"type": "dns", "address": "9.9.9.9"}]}';
  assert.equal(pythonJson(networkData(web1)), expected);
});

test('networkData() uses the first IPv4 and first IPv6 subnet, DHCP and IPv6 modes, and skips address-less ports', () => {
  const n1 = network('n1', [
    subnet('10.1.0.0/24', { dhcp: true, gateway: '10.1.0.1', dns: ['8.8.8.8'] }),
    subnet('10.2.0.0/24', { gateway: '10.2.0.1' }),
    subnet('2001:db8:1::/64', {
      gateway: 'fe80::1',
      ipv6AddressMode: 'slaac',
      dns: ['2001:4860:4860::8888'],
    }),
  ]);
  const n2 = network(
    'n2',
    [
      subnet('192.168.0.0/24', {
        dns: ['8.8.8.8', '1.1.1.1', '1.1.1.1'],
        hostRoutes: [{ destination: '10.0.0.0/8', nexthop: '192.168.0.254' }],
      }),
    ],
    9000,
  );
  const n3 = network(
    'n3',
    [
      subnet('2001:db8:3::/64', {
        gateway: '2001:db8:3::1',
        hostRoutes: [{ destination: '2001:db8:ff::/48', nexthop: '2001:db8:3::2' }],
      }),
    ],
    null,
  );
  const record: InstanceRecord = {
    instance: web1.instance,
    ports: [
      { port: port('p1', 'n1', ['10.2.0.5', '2001:db8:1::5', '10.1.0.5', '10.1.0.6']), network: n1 },
      { port: port('p2', 'n2', ['192.168.0.9'], { devname: 'tapp2', vifType: 'vrouter' }), network: n2 },
      { port: port('p3', 'n2', []), network: n2 },
      { port: port('p4', 'n3', ['2001:db8:3::9'], { vifType: 'vhostuser' }), network: n3 },
    ],
  };
  assert.deepEqual(json(record), {
    links: [
      { id: 'interface0', vif_id: 'p1', type: 'ovs', mtu: null, ethernet_mac_address: 'fa:16:3e:00:00:01' },
      { id: 'tapp2', vif_id: 'p2', type: 'phy', mtu: 9000, ethernet_mac_address: 'fa:16:3e:00:00:02' },
      {
        id: 'interface2',
        vif_id: 'p4',
        type: 'vhostuser',
        mtu: null,
        ethernet_mac_address: 'fa:16:3e:00:00:04',
      },
    ],
    networks: [
      { id: 'network0', type: 'ipv4_dhcp', link: 'interface0', network_id: 'n1' },
      {
        id: 'network1',
        type: 'ipv6_slaac',
        link: 'interface0',
        ip_address: '2001:db8:1::5',
        netmask: 'ffff:ffff:ffff:ffff::',
        routes: [{ network: '::', netmask: '::', gateway: 'fe80::1' }],
        network_id: 'n1',
        services: [{ type: 'dns', address: '2001:4860:4860::8888' }],
      },
      {
        id: 'network2',
        type: 'ipv4',
        link: 'tapp2',
        ip_address: '192.168.0.9',
        netmask: '255.255.255.0',
        routes: [{ network: '10.0.0.0', netmask: '255.0.0.0', gateway: '192.168.0.254' }],
        network_id: 'n2',
        services: [
          { type: 'dns', address: '8.8.8.8' },
          { type: 'dns', address: '1.1.1.1' },
          { type: 'dns', address: '1.1.1.1' },
        ],
      },
      {
        id: 'network3',
        type: 'ipv6',
        link: 'interface2',
        ip_address: '2001:db8:3::9',
        netmask: 'ffff:ffff:ffff:ffff::',
        routes: [
          { network: '::', netmask: '::', gateway: '2001:db8:3::1' },
          { network: '2001:db8:ff::', netmask: 'ffff:ffff:ffff::', gateway: '2001:db8:3::2' },
        ],
        network_id: 'n3',
        services: [],
      },
    ],
    // Nova compares with the list as it stood before each subnet: 8.8.8.8 again is dropped, the
    // repeated 1.1.1.1 of one subnet is kept twice.
    services: [
      { type: 'dns', address: '8.8.8.8' },
      { type: 'dns', address: '2001:4860:4860::8888' },
      { type: 'dns', address: '1.1.1.1' },
      { type: 'dns', address: '1.1.1.1' },
    ],
  });
});

test('networkData() takes the first IPv4 subnet in network order and its first address in port order', () => {
  const n = network('n', [subnet('10.1.0.0/24'), subnet('10.2.0.0/24')]);
  const record: InstanceRecord = {
    instance: web1.instance,
    ports: [{ port: port('p1', 'n', ['10.2.0.5', '10.1.0.7', '10.1.0.6']), network: n }],
  };
  const doc = json(record) as { networks: Array<{ ip_address: string }> };
  assert.equal(doc.networks.length, 1);
  assert.equal(doc.networks[0]!.ip_address, '10.1.0.7');
});

test('networkData() answers empty lists when the instance has ports but none has an address', () => {
  const n = network('n', [subnet('10.1.0.0/24')]);
  const record: InstanceRecord = {
    instance: web1.instance,
    ports: [{ port: port('p1', 'n', []), network: n }],
  };
  assert.equal(pythonJson(networkData(record)), '{"links": [], "networks": [], "services": []}');
});
