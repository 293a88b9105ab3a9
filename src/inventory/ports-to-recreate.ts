// Kept ports that cannot be rewritten in place, each with the reason the plan shows. They are deleted
// before the other writes and created again after them, with the same id and MAC:
// - moved to another instance or network;
// - an address outside its network's new subnets (the store refuses the subnet change while it is there);
// - an address another port takes (the store refuses the taker while it is held);
// - out of the stored order (the store fixes a port's place in its instance's VIF order at its first
//   write; network_data.json lists links in that order), and every kept port after it.
import { cidrContains } from '../ip/address.js';
import type { Network } from '../model/network.js';
import type { ResolvedPort, PortDiffInput } from './resolve-ports.js';

export function portsToRecreate(
  resolved: readonly ResolvedPort[],
  input: PortDiffInput,
): Map<string, string> {
  const recreate = new Map<string, string>();
  const holder = new Map(
    resolved.flatMap((r) => r.port.fixedIps.map((ip) => [`${r.port.networkId}|${ip}`, r.port.id])),
  );
  const networks = new Map([...input.networks.values()].map((n) => [n.id, n]));
  for (const { port, match } of resolved) {
    if (match === undefined) continue;
    const reason = placementChange(match, port, networks.get(port.networkId)!, holder);
    if (reason !== undefined) recreate.set(match.id, reason);
  }
  markOutOfOrder(resolved, input, recreate);
  return recreate;
}

function placementChange(
  match: ResolvedPort['port'],
  port: ResolvedPort['port'],
  network: Network,
  holder: ReadonlyMap<string, string>,
): string | undefined {
  if (match.instanceUuid !== port.instanceUuid) return 'moved to another instance';
  if (match.networkId !== port.networkId) return 'moved to another network';
  for (const ip of match.fixedIps) {
    if (!network.subnets.some((s) => cidrContains(s.cidr, ip))) return `"${ip}" leaves the network's subnets`;
    const taker = holder.get(`${match.networkId}|${ip}`);
    if (taker !== undefined && taker !== match.id) return `"${ip}" goes to another port`;
  }
  return undefined;
}

/** Ports stay only while they come in their stored order; new and recreated ones are appended. */
function markOutOfOrder(
  resolved: readonly ResolvedPort[],
  input: PortDiffInput,
  recreate: Map<string, string>,
): void {
  const position = new Map(input.storedPorts.flatMap((x) => x.ports.map((p, i) => [p.id, i])));
  const byInstance = new Map<string, ResolvedPort[]>();
  for (const r of resolved)
    byInstance.set(r.port.instanceUuid, [...(byInstance.get(r.port.instanceUuid) ?? []), r]);
  for (const ports of byInstance.values()) {
    let last = -1;
    let broken = false;
    for (const { match } of ports) {
      const stays = match !== undefined && !recreate.has(match.id);
      const at = stays ? position.get(match.id)! : -1;
      if (stays && !broken && at > last) {
        last = at;
        continue;
      }
      if (stays) recreate.set(match.id, 'to keep the port order');
      broken = true;
    }
  }
}
