// The guest's IPv4 routing table from whichever tool the script found: iproute2 (`ip -4 route`),
// net-tools or busybox `route -n` (and `route` without -n: "default", "link-local", "*"), or the
// kernel's /proc/net/route (hex, little-endian). Each line is tried against each format, so a
// bundle written by hand or by another script is read as well; lines that fit none are counted.
import { inPrefix, ipv4ToNumber, maskToPrefix, procHexToNumber } from './guest-ipv4.js';

export interface GuestRoute {
  /** Network address as a number, and its prefix length. */
  network: number;
  prefix: number;
  /** Next hop, when the route has one ("via"); on-link routes have none. */
  gateway?: string;
  dev?: string;
  metric: number;
  /** unicast, or unreachable/blackhole/prohibit/throw: those send nothing. */
  type: string;
  /** The line as read, for evidence. */
  raw: string;
}

export interface ParsedRoutes {
  routes: GuestRoute[];
  /** Lines that looked like neither a route nor a header. */
  unread: string[];
}

// Names `route` (without -n) prints instead of addresses, from /etc/networks.
const NETWORK_NAMES: Record<string, string> = { default: '0.0.0.0', 'link-local': '169.254.0.0' };
const NO_ROUTE_TYPES = new Set(['unreachable', 'blackhole', 'prohibit', 'throw']);
const IP_ROUTE_TYPES = new Set([
  'unicast',
  'local',
  'broadcast',
  'multicast',
  'anycast',
  'nat',
  ...NO_ROUTE_TYPES,
]);
// Headers of route -n and /proc/net/route, in any language: a line with no dotted quad and no hex.
const HEADER = /^(kernel|destination|iface|ziel|table|tabla|destinat)/i;

export function parseRoutes(lines: readonly string[]): ParsedRoutes {
  const routes: GuestRoute[] = [];
  const unread: string[] = [];
  for (const line of lines) {
    const trimmed = line.trim();
    if (trimmed === '' || HEADER.test(trimmed)) continue;
    const nexthop = /^nexthop\s.*\bvia\s+(\S+)/.exec(trimmed);
    if (nexthop) {
      // ECMP: the first nexthop line gives the multipath route a gateway.
      const last = routes[routes.length - 1];
      if (last && last.gateway === undefined) last.gateway = nexthop[1];
      continue;
    }
    const route = procLine(trimmed) ?? routeNLine(trimmed) ?? ipRouteLine(trimmed);
    if (route) routes.push(route);
    else unread.push(trimmed);
  }
  return { routes, unread };
}

/** iproute2: `[type] dest[/len] [via gw] [dev d] [... metric m]`. */
function ipRouteLine(line: string): GuestRoute | undefined {
  const words = line.split(/\s+/);
  let type = 'unicast';
  if (IP_ROUTE_TYPES.has(words[0]!)) type = words.shift()!;
  const dest = words.shift() ?? '';
  const [addr, len] = dest.split('/');
  const network = ipv4ToNumber(NETWORK_NAMES[addr!] ?? addr!);
  const prefix = dest === 'default' ? 0 : len === undefined ? 32 : Number(len);
  if (network === undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > 32) return undefined;
  if (type === 'local' || type === 'broadcast' || type === 'multicast') return undefined;
  const value = (key: string) => {
    const i = words.indexOf(key);
    return i >= 0 ? words[i + 1] : undefined;
  };
  const gateway = value('via');
  const metric = Number(value('metric') ?? 0);
  return {
    network,
    prefix,
    ...(gateway !== undefined && ipv4ToNumber(gateway) !== undefined ? { gateway } : {}),
    ...(value('dev') !== undefined ? { dev: value('dev')! } : {}),
    metric: Number.isFinite(metric) ? metric : 0,
    type,
    raw: line,
  };
}

/** net-tools / busybox: `Destination Gateway Genmask Flags Metric Ref Use Iface`. */
function routeNLine(line: string): GuestRoute | undefined {
  const w = line.split(/\s+/);
  if (w.length < 8 || !/^[UGHRDMAC!]+$/.test(w[3]!)) return undefined;
  const network = ipv4ToNumber(NETWORK_NAMES[w[0]!] ?? w[0]!);
  const mask = ipv4ToNumber(w[2]!);
  const prefix = mask === undefined ? undefined : maskToPrefix(mask);
  if (network === undefined || prefix === undefined) return undefined;
  const gw = w[1]!;
  const hasGateway = w[3]!.includes('G') && gw !== '*' && gw !== '0.0.0.0';
  return {
    network,
    prefix,
    ...(hasGateway ? { gateway: gw } : {}),
    dev: w[7]!,
    metric: Number(w[4]) || 0,
    type: w[3]!.includes('!') ? 'unreachable' : 'unicast',
    raw: line,
  };
}

/** /proc/net/route: `Iface Destination Gateway Flags RefCnt Use Metric Mask …`, hex. */
function procLine(line: string): GuestRoute | undefined {
  const w = line.split(/\s+/);
  if (w.length < 8 || !/^[0-9A-Fa-f]{8}$/.test(w[1]!) || !/^[0-9A-Fa-f]{8}$/.test(w[7]!)) return undefined;
  const network = procHexToNumber(w[1]!);
  const gateway = procHexToNumber(w[2]!);
  const mask = procHexToNumber(w[7]!);
  const flags = parseInt(w[3]!, 16);
  const prefix = mask === undefined ? undefined : maskToPrefix(mask);
  if (network === undefined || prefix === undefined || gateway === undefined) return undefined;
  const RTF_GATEWAY = 0x2;
  const RTF_REJECT = 0x200;
  const numberToText = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
  return {
    network,
    prefix,
    ...((flags & RTF_GATEWAY) !== 0 && gateway !== 0 ? { gateway: numberToText(gateway) } : {}),
    dev: w[0]!,
    metric: Number(w[6]) || 0,
    type: (flags & RTF_REJECT) !== 0 ? 'unreachable' : 'unicast',
    raw: line,
  };
}

/** The route the kernel would pick for `address`: longest prefix, then lowest metric. */
export function lookupRoute(routes: readonly GuestRoute[], address: string): GuestRoute | undefined {
  const target = ipv4ToNumber(address);
  if (target === undefined) return undefined;
  let best: GuestRoute | undefined;
  for (const r of routes) {
    if (!inPrefix(target, r.network, r.prefix)) continue;
    if (
      best === undefined ||
      r.prefix > best.prefix ||
      (r.prefix === best.prefix && r.metric < best.metric)
    ) {
      best = r;
    }
  }
  return best;
}

export function routeSendsNothing(route: GuestRoute): boolean {
  return NO_ROUTE_TYPES.has(route.type);
}
