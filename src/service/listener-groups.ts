// Which listening sockets the attached networks need (pure). One socket serves every network attached
// in a namespace on the same port: two on-link bridges in the host namespace cannot both bind
// 169.254.169.254:80, and networks sharing a namespace share its routing table, so their addresses do
// not overlap and the peer address alone tells them apart.
import type { Network } from '../model/network.js';

/** On-link and isolated: the guest reaches 169.254.169.254 on its own segment (neutron-lib METADATA_V4_IP). */
export const ONLINK_HOST = '169.254.169.254';
export const ONLINK_PORT = 80;
/** Router mode: nft redirects 169.254.169.254:80 to this port, as Neutron's L3 agent (metadata_port). */
export const ROUTER_HOST = '0.0.0.0';
export const ROUTER_PORT = 9697;

export interface ListenerGroup {
  /** Stable identity of the socket: namespace + address. */
  key: string;
  namespace: string | null;
  host: string;
  port: number;
  /** Networks whose guests this socket serves (router mode: every network of each router). */
  networkIds: string[];
  /** The attached networks that asked for this socket (for logs and plumbing). */
  networks: string[];
  /** Networks here with attach.neighbour_check on, and the interface their guests' neighbours are on. */
  neighbourChecks: Array<{ networkId: string; interface: string }>;
}

export function listenerGroups(
  networks: readonly Network[],
  networksOfRouter: (routerId: string) => string[],
): ListenerGroup[] {
  const groups = new Map<string, ListenerGroup>();
  for (const network of networks) {
    if (network.attach === null) continue;
    const router = network.attach.mode === 'router';
    const host = router ? ROUTER_HOST : ONLINK_HOST;
    const port = router ? ROUTER_PORT : ONLINK_PORT;
    const key = `${network.attach.namespace ?? '(host)'} ${host}:${port}`;
    const group = groups.get(key) ?? {
      key,
      namespace: network.attach.namespace,
      host,
      port,
      networkIds: [],
      networks: [],
      neighbourChecks: [],
    };
    const served = router && network.routerId !== null ? networksOfRouter(network.routerId) : [network.id];
    for (const id of served) if (!group.networkIds.includes(id)) group.networkIds.push(id);
    group.networks.push(network.name);
    if (network.attach.neighbourCheck === true)
      group.neighbourChecks.push({ networkId: network.id, interface: network.attach.interface });
    groups.set(key, group);
  }
  return [...groups.values()];
}
