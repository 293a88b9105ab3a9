// Duplicate names, ids and pins: the second occurrence is reported, naming the first.
import type { IssueList } from './inventory-issue.js';
import { describePlace, type Placed } from './placed.js';

export function checkUnique<T>(
  items: readonly Placed<T>[],
  field: string,
  keyOf: (value: T) => string | number | undefined,
  issues: IssueList,
  what: string = field,
): void {
  const seen = new Map<string | number, Placed<T>>();
  for (const item of items) {
    const key = keyOf(item.value);
    if (key === undefined) continue;
    const first = seen.get(key);
    if (first === undefined) {
      seen.set(key, item);
      continue;
    }
    const shown = typeof key === 'string' ? `"${key}"` : String(key);
    // A name needs no label: it is the name.
    const place = field === 'name' ? describePlace({ ...first, label: undefined }) : describePlace(first);
    issues.add([...item.path, field], `${shown} is already the ${what} of ${place}`);
  }
}
