// Every message an operator can get from a bad inventory, asserted word for word.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseInventory } from '../../src/inventory/parse-inventory.js';
import type { ImdsError } from '../../src/errors.js';
import { issuesOf } from '../fixtures/inventory/inventory-kit.js';

const NET = 'networks:\n  - name: private\n    cidr: 10.0.0.0/24\n';
const withPort = (port: string) => `${NET}instances:\n  - name: web-1\n    ports:\n      - ${port}\n`;

test('parseInventory() reports a YAML syntax error with its line and column', () => {
  assert.deepEqual(issuesOf('networks:\n  - name: private\n    cidr: [10.0.0.0/24\n  - name: x\n'), [
    'inventory.yaml:4:3: flow sequence in block collection must be sufficiently indented and end with a ]',
  ]);
  assert.deepEqual(issuesOf('networks:\n  - name: a\n    name: b\n'), [
    'inventory.yaml:3:5: map keys must be unique',
  ]);
});

test('parseInventory() names an unknown key, suggests the near one and lists the allowed keys', () => {
  assert.deepEqual(issuesOf(`${NET}    gatway: 10.0.0.1\n`), [
    'inventory.yaml: networks[0].gatway: unknown key, did you mean "gateway"?: allowed keys are name, id, router, mtu, cidr, gateway, dns, dhcp, host_routes, ipv6_address_mode, subnets, attach',
  ]);
  assert.deepEqual(issuesOf('routers:\n  - name: edge\n    colour: red\n'), [
    'inventory.yaml: routers[0].colour: unknown key: allowed keys are name, id',
  ]);
});

test('parseInventory() names the path and value of a bad IP address', () => {
  assert.deepEqual(issuesOf(withPort('{ network: private, ip: 10.0.0.300 }')), [
    'inventory.yaml: instances[0].ports[0].ip: "10.0.0.300" is not an IPv4 address',
  ]);
  assert.deepEqual(issuesOf(withPort('{ network: private, ips: [10.0.0.5, "2001:db8::zz"] }')), [
    'inventory.yaml: instances[0].ports[0].ips[1]: "2001:db8::zz" is not an IPv6 address',
  ]);
});

test('parseInventory() names a bad or multicast MAC address', () => {
  assert.deepEqual(issuesOf(withPort('{ network: private, ip: 10.0.0.5, mac: "fa:16:3e:zz:00:01" }')), [
    'inventory.yaml: instances[0].ports[0].mac: "fa:16:3e:zz:00:01" is not a MAC address (expected six hex pairs, e.g. "fa:16:3e:4c:2a:91")',
  ]);
  assert.deepEqual(issuesOf(withPort('{ network: private, ip: 10.0.0.5, mac: "01:00:5e:00:00:01" }')), [
    'inventory.yaml: instances[0].ports[0].mac: "01:00:5e:00:00:01" is a multicast MAC address: a port needs a unicast one',
  ]);
});

test('parseInventory() names a bad UUID', () => {
  assert.deepEqual(issuesOf('instances:\n  - name: a\n    uuid: 9d3b2c1a-6e5f-4a7b-8c9d\n'), [
    'inventory.yaml: instances[0].uuid: "9d3b2c1a-6e5f-4a7b-8c9d" is not a UUID (expected 8-4-4-4-12 hex digits)',
  ]);
});

test('parseInventory() says a CIDR has host bits set and gives the network form', () => {
  assert.deepEqual(issuesOf('networks:\n  - name: a\n    cidr: 10.0.0.5/24\n'), [
    'inventory.yaml: networks[0].cidr: "10.0.0.5/24" has host bits set: the network is "10.0.0.0/24"',
  ]);
});

