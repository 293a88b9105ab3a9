// Which stored object each desired one is: by id when the file gives one, else by name. A file id
// that the store does not have matches nothing (the stored object of the same name is replaced).

export interface MatchKeys<S, D> {
  storedId: (s: S) => string;
  storedName: (s: S) => string;
  desiredId: (d: D) => string | undefined;
  desiredName: (d: D) => string;
}

/** The stored match of each desired item (same order), and the stored items nothing matched. */
export function matchEntities<S, D>(
  stored: readonly S[],
  desired: readonly D[],
  keys: MatchKeys<S, D>,
): { matches: Array<S | undefined>; unmatched: S[] } {
  const free = new Set(stored);
  const byId = new Map(stored.map((s) => [keys.storedId(s), s]));
  const byName = new Map<string, S[]>();
  for (const s of stored) byName.set(keys.storedName(s), [...(byName.get(keys.storedName(s)) ?? []), s]);
  const matches: Array<S | undefined> = desired.map((d) => {
    const id = keys.desiredId(d);
    const s = id === undefined ? undefined : byId.get(id);
    if (s !== undefined) free.delete(s);
    return s;
  });
  desired.forEach((d, i) => {
    if (keys.desiredId(d) !== undefined) return;
    const s = (byName.get(keys.desiredName(d)) ?? []).find((x) => free.has(x));
    if (s === undefined) return;
    free.delete(s);
    matches[i] = s;
  });
  return { matches, unmatched: stored.filter((s) => free.has(s)) };
}
