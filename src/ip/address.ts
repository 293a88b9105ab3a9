// Address and CIDR arithmetic, shared by the store (a port's IP lies in its subnet), the inventory
// (validation messages), rendering (netmasks) and the listeners (peer addresses). Built on ipaddr.js.
import ipaddr from 'ipaddr.js';

export type IpVersion = 4 | 6;

// Four decimal octets, each 0–255 without a leading zero: what ipaddr.IPv4.isValidFourPartDecimal
// accepts (test/unit/ip-address.test.ts compares them), in one regular expression instead of its
// parse, range check and second match. Rendering asks this for every address of every port.
const OCTET = '(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';
const DOTTED_QUAD = new RegExp(`^${OCTET}(?:\\.${OCTET}){3}$`);

/** True when `text` is a plain IPv4 dotted quad (no leading zeros, no shorthand like "10.1"). */
export function isIpv4(text: string): boolean {
  return DOTTED_QUAD.test(text);
}

/** True when `text` is an IPv6 address (no zone id). */
export function isIpv6(text: string): boolean {
  return !text.includes('%') && ipaddr.IPv6.isValid(text);
}

export function ipVersionOf(text: string): IpVersion | undefined {
  if (isIpv4(text)) return 4;
  if (isIpv6(text)) return 6;
  return undefined;
}

/**
 * The canonical text of an address: IPv4 as is; IPv6 in RFC 5952 form; an IPv4-mapped IPv6
 * address ("::ffff:10.0.0.5", as a dual-stack socket reports IPv4 peers) becomes its IPv4.
 * Returns undefined for anything that is not an address.
 */
export function normalizeAddress(text: string): string | undefined {
  if (isIpv4(text)) return text;
  if (!isIpv6(text)) return undefined;
  const v6 = ipaddr.IPv6.parse(text);
  if (v6.isIPv4MappedAddress()) return v6.toIPv4Address().toString();
  return v6.toRFC5952String();
}

export interface Cidr {
  /** Network address, canonical text. */
  address: string;
  prefix: number;
  version: IpVersion;
}

/** Parses "a.b.c.d/n" or "v6/n". Host bits must be zero (as Neutron requires of a subnet CIDR). */
export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const addr = text.slice(0, slash);
  const prefixText = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  const version = ipVersionOf(addr);
  if (version === undefined) return undefined;
  if (prefix > (version === 4 ? 32 : 128)) return undefined;
  const parsed = ipaddr.parse(addr);
  const network = networkAddress(parsed, prefix);
  if (network.toString() !== parsed.toString()) return undefined;
  return {
    address: version === 4 ? network.toString() : (network as ipaddr.IPv6).toRFC5952String(),
    prefix,
    version,
  };
}

/** Like parseCidr but also accepts host bits set, returning the containing network ("10.0.0.5/24" → 10.0.0.0/24). */
export function parseInterface(text: string): (Cidr & { host: string }) | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const host = normalizeAddress(text.slice(0, slash));
  const prefixText = text.slice(slash + 1);
  if (host === undefined || !/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  const version = ipVersionOf(host)!;
  if (prefix > (version === 4 ? 32 : 128)) return undefined;
  const network = networkAddress(ipaddr.parse(host), prefix);
  const address = version === 4 ? network.toString() : (network as ipaddr.IPv6).toRFC5952String();
  return { address, prefix, version, host };
}

export function formatCidr(cidr: Cidr): string {
  return `${cidr.address}/${cidr.prefix}`;
}

/** True when `address` lies inside `cidr` (both already valid; versions must match). */
export function cidrContains(cidr: string | Cidr, address: string): boolean {
  const c = typeof cidr === 'string' ? parseCidr(cidr) : cidr;
  const a = normalizeAddress(address);
  if (c === undefined || a === undefined) return false;
  const parsed = ipaddr.parse(a);
  if (parsed.kind() !== (c.version === 4 ? 'ipv4' : 'ipv6')) return false;
  return parsed.match(ipaddr.parse(c.address), c.prefix);
}

/** Netmask text for a prefix: "255.255.255.0" (IPv4) or the expanded-zero form Nova prints ("ffff:ffff:ffff:ffff::"). */
export function netmaskOf(version: IpVersion, prefix: number): string {
  if (version === 4) return ipaddr.IPv4.subnetMaskFromPrefixLength(prefix).toString();
  return ipaddr.IPv6.subnetMaskFromPrefixLength(prefix).toRFC5952String();
}

/** Network address and prefix of a route destination, split for network_data.json routes. */
export function splitCidr(text: string): { network: string; prefix: number; version: IpVersion } | undefined {
  const c = parseCidr(text);
  return c === undefined ? undefined : { network: c.address, prefix: c.prefix, version: c.version };
}

function networkAddress(addr: ipaddr.IPv4 | ipaddr.IPv6, prefix: number): ipaddr.IPv4 | ipaddr.IPv6 {
  const bytes = addr.toByteArray();
  for (let i = 0; i < bytes.length; i++) {
    const bitsHere = Math.max(0, Math.min(8, prefix - i * 8));
    bytes[i] = bytes[i]! & ((0xff << (8 - bitsHere)) & 0xff);
  }
  return ipaddr.fromByteArray(bytes);
}

/** Lower-case colon form of a MAC ("FA-16-3E-00-00-01" → "fa:16:3e:00:00:01"), or undefined. */
export function normalizeMac(text: string): string | undefined {
  const m =
    /^([0-9a-fA-F]{2})([:-])([0-9a-fA-F]{2})\2([0-9a-fA-F]{2})\2([0-9a-fA-F]{2})\2([0-9a-fA-F]{2})\2([0-9a-fA-F]{2})$/.exec(
      text,
    );
  if (m === null) return undefined;
  return [m[1], m[3], m[4], m[5], m[6], m[7]].join(':').toLowerCase();
}

/** The MAC encoded in an EUI-64 IPv6 link-local address (reference §3.5.2), or undefined. */
export function macFromLinkLocal(address: string): string | undefined {
  if (!isIpv6(address)) return undefined;
  const v6 = ipaddr.IPv6.parse(address);
  if (v6.range() !== 'linkLocal') return undefined;
  const b = v6.toByteArray();
  if (b[11] !== 0xff || b[12] !== 0xfe) return undefined;
  const mac = [b[8]! ^ 0x02, b[9]!, b[10]!, b[13]!, b[14]!, b[15]!];
  return mac.map((x) => x.toString(16).padStart(2, '0')).join(':');
}
