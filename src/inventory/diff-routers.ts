// Routers: matched by id, else by name; the file's list is the whole truth.
import type { Router } from '../model/network.js';
import type { DesiredRouter } from './desired-inventory.js';
import type { DiffGenerators, PlanStep } from './inventory-plan.js';
import { matchEntities } from './match-entities.js';

export interface RouterDiff {
  /** The routers as they will be stored. */
  routers: Router[];
  writes: PlanStep[];
  deletes: PlanStep[];
}

export function diffRouters(
  stored: readonly Router[],
  desired: readonly DesiredRouter[],
  gen: DiffGenerators,
): RouterDiff {
  const { matches, unmatched } = matchEntities(stored, desired, {
    storedId: (s) => s.id,
    storedName: (s) => s.name,
    desiredId: (d) => d.id,
    desiredName: (d) => d.name,
  });
  const routers = desired.map((d, i) => ({ id: d.id ?? matches[i]?.id ?? gen.newId(), name: d.name }));
  const writes: PlanStep[] = [];
  routers.forEach((router, i) => {
    const match = matches[i];
    if (match !== undefined) {
      if (match.name !== router.name) {
        writes.push({
          kind: 'router',
          action: 'update',
          router,
          changes: [{ key: 'name', from: match.name, to: router.name }],
        });
      }
      return;
    }
    const old = unmatched.find((s) => s.name === router.name);
    writes.push({
      kind: 'router',
      action: 'create',
      router,
      changes: old === undefined ? [] : [{ key: 'id', from: old.id, to: router.id }],
      ...(old === undefined ? {} : { replace: { reason: 'new id' } }),
    });
  });
  const deletes: PlanStep[] = unmatched.map((router) => ({
    kind: 'router',
    action: 'delete',
    router,
    changes: [],
    ...(routers.some((r) => r.name === router.name) ? { replace: { reason: 'new id' } } : {}),
  }));
  return { routers, writes, deletes };
}
