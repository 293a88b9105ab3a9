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
  const writes = routers.flatMap((router, i) => routerWrites(router, matches[i], unmatched));
  const deletes: PlanStep[] = unmatched.map((router) => ({
    kind: 'router',
    action: 'delete',
    router,
    changes: [],
    ...(routers.some((r) => r.name === router.name) ? { replace: { reason: 'new id' } } : {}),
  }));
  return { routers, writes, deletes };
}

/** An update when a matched router is renamed; a create (a replacement when the name was stored under another id). */
function routerWrites(router: Router, match: Router | undefined, unmatched: readonly Router[]): PlanStep[] {
  if (match !== undefined) {
    if (match.name === router.name) return [];
    return [
      {
        kind: 'router',
        action: 'update',
        router,
        changes: [{ key: 'name', from: match.name, to: router.name }],
      },
    ];
  }
  const old = unmatched.find((s) => s.name === router.name);
  if (old === undefined) return [{ kind: 'router', action: 'create', router, changes: [] }];
  const changes = [{ key: 'id', from: old.id, to: router.id }];
  return [{ kind: 'router', action: 'create', router, changes, replace: { reason: 'new id' } }];
}
