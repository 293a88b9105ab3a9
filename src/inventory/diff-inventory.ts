// diffInventory(): what to do to make the store (a snapshot) match the inventory. Pure: new ids and
// MACs come from the generators passed in. The file is the whole truth: whatever the store has and
// the file does not list is deleted.
//
// Order (each step's precondition is met by the ones before it):
//   deletes   ports → instances → networks → (detach kept networks from routers going away) → routers
//   writes    EC2 image pins → routers → networks → instances → ports
import type { Network } from '../model/network.js';
import type { Snapshot } from '../model/snapshot.js';
import type { DesiredInventory } from './desired-inventory.js';
import { diffEc2Images } from './diff-ec2-images.js';
import { diffInstances, type InstanceDiff } from './diff-instances.js';
import { diffNetworks } from './diff-networks.js';
import { diffPorts } from './diff-ports.js';
import { diffRouters } from './diff-routers.js';
import type { DiffGenerators, InventoryPlan } from './inventory-plan.js';
import type { PortDiffInput } from './resolve-ports.js';

export { formatPlan, summarizePlan } from './format-plan.js';
export type { DiffGenerators, FieldChange, InventoryPlan, PlanStep } from './inventory-plan.js';

export function diffInventory(
  current: Snapshot,
  desired: DesiredInventory,
  gen: DiffGenerators,
): InventoryPlan {
  const routers = diffRouters(current.routers, desired.routers, gen);
  const networks = diffNetworks(
    {
      stored: current.networks,
      desired: desired.networks,
      storedRouters: current.routers,
      routers: routers.routers,
    },
    gen,
  );
  const instances = diffInstances(
    current.instances.map((x) => x.instance),
    desired.instances,
    gen,
  );
  const ports = diffPorts(portDiffInput(current, desired, networks.networks, instances.resolved), gen);
  const steps = [
    ...ports.deletes,
    ...instances.deletes,
    ...networks.deletes,
    ...networks.detaches,
    ...routers.deletes,
    ...diffEc2Images(current, desired.ec2Images, desired.instances),
    ...routers.writes,
    ...networks.writes,
    ...instances.writes,
    ...ports.writes,
  ];
  return { steps, empty: steps.length === 0 };
}

function portDiffInput(
  current: Snapshot,
  desired: DesiredInventory,
  networks: readonly Network[],
  instances: InstanceDiff['resolved'],
): PortDiffInput {
  return {
    storedPorts: current.instances,
    storedNetworks: current.networks,
    networks: new Map(networks.map((n) => [n.name, n])),
    instances: instances.map(({ input, match }, i) => ({
      uuid: input.uuid,
      name: input.name,
      match,
      ports: desired.instances[i]!.ports,
    })),
  };
}
