// The behaviour every Store must show, whatever is behind it. Each implementation's test file calls
// storeContract() with a factory that returns a fresh, empty store per test.
import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { ImdsError, type ErrorCode } from '../../src/errors.js';
import type { Network, Router } from '../../src/model/network.js';
import type { Port } from '../../src/model/port.js';
import type { InstanceInput, Store } from '../../src/store/store.js';

// --- fixtures (also used by the implementation-specific tests)

export const ROUTER: Router = { id: 'r-1', name: 'router-1' };

export function networkFixture(over: Partial<Network> = {}): Network {
  return {
    id: 'n-a',
    name: 'net-a',
    subnets: [
      {
        id: 's-a4',
        cidr: '10.0.0.0/24',
        ipVersion: 4,
        gateway: '10.0.0.1',
        dns: ['10.0.0.2', '9.9.9.9'],
        hostRoutes: [{ destination: '10.20.0.0/16', nexthop: '10.0.0.254' }],
        dhcp: true,
        ipv6AddressMode: null,
      },
      {
        id: 's-a6',
        cidr: '2001:db8:a::/64',
        ipVersion: 6,
        gateway: null,
        dns: [],
        hostRoutes: [],
        dhcp: false,
        ipv6AddressMode: 'slaac',
      },
    ],
    mtu: 1450,
    routerId: ROUTER.id,
    attach: { namespace: 'qrouter-r-1', interface: 'qr-1', mode: 'router', address: null },
    ...over,
  };
}

function subnet4(id: string, cidr: string): Network['subnets'][number] {
  return {
    id,
    cidr,
    ipVersion: 4,
    gateway: null,
    dns: [],
    hostRoutes: [],
    dhcp: true,
    ipv6AddressMode: null,
  };
}

/** net-b: another network on the router. net-c: isolated, and reusing net-a's IPv4 range (tenants do). */
export const NET_B = networkFixture({
  id: 'n-b',
  name: 'net-b',
  subnets: [subnet4('s-b', '10.1.0.0/24')],
  attach: null,
});
export const NET_C = networkFixture({
  id: 'n-c',
  name: 'net-c',
  subnets: [subnet4('s-c', '10.0.0.0/24')],
  routerId: null,
  attach: null,
});

export function instanceInput(over: Partial<InstanceInput> = {}): InstanceInput {
  return {
    uuid: 'u-1',
    name: 'vm-1',
    hostname: 'vm-1',
    projectId: 'p-1',
    availabilityZone: 'nova',
    launchIndex: 0,
    flavor: 'm1.small',
    imageId: 'img-1',
    kernelId: null,
    ramdiskId: null,
    reservationId: 'r-0a1b2c3d',
    metadata: { role: 'web', 'zz-first': 'insertion order', a: '1' },
    keypairs: [{ name: 'key-1', type: 'ssh', publicKey: 'ssh-ed25519 AAAAC3Nz key-1' }],
    securityGroups: ['default', 'web'],
    rootDeviceName: '/dev/vda',
    defaultEphemeralDevice: null,
    defaultSwapDevice: null,
    blockDevices: [
      {
        deviceName: '/dev/vda',
        sourceType: 'image',
        destinationType: 'local',
        guestFormat: null,
        bootIndex: 0,
      },
    ],
    devices: [
      { type: 'nic', bus: 'pci', address: '0000:00:03.0', tags: ['uplink'], mac: 'fa:16:3e:00:00:01' },
    ],
    dedicatedCpus: [2, 3],
    userData: Buffer.from('#cloud-config\n'),
    vendorData: { cloud: { answer: 42 } },
    tags: ['blue'],
    httpTokens: null,
    ...over,
  };
}

export function portFixture(over: Partial<Port> = {}): Port {
  return {
    id: 'port-1',
    instanceUuid: 'u-1',
    networkId: 'n-a',
    mac: 'fa:16:3e:00:00:01',
    fixedIps: ['10.0.0.5'],
    floatingIp: null,
    vifType: 'ovs',
    devname: 'tap00000001-aa',
    ...over,
  };
}

/** A router, three networks (net-a, net-b on the router; net-c isolated) and two instances. */
export function seed(store: Store): void {
  store.putRouter(ROUTER);
  store.putNetwork(networkFixture());
  store.putNetwork(NET_B);
  store.putNetwork(NET_C);
  store.putInstance(instanceInput());
  store.putInstance(instanceInput({ uuid: 'u-2', name: 'vm-2', hostname: 'vm-2' }));
}

