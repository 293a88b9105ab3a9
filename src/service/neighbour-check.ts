// The neighbour check (issue 7 item 7, docs/network.md "Neighbour check"): on a network listener whose
// network has attach.neighbour_check, the guest identified by its source address must also be, by
// MAC, the port registered for that address — as the namespace's neighbour table (ARP/NDP) has it.
// A guest that took a neighbour's IP answers ARP with its own MAC, so the table names it: 403.
//
// Two wrappers around the usual parts, so the lookup itself (resolve-port.ts) stays as it is:
//  - awaitNeighbour(handler): before identification, lets the table catch up with the peer. The
//    kernel resolved the peer's MAC before the TCP handshake completed, but the monitor's line about
//    it may still be in a pipe: first one turn of the event loop (which reads what is already there),
//    then, only if the address is still unknown, a bounded wait for the next change naming it.
//  - checkNeighbour(identify): after identification, compares the MAC; synchronous, a Map lookup.
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { GuestHandler } from '../http/guest-request.js';
import { macFromLinkLocal, normalizeAddress } from '../ip/address.js';
import type { NeighbourCache } from '../net/neighbour-cache.js';
import type { Identifier, IdentifyResult } from './identity.js';
import type { PortLookup } from './resolve-port.js';

/** Long enough to start `ip monitor` and read the table once (the first request after start-up). */
export const NEIGHBOUR_WAIT_MS = 1000;

export interface NeighbourCheckDeps {
  store: PortLookup;
  /** Networks served by the listener (read per request, as the peer identifier does). */
  networkIds: () => readonly string[];
  /** The networks with the check on, and the interface their guests are on; empty: nothing to do. */
  checks: () => ReadonlyArray<{ networkId: string; interface: string }>;
  neighbours: Pick<NeighbourCache, 'start' | 'find' | 'settle'>;
  waitMs?: number;
}

export function awaitNeighbour(handler: GuestHandler, deps: NeighbourCheckDeps): GuestHandler {
  const waitMs = deps.waitMs ?? NEIGHBOUR_WAIT_MS;
  return async (req) => {
    if (deps.checks().length > 0) {
      deps.neighbours.start();
      await nextTurn();
      const address = normalizeAddress(req.peerAddress);
      if (address !== undefined) await deps.neighbours.settle(address, waitMs);
    }
    return handler(req);
  };
}

export function checkNeighbour(identify: Identifier, deps: NeighbourCheckDeps): Identifier {
  return (req) => {
    const found = identify(req);
    const checks = deps.checks();
    if (!found.ok || checks.length === 0) return found;
    const address = found.identity.address ?? normalizeAddress(req.peerAddress);
    if (address === undefined) return found;
    const port = matchedPort(deps, address, found.identity.instanceUuid);
    const check = port === undefined ? undefined : checks.find((c) => c.networkId === port.networkId);
    if (port === undefined || check === undefined) return found;
    const seen = deps.neighbours.find(check.interface, address);
    if (seen === port.mac) return found;
    const fields = {
      address,
      interface: check.interface,
      network: port.networkId,
      port: port.id,
      registeredMac: port.mac,
      neighbourMac: seen ?? null,
    };
    if (seen === undefined) {
      return refused(
        'identify.neighbour_unknown',
        `Cannot check the guest at "${address}" as the neighbour table of ${check.interface} has no MAC for it (port ${port.id} has ${port.mac})`,
        fields,
      );
    }
    return refused(
      'identify.neighbour_mismatch',
      `Refused the guest at "${address}" as its MAC ${seen} is not ${port.mac}, the MAC of port ${port.id} that owns the address`,
      fields,
    );
  };
}

/** The port the peer identifier matched (the same lookup; only run on networks with the check on). */
function matchedPort(deps: NeighbourCheckDeps, address: string, instanceUuid: string) {
  const mac = macFromLinkLocal(address);
  const ids = deps.networkIds();
  const matches =
    mac === undefined ? deps.store.findPortsByAddress(ids, address) : deps.store.findPortsByMac(ids, mac);
  return matches.find((m) => m.instanceUuid === instanceUuid)?.port;
}

function refused(event: string, msg: string, fields: Record<string, unknown>): IdentifyResult {
  return {
    ok: false,
    status: 403,
    explanation: 'The source of this request is not the registered owner of its address.',
    log: { event, msg, fields },
  };
}
