// Rendered documents per instance, keyed by the instance's revision (DESIGN.md "request path" step 3):
// a change bumps the revision, so the very next request renders afresh — no 15-second staleness.
// Bounded by instance count; the least recently used instance is dropped first.
import type { InstanceRecord } from '../model/instance-record.js';

export interface CachedInstance<Doc> {
  revision: number;
  /** The UTC day the documents were rendered for (the OpenStack version listing depends on it). */
  day: string;
  record: InstanceRecord;
  docs: Map<string, Doc>;
}

export interface RenderCache<Doc> {
  /** The entry for (uuid, revision, day), loading the record on a miss; undefined when the instance is gone. */
  entry(uuid: string, revision: number | undefined, day: string): CachedInstance<Doc> | undefined;
  readonly size: number;
}

export function createRenderCache<Doc>(deps: {
  load: (uuid: string) => InstanceRecord | undefined;
  maxInstances: number;
}): RenderCache<Doc> {
  const entries = new Map<string, CachedInstance<Doc>>();
  return {
    entry(uuid, revision, day) {
      const hit = entries.get(uuid);
      if (hit !== undefined && hit.revision === revision && hit.day === day) {
        // Re-insert to mark it most recently used (Map keeps insertion order).
        entries.delete(uuid);
        entries.set(uuid, hit);
        return hit;
      }
      const record = deps.load(uuid);
      if (record === undefined) {
        entries.delete(uuid);
        return undefined;
      }
      const fresh: CachedInstance<Doc> = { revision: record.instance.revision, day, record, docs: new Map() };
      if (deps.maxInstances > 0) {
        entries.delete(uuid);
        entries.set(uuid, fresh);
        if (entries.size > deps.maxInstances) entries.delete(entries.keys().next().value!);
      }
      return fresh;
    },
    get size() {
      return entries.size;
    },
  };
}