test('parseInventory() names a CIDR without a prefix or with one out of range', () => {
  assert.deepEqual(
    issuesOf('networks:\n  - name: a\n    cidr: 10.0.0.0\n  - name: b\n    cidr: "2001:db8::/129"\n'),
    [
      'inventory.yaml: networks[0].cidr: "10.0.0.0" is not a CIDR (expected address/prefix, e.g. "10.0.0.0/24")',
      'inventory.yaml: networks[1].cidr: "2001:db8::/129" is not a CIDR: an IPv6 prefix is 0..128',
    ],
  );
});

test('parseInventory() names the path and value of an IP outside its network', () => {
  const text =
    'networks:\n  - name: private\n    subnets:\n      - cidr: 10.0.0.0/24\n      - cidr: 2001:db8::/64\n' +
    'instances:\n  - name: web-1\n    ports: [{ network: private, ip: 10.0.1.5 }]\n';
  assert.deepEqual(issuesOf(text), [
    'inventory.yaml: instances[0].ports[0].ip: "10.0.1.5" is not in network "private" (10.0.0.0/24, 2001:db8::/64)',
  ]);
});

test("parseInventory() refuses a port on its network's gateway address", () => {
  assert.deepEqual(issuesOf(withPort('{ network: private, ip: 10.0.0.1 }')), [
    'inventory.yaml: instances[0].ports[0].ip: "10.0.0.1" is the gateway of network "private"',
  ]);
});

test('parseInventory() names both places of a duplicate IP on a network', () => {
  const text = `${NET}instances:\n  - name: web-1\n    ports: [{ network: private, ip: 10.0.0.5 }]\n  - name: web-2\n    ports: [{ network: private, ips: [10.0.0.6, 10.0.0.5] }]\n`;
  assert.deepEqual(issuesOf(text), [
    'inventory.yaml: instances[1].ports[0].ips[1]: "10.0.0.5" is already used on network "private" by instances[0].ports[0] (web-1)',
  ]);
});

test('parseInventory() names both places of a duplicate MAC, port id or floating IP', () => {
  const text =
    `${NET}instances:\n  - name: a\n    ports: [{ network: private, ip: 10.0.0.5, mac: "fa:16:3e:00:00:01", floating_ip: 203.0.113.1, id: 2e4f6a8c-0b1d-4e3f-a5b7-c9d1e3f5a7b9 }]\n` +
    '  - name: b\n    ports: [{ network: private, ip: 10.0.0.6, mac: "FA-16-3E-00-00-01", floating_ip: 203.0.113.1, id: 2e4f6a8c-0b1d-4e3f-a5b7-c9d1e3f5a7b9 }]\n';
  // One line in the file: in column order.
  assert.deepEqual(issuesOf(text), [
    'inventory.yaml: instances[1].ports[0].mac: "fa:16:3e:00:00:01" is already the MAC of instances[0].ports[0] (a) on network "private"',
    'inventory.yaml: instances[1].ports[0].floating_ip: "203.0.113.1" is already the floating IP of instances[0].ports[0] (a)',
    'inventory.yaml: instances[1].ports[0].id: "2e4f6a8c-0b1d-4e3f-a5b7-c9d1e3f5a7b9" is already the id of instances[0].ports[0] (a)',
  ]);
});

test('parseInventory() names both places of a duplicate uuid', () => {
  const text =
    'instances:\n  - name: a\n    uuid: 9d3b2c1a-6e5f-4a7b-8c9d-0e1f2a3b4c5d\n  - name: b\n    uuid: 9D3B2C1A-6E5F-4A7B-8C9D-0E1F2A3B4C5D\n';
  assert.deepEqual(issuesOf(text), [
    'inventory.yaml: instances[1].uuid: "9d3b2c1a-6e5f-4a7b-8c9d-0e1f2a3b4c5d" is already the uuid of instances[0] (a)',
  ]);
});

