// The plan: the operations that make the store match the inventory, in the order they run. Every
// step carries the full object to write, so applying a plan needs nothing but the plan and a store.
import type { Instance } from '../model/instance.js';
import type { Network, Router } from '../model/network.js';
import type { Port } from '../model/port.js';
import type { Ec2ImageMapping, InstanceInput } from '../store/store.js';

/** One field that changes, named by its inventory key; values are formatted by formatPlan(). */
export interface FieldChange {
  key: string;
  from: unknown;
  to: unknown;
}

interface StepBase {
  /** Changed fields (updates, and the create half of a replacement). */
  changes: FieldChange[];
  /**
   * Half of a replacement: a delete and a later create of the same object (a new id for the same
   * name, a port moved to another network or put back in order). formatPlan() shows the pair once, as "-/+".
   */
  replace?: { reason: string };
}

export type PlanStep = StepBase &
  (
    | { kind: 'router'; action: 'create' | 'update' | 'delete'; router: Router }
    | { kind: 'network'; action: 'create' | 'update' | 'delete'; network: Network; routerName: string | null }
    | { kind: 'instance'; action: 'create' | 'update'; instance: InstanceInput }
    | { kind: 'instance'; action: 'delete'; instance: Pick<Instance, 'uuid' | 'name'> }
    | {
        kind: 'port';
        action: 'create' | 'update' | 'delete';
        port: Port;
        instanceName: string;
        networkName: string;
      }
    | { kind: 'ec2-image'; action: 'create' | 'update'; mapping: Ec2ImageMapping }
  );

export interface InventoryPlan {
  /** In execution order: deletes (ports, instances, networks, routers) first, then creates and updates. */
  steps: PlanStep[];
  /** True when the store already matches the inventory. */
  empty: boolean;
}

/** Functions the diff uses to make new values, passed in so the diff stays pure and testable. */
export interface DiffGenerators {
  /** A new UUID (crypto.randomUUID in production). */
  newId: () => string;
  /** Random bytes (crypto.randomBytes in production): MACs and reservation ids. */
  randomBytes: (size: number) => Buffer;
}
