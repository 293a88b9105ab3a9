// The guest's own IPv4 addresses (`ip -4 addr`, or ifconfig in either of its formats), to tell this
// guest's DHCP lease from a stale one left in the same directory.
import { ipv4ToNumber } from './guest-ipv4.js';

export function parseAddresses(lines: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const line of lines) {
    const m = /\binet (?:addr:)?(\d+\.\d+\.\d+\.\d+)/.exec(line);
    if (m && ipv4ToNumber(m[1]!) !== undefined && !m[1]!.startsWith('127.')) out.add(m[1]!);
  }
  return out;
}
