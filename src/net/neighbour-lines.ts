// What iproute2 says about a namespace's neighbour table (ARP for IPv4, NDP for IPv6), parsed for the
// neighbour check (docs/network.md "Neighbour check"): the initial `ip -j neigh show` and the lines of
// a long-running `ip monitor neigh`. iproute2 6.1 prints monitor lines as text even with -j, e.g.
//   10.0.0.10 dev br0 lladdr fa:16:3e:00:00:0a STALE
//   10.0.0.10 dev br0 FAILED
//   Deleted 10.0.0.10 dev br0 lladdr fa:16:3e:00:00:0a STALE
import { normalizeAddress, normalizeMac } from '../ip/address.js';

export interface NeighbourEntry {
  /** Normalised IP address. */
  address: string;
  dev: string;
  /** Lower-case MAC; null while unresolved (INCOMPLETE, FAILED): the kernel knows no MAC for it. */
  mac: string | null;
  /** NUD states as iproute2 names them (REACHABLE, STALE, PERMANENT, …). */
  states: string[];
}

export type NeighbourChange =
  { kind: 'set'; entry: NeighbourEntry } | { kind: 'deleted'; entry: NeighbourEntry };

/** `ip -j neigh show`: a JSON list; entries without an IP address or a device are left out. */
export function parseNeighbourJson(text: string): NeighbourEntry[] {
  const data: unknown = text.trim() === '' ? [] : JSON.parse(text);
  if (!Array.isArray(data)) return [];
  return data.flatMap((item: unknown) => {
    const raw = item as { dst?: unknown; dev?: unknown; lladdr?: unknown; state?: unknown };
    if (typeof raw.dst !== 'string' || typeof raw.dev !== 'string') return [];
    const address = normalizeAddress(raw.dst);
    if (address === undefined) return [];
    const states = Array.isArray(raw.state)
      ? raw.state.filter((s): s is string => typeof s === 'string')
      : [];
    const mac = typeof raw.lladdr === 'string' ? (normalizeMac(raw.lladdr) ?? null) : null;
    return [{ address, dev: raw.dev, mac: resolved(states) ? mac : null, states }];
  });
}

/** One line of `ip monitor neigh`; undefined for anything else (proxy entries, bridge FDB lines, noise). */
export function parseNeighbourLine(line: string): NeighbourChange | undefined {
  const words = line.trim().split(/\s+/);
  const deleted = words[0] === 'Deleted';
  if (deleted) words.shift();
  const address = words[0] === undefined ? undefined : normalizeAddress(words[0]);
  if (address === undefined) return undefined;
  const dev = valueAfter(words, 'dev');
  if (dev === undefined) return undefined;
  const lladdr = valueAfter(words, 'lladdr');
  const mac = lladdr === undefined ? null : (normalizeMac(lladdr) ?? null);
  const states = words.filter((w) => /^[A-Z_]+$/.test(w));
  const entry = { address, dev, mac: resolved(states) ? mac : null, states };
  return { kind: deleted ? 'deleted' : 'set', entry };
}

/** INCOMPLETE and FAILED entries may still print a stale lladdr on some kernels: it is not an answer. */
function resolved(states: readonly string[]): boolean {
  return !states.some((s) => s === 'INCOMPLETE' || s === 'FAILED');
}

function valueAfter(words: readonly string[], key: string): string | undefined {
  const i = words.indexOf(key);
  return i < 0 ? undefined : words[i + 1];
}

// ATF_COM in /proc/net/arp's Flags column: the entry has a resolved hardware address.
const ATF_COM = 0x2;

/**
 * The MAC the kernel's IPv4 neighbour table has now for `address` on `dev`, from the text of
 * /proc/<pid>/net/arp ("IP address  HW type  Flags  HW address  Mask  Device" and one line per entry);
 * undefined when there is no resolved entry.
 */
export function arpTableMac(text: string, dev: string, address: string): string | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(address)) continue;
    const [ip, , flags, mac, , device] = line.trim().split(/\s+/);
    if (ip !== address || device !== dev || mac === undefined) continue;
    if ((Number(flags) & ATF_COM) === 0) return undefined;
    return normalizeMac(mac) ?? undefined;
  }
  return undefined;
}
