// Applying: a plan runs in one store transaction, so a failure part-way (a conflict only the store
// can see) leaves the store as it was. applyInventoryFile() parses, then snapshots, diffs and writes
// inside that one transaction, so two applies never interleave between reading and writing.
import { randomBytes as cryptoRandomBytes, randomUUID } from 'node:crypto';
import type { Store } from '../store/store.js';
import { diffInventory } from './diff-inventory.js';
import type { DiffGenerators, InventoryPlan, PlanStep } from './inventory-plan.js';
import { parseInventory } from './parse-inventory.js';
import type { ReadFile } from './parse-user-data.js';

type Writes = Pick<
  Store,
  | 'putRouter'
  | 'deleteRouter'
  | 'putNetwork'
  | 'deleteNetwork'
  | 'putInstance'
  | 'deleteInstance'
  | 'putPort'
  | 'deletePort'
  | 'pinEc2Image'
>;

/** Runs every step of `plan` in one transaction: all of it lands, or none. */
export function applyInventory(store: Store, plan: InventoryPlan): void {
  store.transaction(() => runSteps(store, plan.steps));
}

export interface ApplyInventoryFileOptions extends Partial<DiffGenerators> {
  store: Store;
  text: string;
  /** The file's name for messages; user_data_file paths are relative to its directory. */
  file: string;
  readFile: ReadFile;
  /** Compute and return the plan, write nothing. */
  dryRun?: boolean;
}

/** Parse → (in one transaction) snapshot → diff → apply. `applied` is true when the store was written. */
export function applyInventoryFile(options: ApplyInventoryFileOptions): {
  plan: InventoryPlan;
  applied: boolean;
} {
  const { store, dryRun = false } = options;
  const { desired } = parseInventory(options.text, options.file, options.readFile);
  const gen: DiffGenerators = {
    newId: options.newId ?? randomUUID,
    randomBytes: options.randomBytes ?? cryptoRandomBytes,
  };
  return store.transaction(() => {
    const plan = diffInventory(store.snapshot(), desired, gen);
    if (dryRun || plan.empty) return { plan, applied: false };
    runSteps(store, plan.steps);
    return { plan, applied: true };
  });
}

function runSteps(store: Writes, steps: readonly PlanStep[]): void {
  for (const step of steps) runStep(store, step);
}

function runStep(store: Writes, step: PlanStep): void {
  switch (step.kind) {
    case 'router':
      if (step.action === 'delete') store.deleteRouter(step.router.id);
      else store.putRouter(step.router);
      return;
    case 'network':
      if (step.action === 'delete') store.deleteNetwork(step.network.id);
      else store.putNetwork(step.network);
      return;
    case 'instance':
      if (step.action === 'delete') store.deleteInstance(step.instance.uuid);
      else store.putInstance(step.instance);
      return;
    case 'port':
      if (step.action === 'delete') store.deletePort(step.port.id);
      else store.putPort(step.port);
      return;
    case 'ec2-image':
      store.pinEc2Image(step.mapping);
      return;
  }
}
