// The classless static routes (DHCP option 121, RFC 3442; and Microsoft's 249) for one subnet of an
// isolated network, after Neutron's dnsmasq opts file (reference §3.3.4).
import type { Network, Subnet } from '../model/network.js';
import { METADATA_HOST_CIDR } from './onlink-commands.js';

const DEFAULT_ROUTE = '0.0.0.0/0';

export interface ClasslessRoutes {
  /** `destination,nexthop` pairs, in order: the metadata route first, the default route (if any) last. */
  routes: string[];
  /** The gateway the subnet offers (option 3, and the last route), or null. */
  gateway: string | null;
}

/** `metadataNextHop`: the service's address on the link (attach.address), which owns 169.254.169.254. */
export function classlessRoutes(network: Network, subnet: Subnet, metadataNextHop: string): ClasslessRoutes {
  // Neutron: a 0.0.0.0/0 host route is not listed; it supplies the gateway when the subnet has none.
  let gateway = subnet.gateway;
  const hostRoutes: string[] = [];
  for (const r of subnet.hostRoutes) {
    if (r.destination === DEFAULT_ROUTE) gateway ??= r.nexthop;
    else if (!r.destination.includes(':')) hostRoutes.push(`${r.destination},${r.nexthop}`);
  }
  // Neutron: the network's other IPv4 subnets are on the same segment, so on-link (next hop 0.0.0.0).
  const onLink = network.subnets
    .filter((s) => s.ipVersion === 4 && s.id !== subnet.id)
    .map((s) => `${s.cidr},0.0.0.0`);
  const routes = [`${METADATA_HOST_CIDR},${metadataNextHop}`, ...onLink, ...hostRoutes];
  // RFC 3442: a client that accepts option 121 ignores option 3 (routers), so the default route must
  // be repeated here or the guest loses it.
  if (gateway !== null) routes.push(`${DEFAULT_ROUTE},${gateway}`);
  return { routes, gateway };
}