test('parseInventory() names both places of a duplicate router, network or instance name', () => {
  const text =
    'routers:\n  - name: edge\n  - name: edge\nnetworks:\n  - name: n\n    cidr: 10.0.0.0/24\n  - name: n\n    cidr: 10.1.0.0/24\ninstances:\n  - name: a\n  - name: a\n';
  assert.deepEqual(issuesOf(text), [
    'inventory.yaml: routers[1].name: "edge" is already the name of routers[0]',
    'inventory.yaml: networks[1].name: "n" is already the name of networks[0]',
    'inventory.yaml: instances[1].name: "a" is already the name of instances[0]',
  ]);
});

test('parseInventory() names duplicate EC2 ids', () => {
  const text =
    'instances:\n  - name: a\n    ec2_id: i-00000001\n    image_id: img\n    kernel_id: krn\n  - name: b\n    ec2_id: i-00000001\n' +
    'ec2_images:\n  - image_id: img\n    ec2_id: ami-0000000a\n  - image_id: krn\n    ec2_id: aki-0000000a\n';
  assert.deepEqual(issuesOf(text), [
    'inventory.yaml: instances[1].ec2_id: "i-00000001" is already the EC2 id of instances[0] (a)',
    'inventory.yaml: ec2_images[1].ec2_id: number 0000000a is already pinned by ec2_images[0] (img): ami-, aki- and ari- ids share one sequence',
  ]);
});

test('parseInventory() names a reference to an unknown network or router and lists the known ones', () => {
  const text =
    'routers:\n  - name: edge\nnetworks:\n  - name: private\n    router: egde\n    cidr: 10.0.0.0/24\n  - name: storage\n    cidr: 10.1.0.0/24\ninstances:\n  - name: a\n    ports: [{ network: privat, ip: 10.0.0.5 }]\n';
  assert.deepEqual(issuesOf(text), [
    'inventory.yaml: networks[0].router: no router is named "egde": the file has "edge"',
    'inventory.yaml: instances[0].ports[0].network: no network is named "privat": the file has "private", "storage"',
  ]);
  assert.deepEqual(issuesOf('instances:\n  - name: a\n    ports: [{ network: x, ip: 10.0.0.5 }]\n'), [
    'inventory.yaml: instances[0].ports[0].network: no network is named "x": the file defines no networks',
  ]);
});

test('parseInventory() gives the size of user data over 65,535 bytes', () => {
  const text = 'instances:\n  - name: a\n    user_data_file: /srv/big.bin\n';
  assert.deepEqual(issuesOf(text, { '/srv/big.bin': Buffer.alloc(70000) }), [
    "inventory.yaml: instances[0].user_data_file: user data is 70,000 bytes: the limit is 65,535 (Nova's)",
  ]);
  assert.deepEqual(issuesOf(`instances:\n  - name: a\n    user_data: "${'x'.repeat(65536)}"\n`), [
    "inventory.yaml: instances[0].user_data: user data is 65,536 bytes: the limit is 65,535 (Nova's)",
  ]);
});

test('parseInventory() gives the resolved path and the OS reason of an unreadable user_data_file', () => {
  assert.deepEqual(
    issuesOf('instances:\n  - name: a\n    user_data_file: /srv/cloud-init/../missing.yaml\n'),
    [
      'inventory.yaml: instances[0].user_data_file: cannot read "/srv/missing.yaml": ENOENT: no such file or directory',
    ],
  );
});

test('parseInventory() names the expected type and the value given', () => {
  const text = `networks:\n  - name: a\n    cidr: 10.0.0.0/24\n    mtu: big\n    dhcp: yes\n    dns: 8.8.8.8\ninstances:\n  - name: b\n    launch_index: -1\n    metadata: { replicas: 3 }\n    tags: [x, 3]\n`;
  assert.deepEqual(issuesOf(text), [
    'inventory.yaml: networks[0].mtu: expected an integer, got the string "big"',
    'inventory.yaml: networks[0].dhcp: expected true or false, got the string "yes"',
    'inventory.yaml: networks[0].dns: expected a list, got the string "8.8.8.8"',
    'inventory.yaml: instances[0].launch_index: must be in 0..65535, got -1',
    'inventory.yaml: instances[0].metadata.replicas: expected a string, got the number 3 (quote it: "3")',
    'inventory.yaml: instances[0].tags[1]: expected a non-empty string, got the number 3',
  ]);
});

