// The subnets dnsmasq serves: IPv4 with DHCP on. Neutron's dnsmasq driver skips IPv6 SLAAC and
// DHCP-disabled subnets for ranges and host routes alike (reference §3.3.4); openimds does not
// serve DHCPv6.
import type { Network, Subnet } from '../model/network.js';

export function dhcpSubnets(network: Network): Subnet[] {
  return network.subnets.filter((s) => s.ipVersion === 4 && s.dhcp);
}

/** dnsmasq's tag for a subnet, as Neutron names it (`set:subnet-<id>` / `tag:subnet-<id>`). */
export function subnetTag(subnet: Subnet): string {
  return `subnet-${subnet.id}`;
}
