// (networks, address) → exactly one port → its instance (reference §3.5.2). Zero or several matches
// identify nobody: a guest must never receive another instance's metadata because of an ambiguity.
import { isIpv4, macFromLinkLocal, normalizeAddress } from '../ip/address.js';
import type { StoreReads } from '../store/store.js';
import type { IdentifyResult } from './identity.js';

export type PortLookup = Pick<StoreReads, 'findPortsByAddress' | 'findPortsByMac'>;

// What a socket reports for an IPv4 peer is a dotted quad without leading zeros, already canonical,
// so the general parser (a third of the lookup's own cost) is not needed for it.

export function resolvePort(
  store: PortLookup,
  networkIds: readonly string[],
  rawAddress: string,
  scope: string,
): IdentifyResult {
  const address = isIpv4(rawAddress) ? rawAddress : normalizeAddress(rawAddress);
  if (address === undefined) {
    return notFound(scope, `Cannot identify the guest as its address is not an IP address: "${rawAddress}"`, {
      address: rawAddress,
    });
  }
  // An IPv6 link-local source carries the MAC (EUI-64); Neutron searches by MAC then.
  const mac = macFromLinkLocal(address);
  const matches =
    mac === undefined ? store.findPortsByAddress(networkIds, address) : store.findPortsByMac(networkIds, mac);
  if (matches.length === 1) {
    const m = matches[0]!;
    return { ok: true, identity: { instanceUuid: m.instanceUuid, revision: m.revision, address } };
  }
  const why = matches.length === 0 ? 'no port has this address' : `${matches.length} ports have this address`;
  return notFound(scope, `Cannot identify the guest at "${address}" on ${scope} as ${why}`, {
    address,
    ...(mac === undefined ? {} : { mac }),
    networks: networkIds,
    matches: matches.map((m) => m.port.id),
  });
}

function notFound(scope: string, msg: string, fields: Record<string, unknown>): IdentifyResult {
  return {
    ok: false,
    status: 404,
    explanation: `Instance was not found on ${scope}.`,
    log: { event: 'identify.not_found', msg, fields },
  };
}
