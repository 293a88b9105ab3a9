// The dnsmasq command line for an isolated network, after Neutron's Dnsmasq driver
// (neutron/agent/linux/dhcp.py): DHCP only, bound to the one guest-facing interface, static
// reservations only, hosts and options read from files so a SIGHUP picks up changes.
import type { Network } from '../model/network.js';
import { netmaskOf, parseCidr } from '../ip/address.js';
import { dhcpSubnets, subnetTag } from './dhcp-subnets.js';
import type { DnsmasqPaths } from './dnsmasq-paths.js';
import { inNamespace } from './plan-command.js';

/** Debian's dnsmasq-base installs it here. */
export const DNSMASQ_BINARY = '/usr/sbin/dnsmasq';
/** Neutron's dhcp_lease_duration default. */
export const DHCP_LEASE_SECONDS = 86_400;

/** The full argv, wrapped in `ip netns exec NS` when the network is attached in a namespace. */
export function dnsmasqArgv(network: Network, paths: DnsmasqPaths): string[] {
  const attach = network.attach!;
  const ranges = dhcpSubnets(network).map((s) => {
    const cidr = parseCidr(s.cidr)!;
    const mask = netmaskOf(4, cidr.prefix);
    return `--dhcp-range=set:${subnetTag(s)},${cidr.address},static,${mask},${DHCP_LEASE_SECONDS}s`;
  });
  return inNamespace(attach.namespace, [
    DNSMASQ_BINARY,
    '--keep-in-foreground', // supervised: the supervisor sees it exit and restarts it
    '--no-resolv', // no upstream DNS ...
    '--no-hosts',
    '--port=0', // ... and no DNS at all: DHCP only
    '--conf-file=/dev/null', // nothing from /etc/dnsmasq.conf
    `--interface=${attach.interface}`,
    '--bind-interfaces', // one dnsmasq per interface can share a namespace
    '--except-interface=lo',
    ...ranges,
    `--dhcp-hostsfile=${paths.hostsFile}`,
    `--dhcp-optsfile=${paths.optsFile}`,
    `--dhcp-leasefile=${paths.leaseFile}`,
    `--pid-file=${paths.pidFile}`,
    '--log-dhcp',
    '--log-facility=-', // to stderr, which the supervisor logs
  ]);
}