test('parseInventory() refuses more than one user-data form', () => {
  assert.deepEqual(issuesOf('instances:\n  - name: a\n    user_data: hi\n    user_data_base64: aGk=\n'), [
    'inventory.yaml: instances[0]: give one of user_data, user_data_file, user_data_base64, not user_data and user_data_base64',
  ]);
});

test('parseInventory() refuses the short network form together with subnets', () => {
  assert.deepEqual(
    issuesOf(
      'networks:\n  - name: a\n    cidr: 10.0.0.0/24\n    dns: [10.0.0.2]\n    subnets: [{ cidr: 10.1.0.0/24 }]\n',
    ),
    ['inventory.yaml: networks[0].subnets: give either subnets or the short form (cidr, dns), not both'],
  );
});

test('parseInventory() names missing required keys', () => {
  assert.deepEqual(
    issuesOf(
      'networks:\n  - name: a\n  - cidr: 10.0.0.0/24\ninstances:\n  - name: b\n    keys: [{ name: k }]\n',
    ),
    [
      'inventory.yaml: networks[0]: missing required key "cidr" (or "subnets")',
      'inventory.yaml: networks[1]: missing required key "name"',
      'inventory.yaml: instances[0].keys[0]: missing required key "public_key"',
    ],
  );
});

test('parseInventory() checks subnets: gateway inside, no overlap, address mode on IPv6 only', () => {
  const text =
    'networks:\n  - name: a\n    subnets:\n      - cidr: 10.0.0.0/24\n        gateway: 10.0.1.1\n' +
    '      - cidr: 10.0.0.0/25\n        ipv6_address_mode: slaac\n';
  assert.deepEqual(issuesOf(text), [
    'inventory.yaml: networks[0].subnets[0].gateway: "10.0.1.1" is not in the subnet "10.0.0.0/24"',
    'inventory.yaml: networks[0].subnets[1].ipv6_address_mode: applies to IPv6 subnets only: "10.0.0.0/25" is IPv4',
  ]);
  assert.deepEqual(
    issuesOf('networks:\n  - name: a\n    subnets:\n      - cidr: 10.0.0.0/24\n      - cidr: 10.0.0.0/25\n'),
    [
      'inventory.yaml: networks[0].subnets[1].cidr: "10.0.0.0/25" overlaps "10.0.0.0/24" of networks[0].subnets[0]',
    ],
  );
});

test('parseInventory() checks attach: interface name, router mode needs a router', () => {
  assert.deepEqual(issuesOf(`${NET}    attach: { interface: "this-name-is-too-long", mode: router }\n`), [
    'inventory.yaml: networks[0].attach: mode "router" needs the network to have a router: add router: <name>',
    'inventory.yaml: networks[0].attach.interface: "this-name-is-too-long" is not an interface name: 1..15 characters, no "/", ":" or spaces',
  ]);
});

test('parseInventory() checks instance identity formats', () => {
  const text =
    'instances:\n  - name: a\n    ec2_id: i-1\n    reservation_id: r-ABC\n    created_at: yesterday\n    hostname: web_1\n  - name: "!!!"\n';
  assert.deepEqual(issuesOf(text), [
    'inventory.yaml: instances[0].ec2_id: "i-1" is not an EC2 instance id (expected "i-" and 8 hex digits, e.g. "i-0000000a")',
    'inventory.yaml: instances[0].reservation_id: "r-ABC" is not a reservation id (expected "r-" and 8 of 0-9, a-z)',
    'inventory.yaml: instances[0].created_at: "yesterday" is not a UTC time (expected e.g. "2024-05-01T12:00:00Z")',
    'inventory.yaml: instances[0].hostname: "web_1" is not a hostname (letters, digits, "-" and ".")',
    'inventory.yaml: instances[1].name: "!!!" leaves nothing to make a hostname of: give hostname',
  ]);
});

