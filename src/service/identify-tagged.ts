// The tagged listener: Neutron's proxy→agent protocol (reference §3.5.2). The proxy in the namespace
// sets X-Forwarded-For and one of X-Neutron-Network-ID / X-Neutron-Router-ID / X-OVN-Network-ID.
// These headers are trusted only because they arrive over our UNIX socket (file permissions are the
// trust boundary, as in Neutron).
import type { StoreReads } from '../store/store.js';
import { headerValue, type Identifier, type IdentifyResult } from './identity.js';
import { resolvePort, type PortLookup } from './resolve-port.js';

export function createTaggedIdentifier(deps: {
  store: PortLookup & Pick<StoreReads, 'networkIdsOfRouter'>;
}): Identifier {
  return (req): IdentifyResult => {
    const forwardedFor = headerValue(req.headers, 'x-forwarded-for');
    const neutronNetworkId = headerValue(req.headers, 'x-neutron-network-id');
    const ovnNetworkId = headerValue(req.headers, 'x-ovn-network-id');
    // OVN's haproxy only adds X-OVN-Network-ID and deletes nothing (reference §3.4), so a guest's own
    // X-Neutron-Network-ID arrives beside it: preferring either would let the guest pick the network.
    if (neutronNetworkId !== undefined && ovnNetworkId !== undefined) {
      return refuse(400, `Both network ${neutronNetworkId} and OVN network ${ovnNetworkId} defined.`, {
        networkId: neutronNetworkId,
        ovnNetworkId,
      });
    }
    const networkId = neutronNetworkId ?? ovnNetworkId;
    const routerId = headerValue(req.headers, 'x-neutron-router-id');
    if (networkId !== undefined && routerId !== undefined) {
      return refuse(400, `Both network ${networkId} and router ${routerId} defined.`, {
        networkId,
        routerId,
      });
    }
    if (forwardedFor === undefined || (networkId === undefined && routerId === undefined)) {
      return refuse(400, 'X-Forwarded-For and a network or router id are required.', {
        forwardedFor,
        networkId,
        routerId,
      });
    }
    // A comma list means the guest sent its own X-Forwarded-For and the proxy appended the real one;
    // Neutron's agent fails on it too. Never pick an element: either could be forged.
    if (networkId !== undefined)
      return resolvePort(deps.store, [networkId], forwardedFor.trim(), `network ${networkId}`);
    const networks = deps.store.networkIdsOfRouter(routerId!);
    return resolvePort(deps.store, networks, forwardedFor.trim(), `router ${routerId}`);
  };
}

function refuse(status: 400, explanation: string, fields: Record<string, unknown>): IdentifyResult {
  return { ok: false, status, explanation, log: { event: 'identify.refused', msg: explanation, fields } };
}
