// The store the benchmark serves: one network and N instances with one port each, written through the
// store API in a single transaction (the fastest way in; `openimds apply` would diff first). Each
// instance looks like the demo's: a key, metadata, security group and a short cloud-config.
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import type { Network } from '../../src/model/network.js';
import type { InstanceInput } from '../../src/store/store.js';

export interface Guest {
  uuid: string;
  projectId: string;
  address: string;
}

export interface Fixture {
  database: string;
  network: Network;
  guests: Guest[];
  /** Wall time of opening the store and writing everything in one transaction. */
  buildSeconds: number;
}

/** A one-subnet IPv4 network with no gateway, as the demo's; `attach` for namespace listeners. */
export function benchNetwork(cidr: string, attach: Network['attach'] = null): Network {
  return {
    id: '0b0e0c0d-0000-4000-8000-00000000b001',
    name: 'bench',
    subnets: [
      {
        id: '0b0e0c0d-0000-4000-8000-00000000b002',
        cidr,
        ipVersion: 4,
        gateway: null,
        dns: ['127.0.0.53'],
        hostRoutes: [],
        dhcp: false,
        ipv6AddressMode: null,
      },
    ],
    mtu: 1500,
    routerId: null,
    attach,
  };
}

/**
 * Source address of storm/scale guest `i` (0-based): 127.A.B.C with C in 1..254, from 127.1.0.1 on.
 * Linux routes all of 127.0.0.0/8 to lo, so a client can bind any of them (http localAddress).
 */
export function guestAddress(i: number): string {
  const perA = 256 * 254;
  return `127.${1 + Math.floor(i / perA)}.${Math.floor(i / 254) % 256}.${1 + (i % 254)}`;
}

/** Writes `network` and one instance per address into a new SQLite file. */
export function buildFixture(database: string, network: Network, addresses: readonly string[]): Fixture {
  const started = performance.now();
  const store = openSqliteStore({ path: database });
  const guests: Guest[] = [];
  try {
    store.transaction(() => {
      store.putNetwork(network);
      addresses.forEach((address, i) => {
        const instance = benchInstance(i);
        store.putInstance(instance);
        store.putPort({
          id: benchUuid(0xc, i),
          instanceUuid: instance.uuid,
          networkId: network.id,
          mac: `fa:16:3e:${hexByte(i >> 16)}:${hexByte(i >> 8)}:${hexByte(i)}`,
          fixedIps: [address],
          floatingIp: null,
          vifType: 'ovs',
          devname: `tap${instance.uuid.slice(0, 11)}`,
        });
        guests.push({ uuid: instance.uuid, projectId: instance.projectId, address });
      });
    });
  } finally {
    store.close();
  }
  return { database, network, guests, buildSeconds: (performance.now() - started) / 1000 };
}

function benchInstance(i: number): InstanceInput {
  const name = `guest-${i}`;
  return {
    uuid: benchUuid(0xa, i),
    name,
    hostname: name,
    projectId: `8d9c1b2a3f4e4d5c6b7a8f9e${(i % 0x10000).toString(16).padStart(8, '0')}`,
    availabilityZone: 'nova',
    launchIndex: 0,
    flavor: 'm1.small',
    imageId: '3e2d1c0b-9a8f-4e7d-6c5b-4a3f2e1d0c9b',
    kernelId: null,
    ramdiskId: null,
    reservationId: `r-${i.toString(36).padStart(8, '0')}`,
    metadata: { purpose: 'bench', index: String(i) },
    keypairs: [
      {
        name: 'bench',
        type: 'ssh',
        publicKey:
          'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIGW8TIYEWMKlPRmoQByZ9zyRqbMov3S1lHUUriAzK5U bench@openimds',
      },
    ],
    securityGroups: ['default'],
    rootDeviceName: '/dev/vda',
    defaultEphemeralDevice: null,
    defaultSwapDevice: null,
    blockDevices: [],
    devices: [],
    dedicatedCpus: [],
    userData: Buffer.from(
      `#cloud-config\nhostname: ${name}\nruncmd:\n  - [echo, "configured by openimds"]\n`,
    ),
    vendorData: null,
    tags: [],
    httpTokens: null,
  };
}

function benchUuid(kind: number, i: number): string {
  return `${kind.toString(16).padStart(8, '0')}-b000-4000-8000-${i.toString(16).padStart(12, '0')}`;
}

function hexByte(n: number): string {
  return (n & 0xff).toString(16).padStart(2, '0');
}