test('parseInventory() checks keys, block devices, devices and dedicated CPUs', () => {
  const text =
    'instances:\n  - name: a\n    keys: [{ name: k, public_key: x }, { name: k, type: rsa, public_key: y }]\n' +
    '    block_devices: [{ device_name: /dev/vda, source_type: disk, destination_type: local }]\n' +
    '    devices: [{ type: disk, bus: pcie, address: x, mac: "fa:16:3e:00:00:01" }]\n' +
    '    dedicated_cpus: [1, 1, x]\n';
  assert.deepEqual(issuesOf(text), [
    'inventory.yaml: instances[0].keys[1].name: "k" is already the name of instances[0].keys[0]',
    'inventory.yaml: instances[0].keys[1].type: "rsa" is not one of ssh, x509',
    'inventory.yaml: instances[0].block_devices[0].source_type: "disk" is not one of image, volume, snapshot, blank',
    'inventory.yaml: instances[0].devices[0].bus: "pcie" is not one of pci, usb, scsi, ide, xen, none',
    'inventory.yaml: instances[0].devices[0].mac: applies to nic devices only',
    'inventory.yaml: instances[0].dedicated_cpus[1]: CPU 1 is listed twice',
    'inventory.yaml: instances[0].dedicated_cpus[2]: expected a CPU number in 0..65535, got the string "x"',
  ]);
});

test('parseInventory() checks user_data_base64 and vendor data', () => {
  assert.deepEqual(
    issuesOf('instances:\n  - name: a\n    user_data_base64: "not base64!"\n    vendor_data: { x: .inf }\n'),
    [
      'inventory.yaml: instances[0].user_data_base64: "not base64!" is not base64 (A-Z, a-z, 0-9, "+", "/", padded with "=")',
      'inventory.yaml: instances[0].vendor_data.x: the number Infinity cannot be written as JSON',
    ],
  );
});

test('parseInventory() refuses an EC2 image pin that no instance uses', () => {
  assert.deepEqual(
    issuesOf(
      'instances:\n  - name: a\n    image_id: img\nec2_images:\n  - image_id: other\n    ec2_id: ami-0000000a\n',
    ),
    [
      'inventory.yaml: ec2_images[0].image_id: "other" is not the image_id, kernel_id or ramdisk_id of any instance: remove the pin',
    ],
  );
});

test('parseInventory() collects every error in one run, in file order', () => {
  const text =
    'networks:\n  - name: private\n    mtu: big\n    cidr: 10.0.0.5/24\ninstances:\n  - name: web-1\n    uuid: abc\n' +
    '    ports: [{ network: private, ip: 10.0.0.300 }, { network: nope, ip: 10.0.0.7 }]\n  - name: web-1\n';
  assert.deepEqual(issuesOf(text), [
    'inventory.yaml: networks[0].mtu: expected an integer, got the string "big"',
    'inventory.yaml: networks[0].cidr: "10.0.0.5/24" has host bits set: the network is "10.0.0.0/24"',
    'inventory.yaml: instances[0].uuid: "abc" is not a UUID (expected 8-4-4-4-12 hex digits)',
    'inventory.yaml: instances[0].ports[0].ip: "10.0.0.300" is not an IPv4 address',
    'inventory.yaml: instances[0].ports[1].network: no network is named "nope": the file has "private"',
    'inventory.yaml: instances[1].name: "web-1" is already the name of instances[0]',
  ]);
});

test('parseInventory() reports a top level that is not a mapping, and unknown top-level keys', () => {
  assert.deepEqual(issuesOf('- a\n'), ['inventory.yaml:1:1: expected a mapping, got a list']);
  assert.deepEqual(issuesOf('network: []\n'), [
    'inventory.yaml: network: unknown key, did you mean "networks"?: allowed keys are routers, networks, instances, ec2_images',
  ]);
});

