// One subnet: an entry of networks[i].subnets, or the network itself in the short form (cidr,
// gateway, dns, dhcp, host_routes, ipv6_address_mode at network level). Defaults follow Neutron:
// the gateway is the subnet's first address, DHCP is on.
import ipaddr from 'ipaddr.js';
import type { HostRoute, Ipv6AddressMode } from '../model/network.js';
import { cidrContains, parseCidr } from '../ip/address.js';
import { checkCidr, checkIp, checkUuid } from './check-address.js';
import { quote } from './describe-value.js';
import type { DesiredSubnet } from './desired-inventory.js';
import type { IssueList, PathPart } from './inventory-issue.js';
import { MapReader } from './map-reader.js';

/** The keys of a subnet that the short form also takes at network level. */
export const SUBNET_SHORT_KEYS = [
  'cidr',
  'gateway',
  'dns',
  'dhcp',
  'host_routes',
  'ipv6_address_mode',
] as const;
export const SUBNET_KEYS = ['id', ...SUBNET_SHORT_KEYS] as const;
const IPV6_MODES: readonly Ipv6AddressMode[] = ['slaac', 'dhcpv6-stateful', 'dhcpv6-stateless'];

export function parseSubnet(
  value: unknown,
  path: readonly PathPart[],
  issues: IssueList,
): DesiredSubnet | undefined {
  const r = new MapReader(value, path, issues, SUBNET_KEYS);
  if (!r.ok) return undefined;
  const idText = r.string('id');
  const id = idText === undefined ? undefined : checkUuid(idText, r.at('id'), issues);
  const subnet = readSubnetFields(r, issues);
  if (subnet === undefined || (idText !== undefined && id === undefined)) return undefined;
  return { ...subnet, id };
}

/** The subnet keys of `r` (a subnet entry, or a network in the short form). */
export function readSubnetFields(r: MapReader, issues: IssueList): Omit<DesiredSubnet, 'id'> | undefined {
  const cidrText = r.string('cidr', true);
  const cidr = cidrText === undefined ? undefined : checkCidr(cidrText, r.at('cidr'), issues);
  const dns = readDns(r, issues);
  const hostRoutes = readHostRoutes(r, issues);
  const dhcp = r.boolean('dhcp') ?? true;
  const mode = r.isNull('ipv6_address_mode') ? null : r.oneOf('ipv6_address_mode', IPV6_MODES);
  if (cidr === undefined) return undefined;
  const ipVersion = parseCidr(cidr)!.version;
  const gateway = readGateway(r, cidr, issues);
  if (mode !== undefined && mode !== null && ipVersion === 4) {
    r.fail('ipv6_address_mode', `applies to IPv6 subnets only: "${cidr}" is IPv4`);
  }
  if (gateway === undefined || dns === undefined || hostRoutes === undefined) return undefined;
  return { cidr, ipVersion, gateway, dns, hostRoutes, dhcp, ipv6AddressMode: mode ?? null };
}

function readGateway(r: MapReader, cidr: string, issues: IssueList): string | null | undefined {
  if (r.isNull('gateway')) return null;
  const text = r.string('gateway');
  if (text === undefined) return r.has('gateway') ? undefined : firstHost(cidr);
  const version = parseCidr(cidr)!.version;
  const gateway = checkIp(text, r.at('gateway'), issues, version);
  if (gateway === undefined) return undefined;
  if (!cidrContains(cidr, gateway)) return r.fail('gateway', `${quote(text)} is not in the subnet "${cidr}"`);
  return gateway;
}

function readDns(r: MapReader, issues: IssueList): string[] | undefined {
  const items = r.stringList('dns');
  if (items === undefined) return r.has('dns') ? undefined : [];
  const dns = items.map((text, i) => checkIp(text, [...r.at('dns'), i], issues));
  return dns.every((a) => a !== undefined) ? (dns as string[]) : undefined;
}

function readHostRoutes(r: MapReader, issues: IssueList): HostRoute[] | undefined {
  const items = r.list('host_routes');
  if (items === undefined) return r.has('host_routes') ? undefined : [];
  const routes = items.map((item, i) => readHostRoute(item, [...r.at('host_routes'), i], issues));
  return routes.every((x) => x !== undefined) ? (routes as HostRoute[]) : undefined;
}

function readHostRoute(value: unknown, path: readonly PathPart[], issues: IssueList): HostRoute | undefined {
  const r = new MapReader(value, path, issues, ['destination', 'nexthop']);
  const destText = r.string('destination', true);
  const hopText = r.string('nexthop', true);
  const destination = destText === undefined ? undefined : checkCidr(destText, r.at('destination'), issues);
  if (destination === undefined || hopText === undefined) return undefined;
  const nexthop = checkIp(hopText, r.at('nexthop'), issues, parseCidr(destination)!.version);
  return nexthop === undefined ? undefined : { destination, nexthop };
}

/** Neutron's default gateway: the first address after the network address; none for /31, /32, /127, /128. */
function firstHost(cidr: string): string | null {
  const c = parseCidr(cidr)!;
  if (c.prefix >= (c.version === 4 ? 31 : 127)) return null;
  const bytes = ipaddr.parse(c.address).toByteArray();
  bytes[bytes.length - 1]! += 1;
  const host = ipaddr.fromByteArray(bytes);
  return host.kind() === 'ipv4' ? host.toString() : (host as ipaddr.IPv6).toRFC5952String();
}
