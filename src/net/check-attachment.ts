// What plumbing needs of a network's `attach` beyond what the inventory already checks (a router for
// router mode, an address inside the network). Thrown, not returned: a plan is all or nothing.
import { ImdsError } from '../errors.js';
import { cidrContains, parseInterface } from '../ip/address.js';
import type { Network } from '../model/network.js';
import { dhcpSubnets } from './dhcp-subnets.js';

export function checkAttachment(network: Network): void {
  const attach = network.attach;
  if (attach === null) return;
  const fail = (why: string, hint: string): never => {
    throw new ImdsError('CONFIG_INVALID', `Cannot plumb network "${network.name}": ${why}`, { hint });
  };
  if (attach.mode === 'router' && network.routerId === null) {
    fail('attach mode "router" needs a router', 'Give the network a router, or choose mode onlink');
  }
  if (attach.mode !== 'isolated') return;
  const subnets = dhcpSubnets(network);
  if (subnets.length === 0) {
    fail('attach mode "isolated" needs an IPv4 subnet with DHCP on', 'Set dhcp: true on an IPv4 subnet');
  }
  const host = attach.address === null ? undefined : parseInterface(attach.address);
  if (host === undefined || host.version !== 4 || !subnets.some((s) => cidrContains(s.cidr, host.host))) {
    fail(
      `attach mode "isolated" needs attach.address in an IPv4 DHCP subnet (${subnets.map((s) => s.cidr).join(', ')}); it is ${attach.address === null ? 'not set' : `"${attach.address}"`}`,
      'dnsmasq serves DHCP from that address and option 121 routes 169.254.169.254/32 via it: set attach.address, e.g. 10.0.0.2/24',
    );
  }
}
