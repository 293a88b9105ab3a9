// The data model's network and subnet, as DESIGN.md "Data model" describes them. Types only:
// every layer (metadata rendering, store, inventory, net plumbing) shares these shapes.

/** IPv6 address modes as Neutron names them; they select the network_data.json type (Nova netutils). */
export type Ipv6AddressMode = 'slaac' | 'dhcpv6-stateful' | 'dhcpv6-stateless';

export interface HostRoute {
  /** CIDR, e.g. "10.20.0.0/16". */
  destination: string;
  /** Next-hop address. */
  nexthop: string;
}

export interface Subnet {
  /** UUID; network_data.json does not show it, but DHCP tags and the admin API do. */
  id: string;
  /** Canonical CIDR ("10.0.0.0/24", "2001:db8::/64"). */
  cidr: string;
  ipVersion: 4 | 6;
  /** Gateway address, or null for a subnet without one (isolated networks). */
  gateway: string | null;
  /** DNS servers, in order. */
  dns: string[];
  hostRoutes: HostRoute[];
  /** DHCP on for this subnet: network_data.json then says "ipv4_dhcp" instead of a static address. */
  dhcp: boolean;
  /** IPv6 only: when set, network_data.json says ipv6_<mode> with the address (Nova netutils). */
  ipv6AddressMode: Ipv6AddressMode | null;
}

/** How the service reaches guests on this network (issue 4); absent when not attached. */
export type AttachMode = 'onlink' | 'router' | 'isolated';

export interface Attachment {
  /** Network namespace name, or null for the host's own namespace. */
  namespace: string | null;
  /** Guest-facing interface inside that namespace. */
  interface: string;
  mode: AttachMode;
  /**
   * The service side's own address on the guest-facing interface, as an interface CIDR
   * ("10.0.0.2/24"); null when the interface is configured elsewhere. Isolated mode needs it: dnsmasq
   * serves DHCP from it, and option 121 routes 169.254.169.254/32 via it.
   */
  address: string | null;
  /**
   * Router mode only: also bind 169.254.169.254/32 on the router's guest-facing interface, so a guest
   * with a zeroconf 169.254.0.0/16 route (the seed report) is answered on-link too; its packets then
   * arrive on that interface and the same nft redirect takes them to :9697. Absent means false.
   */
  onlink?: boolean;
  /**
   * IP TTL of token replies (PUT /latest/api/token) leaving on this interface, 1..64, so a container
   * behind the guest's NAT cannot obtain a token (AWS HttpPutResponseHopLimit); null turns it off.
   * Absent means the default, 1 (src/net/token-hop-limit.ts, docs/network.md "Token hop limit").
   */
  tokenHopLimit?: number | null;
  /**
   * Refuse (403) a guest whose MAC in the namespace's neighbour table is not its port's MAC
   * (docs/network.md "Neighbour check"). Absent means false.
   */
  neighbourCheck?: boolean;
}

export interface Network {
  /** UUID: the value of X-Neutron-Network-ID for this network. */
  id: string;
  /** Unique, human name; the inventory refers to networks by it. */
  name: string;
  /** 1..n subnets; a port's fixed IPs must each lie in one of them. */
  subnets: Subnet[];
  /** Link MTU, or null when unknown. */
  mtu: number | null;
  /** Router this network is attached to (router mode, X-Neutron-Router-ID), or null. */
  routerId: string | null;
  attach: Attachment | null;
}

export interface Router {
  /** UUID: the value of X-Neutron-Router-ID. */
  id: string;
  name: string;
}
