// dnsmasq --dhcp-optsfile for an isolated network: per DHCP subnet (tagged as in --dhcp-range),
// option 121 and 249 with the metadata route, option 3, DNS servers and the MTU. Neutron's lines,
// same order (neutron/agent/linux/dhcp.py _generate_opts_per_subnet; reference §3.3.4).
import { isIpv4 } from '../ip/address.js';
import type { Network } from '../model/network.js';
import { classlessRoutes } from './classless-routes.js';
import { dhcpSubnets, subnetTag } from './dhcp-subnets.js';

/** `metadataNextHop`: the host part of attach.address. */
export function dnsmasqOptsFile(network: Network, metadataNextHop: string): string {
  const lines = dhcpSubnets(network).flatMap((subnet) => {
    const tag = `tag:${subnetTag(subnet)}`;
    const { routes, gateway } = classlessRoutes(network, subnet, metadataNextHop);
    const dns = subnet.dns.filter(isIpv4);
    return [
      `${tag},option:classless-static-route,${routes.join(',')}`,
      // Microsoft's pre-standard option 249, same content (older Windows clients ask for it).
      `${tag},249,${routes.join(',')}`,
      // Without a gateway, an empty option 3: dnsmasq would otherwise offer its own address.
      gateway === null ? `${tag},option:router` : `${tag},option:router,${gateway}`,
      ...(dns.length > 0 ? [`${tag},option:dns-server,${dns.join(',')}`] : []),
      ...(network.mtu === null ? [] : [`${tag},option:mtu,${network.mtu}`]),
    ];
  });
  return lines.map((l) => l + '\n').join('');
}
