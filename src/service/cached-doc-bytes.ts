// What one cached document costs in memory, for the render cache's byte bound: its body, and the
// objects around it (the Map entry, the response and its headers, the Buffer object), measured on the
// benchmark's instances (docs/performance.md "Memory") at about DOC_OVERHEAD_BYTES each.
import type { CachedDoc } from './guest-handler.js';

export const DOC_OVERHEAD_BYTES = 320;

export function cachedDocBytes(doc: CachedDoc): number {
  switch (doc.kind) {
    case 'response':
      return DOC_OVERHEAD_BYTES + doc.response.body.length;
    case 'seeded':
      return DOC_OVERHEAD_BYTES + doc.result.before.length + doc.result.after.length;
    case 'other':
      return DOC_OVERHEAD_BYTES;
  }
}
