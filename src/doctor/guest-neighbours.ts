// The guest's neighbour (ARP) table: `ip neigh` or /proc/net/arp. What matters is one bit per
// address: did anybody answer? (FAILED/INCOMPLETE, or /proc flags 0x0: nobody did.)
import { ipv4ToNumber } from './guest-ipv4.js';

export type NeighbourState = 'answered' | 'unanswered';

export interface Neighbour {
  state: NeighbourState;
  raw: string;
}

const UNANSWERED = new Set(['FAILED', 'INCOMPLETE']);
const ANSWERED = new Set(['REACHABLE', 'STALE', 'DELAY', 'PROBE', 'PERMANENT', 'NOARP']);
const ATF_COM = 0x2; // /proc/net/arp: the entry is complete (an answer arrived)

/** Address → its state; when an address appears more than once, the last line wins. */
export function parseNeighbours(lines: readonly string[]): Map<string, Neighbour> {
  const out = new Map<string, Neighbour>();
  for (const raw of lines) {
    const line = raw.trim();
    const words = line.split(/\s+/);
    const address = words[0] ?? '';
    if (ipv4ToNumber(address) === undefined) continue;
    // /proc/net/arp: IP, HW type (0x1), Flags (0x2), HW address, Mask, Device
    if (words.length >= 6 && /^0x[0-9a-f]+$/i.test(words[1]!) && /^0x[0-9a-f]+$/i.test(words[2]!)) {
      const flags = parseInt(words[2]!, 16);
      out.set(address, { state: (flags & ATF_COM) !== 0 ? 'answered' : 'unanswered', raw: line });
      continue;
    }
    const states = words.slice(1).filter((w) => UNANSWERED.has(w) || ANSWERED.has(w));
    const state = states[states.length - 1];
    if (state === undefined) continue;
    out.set(address, { state: UNANSWERED.has(state) ? 'unanswered' : 'answered', raw: line });
  }
  return out;
}