export function assertImdsError(fn: () => unknown, code: ErrorCode, message?: RegExp): ImdsError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof ImdsError, `expected ImdsError ${code}, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  if (message !== undefined) assert.match(caught.message, message);
  assert.ok(caught.hint !== undefined && caught.hint.length > 0, `${code} has a hint`);
  assert.doesNotMatch(caught.message, /\.$/, 'messages end without a period');
  return caught;
}

// --- the contract

export type OpenStore = () => Store | Promise<Store>;

export function storeContract(label: string, open: OpenStore): void {
  const fresh = async (t: TestContext, seeded = true): Promise<Store> => {
    const store = await open();
    t.after(() => store.close());
    if (seeded) seed(store);
    return store;
  };
  describe(`Store contract (${label})`, () => {
    topologyContract(fresh);
    instanceContract(fresh);
    ec2IdContract(fresh);
    portContract(fresh);
    lookupContract(fresh);
    revisionContract(fresh);
    passwordContract(fresh);
    transactionContract(fresh);
  });
}

type Fresh = (t: TestContext, seeded?: boolean) => Promise<Store>;

function topologyContract(fresh: Fresh): void {
  test('putRouter() creates and replaces by id; findRouter() takes an id or a name', async (t) => {
    const store = await fresh(t, false);
    store.putRouter({ id: 'r-2', name: 'zeta' });
    store.putRouter({ id: 'r-1', name: 'alpha' });
    store.putRouter({ id: 'r-2', name: 'beta' });
    assert.deepEqual(store.listRouters(), [
      { id: 'r-1', name: 'alpha' },
      { id: 'r-2', name: 'beta' },
    ]);
    assert.deepEqual(store.findRouter('beta'), { id: 'r-2', name: 'beta' });
    assert.deepEqual(store.findRouter('r-1'), { id: 'r-1', name: 'alpha' });
    assert.equal(store.findRouter('zeta'), undefined);
  });

  test('deleteRouter() refuses a router that still has networks, then deletes it', async (t) => {
    const store = await fresh(t);
    assertImdsError(
      () => store.deleteRouter('r-1'),
      'IN_USE',
      /Cannot delete router "router-1" as 2 network/,
    );
    store.putNetwork(networkFixture({ routerId: null }));
    store.putNetwork({ ...NET_B, routerId: null });
    assert.equal(store.deleteRouter('r-1'), true);
    assert.equal(store.deleteRouter('r-1'), false);
    assert.equal(store.findRouter('r-1'), undefined);
  });

  test('putRouter(), putNetwork() and putInstance() refuse a name another of the same kind has', async (t) => {
    const store = await fresh(t);
    assertImdsError(
      () => store.putRouter({ id: 'r-9', name: 'router-1' }),
      'DUPLICATE_NAME',
      /"r-1".*"router-1"/,
    );
    assertImdsError(() => store.putNetwork(networkFixture({ id: 'n-9' })), 'DUPLICATE_NAME', /network "n-a"/);
    assertImdsError(
      () => store.putInstance(instanceInput({ uuid: 'u-9' })),
      'DUPLICATE_NAME',
      /instance "u-1"/,
    );
    // Kinds have separate namespaces.
    store.putRouter({ id: 'r-9', name: 'net-a' });
    assert.equal(store.findNetwork('net-a')?.id, 'n-a');
  });

  test('putNetwork() round-trips every field; findNetwork() takes an id or a name; listNetworks() sorts by name', async (t) => {
    const store = await fresh(t);
    assert.deepEqual(store.findNetwork('n-a'), networkFixture());
    assert.deepEqual(store.findNetwork('net-b'), NET_B);
    assert.deepEqual(
      store.listNetworks().map((n) => n.name),
      ['net-a', 'net-b', 'net-c'],
    );
    store.putNetwork(networkFixture({ name: 'net-z', mtu: null, attach: null }));
    assert.deepEqual(store.findNetwork('n-a'), networkFixture({ name: 'net-z', mtu: null, attach: null }));
    assert.equal(store.findNetwork('net-a'), undefined);
  });

  test('putNetwork() refuses an unknown router and a subnet CIDR with host bits', async (t) => {
    const store = await fresh(t);
    assertImdsError(
      () => store.putNetwork(networkFixture({ id: 'n-9', name: 'x', routerId: 'r-x' })),
      'ROUTER_NOT_FOUND',
      /"r-x"/,
    );
    const bad = networkFixture({ id: 'n-9', name: 'x', subnets: [subnet4('s', '10.9.0.1/24')] });
    assertImdsError(() => store.putNetwork(bad), 'VALIDATION_FAILED', /"10\.9\.0\.1\/24"/);
    assert.equal(store.findNetwork('n-9'), undefined);
  });

  test("putNetwork() refuses new subnets that leave a port's fixed IP outside", async (t) => {
    const store = await fresh(t);
    store.putPort(portFixture({ fixedIps: ['10.0.0.5', '2001:db8:a::5'] }));
    const v4only = networkFixture({ subnets: [subnet4('s-a4', '10.0.0.0/24')] });
    assertImdsError(
      () => store.putNetwork(v4only),
      'ADDRESS_OUTSIDE_NETWORK',
      /port "port-1".*"2001:db8:a::5"/,
    );
    assert.deepEqual(store.findNetwork('n-a'), networkFixture());
    // Widening keeps every address inside.
    store.putNetwork(
      networkFixture({ subnets: [subnet4('s-a4', '10.0.0.0/16'), networkFixture().subnets[1]!] }),
    );
    assert.equal(store.findNetwork('n-a')?.subnets[0]?.cidr, '10.0.0.0/16');
  });

  test('deleteNetwork() refuses a network that still has ports, then deletes it', async (t) => {
    const store = await fresh(t);
    store.putPort(portFixture());
    assertImdsError(() => store.deleteNetwork('n-a'), 'IN_USE', /network "net-a" as 1 port.*"port-1"/);
    store.deletePort('port-1');
    assert.equal(store.deleteNetwork('n-a'), true);
    assert.equal(store.deleteNetwork('n-a'), false);
    assert.equal(store.findNetwork('net-a'), undefined);
  });

  test('networkIdsOfRouter() lists the attached networks, and none for an unknown router', async (t) => {
    const store = await fresh(t);
    assert.deepEqual(store.networkIdsOfRouter('r-1'), ['n-a', 'n-b']);
    assert.deepEqual(store.networkIdsOfRouter('r-x'), []);
    store.putNetwork({ ...NET_B, routerId: null });
    assert.deepEqual(store.networkIdsOfRouter('r-1'), ['n-a']);
  });
}

function instanceContract(fresh: Fresh): void {
  test('putInstance() stores every field; findInstance() takes a uuid or a name', async (t) => {
    const store = await fresh(t, false);
    const input = instanceInput({ createdAt: '2024-05-01T10:00:00.000Z' });
    const stored = store.putInstance(input);
    assert.deepEqual(stored, {
      ...input,
      ec2Id: stored.ec2Id,
      ec2ImageId: stored.ec2ImageId,
      ec2KernelId: null,
      ec2RamdiskId: null,
      password: null,
      revision: stored.revision,
    });
    assert.ok(stored.ec2ImageId !== null && stored.revision > 0);
    assert.deepEqual(store.findInstance('u-1'), stored);
    assert.deepEqual(store.findInstance('vm-1'), stored);
    assert.deepEqual(Object.keys(stored.metadata), ['role', 'zz-first', 'a']);
    assert.equal(store.findInstance('vm-9'), undefined);
  });

  test('putInstance() sets createdAt once and keeps it, the EC2 id and the password on replace', async (t) => {
    const store = await fresh(t, false);
    const first = store.putInstance(instanceInput());
    assert.match(first.createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    store.setPassword('u-1', 'secret');
    const second = store.putInstance(instanceInput({ name: 'vm-renamed', flavor: 'm1.large' }));
    assert.equal(second.ec2Id, first.ec2Id);
    assert.equal(second.createdAt, first.createdAt);
    assert.equal(second.password, 'secret');
    assert.deepEqual(store.findInstance('vm-renamed'), second);
    assert.deepEqual(
      store.listInstances().map((i) => i.name),
      ['vm-renamed'],
    );
  });

  test('deleteInstance() removes the instance with its ports and frees their addresses', async (t) => {
    const store = await fresh(t);
    store.putPort(portFixture());
    assert.equal(store.deleteInstance('u-1'), true);
    assert.equal(store.deleteInstance('u-1'), false);
    assert.equal(store.findInstance('u-1'), undefined);
    assert.equal(store.findPort('port-1'), undefined);
    store.putPort(portFixture({ id: 'port-2', instanceUuid: 'u-2' }));
    assert.equal(store.findPortsByAddress(['n-a'], '10.0.0.5')[0]?.port.id, 'port-2');
  });

  test('putInstance() round-trips user data byte-exact, including non-UTF-8 bytes and gzip', async (t) => {
    const store = await fresh(t, false);
    const samples: Array<Buffer | null> = [
      Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0xff, 0xfe, 0x00, 0x80, 0xc3, 0x28]),
      Buffer.from([0xef, 0xbb, 0xbf, 0x23, 0x21, 0x0d, 0x0a]),
      Buffer.alloc(0),
      null,
    ];
    for (const userData of samples) {
      store.putInstance(instanceInput({ userData }));
      const back = store.findInstance('u-1')!.userData;
      if (userData === null) assert.equal(back, null);
      else
        assert.ok(back !== null && Buffer.compare(back, userData) === 0, `bytes ${userData.toString('hex')}`);
    }
    store.putInstance(instanceInput({ userData: new Uint8Array([0, 1, 254, 255]) as Buffer }));
    assert.deepEqual([...store.findInstanceRecord('u-1')!.instance.userData!], [0, 1, 254, 255]);
  });

  test('putInstance() accepts 65,535 bytes of user data and refuses 65,536', async (t) => {
    const store = await fresh(t, false);
    const max = Buffer.alloc(65535, 0xab);
    assert.equal(store.putInstance(instanceInput({ userData: max })).userData?.length, 65535);
    assert.equal(Buffer.compare(store.findInstance('u-1')!.userData!, max), 0);
    const mark = store.changeMark();
    assertImdsError(
      () => store.putInstance(instanceInput({ name: 'vm-big', userData: Buffer.alloc(65536) })),
      'USER_DATA_TOO_LARGE',
      /"vm-big".*65535 bytes: 65536 bytes/,
    );
    assert.equal(store.changeMark(), mark);
    assert.equal(store.findInstance('u-1')!.name, 'vm-1');
  });
}

function ec2IdContract(fresh: Fresh): void {
  test('putInstance() assigns EC2 ids once from a sequence and keeps them on replace', async (t) => {
    const store = await fresh(t, false);
    const a = store.putInstance(instanceInput({ uuid: 'u-a', name: 'a' }));
    const b = store.putInstance(instanceInput({ uuid: 'u-b', name: 'b' }));
    assert.ok(Number.isInteger(a.ec2Id) && a.ec2Id >= 1);
    assert.equal(b.ec2Id, a.ec2Id + 1);
    assert.equal(store.putInstance(instanceInput({ uuid: 'u-a', name: 'a', hostname: 'x' })).ec2Id, a.ec2Id);
    assert.equal(store.findInstance('b')!.ec2Id, b.ec2Id);
  });

  test('putInstance() honours a pinned ec2Id, and the sequence never hands it out', async (t) => {
    const store = await fresh(t, false);
    const first = store.putInstance(instanceInput({ uuid: 'u-a', name: 'a' }));
    const pinned = store.putInstance(instanceInput({ uuid: 'u-b', name: 'b', ec2Id: first.ec2Id + 1 }));
    assert.equal(pinned.ec2Id, first.ec2Id + 1);
    assert.equal(
      store.putInstance(instanceInput({ uuid: 'u-b', name: 'b', ec2Id: first.ec2Id + 1 })).ec2Id,
      pinned.ec2Id,
    );
    const next = store.putInstance(instanceInput({ uuid: 'u-c', name: 'c' }));
    assert.equal(next.ec2Id, first.ec2Id + 2);
  });

  test('putInstance() refuses a pinned ec2Id that another instance has, or a new one for a live instance', async (t) => {
    const store = await fresh(t, false);
    const a = store.putInstance(instanceInput({ uuid: 'u-a', name: 'a' }));
    assertImdsError(
      () => store.putInstance(instanceInput({ uuid: 'u-b', name: 'b', ec2Id: a.ec2Id })),
      'EC2_ID_IN_USE',
      /i-0000000\d to instance "u-b" as instance "u-a" has it/,
    );
    assert.equal(store.findInstance('b'), undefined);
    assertImdsError(
      () => store.putInstance(instanceInput({ uuid: 'u-a', name: 'a', ec2Id: 0x1234 })),
      'EC2_ID_IN_USE',
      /already has/,
    );
    assertImdsError(
      () => store.putInstance(instanceInput({ uuid: 'u-c', name: 'c', ec2Id: 0 })),
      'VALIDATION_FAILED',
    );
    assertImdsError(
      () => store.putInstance(instanceInput({ uuid: 'u-c', name: 'c', ec2Id: 2 ** 32 })),
      'VALIDATION_FAILED',
    );
  });

  test('deleteInstance() keeps the EC2 id reserved for its uuid, never reused by another', async (t) => {
    const store = await fresh(t, false);
    const a = store.putInstance(instanceInput({ uuid: 'u-a', name: 'a' }));
    store.deleteInstance('u-a');
    const b = store.putInstance(instanceInput({ uuid: 'u-b', name: 'b' }));
    assert.notEqual(b.ec2Id, a.ec2Id);
    assert.equal(store.putInstance(instanceInput({ uuid: 'u-a', name: 'a' })).ec2Id, a.ec2Id);
  });

  test('putInstance() maps image, kernel and ramdisk ids through one image sequence, apart from instance ids', async (t) => {
    const store = await fresh(t, false);
    const a = store.putInstance(
      instanceInput({ uuid: 'u-a', name: 'a', imageId: 'img-1', kernelId: 'aki-src', ramdiskId: 'ari-src' }),
    );
    const b = store.putInstance(
      instanceInput({ uuid: 'u-b', name: 'b', imageId: 'aki-src', kernelId: null, ramdiskId: null }),
    );
    const c = store.putInstance(instanceInput({ uuid: 'u-c', name: 'c', imageId: null }));
    assert.equal(a.ec2ImageId, 1);
    assert.equal(a.ec2KernelId, 2);
    assert.equal(a.ec2RamdiskId, 3);
    assert.equal(b.ec2ImageId, a.ec2KernelId, 'one number per image UUID, whatever the role');
    assert.equal(c.ec2ImageId, null);
    assert.deepEqual([a.ec2Id, b.ec2Id, c.ec2Id], [1, 2, 3], 'i- numbers run on their own');
  });

  test('pinEc2Image() pins an image before first use and refuses conflicting pins', async (t) => {
    const store = await fresh(t, false);
    store.pinEc2Image({ imageId: 'img-1', ec2Id: 1 });
    store.pinEc2Image({ imageId: 'img-1', ec2Id: 1 });
    store.pinEc2Image({ imageId: 'img-unused', ec2Id: 7 });
    store.pinEc2Image({ imageId: 'img-unused', ec2Id: 8 });
    assertImdsError(
      () => store.pinEc2Image({ imageId: 'img-2', ec2Id: 1 }),
      'EC2_ID_IN_USE',
      /ami-00000001 to image "img-2" as image "img-1" has it/,
    );
    const a = store.putInstance(
      instanceInput({ uuid: 'u-a', name: 'a', imageId: 'img-1', kernelId: 'img-2' }),
    );
    assert.equal(a.ec2ImageId, 1);
    assert.equal(a.ec2KernelId, 2, 'the sequence skips the pinned 1');
    assertImdsError(
      () => store.pinEc2Image({ imageId: 'img-1', ec2Id: 9 }),
      'EC2_ID_IN_USE',
      /already has ami-00000001/,
    );
    assert.equal(
      store.putInstance(instanceInput({ uuid: 'u-b', name: 'b', imageId: 'img-unused' })).ec2ImageId,
      8,
    );
  });
}

function portContract(fresh: Fresh): void {
  test('putPort() creates and replaces by id; listPorts() keeps first-insertion order across replaces', async (t) => {
    const store = await fresh(t);
    store.putPort(portFixture({ id: 'port-z' }));
    store.putPort(
      portFixture({ id: 'port-a', networkId: 'n-b', mac: 'fa:16:3e:00:00:02', fixedIps: ['10.1.0.5'] }),
    );
    store.putPort(
      portFixture({ id: 'port-z', fixedIps: ['10.0.0.6', '2001:db8:a::6'], floatingIp: '203.0.113.6' }),
    );
    assert.deepEqual(
      store.listPorts('u-1').map((p) => p.id),
      ['port-z', 'port-a'],
    );
    assert.deepEqual(
      store.findPort('port-z'),
      portFixture({ id: 'port-z', fixedIps: ['10.0.0.6', '2001:db8:a::6'], floatingIp: '203.0.113.6' }),
    );
    assert.deepEqual(store.listPorts('u-2'), []);
    assert.equal(store.listPorts().length, 2);
    assert.equal(store.findPort('port-x'), undefined);
  });

  test('putPort() stores the MAC and addresses in canonical form', async (t) => {
    const store = await fresh(t);
    store.putPort(portFixture({ mac: 'FA-16-3E-00-00-0A', fixedIps: ['2001:DB8:A:0::7', '10.0.0.7'] }));
    const port = store.findPort('port-1')!;
    assert.equal(port.mac, 'fa:16:3e:00:00:0a');
    assert.deepEqual(port.fixedIps, ['2001:db8:a::7', '10.0.0.7']);
    assertImdsError(() => store.putPort(portFixture({ id: 'p-2', mac: 'nope' })), 'VALIDATION_FAILED', /MAC/);
    assertImdsError(
      () => store.putPort(portFixture({ id: 'p-2', fixedIps: ['10.0.0.300'] })),
      'VALIDATION_FAILED',
      /"10\.0\.0\.300"/,
    );
    assertImdsError(
      () => store.putPort(portFixture({ id: 'p-2', fixedIps: ['10.0.0.8', '10.0.0.8'] })),
      'VALIDATION_FAILED',
      /twice/,
    );
  });

  test('putPort() refuses a fixed IP outside every subnet of its network', async (t) => {
    const store = await fresh(t);
    assertImdsError(
      () => store.putPort(portFixture({ fixedIps: ['10.0.0.5', '10.1.0.5'] })),
      'ADDRESS_OUTSIDE_NETWORK',
      /port "port-1" .* network "net-a" \(10\.0\.0\.0\/24, 2001:db8:a::\/64\): "10\.1\.0\.5"/,
    );
    assert.equal(store.findPort('port-1'), undefined);
  });

  test('putPort() refuses a fixed IP another port has on the same network, naming it', async (t) => {
    const store = await fresh(t);
    store.putPort(portFixture());
    assertImdsError(
      () =>
        store.putPort(portFixture({ id: 'port-2', instanceUuid: 'u-2', fixedIps: ['10.0.0.9', '10.0.0.5'] })),
      'ADDRESS_IN_USE',
      /port "port-1" of instance "vm-1" .* network "net-a": "10\.0\.0\.5"/,
    );
    assert.equal(store.findPort('port-2'), undefined);
    assert.deepEqual(store.findPortsByAddress(['n-a'], '10.0.0.9'), [], 'nothing of the refused port stays');
    // The same address on another network is another address.
    store.putPort(portFixture({ id: 'port-2', instanceUuid: 'u-2', networkId: 'n-c' }));
    // Re-putting a port with its own addresses is not a conflict.
    store.putPort(portFixture({ vifType: 'bridge' }));
    assert.equal(store.findPort('port-1')?.vifType, 'bridge');
  });

  test('putPort() refuses an unknown network or instance', async (t) => {
    const store = await fresh(t);
    assertImdsError(() => store.putPort(portFixture({ networkId: 'n-x' })), 'NETWORK_NOT_FOUND', /"n-x"/);
    assertImdsError(() => store.putPort(portFixture({ instanceUuid: 'u-x' })), 'INSTANCE_NOT_FOUND', /"u-x"/);
  });

  test('deletePort() removes the port and frees its addresses', async (t) => {
    const store = await fresh(t);
    store.putPort(portFixture());
    assert.equal(store.deletePort('port-1'), true);
    assert.equal(store.deletePort('port-1'), false);
    assert.deepEqual(store.listPorts('u-1'), []);
    store.putPort(portFixture({ id: 'port-2', instanceUuid: 'u-2' }));
  });

  test('putPort() moves a port to another network and instance, freeing the old address', async (t) => {
    const store = await fresh(t);
    store.putPort(portFixture());
    store.putPort(portFixture({ instanceUuid: 'u-2', networkId: 'n-b', fixedIps: ['10.1.0.5'] }));
    assert.deepEqual(store.findPortsByAddress(['n-a'], '10.0.0.5'), []);
    assert.equal(store.findPortsByAddress(['n-b'], '10.1.0.5')[0]?.instanceUuid, 'u-2');
    assert.deepEqual(store.listPorts('u-1'), []);
  });
}

function lookupContract(fresh: Fresh): void {
  test('findPortsByAddress() finds 0, 1 or 2 matches across the networks asked for', async (t) => {
    const store = await fresh(t);
    store.putPort(portFixture());
    store.putPort(
      portFixture({ id: 'port-2', instanceUuid: 'u-2', networkId: 'n-c', mac: 'fa:16:3e:00:00:02' }),
    );
    const one = store.findPortsByAddress(['n-a', 'n-b'], '10.0.0.5');
    assert.equal(one.length, 1);
    const vm1 = store.findInstance('u-1')!;
    assert.deepEqual(one[0], {
      port: store.findPort('port-1'),
      instanceUuid: 'u-1',
      projectId: 'p-1',
      revision: vm1.revision,
    });
    assert.deepEqual(
      store
        .findPortsByAddress(['n-c', 'n-a'], '10.0.0.5')
        .map((m) => m.port.id)
        .sort(),
      ['port-1', 'port-2'],
    );
    assert.deepEqual(store.findPortsByAddress(['n-b'], '10.0.0.5'), []);
    assert.deepEqual(store.findPortsByAddress([], '10.0.0.5'), []);
    assert.deepEqual(store.findPortsByAddress(['n-a'], '10.0.0.6'), []);
    assert.deepEqual(store.findPortsByAddress(['n-a'], 'not an address'), []);
    assert.equal(
      store.findPortsByAddress(['n-a'], '::ffff:10.0.0.5').length,
      1,
      'an IPv4-mapped peer matches',
    );
  });

  test("findPortsByAddress() matches any of a port's fixed IPs, IPv6 in any spelling", async (t) => {
    const store = await fresh(t);
    store.putPort(portFixture({ fixedIps: ['10.0.0.5', '2001:db8:a::5'] }));
    assert.equal(store.findPortsByAddress(['n-a'], '2001:DB8:A:0:0:0:0:5')[0]?.port.id, 'port-1');
  });

  test('findPortsByMac() finds the ports with a MAC on the networks asked for', async (t) => {
    const store = await fresh(t);
    store.putPort(portFixture());
    store.putPort(
      portFixture({ id: 'port-2', instanceUuid: 'u-2', networkId: 'n-c', fixedIps: ['10.0.0.9'] }),
    );
    assert.deepEqual(
      store.findPortsByMac(['n-a'], 'FA:16:3E:00:00:01').map((m) => m.port.id),
      ['port-1'],
    );
    assert.equal(store.findPortsByMac(['n-a', 'n-c'], 'fa:16:3e:00:00:01').length, 2);
    assert.deepEqual(store.findPortsByMac(['n-b'], 'fa:16:3e:00:00:01'), []);
    assert.deepEqual(store.findPortsByMac(['n-a'], 'junk'), []);
  });

  test('findInstanceRecord() returns the instance with its ports in order, each with its network', async (t) => {
    const store = await fresh(t);
    store.putPort(portFixture({ id: 'port-z', networkId: 'n-b', fixedIps: ['10.1.0.5'] }));
    store.putPort(portFixture({ id: 'port-a' }));
    const record = store.findInstanceRecord('u-1')!;
    assert.deepEqual(record.instance, store.findInstance('u-1'));
    assert.deepEqual(
      record.ports.map((p) => [p.port.id, p.network.name]),
      [
        ['port-z', 'net-b'],
        ['port-a', 'net-a'],
      ],
    );
    assert.deepEqual(record.ports[1]!.network, networkFixture());
    assert.equal(store.findInstanceRecord('u-x'), undefined);
    assert.equal(store.findRevision('u-x'), undefined);
  });

  test('snapshot() returns everything in a stable order: by name, ports in instance order', async (t) => {
    const store = await fresh(t);
    store.putPort(portFixture({ id: 'port-z' }));
    store.putPort(portFixture({ id: 'port-a', networkId: 'n-b', fixedIps: ['10.1.0.5'] }));
    store.putInstance(instanceInput({ uuid: 'u-0', name: 'vm-0', hostname: 'vm-0' }));
    const snap = store.snapshot();
    assert.deepEqual(snap.routers, [ROUTER]);
    assert.deepEqual(
      snap.networks.map((n) => n.name),
      ['net-a', 'net-b', 'net-c'],
    );
    assert.deepEqual(
      snap.instances.map((i) => i.instance.name),
      ['vm-0', 'vm-1', 'vm-2'],
    );
    assert.deepEqual(
      snap.instances[1]!.ports.map((p) => p.id),
      ['port-z', 'port-a'],
    );
    assert.deepEqual(snap, store.snapshot());
  });
}

function revisionContract(fresh: Fresh): void {
  test('putInstance() bumps the revision on every replace; findRevision() agrees', async (t) => {
    const store = await fresh(t);
    const r0 = store.findRevision('u-1')!;
    const r1 = store.putInstance(instanceInput({ flavor: 'm1.large' })).revision;
    const r2 = store.putInstance(instanceInput({ flavor: 'm1.large' })).revision;
    assert.ok(r0 < r1 && r1 < r2, `${r0} < ${r1} < ${r2}`);
    assert.equal(store.findRevision('u-1'), r2);
  });

  test('putPort() and deletePort() bump the revision of the instances they touch', async (t) => {
    const store = await fresh(t);
    const rev = (uuid: string) => store.findRevision(uuid)!;
    let before = rev('u-1');
    store.putPort(portFixture());
    assert.ok(rev('u-1') > before, 'create');
    before = rev('u-1');
    store.putPort(portFixture({ floatingIp: '203.0.113.5' }));
    assert.ok(rev('u-1') > before, 'replace');
    const [b1, b2] = [rev('u-1'), rev('u-2')];
    store.putPort(portFixture({ instanceUuid: 'u-2' }));
    assert.ok(rev('u-1') > b1 && rev('u-2') > b2, 'move: both instances');
    before = rev('u-2');
    store.deletePort('port-1');
    assert.ok(rev('u-2') > before, 'delete');
  });

  test('putNetwork() bumps the revision of instances with a port on it, and only theirs', async (t) => {
    const store = await fresh(t);
    store.putPort(portFixture());
    const [b1, b2] = [store.findRevision('u-1')!, store.findRevision('u-2')!];
    store.putNetwork(networkFixture({ mtu: 9000 }));
    assert.ok(store.findRevision('u-1')! > b1);
    assert.equal(store.findRevision('u-2'), b2);
  });

  test('setPassword() and clearPassword() bump the revision', async (t) => {
    const store = await fresh(t);
    const r0 = store.findRevision('u-1')!;
    store.setPassword('u-1', 'pw');
    const r1 = store.findRevision('u-1')!;
    store.clearPassword('u-1');
    const r2 = store.findRevision('u-1')!;
    assert.ok(r0 < r1 && r1 < r2, `${r0} < ${r1} < ${r2}`);
  });

  test('putInstance() after deleteInstance() never reuses an old revision number', async (t) => {
    const store = await fresh(t);
    for (let i = 0; i < 3; i++) store.putInstance(instanceInput({ hostname: `h${i}` }));
    const old = store.findRevision('u-1')!;
    store.deleteInstance('u-1');
    assert.ok(store.putInstance(instanceInput()).revision > old);
  });

  test('changeMark() changes on every write, and not on reads or refused writes', async (t) => {
    const store = await fresh(t, false);
    const writes: Array<[string, () => unknown]> = [
      ['putRouter', () => store.putRouter(ROUTER)],
      ['putNetwork', () => store.putNetwork(networkFixture())],
      ['putInstance', () => store.putInstance(instanceInput())],
      ['putPort', () => store.putPort(portFixture())],
      ['pinEc2Image', () => store.pinEc2Image({ imageId: 'img-9', ec2Id: 99 })],
      ['setPassword', () => store.setPassword('u-1', 'pw')],
      ['clearPassword', () => store.clearPassword('u-1')],
      ['transaction', () => store.transaction(() => store.putRouter({ id: 'r-2', name: 'r2' }))],
      ['deletePort', () => store.deletePort('port-1')],
      ['deleteInstance', () => store.deleteInstance('u-1')],
      ['deleteNetwork', () => store.deleteNetwork('n-a')],
      ['deleteRouter', () => store.deleteRouter('r-1')],
    ];
    for (const [name, write] of writes) {
      const before = store.changeMark();
      write();
      assert.notEqual(store.changeMark(), before, name);
    }
    const mark = store.changeMark();
    store.snapshot();
    store.deleteRouter('r-x');
    assert.throws(() => store.putPort(portFixture()));
    assert.equal(store.changeMark(), mark);
  });
}

function passwordContract(fresh: Fresh): void {
  test('setPassword() stores once, then answers already-set; unknown instances are told apart', async (t) => {
    const store = await fresh(t);
    assert.equal(store.setPassword('u-1', 'first'), 'stored');
    assert.equal(store.setPassword('u-1', 'second'), 'already-set');
    assert.equal(store.setPassword('u-x', 'pw'), 'no-such-instance');
    assert.equal(store.findInstance('u-1')!.password, 'first');
    store.putInstance(instanceInput({ flavor: 'm1.large' }));
    assert.equal(store.findInstance('u-1')!.password, 'first', 'putInstance() never touches it');
    assertImdsError(() => store.setPassword('u-2', 'x'.repeat(1021)), 'VALIDATION_FAILED', /1020 bytes/);
  });

  test('clearPassword() makes a later setPassword() acceptable again', async (t) => {
    const store = await fresh(t);
    store.setPassword('u-1', 'first');
    assert.equal(store.clearPassword('u-1'), true);
    assert.equal(store.findInstance('u-1')!.password, null);
    assert.equal(store.setPassword('u-1', 'second'), 'stored');
    assert.equal(store.clearPassword('u-x'), false);
  });
}

function transactionContract(fresh: Fresh): void {
  test('transaction() lands all writes together and returns what fn returns', async (t) => {
    const store = await fresh(t);
    const result = store.transaction(() => {
      store.putPort(portFixture());
      store.putPort(portFixture({ id: 'port-2', networkId: 'n-b', fixedIps: ['10.1.0.5'] }));
      return 'done';
    });
    assert.equal(result, 'done');
    assert.equal(store.listPorts('u-1').length, 2);
  });

  test('transaction() leaves the store unchanged when fn throws', async (t) => {
    const store = await fresh(t);
    const before = store.snapshot();
    const mark = store.changeMark();
    assert.throws(
      () =>
        store.transaction(() => {
          store.putPort(portFixture());
          store.putInstance(instanceInput({ flavor: 'm1.huge' }));
          store.setPassword('u-1', 'pw');
          store.deleteInstance('u-2');
          throw new Error('boom');
        }),
      /boom/,
    );
    assert.deepEqual(store.snapshot(), before);
    assert.equal(store.changeMark(), mark);
  });

  test('transaction() nested in another joins it: an outer failure undoes the inner writes', async (t) => {
    const store = await fresh(t);
    const before = store.snapshot();
    assert.throws(() =>
      store.transaction(() => {
        store.transaction(() => store.putPort(portFixture()));
        assert.equal(store.findPort('port-1')?.id, 'port-1', 'visible inside');
        throw new Error('outer');
      }),
    );
    assert.deepEqual(store.snapshot(), before);
    store.transaction(() => store.transaction(() => store.putPort(portFixture())));
    assert.equal(store.listPorts('u-1').length, 1);
  });

  test('transaction() keeps earlier writes when a refused write inside it is caught', async (t) => {
    const store = await fresh(t);
    store.transaction(() => {
      store.putPort(portFixture());
      assert.throws(() =>
        store.putPort(portFixture({ id: 'port-2', instanceUuid: 'u-2', fixedIps: ['10.0.0.9', '10.0.0.5'] })),
      );
    });
    assert.equal(store.findPort('port-1')?.id, 'port-1');
    assert.equal(store.findPort('port-2'), undefined);
    assert.deepEqual(store.findPortsByAddress(['n-a'], '10.0.0.9'), [], 'the refused write left nothing');
  });
}
