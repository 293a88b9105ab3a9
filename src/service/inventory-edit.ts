// Single-object edits (admin API, `openimds network add`, …) go through the inventory path, so every
// validation rule and error message is the same as for `apply`: inside one transaction, the store is
// exported as an inventory document, one item is changed, and the result is applied. What the edit
// does not touch has an empty diff, so it is left alone.
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { ImdsError } from '../errors.js';
import { applyInventoryFile } from '../inventory/apply-inventory.js';
import { exportInventory } from '../inventory/export-inventory.js';
import type { InventoryPlan } from '../inventory/diff-inventory.js';
import type { Store } from '../store/store.js';

export type EntityKind = 'routers' | 'networks' | 'instances';
export type Item = Record<string, unknown>;
export type InventoryDoc = Partial<Record<EntityKind | 'ec2_images', Item[]>>;

export interface EditDeps {
  store: Store;
  newId: () => string;
  randomBytes: (n: number) => Buffer;
  /** Resolves user_data_file and similar references (relative to the working directory). */
  readFile: (path: string) => Buffer;
}

export function editInventory(
  deps: EditDeps,
  edit: (doc: InventoryDoc) => void,
  dryRun = false,
): InventoryPlan {
  return deps.store.transaction(() => {
    const doc = (parseYaml(exportInventory(deps.store.snapshot())) ?? {}) as InventoryDoc;
    edit(doc);
    const { plan } = applyInventoryFile({
      store: deps.store,
      text: stringifyYaml(doc),
      file: '(request)',
      readFile: deps.readFile,
      dryRun,
      newId: deps.newId,
      randomBytes: deps.randomBytes,
    });
    return plan;
  });
}

/** Index of the item whose name, id or uuid is `key`, or -1. */
export function findItem(doc: InventoryDoc, kind: EntityKind, key: string): number {
  return (doc[kind] ?? []).findIndex(
    (item) => item['name'] === key || item['id'] === key || item['uuid'] === key,
  );
}

/** Adds an item; refuses a name that exists (use replaceItem to change one). */
export function addItem(doc: InventoryDoc, kind: EntityKind, item: Item): void {
  const name = typeof item['name'] === 'string' ? item['name'] : '';
  if (name !== '' && findItem(doc, kind, name) >= 0) {
    throw new ImdsError(
      'DUPLICATE_NAME',
      `Cannot add ${singular(kind)} "${name}" as one with this name exists`,
      {
        hint: `Change it with PUT (admin API) or remove it first`,
      },
    );
  }
  (doc[kind] ??= []).push(item);
}

/** Replaces the item named `key`; throws *_NOT_FOUND when there is none. */
export function replaceItem(doc: InventoryDoc, kind: EntityKind, key: string, item: Item): void {
  const i = requireItem(doc, kind, key);
  doc[kind]![i] = item;
}

export function removeItem(doc: InventoryDoc, kind: EntityKind, key: string): Item {
  const i = requireItem(doc, kind, key);
  return doc[kind]!.splice(i, 1)[0]!;
}

export function requireItem(doc: InventoryDoc, kind: EntityKind, key: string): number {
  const i = findItem(doc, kind, key);
  if (i < 0) {
    const code =
      kind === 'routers'
        ? 'ROUTER_NOT_FOUND'
        : kind === 'networks'
          ? 'NETWORK_NOT_FOUND'
          : 'INSTANCE_NOT_FOUND';
    throw new ImdsError(code, `Cannot find ${singular(kind)} "${key}"`, {
      hint: `List them with: openimds ${singular(kind)} list`,
    });
  }
  return i;
}

function singular(kind: EntityKind): string {
  return kind.slice(0, -1);
}

/**
 * Removes a router, network or instance. A network that still has ports, or a router that networks
 * still use, is refused with IN_USE naming what uses it (rather than leaving dangling references).
 */
export function removeEntity(deps: EditDeps, kind: EntityKind, key: string, dryRun = false): InventoryPlan {
  const users =
    kind === 'networks'
      ? portsOnNetwork(deps.store, key)
      : kind === 'routers'
        ? networksOfRouter(deps.store, key)
        : [];
  if (users.length > 0) {
    throw new ImdsError(
      'IN_USE',
      `Cannot remove ${singular(kind)} "${key}" as it is used by ${users.slice(0, 5).join(', ')}${users.length > 5 ? ` and ${users.length - 5} more` : ''}`,
      {
        hint:
          kind === 'networks'
            ? 'Remove those ports (or their instances) first'
            : 'Detach those networks (router: null) or remove them first',
      },
    );
  }
  return editInventory(deps, (doc) => void removeItem(doc, kind, key), dryRun);
}

function portsOnNetwork(store: Store, key: string): string[] {
  const network = store.findNetwork(key);
  if (network === undefined) return [];
  const names = new Map(store.listInstances().map((i) => [i.uuid, i.name]));
  return store
    .listPorts()
    .filter((p) => p.networkId === network.id)
    .map((p) => `port ${p.id} of instance "${names.get(p.instanceUuid) ?? p.instanceUuid}"`);
}

function networksOfRouter(store: Store, key: string): string[] {
  const router = store.findRouter(key);
  if (router === undefined) return [];
  return store
    .listNetworks()
    .filter((n) => n.routerId === router.id)
    .map((n) => `network "${n.name}"`);
}
