// Reads a list of mappings key by key: each item parsed at its own path; undefined if any item fails.
import type { IssueList, PathPart } from './inventory-issue.js';
import type { MapReader } from './map-reader.js';

export function readList<T>(
  r: MapReader,
  key: string,
  issues: IssueList,
  parseItem: (value: unknown, path: readonly PathPart[], issues: IssueList) => T | undefined,
): T[] | undefined {
  const items = r.list(key);
  if (items === undefined) return r.has(key) ? undefined : [];
  const parsed = items.map((item, i) => parseItem(item, [...r.at(key), i], issues));
  return parsed.every((x) => x !== undefined) ? (parsed as T[]) : undefined;
}
