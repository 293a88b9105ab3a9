// Direct and namespace listeners: the guest is whoever the TCP peer address is, within the networks
// this listener serves. Headers play no part, whatever the guest sends.
import type { Identifier } from './identity.js';
import { resolvePort, type PortLookup } from './resolve-port.js';

export function createPeerIdentifier(deps: {
  store: PortLookup;
  /** Networks served by this listener (a router's networks in router mode); read per request so changes apply at once. */
  networkIds: () => readonly string[];
  /** Names the scope in messages, e.g. 'network a3f1…' or 'router 9c2e…'. */
  scope: string;
}): Identifier {
  return (req) => resolvePort(deps.store, deps.networkIds(), req.peerAddress, deps.scope);
}
