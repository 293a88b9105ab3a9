// The subnets of a port as Nova's network-info cache holds them (nova/network/neutron.py
// _get_subnets_from_port and _nw_info_get_ips): only the subnets the port has a fixed IP in, in the
// network's subnet order, each with the port's addresses inside it in the port's order. EC2
// local-ipv4 and network_data.json both read this view.
import { cidrContains } from '../ip/address.js';
import type { Network, Subnet } from '../model/network.js';
import type { Port } from '../model/port.js';

export interface VifSubnet {
  subnet: Subnet;
  ips: string[];
}

export function vifSubnets(port: Port, network: Network): VifSubnet[] {
  return network.subnets
    .map((subnet) => ({ subnet, ips: port.fixedIps.filter((ip) => cidrContains(subnet.cidr, ip)) }))
    .filter((entry) => entry.ips.length > 0);
}
