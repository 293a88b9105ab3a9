// The address → port lookups of the request path, remembered until the store changes. A guest asks
// ~28 times per boot, each time on a new connection; the SQLite query behind each lookup was the
// largest single cost of a request (docs/performance.md "Profiles"). The store's change mark moves on
// every write, by this process or any other sharing the file (CLI, admin API), and is read on every
// lookup: for SQLite one 48-byte pread of the WAL index while nothing was committed
// (src/store/sqlite-change-probe.ts), instead of a three-table join. So a change still shows on the
// very next request (DESIGN.md "request path" step 3), never after a delay.
import type { Store, StoreReads } from '../store/store.js';
import type { PortLookup } from './resolve-port.js';

export type CachedPortLookup = PortLookup & Pick<StoreReads, 'networkIdsOfRouter'>;

/** Far more guests than ever crawl at once (a boot storm of 256 at a time), so each stays remembered through its whole crawl. */
export const PORT_LOOKUP_CACHE_ENTRIES = 4096;

export function createPortLookupCache(deps: {
  store: CachedPortLookup & Pick<Store, 'changeMark'>;
  maxEntries?: number;
}): CachedPortLookup {
  const { store } = deps;
  const maxEntries = deps.maxEntries ?? PORT_LOOKUP_CACHE_ENTRIES;
  // Values are what the store returned; callers read them and never change them.
  const entries = new Map<string, unknown>();
  let mark: number | undefined;

  function remembered<T>(key: string, read: () => T): T {
    const now = store.changeMark();
    if (now !== mark) {
      entries.clear();
      mark = now;
    }
    const hit = entries.get(key);
    if (hit !== undefined) return hit as T;
    const value = read();
    if (entries.size >= maxEntries) entries.delete(entries.keys().next().value!);
    entries.set(key, value);
    return value;
  }

  // Network ids and addresses never contain "\n" (ids are validated names/UUIDs, addresses canonical).
  const keyOf = (kind: string, networkIds: readonly string[], value: string) =>
    `${kind}\n${networkIds.length === 1 ? networkIds[0]! : networkIds.join('\n')}\n${value}`;

  return {
    findPortsByAddress: (networkIds, address) =>
      remembered(keyOf('a', networkIds, address), () => store.findPortsByAddress(networkIds, address)),
    findPortsByMac: (networkIds, mac) =>
      remembered(keyOf('m', networkIds, mac), () => store.findPortsByMac(networkIds, mac)),
    networkIdsOfRouter: (routerId) => remembered(`r\n${routerId}`, () => store.networkIdsOfRouter(routerId)),
  };
}
