// /openstack/<v>/network_data.json (nova/virt/netutils.py get_network_metadata,
// reference/openstack-metadata.md §2.9), built from the ports as Nova's network-info cache holds
// them (vif-subnets.ts).
import { netmaskOf, parseInterface } from '../ip/address.js';
import type { InstanceRecord } from '../model/instance-record.js';
import type { Network, Subnet } from '../model/network.js';
import type { Port } from '../model/port.js';
import type { JsonValue } from './python-json.js';
import { vifSubnets, type VifSubnet } from './vif-subnets.js';

type Entry = Map<string, JsonValue>;

// nova/network/model.py LEGACY_EXPOSED_VIF_TYPES: "these types have been leaked to guests in
// network_data.json"; any other binding:vif_type is shown as a physical link.
const EXPOSED_VIF_TYPES = new Set(['bridge', 'dvs', 'hw_veb', 'hyperv', 'ovs', 'tap', 'vhostuser', 'vif']);

export function networkData(record: InstanceRecord): JsonValue {
  // No network info at all: Nova has None and serves json.dumps({}).
  if (record.ports.length === 0) return new Map();
  const links: Entry[] = [];
  const networks: Entry[] = [];
  const services: Entry[] = [];
  for (const { port, network } of record.ports) {
    const subnets = vifSubnets(port, network);
    // A port without addresses has no subnets in Nova's cache: skipped, and not counted.
    if (subnets.length === 0) continue;
    const link = linkEntry(port, network, subnets, links.length);
    links.push(link);
    // Only the first IPv4 and the first IPv6 subnet: "a limitation that also exists in the network template".
    for (const version of [4, 6] as const) {
      const first = subnets.find((s) => s.subnet.ipVersion === version);
      if (first === undefined) continue;
      networks.push(networkEntry(first, network, `network${networks.length}`, link.get('id') as string));
      addServices(services, dnsServices(first.subnet));
    }
  }
  return new Map<string, JsonValue>([
    ['links', links],
    ['networks', networks],
    ['services', services],
  ]);
}

function linkEntry(port: Port, network: Network, subnets: VifSubnet[], index: number): Entry {
  return new Map<string, JsonValue>([
    ['id', port.devname || `interface${index}`],
    ['vif_id', port.id],
    ['type', EXPOSED_VIF_TYPES.has(port.vifType) ? port.vifType : 'phy'],
    // null when DHCP serves the network, so that the guest takes the MTU from DHCP instead.
    ['mtu', subnets.some((s) => hasDhcpServer(s.subnet)) ? null : network.mtu],
    ['ethernet_mac_address', port.mac],
  ]);
}

// Nova marks a subnet with dhcp_server when Neutron has a DHCP port on it or enable_dhcp is set
// (nova/network/neutron.py _get_subnets_from_port). openimds answers DHCP itself for every subnet
// with dhcp on, so that flag is the whole test.
function hasDhcpServer(subnet: Subnet): boolean {
  return subnet.dhcp;
}

// Three shapes (_get_nets): an IPv6 address mode wins; else a DHCP-served subnet says only its type;
// else the static address with mask, routes and DNS.
function networkEntry({ subnet, ips }: VifSubnet, network: Network, id: string, link: string): Entry {
  const v = subnet.ipVersion;
  if (subnet.ipv6AddressMode === null && hasDhcpServer(subnet)) {
    return new Map<string, JsonValue>([
      ['id', id],
      ['type', `ipv${v}_dhcp`],
      ['link', link],
      ['network_id', network.id],
    ]);
  }
  return new Map<string, JsonValue>([
    ['id', id],
    ['type', subnet.ipv6AddressMode === null ? `ipv${v}` : `ipv${v}_${subnet.ipv6AddressMode}`],
    ['link', link],
    ['ip_address', ips[0] ?? null],
    ['netmask', cidrParts(subnet.cidr).netmask],
    ['routes', routes(subnet)],
    ['network_id', network.id],
    ['services', dnsServices(subnet)],
  ]);
}

// The default route via the gateway first (when there is one), then the subnet's host routes.
function routes(subnet: Subnet): Entry[] {
  const out: Entry[] = [];
  if (subnet.gateway) {
    const any = subnet.ipVersion === 4 ? '0.0.0.0' : '::';
    out.push(route(any, any, subnet.gateway));
  }
  for (const { destination, nexthop } of subnet.hostRoutes) {
    const { network, netmask } = cidrParts(destination);
    out.push(route(network, netmask, nexthop));
  }
  return out;
}

function route(network: string, netmask: string, gateway: string): Entry {
  return new Map([
    ['network', network],
    ['netmask', netmask],
    ['gateway', gateway],
  ]);
}

function dnsServices(subnet: Subnet): Entry[] {
  return subnet.dns.map(
    (address) =>
      new Map([
        ['type', 'dns'],
        ['address', address],
      ]),
  );
}

// services += [dns for dns in new if dns not in services]: compared with the list as it was, so
// only entries already present from earlier subnets are dropped.
function addServices(services: Entry[], added: Entry[]): void {
  const seen = new Set(services.map((s) => s.get('address')));
  services.push(...added.filter((s) => !seen.has(s.get('address'))));
}

// netaddr.IPNetwork(cidr): .network zeroes any host bits; .netmask as Nova prints it.
function cidrParts(cidr: string): { network: string; netmask: string } {
  const parsed = parseInterface(cidr);
  // The store admits only valid CIDRs (model/network.ts); Nova would raise on this too.
  if (parsed === undefined) throw new Error(`Cannot render network_data.json as "${cidr}" is not a CIDR`);
  return { network: parsed.address, netmask: netmaskOf(parsed.version, parsed.prefix) };
}
