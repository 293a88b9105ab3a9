// Deep equality for the diff. Key order counts (user metadata and vendor data render in insertion
// order, so reordering them is a change); Buffers compare by bytes.

export function sameValue(a: unknown, b: unknown): boolean {
  if (Buffer.isBuffer(a) || Buffer.isBuffer(b))
    return Buffer.isBuffer(a) && Buffer.isBuffer(b) && a.equals(b);
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Equality that ignores the order of object keys (devices, block devices: rendered in a fixed order). */
export function sameShape(a: unknown, b: unknown): boolean {
  return JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  return Object.fromEntries(
    entries.sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)).map(([k, v]) => [k, sortKeys(v)]),
  );
}
