// Ports live inside their instance in the inventory (instances[].ports[]); these edits find the
// owning instance item and change its list, so a port edit is validated like any instance edit.
import { ImdsError } from '../errors.js';
import { requireItem, type InventoryDoc, type Item } from './inventory-edit.js';

function locate(doc: InventoryDoc, portId: string): { ports: Item[]; index: number } {
  for (const instance of doc.instances ?? []) {
    const ports = (instance['ports'] ?? []) as Item[];
    const index = ports.findIndex((p) => p['id'] === portId);
    if (index >= 0) return { ports, index };
  }
  throw new ImdsError('PORT_NOT_FOUND', `Cannot find port "${portId}"`, {
    hint: 'List them with GET /v1/ports',
  });
}

export const portEdits = {
  /** Adds a port to the instance named by item.instance (name or uuid). */
  add(doc: InventoryDoc, item: Item): void {
    const { instance, ...port } = item;
    if (typeof instance !== 'string') {
      throw new ImdsError(
        'VALIDATION_FAILED',
        'Cannot add a port without "instance" (the name or uuid of its instance)',
      );
    }
    const owner = doc.instances![requireItem(doc, 'instances', instance)]!;
    ((owner['ports'] ??= []) as Item[]).push(port);
  },
  replace(doc: InventoryDoc, portId: string, item: Item): void {
    const { ports, index } = locate(doc, portId);
    const { instance: _ignored, ...port } = item;
    ports[index] = { ...port, id: portId };
  },
  remove(doc: InventoryDoc, portId: string): void {
    const { ports, index } = locate(doc, portId);
    ports.splice(index, 1);
  },
};
