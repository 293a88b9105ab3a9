// routers[i]: { name, id? } (id is the value of X-Neutron-Router-ID).
import { checkUuid } from './check-address.js';
import type { DesiredRouter } from './desired-inventory.js';
import type { IssueList, PathPart } from './inventory-issue.js';
import { MapReader } from './map-reader.js';
import { readName } from './read-name.js';

export const ROUTER_KEYS = ['name', 'id'] as const;

export function parseRouter(
  value: unknown,
  path: readonly PathPart[],
  issues: IssueList,
): DesiredRouter | undefined {
  const r = new MapReader(value, path, issues, ROUTER_KEYS);
  if (!r.ok) return undefined;
  const name = readName(r);
  const idText = r.string('id');
  const id = idText === undefined ? undefined : checkUuid(idText, r.at('id'), issues);
  return name === undefined ? undefined : { name, id };
}
