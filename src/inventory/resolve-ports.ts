// Each desired port as it will be stored, with its stored match: by id when the file gives one,
// else by (instance, network, first IP). Omitted id, MAC and device name are kept from the
// match, or generated (Neutron's naming: MAC fa:16:3e:…, device "tap" + the id's first 11 characters).
import type { Instance } from '../model/instance.js';
import type { Network } from '../model/network.js';
import type { Port } from '../model/port.js';
import type { DesiredPort } from './desired-inventory.js';
import { generateMac } from './generate-values.js';
import type { DiffGenerators } from './inventory-plan.js';

export interface PortDiffInput {
  storedPorts: ReadonlyArray<{ instance: Instance; ports: readonly Port[] }>;
  storedNetworks: readonly Network[];
  /** Final networks, by name. */
  networks: ReadonlyMap<string, Network>;
  /** Each desired instance's final uuid and name, its stored match, and its desired ports in order. */
  instances: ReadonlyArray<{
    uuid: string;
    name: string;
    match: Instance | undefined;
    ports: readonly DesiredPort[];
  }>;
}

export interface ResolvedPort {
  port: Port;
  match: Port | undefined;
  instanceName: string;
  networkName: string;
}

export function resolvePorts(input: PortDiffInput, gen: DiffGenerators): ResolvedPort[] {
  const all = input.storedPorts.flatMap((x) => x.ports);
  const portsOf = new Map(input.storedPorts.map((x) => [x.instance.uuid, x.ports]));
  const taken = new Set(all.map((p) => p.mac));
  for (const i of input.instances) for (const p of i.ports) if (p.mac !== undefined) taken.add(p.mac);
  const findMatch = createPortMatcher(input);
  return input.instances.flatMap((instance) => {
    const own = instance.match === undefined ? [] : (portsOf.get(instance.match.uuid) ?? []);
    return instance.ports.map((d) => {
      const match = findMatch(d, own);
      const network = input.networks.get(d.network)!;
      const port = buildPort(d, match, { instanceUuid: instance.uuid, networkId: network.id }, gen, taken);
      return { port, match, instanceName: instance.name, networkName: network.name };
    });
  });
}

/** By id; else the instance's first unclaimed port on the same network with the same first address. */
function createPortMatcher(input: PortDiffInput): (d: DesiredPort, own: readonly Port[]) => Port | undefined {
  const byId = new Map(input.storedPorts.flatMap((x) => x.ports.map((p) => [p.id, p])));
  const networkName = new Map(input.storedNetworks.map((n) => [n.id, n.name]));
  const desired = input.instances.flatMap((i) => i.ports);
  // Ports named by id claim their stored port first, so the fallback match cannot take it.
  const claimed = new Set(desired.flatMap((p) => (p.id !== undefined && byId.has(p.id) ? [p.id] : [])));
  // The same network: the one it will be (a renamed network), or one of the same name (a replaced network).
  const sameNetwork = (s: Port, d: DesiredPort) =>
    s.networkId === input.networks.get(d.network)!.id || networkName.get(s.networkId) === d.network;
  return (d, own) => {
    if (d.id !== undefined) return byId.get(d.id);
    const match = own.find((s) => !claimed.has(s.id) && sameNetwork(s, d) && s.fixedIps[0] === d.fixedIps[0]);
    if (match !== undefined) claimed.add(match.id);
    return match;
  };
}

/** The port to store: what the file says, else what the match has, else generated. */
function buildPort(
  d: DesiredPort,
  match: Port | undefined,
  owner: Pick<Port, 'instanceUuid' | 'networkId'>,
  gen: DiffGenerators,
  taken: Set<string>,
): Port {
  const id = d.id ?? match?.id ?? gen.newId();
  const mac = d.mac ?? match?.mac ?? generateMac(gen, taken);
  taken.add(mac);
  const devname =
    d.devname !== undefined ? d.devname : match !== undefined ? match.devname : `tap${id.slice(0, 11)}`;
  const { fixedIps, floatingIp, vifType } = d;
  return { id, ...owner, mac, fixedIps, floatingIp, vifType, devname };
}
