// The store side of the namespace-lab end-to-end tests (attach modes, proxies, token hop limit,
// neighbour check): a network on the lab's subnet, an instance with one port, and a store filled
// with them.
import type { Attachment, Network, Router } from '../../src/model/network.js';
import type { Port } from '../../src/model/port.js';
import type { InstanceInput, Store } from '../../src/store/store.js';
import { sampleInstance, testUuid } from '../helpers/sample-instance.js';
import type { Lab } from './attach-kit.js';

export const ROUTER: Router = { id: testUuid(0xd, 1), name: 'edge' };
export const TOKEN_PATH = '/latest/api/token';
export const TOKEN_TTL_HEADER = ['X-aws-ec2-metadata-token-ttl-seconds', '21600'] as const;

/** `subnet` adjusts the one subnet (e.g. `{ dhcp: true }`). */
export function labNetwork(
  lab: Lab,
  n: number,
  attach: Attachment | null,
  extra: Partial<Network> = {},
  subnet: Partial<Network['subnets'][number]> = {},
): Network {
  return {
    id: testUuid(0xa, n),
    name: `net-${n}`,
    subnets: [
      {
        id: testUuid(0xb, n),
        cidr: `${lab.prefix}.0/24`,
        ipVersion: 4,
        gateway: `${lab.prefix}.1`,
        dns: [],
        hostRoutes: [],
        dhcp: false,
        ipv6AddressMode: null,
        ...subnet,
      },
    ],
    mtu: null,
    routerId: null,
    attach,
    ...extra,
  };
}

export interface Vm {
  input: InstanceInput;
  port: Port;
}

export function labVm(n: number, networkId: string, mac: string, address: string): Vm {
  const input = sampleInstance(n, { uuid: testUuid(0x1, n), name: `guest-${n}`, hostname: `guest-${n}` });
  const port: Port = {
    id: testUuid(0xc, n),
    instanceUuid: input.uuid,
    networkId,
    mac,
    fixedIps: [address],
    floatingIp: null,
    vifType: 'ovs',
    devname: null,
  };
  return { input, port };
}

export function fillStore(store: Store, networks: Network[], vms: Vm[], routers: Router[] = []): void {
  routers.forEach((r) => store.putRouter(r));
  networks.forEach((n) => store.putNetwork(n));
  for (const v of vms) {
    store.putInstance(v.input);
    store.putPort(v.port);
  }
}
