// Caps on open guest connections, shared by every guest listener of one service: a global cap (file
// descriptors and memory are finite) and, where the TCP peer is the guest itself (direct and
// namespace listeners), a per-address cap, so that one guest cannot hold every connection. A refused
// connection is closed at once, before any byte is read; refusals are logged at most every 10 s.
import type { Socket } from 'node:net';
import type { Logger } from '../log.js';

export interface ConnectionGateOptions {
  /** Open guest connections at once, over all listeners; 0: no cap. */
  maxTotal: number;
  /** Open connections per guest address on listeners where the peer is the guest; 0: no cap. */
  maxPerGuest: number;
  log: Logger;
  now?: () => number;
}

export interface ConnectionGate {
  /** Counts the socket in (until it closes), or closes it and returns false. */
  admit(socket: Socket, perGuest: boolean): boolean;
  open(): number;
}

const LOG_EVERY_MS = 10_000;

/** The address a socket is counted under in the per-guest caps. */
const COUNTED_AS = Symbol('counted as');
type GatedSocket = Socket & { [COUNTED_AS]?: string };

export function createConnectionGate(opts: ConnectionGateOptions): ConnectionGate {
  const now = opts.now ?? Date.now;
  const byPeer = new Map<string, number>();
  let total = 0;
  let refused = { total: 0, perGuest: 0 };
  let loggedAt = -Infinity;

  const refuse = (socket: Socket, why: 'total' | 'perGuest', peer: string): false => {
    refused[why]++;
    socket.destroy();
    const t = now();
    if (t - loggedAt >= LOG_EVERY_MS) {
      opts.log.warn(
        'connection.refused',
        why === 'total'
          ? `Refused guest connections as ${opts.maxTotal} are open (max_guest_connections)`
          : `Refused connections from ${peer} as it holds ${opts.maxPerGuest} (max_connections_per_guest)`,
        { refusedTotalCap: refused.total, refusedPerGuestCap: refused.perGuest, open: total },
      );
      loggedAt = t;
      refused = { total: 0, perGuest: 0 };
    }
    return false;
  };

  // One handler for every socket ('close' comes once): no closure per connection.
  function onClose(this: GatedSocket): void {
    total--;
    const peer = this[COUNTED_AS];
    if (peer === undefined) return;
    const left = (byPeer.get(peer) ?? 1) - 1;
    if (left === 0) byPeer.delete(peer);
    else byPeer.set(peer, left);
  }

  return {
    admit(socket: GatedSocket, perGuest) {
      const peer = socket.remoteAddress ?? '';
      if (opts.maxTotal > 0 && total >= opts.maxTotal) return refuse(socket, 'total', peer);
      const held = perGuest ? (byPeer.get(peer) ?? 0) : 0;
      if (perGuest && opts.maxPerGuest > 0 && held >= opts.maxPerGuest)
        return refuse(socket, 'perGuest', peer);
      total++;
      if (perGuest) {
        byPeer.set(peer, held + 1);
        socket[COUNTED_AS] = peer;
      }
      socket.on('close', onClose);
      return true;
    },
    open: () => total,
  };
}
