// The plumbing of attached networks as a plan: ordered sections of commands (render, then apply —
// STYLE.md habit 6). Pure: the same snapshot gives the same plan, byte for byte.
import { ImdsError } from '../errors.js';
import type { Network } from '../model/network.js';
import { checkAttachment } from './check-attachment.js';
import { dnsmasqConfig, type DnsmasqConfig } from './dnsmasq-config.js';
import type { DnsmasqDirs } from './dnsmasq-paths.js';
import { hostedPorts, type HostedPort, type InstancesWithPorts } from './hosted-ports.js';
import { onlinkCommands, type ApplyRemove } from './onlink-commands.js';
import { describeNamespace, type PlanCommand } from './plan-command.js';
import { routerCommands } from './router-commands.js';
import { tokenHopCommands } from './token-hop-commands.js';
import { tokenHopLimit } from './token-hop-limit.js';

export interface PlanSection {
  /** For people: what this section plumbs, and where. */
  title: string;
  namespace: string | null;
  /** Names of the networks it covers (a router namespace covers all of its router-mode networks). */
  networks: string[];
  apply: PlanCommand[];
  remove: PlanCommand[];
  /** Isolated mode: the DHCP server that pushes the route (run by a supervisor, not by applyPlan). */
  dnsmasq: DnsmasqConfig | null;
}

export interface NetPlan {
  sections: PlanSection[];
}

/** What a plan reads from the store (a Snapshot fits). */
export interface NetSnapshot {
  networks: readonly Network[];
  instances: InstancesWithPorts;
}

export interface PlanOptions extends DnsmasqDirs {
  /** One network (name or id); every attached network when absent. */
  network?: string;
}

/** The plan for every attached network of the snapshot, or for one (`openimds net plan`). */
export function networkPlan(snapshot: NetSnapshot, opts: PlanOptions): NetPlan {
  const only = opts.network === undefined ? undefined : getAttached(snapshot.networks, opts.network).id;
  const attached = snapshot.networks.filter((n) => n.attach !== null);
  return plumbingPlan(attached, { only, dirs: opts, ports: (id) => hostedPorts(snapshot.instances, id) });
}

export interface PlumbingOptions {
  /** Plan only this network id; the others in `attached` still shape a shared router table. */
  only?: string | undefined;
  dirs: DnsmasqDirs;
  ports: (networkId: string) => readonly HostedPort[];
}

/** The plan for networks that all have `attach`; the core of networkPlan, also used by `serve`. */
export function plumbingPlan(attached: readonly Network[], opts: PlumbingOptions): NetPlan {
  const sections: PlanSection[] = [];
  const routerNamespaces = new Set<string | null>();
  for (const network of attached) {
    if (opts.only !== undefined && network.id !== opts.only) continue;
    checkAttachment(network);
    if (network.attach!.mode !== 'router') {
      sections.push(linkSection(network, opts));
    } else if (!routerNamespaces.has(network.attach!.namespace)) {
      routerNamespaces.add(network.attach!.namespace);
      sections.push(routerSection(attached, network.attach!.namespace, opts.only));
    }
  }
  const namespaces = new Set(
    attached.filter((n) => opts.only === undefined || n.id === opts.only).map((n) => n.attach!.namespace),
  );
  for (const namespace of namespaces) sections.push(tokenHopSection(attached, namespace, opts.only));
  return { sections };
}

/** One token hop-limit table per namespace, from all of its attached networks (after the others). */
function tokenHopSection(attached: readonly Network[], namespace: string | null, only?: string): PlanSection {
  const networks = attached.filter((n) => n.attach!.namespace === namespace);
  const limited = networks.flatMap((n) => {
    const hopLimit = tokenHopLimit(n.attach!);
    return hopLimit === null
      ? []
      : [{ interface: n.attach!.interface, networkId: n.id, mode: n.attach!.mode, hopLimit }];
  });
  const removing = new Set(only === undefined ? networks.map((n) => n.id) : [only]);
  const names = networks.map((n) => `"${n.name}"`).join(', ');
  return {
    title: `token hop limit in ${describeNamespace(namespace)}: network${networks.length > 1 ? 's' : ''} ${names}`,
    namespace,
    networks: networks.map((n) => n.name),
    ...tokenHopCommands(namespace, limited, removing),
    dnsmasq: null,
  };
}

/** onlink and isolated: addresses on the interface; isolated adds dnsmasq. */
function linkSection(network: Network, opts: PlumbingOptions): PlanSection {
  const attach = network.attach!;
  const isolated = attach.mode === 'isolated';
  return {
    title: `network "${network.name}": ${attach.mode} on ${attach.interface} in ${describeNamespace(attach.namespace)}`,
    namespace: attach.namespace,
    networks: [network.name],
    ...onlinkCommands(attach),
    dnsmasq: isolated ? dnsmasqConfig(network, opts.ports(network.id), opts.dirs) : null,
  };
}

/** One nft table per router namespace, from all of its router-mode networks. */
function routerSection(attached: readonly Network[], namespace: string | null, only?: string): PlanSection {
  const networks = attached.filter((n) => n.attach!.mode === 'router' && n.attach!.namespace === namespace);
  networks.forEach(checkAttachment);
  const interfaces = networks.map((n) => ({ interface: n.attach!.interface, networkId: n.id }));
  const removing = new Set(only === undefined ? networks.map((n) => n.id) : [only]);
  const names = networks.map((n) => `"${n.name}"`).join(', ');
  return {
    title: `router mode in ${describeNamespace(namespace)}: network${networks.length > 1 ? 's' : ''} ${names}`,
    namespace,
    networks: networks.map((n) => n.name),
    ...withOnlink(routerCommands(namespace, interfaces, removing), networks, removing),
    dnsmasq: null,
  };
}

/** Router networks with attach.onlink also own 169.254.169.254/32 on their interface (zeroconf guests). */
function withOnlink(
  router: ApplyRemove,
  networks: readonly Network[],
  removing: ReadonlySet<string>,
): ApplyRemove {
  const onlink = networks.filter((n) => n.attach!.onlink === true);
  const commands = (n: Network) => onlinkCommands({ ...n.attach!, address: null });
  return {
    apply: [...router.apply, ...onlink.flatMap((n) => commands(n).apply)],
    remove: [
      ...router.remove,
      ...onlink.filter((n) => removing.has(n.id)).flatMap((n) => commands(n).remove),
    ],
  };
}

function getAttached(networks: readonly Network[], key: string): Network {
  const network = networks.find((n) => n.id === key) ?? networks.find((n) => n.name === key);
  if (network === undefined) {
    throw new ImdsError('NETWORK_NOT_FOUND', `Cannot find network "${key}"`, {
      hint: 'List them with: openimds network list',
    });
  }
  if (network.attach === null) {
    throw new ImdsError('VALIDATION_FAILED', `Cannot plan network "${network.name}" as it is not attached`, {
      hint: 'Give it an attach: mapping (namespace, interface, mode) in the inventory; see docs/network.md',
    });
  }
  return network;
}
