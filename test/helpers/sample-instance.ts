// Small, valid networks, instances and ports for integration tests that need several guests (e.g.
// overlapping tenant addresses); each call gets distinct ids from its seed.
import type { Network } from '../../src/model/network.js';
import type { Port } from '../../src/model/port.js';
import type { InstanceInput } from '../../src/store/store.js';

/** A UUID-shaped id that differs by `n` and `kind` (readable in failure messages). */
export function testUuid(kind: number, n: number): string {
  const hex = (v: number, width: number) => v.toString(16).padStart(width, '0');
  return `${hex(kind, 8)}-0000-4000-8000-${hex(n, 12)}`;
}

export function sampleNetwork(n: number, overrides: Partial<Network> = {}): Network {
  return {
    id: testUuid(0xa, n),
    name: `net-${n}`,
    subnets: [
      {
        id: testUuid(0xb, n),
        cidr: '10.0.0.0/24',
        ipVersion: 4,
        gateway: '10.0.0.1',
        dns: [],
        hostRoutes: [],
        dhcp: true,
        ipv6AddressMode: null,
      },
    ],
    mtu: 1450,
    routerId: null,
    attach: null,
    ...overrides,
  };
}

export function sampleInstance(n: number, overrides: Partial<InstanceInput> = {}): InstanceInput {
  return {
    uuid: testUuid(0x1, n),
    name: `vm-${n}`,
    hostname: `vm-${n}`,
    projectId: `project${n}`,
    availabilityZone: 'nova',
    launchIndex: 0,
    flavor: 'm1.small',
    imageId: null,
    kernelId: null,
    ramdiskId: null,
    reservationId: `r-${n.toString(36).padStart(8, '0')}`,
    metadata: { n: String(n) },
    keypairs: [],
    securityGroups: ['default'],
    rootDeviceName: '/dev/vda',
    defaultEphemeralDevice: null,
    defaultSwapDevice: null,
    blockDevices: [],
    devices: [],
    dedicatedCpus: [],
    userData: Buffer.from(`#cloud-config\nhostname: vm-${n}\n`),
    vendorData: null,
    tags: [],
    httpTokens: null,
    ...overrides,
  };
}

export function samplePort(n: number, instanceUuid: string, networkId: string, fixedIps: string[]): Port {
  return {
    id: testUuid(0xc, n),
    instanceUuid,
    networkId,
    mac: `fa:16:3e:00:${(n >> 8).toString(16).padStart(2, '0')}:${(n & 0xff).toString(16).padStart(2, '0')}`,
    fixedIps,
    floatingIp: null,
    vifType: 'ovs',
    devname: null,
  };
}
