// dnsmasq --dhcp-hostsfile: one reservation per (port, IPv4 address in a DHCP subnet), as Neutron
// writes its `host` file (one line per fixed IP), `<mac>,<address>,<hostname>`.
import { cidrContains, isIpv4 } from '../ip/address.js';
import type { Network } from '../model/network.js';
import { dhcpSubnets } from './dhcp-subnets.js';
import type { HostedPort } from './hosted-ports.js';

// dnsmasq takes a bare host name here; a dotted one must match its --domain, which we do not set.
const LABEL_RE = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

export function dnsmasqHostsFile(network: Network, ports: readonly HostedPort[]): string {
  const subnets = dhcpSubnets(network);
  const lines = ports.flatMap(({ port, hostname }) => {
    const name = hostname.split('.')[0] ?? '';
    const suffix = LABEL_RE.test(name) ? `,${name}` : '';
    return port.fixedIps
      .filter((ip) => isIpv4(ip) && subnets.some((s) => cidrContains(s.cidr, ip)))
      .map((ip) => `${port.mac},${ip}${suffix}`);
  });
  return lines.map((l) => l + '\n').join('');
}
