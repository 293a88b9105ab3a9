// The free-form parts of an instance: user metadata (Nova "meta": strings only, 255 characters
// per key and value, as Nova's API enforces), vendor data (any JSON object) and pinned CPUs.
import { describeValue, isMapping } from './describe-value.js';
import type { IssueList } from './inventory-issue.js';
import type { MapReader } from './map-reader.js';

/** Nova's API limit on metadata keys and values. */
const METADATA_MAX_CHARS = 255;
/** No host has more; a guard against a typo such as 10000000. */
const CPU_MAX = 65535;

export function readMetadata(r: MapReader, issues: IssueList): Record<string, string> | undefined {
  const map = r.mapping('metadata');
  if (map === undefined) return r.has('metadata') ? undefined : {};
  const before = issues.count;
  for (const [key, value] of Object.entries(map)) {
    const path = [...r.at('metadata'), key];
    if (key.length > METADATA_MAX_CHARS)
      issues.add(path, `key is ${key.length} characters long: the limit is 255`);
    if (typeof value !== 'string') {
      const hint =
        typeof value === 'number' || typeof value === 'boolean' ? ` (quote it: "${String(value)}")` : '';
      issues.add(path, `expected a string, got ${describeValue(value)}${hint}`);
    } else if (value.length > METADATA_MAX_CHARS) {
      issues.add(path, `value is ${value.length} characters long: the limit is 255`);
    }
  }
  return issues.count > before ? undefined : (map as Record<string, string>);
}

/** undefined: invalid; null: none. */
export function readVendorData(r: MapReader, issues: IssueList): Record<string, unknown> | null | undefined {
  if (!r.has('vendor_data') || r.isNull('vendor_data')) return null;
  const map = r.mapping('vendor_data');
  if (map === undefined) return undefined;
  const bad = findNonJson(map, []);
  if (bad === undefined) return map;
  issues.add([...r.at('vendor_data'), ...bad.path], `${bad.what} cannot be written as JSON`);
  return undefined;
}

function findNonJson(
  value: unknown,
  path: Array<string | number>,
): { path: Array<string | number>; what: string } | undefined {
  if (typeof value === 'number' && !Number.isFinite(value)) return { path, what: describeValue(value) };
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const bad = findNonJson(item, [...path, i]);
      if (bad) return bad;
    }
  } else if (isMapping(value)) {
    for (const [key, item] of Object.entries(value)) {
      const bad = findNonJson(item, [...path, key]);
      if (bad) return bad;
    }
  }
  return undefined;
}

/** Sorted, as Nova reports them (the sorted union of the NUMA cells' pcpusets). */
export function readDedicatedCpus(r: MapReader, issues: IssueList): number[] | undefined {
  const items = r.list('dedicated_cpus');
  if (items === undefined) return r.has('dedicated_cpus') ? undefined : [];
  const before = issues.count;
  const seen = new Set<number>();
  items.forEach((item, i) => {
    const path = [...r.at('dedicated_cpus'), i];
    if (typeof item !== 'number' || !Number.isInteger(item) || item < 0 || item > CPU_MAX) {
      issues.add(path, `expected a CPU number in 0..${CPU_MAX}, got ${describeValue(item)}`);
    } else if (seen.has(item)) issues.add(path, `CPU ${item} is listed twice`);
    else seen.add(item);
  });
  return issues.count > before ? undefined : [...seen].sort((a, b) => a - b);
}