test('parseInventory() requires attach.address in isolated mode and checks it lies in the network', () => {
  const base =
    'networks:\n  - name: iso\n    cidr: 10.9.0.0/24\n    attach:\n      interface: tap-iso\n      mode: isolated\n';
  assert.throws(
    () => parseInventory(base, 'inventory.yaml', () => Buffer.alloc(0)),
    (err: ImdsError) =>
      (err.details as Array<{ path: string; message: string }>).some(
        (d) =>
          d.path === 'networks[0].attach.address' &&
          /mode "isolated" needs the service's address/.test(d.message),
      ),
  );
  assert.throws(
    () => parseInventory(base + '      address: 10.8.0.2/24\n', 'inventory.yaml', () => Buffer.alloc(0)),
    (err: ImdsError) =>
      (err.details as Array<{ path: string; message: string }>).some(
        (d) =>
          d.path === 'networks[0].attach' &&
          d.message === 'address "10.8.0.2/24" is not in any subnet of the network (10.9.0.0/24)',
      ),
  );
  const ok = parseInventory(base + '      address: 10.9.0.2/24\n', 'inventory.yaml', () => Buffer.alloc(0));
  assert.equal(ok.desired.networks[0]!.attach!.address, '10.9.0.2/24');
});

test('parseInventory() takes attach.onlink for router mode only', () => {
  const net = (mode: string) =>
    `routers:\n  - name: r\nnetworks:\n  - name: n\n    router: r\n    cidr: 10.9.0.0/24\n    attach:\n      namespace: qrouter-r\n      interface: qr-n\n      mode: ${mode}\n      onlink: true\n`;
  const ok = parseInventory(net('router'), 'inventory.yaml', () => Buffer.alloc(0));
  assert.equal(ok.desired.networks[0]!.attach!.onlink, true);
  assert.throws(
    () => parseInventory(net('onlink'), 'inventory.yaml', () => Buffer.alloc(0)),
    (err: ImdsError) =>
      (err.details as Array<{ path: string; message: string }>).some(
        (d) =>
          d.path === 'networks[0].attach.onlink' && d.message.startsWith('only router mode takes onlink'),
      ),
  );
});

test('parseInventory() takes attach.token_hop_limit 1..64 or off, and attach.neighbour_check as a boolean', () => {
  const net = (extra: string) => `${NET}    attach:\n      interface: virbr0\n${extra}`;
  const attachOf = (extra: string) =>
    parseInventory(net(extra), 'inventory.yaml', () => Buffer.alloc(0)).desired.networks[0]!.attach!;
  assert.equal(attachOf('').tokenHopLimit, undefined, 'absent: the default, left out');
  assert.equal(attachOf('      token_hop_limit: 1\n').tokenHopLimit, undefined, '1 is the default');
  assert.equal(attachOf('      token_hop_limit: 64\n').tokenHopLimit, 64);
  assert.equal(attachOf('      token_hop_limit: off\n').tokenHopLimit, null);
  assert.equal(attachOf('      token_hop_limit: false\n').tokenHopLimit, null);
  assert.equal(attachOf('      neighbour_check: true\n').neighbourCheck, true);
  assert.equal(attachOf('      neighbour_check: false\n').neighbourCheck, undefined);
  assert.deepEqual(issuesOf(net('      token_hop_limit: 65\n')), [
    'inventory.yaml: networks[0].attach.token_hop_limit: must be 1..64 (the IP TTL of token replies) or off, got the number 65',
  ]);
  assert.deepEqual(issuesOf(net('      token_hop_limit: "on"\n')), [
    'inventory.yaml: networks[0].attach.token_hop_limit: must be 1..64 (the IP TTL of token replies) or off, got the string "on"',
  ]);
  assert.deepEqual(issuesOf(net('      neighbour_check: yes\n')), [
    'inventory.yaml: networks[0].attach.neighbour_check: expected true or false, got the string "yes"',
  ]);
});
