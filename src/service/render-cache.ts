// Rendered documents per instance, keyed by the instance's revision (DESIGN.md "request path" step 3):
// a change bumps the revision, so the very next request renders afresh — no 15-second staleness.
// Bounded by instance count and by an estimate of the bytes held; the least recently used instance
// is dropped first. By count alone, memory followed what instances carry: 20,000 cached instances of
// the benchmark's kind held ~450 MiB (docs/performance.md "Memory").
import type { InstanceRecord } from '../model/instance-record.js';

export interface CachedDocs<Doc> {
  get(path: string): Doc | undefined;
  set(path: string, doc: Doc): void;
}

export interface CachedInstance<Doc> {
  revision: number;
  /** The UTC day the documents were rendered for (the OpenStack version listing depends on it). */
  day: string;
  record: InstanceRecord;
  docs: CachedDocs<Doc>;
}

export interface RenderCache<Doc> {
  /** The entry for (uuid, revision, day), loading the record on a miss; undefined when the instance is gone. */
  entry(uuid: string, revision: number | undefined, day: string): CachedInstance<Doc> | undefined;
  readonly size: number;
  /** The estimated bytes held by every entry (what maxBytes bounds). */
  readonly bytes: number;
}

/**
 * Per cached instance beyond its user data: the parsed record (instance, ports, networks), its EC2
 * tree and the entry itself. Measured on the benchmark's instances (bench/lib/fixture.ts): heap and
 * buffers grow by about this much per instance before any document is cached.
 */
export const RECORD_OVERHEAD_BYTES = 6144;

export interface RenderCacheOptions<Doc> {
  load: (uuid: string) => InstanceRecord | undefined;
  /** 0: nothing is kept. */
  maxInstances: number;
  /** Bound on `bytes`; 0: no bound by size. */
  maxBytes: number;
  /** Estimated bytes one cached document holds (its body and the objects around it). */
  docBytes: (doc: Doc) => number;
}

interface Entry<Doc> extends CachedInstance<Doc> {
  uuid: string;
  bytes: number;
}

export function createRenderCache<Doc>(deps: RenderCacheOptions<Doc>): RenderCache<Doc> {
  const entries = new Map<string, Entry<Doc>>();
  let bytes = 0;
  let newest: Entry<Doc> | undefined;

  const drop = (entry: Entry<Doc>) => {
    entries.delete(entry.uuid);
    bytes -= entry.bytes;
  };
  // Oldest first, never the entry in use (it was just made the most recent).
  const evictFor = (keep: Entry<Doc>) => {
    while (entries.size > deps.maxInstances || (deps.maxBytes > 0 && bytes > deps.maxBytes)) {
      const oldest = entries.values().next().value!;
      if (oldest === keep) break;
      drop(oldest);
    }
  };

  function newEntry(uuid: string, record: InstanceRecord, day: string): Entry<Doc> {
    const map = new Map<string, Doc>();
    const entry: Entry<Doc> = {
      uuid,
      revision: record.instance.revision,
      day,
      record,
      bytes: RECORD_OVERHEAD_BYTES + (record.instance.userData?.length ?? 0),
      docs: {
        get: (path) => map.get(path),
        set: (path, doc) => {
          if (map.has(path)) return;
          map.set(path, doc);
          const added = deps.docBytes(doc) + path.length;
          entry.bytes += added;
          // Only an entry still in the cache counts (one dropped while a request was in flight does not).
          if (entries.get(uuid) !== entry) return;
          bytes += added;
          evictFor(entry);
        },
      },
    };
    return entry;
  }

  return {
    entry(uuid, revision, day) {
      const hit = entries.get(uuid);
      if (hit !== undefined && hit.revision === revision && hit.day === day) {
        // Re-insert to mark it most recently used (Map keeps insertion order), unless it already is.
        if (hit !== newest) {
          entries.delete(uuid);
          entries.set(uuid, hit);
          newest = hit;
        }
        return hit;
      }
      if (hit !== undefined) drop(hit);
      const record = deps.load(uuid);
      if (record === undefined) return undefined;
      const fresh = newEntry(uuid, record, day);
      if (deps.maxInstances > 0) {
        entries.set(uuid, fresh);
        newest = fresh;
        bytes += fresh.bytes;
        evictFor(fresh);
      }
      return fresh;
    },
    get size() {
      return entries.size;
    },
    get bytes() {
      return bytes;
    },
  };
}
