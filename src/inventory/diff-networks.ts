// Networks: matched by id, else by name; subnets by id, else by CIDR, keeping their stored ids.
// A kept network attached to a router that goes away is detached first, so the router can go.
import type { Network, Router, Subnet } from '../model/network.js';
import type { DesiredNetwork, DesiredSubnet } from './desired-inventory.js';
import type { DiffGenerators, FieldChange, PlanStep } from './inventory-plan.js';
import { matchEntities } from './match-entities.js';
import { sameShape } from './same-value.js';

export interface NetworkDiff {
  /** The networks as they will be stored, in file order. */
  networks: Network[];
  writes: PlanStep[];
  deletes: PlanStep[];
  /** Kept networks moved off a router that is deleted: run after network deletes, before router deletes. */
  detaches: PlanStep[];
}

export interface NetworkDiffInput {
  stored: readonly Network[];
  desired: readonly DesiredNetwork[];
  storedRouters: readonly Router[];
  /** The routers as they will be stored. */
  routers: readonly Router[];
}

export function diffNetworks(input: NetworkDiffInput, gen: DiffGenerators): NetworkDiff {
  const { stored, desired } = input;
  const { matches, unmatched } = matchEntities(stored, desired, {
    storedId: (s) => s.id,
    storedName: (s) => s.name,
    desiredId: (d) => d.id,
    desiredName: (d) => d.name,
  });
  const routerId = new Map(input.routers.map((r) => [r.name, r.id]));
  const networks = desired.map((d, i) => resolveNetwork(d, matches[i], routerId, gen));
  const name = routerNamer(input.storedRouters, input.routers);
  const writes = networks.flatMap((network, i) => networkWrites(network, matches[i], unmatched, name));
  const deletes: PlanStep[] = unmatched.map((network) => ({
    kind: 'network',
    action: 'delete',
    network,
    routerName: name(network.routerId),
    changes: [],
    ...(networks.some((n) => n.name === network.name) ? { replace: { reason: 'new id' } } : {}),
  }));
  const detaches = detachSteps(matches, input.routers, name);
  return { networks, writes, deletes, detaches };
}

type RouterNamer = (id: string | null) => string | null;

/** A create (a replacement when the name was stored under another id), or an update when something differs. */
function networkWrites(
  network: Network,
  match: Network | undefined,
  unmatched: readonly Network[],
  name: RouterNamer,
): PlanStep[] {
  const routerName = name(network.routerId);
  if (match !== undefined) {
    const changes = networkChanges(match, network, name);
    return changes.length === 0 ? [] : [{ kind: 'network', action: 'update', network, routerName, changes }];
  }
  const old = unmatched.find((s) => s.name === network.name);
  if (old === undefined) return [{ kind: 'network', action: 'create', network, routerName, changes: [] }];
  const changes = [{ key: 'id', from: old.id, to: network.id }];
  return [{ kind: 'network', action: 'create', network, routerName, changes, replace: { reason: 'new id' } }];
}

/** Kept networks whose router goes away: detached first, since the store refuses to delete a router in use. */
function detachSteps(
  matches: ReadonlyArray<Network | undefined>,
  kept: readonly Router[],
  name: RouterNamer,
): PlanStep[] {
  const keptIds = new Set(kept.map((r) => r.id));
  return matches
    .filter((m): m is Network => m !== undefined && m.routerId !== null && !keptIds.has(m.routerId))
    .map((m) => ({
      kind: 'network',
      action: 'update',
      network: { ...m, routerId: null },
      routerName: null,
      changes: [{ key: 'router', from: name(m.routerId), to: null }],
    }));
}

function resolveNetwork(
  d: DesiredNetwork,
  match: Network | undefined,
  routerId: ReadonlyMap<string, string>,
  gen: DiffGenerators,
): Network {
  return {
    id: d.id ?? match?.id ?? gen.newId(),
    name: d.name,
    subnets: resolveSubnets(d.subnets, match?.subnets ?? [], gen),
    mtu: d.mtu,
    routerId: d.router === null ? null : (routerId.get(d.router) ?? null),
    attach: d.attach,
  };
}

/** Keeps each stored subnet's id: matched by id when the file gives one, else by CIDR. */
function resolveSubnets(
  desired: readonly DesiredSubnet[],
  stored: readonly Subnet[],
  gen: DiffGenerators,
): Subnet[] {
  const { matches } = matchEntities(stored, desired, {
    storedId: (s) => s.id,
    storedName: (s) => s.cidr,
    desiredId: (d) => d.id,
    desiredName: (d) => d.cidr,
  });
  return desired.map((d, i) => ({
    id: d.id ?? matches[i]?.id ?? gen.newId(),
    cidr: d.cidr,
    ipVersion: d.ipVersion,
    gateway: d.gateway,
    dns: d.dns,
    hostRoutes: d.hostRoutes,
    dhcp: d.dhcp,
    ipv6AddressMode: d.ipv6AddressMode,
  }));
}

function networkChanges(
  a: Network,
  b: Network,
  routerName: (id: string | null) => string | null,
): FieldChange[] {
  const changes: FieldChange[] = [];
  if (a.name !== b.name) changes.push({ key: 'name', from: a.name, to: b.name });
  if (a.routerId !== b.routerId) changes.push(routerChange(a.routerId, b.routerId, routerName));
  if (a.mtu !== b.mtu) changes.push({ key: 'mtu', from: a.mtu, to: b.mtu });
  if (!sameShape(a.subnets, b.subnets)) changes.push(...subnetChanges(a.subnets, b.subnets));
  if (!sameShape(a.attach, b.attach)) changes.push({ key: 'attach', from: a.attach, to: b.attach });
  return changes;
}

/** Field by field when the same CIDRs stay in the same order; else the CIDR lists. */
function subnetChanges(a: readonly Subnet[], b: readonly Subnet[]): FieldChange[] {
  const cidrs = (list: readonly Subnet[]) => list.map((s) => s.cidr);
  if (!sameShape(cidrs(a), cidrs(b))) return [{ key: 'subnets', from: cidrs(a), to: cidrs(b) }];
  return a.flatMap((old, i) => {
    const now = b[i]!;
    const keys = Object.keys(now) as Array<keyof Subnet>;
    return keys
      .filter((k) => !sameShape(old[k], now[k]))
      .map((k) => ({ key: `subnet ${now.cidr} ${SUBNET_KEYS[k]}`, from: old[k], to: now[k] }));
  });
}

const SUBNET_KEYS: Record<keyof Subnet, string> = {
  id: 'id',
  cidr: 'cidr',
  ipVersion: 'ip_version',
  gateway: 'gateway',
  dns: 'dns',
  hostRoutes: 'host_routes',
  dhcp: 'dhcp',
  ipv6AddressMode: 'ipv6_address_mode',
};

/** When a router was replaced under the same name, its id tells the two apart. */
function routerChange(
  from: string | null,
  to: string | null,
  routerName: (id: string | null) => string | null,
): FieldChange {
  const a = routerName(from);
  const b = routerName(to);
  return a === b
    ? { key: 'router', from: `${a} (${from})`, to: `${b} (${to})` }
    : { key: 'router', from: a, to: b };
}

/** A router's name for the plan, from the stored routers and the ones to be stored. */
function routerNamer(
  stored: readonly Router[],
  kept: readonly Router[],
): (id: string | null) => string | null {
  const all = new Map([...stored, ...kept].map((r) => [r.id, r.name]));
  return (id) => (id === null ? null : (all.get(id) ?? id));
}
