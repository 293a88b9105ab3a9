// Readers for the command output `doctor host` collects (iproute2, ss, nft, tcpdump). Pure, so the
// checks are tested on captured text.

export const METADATA_IP = '169.254.169.254';
/** Neutron's metadata_port: where router mode's redirect lands. */
export const ROUTER_METADATA_PORT = 9697;

/** `ip -4 -o addr show` lines: does one carry 169.254.169.254/32? */
export function hasMetadataAddress(lines: readonly string[]): boolean {
  return lines.some((l) => /\binet 169\.254\.169\.254\/32\b/.test(l));
}

/** Local addresses that serve guests of a mode, as `ss -ltn` prints them. */
export function servingAddresses(mode: 'onlink' | 'router' | 'isolated'): string[] {
  const http = [`${METADATA_IP}:80`, '0.0.0.0:80', '*:80', '[::]:80'];
  const redirect = [
    `0.0.0.0:${ROUTER_METADATA_PORT}`,
    `*:${ROUTER_METADATA_PORT}`,
    `[::]:${ROUTER_METADATA_PORT}`,
  ];
  return mode === 'router' ? redirect : http;
}

/** The `ss -ltnH` lines whose local address serves guests of this mode. */
export function servingListeners(lines: readonly string[], mode: 'onlink' | 'router' | 'isolated'): string[] {
  const wanted = new Set(servingAddresses(mode));
  // LISTEN 0 511 169.254.169.254:80 0.0.0.0:*  — the 4th column is the local address
  return lines.filter((l) => {
    const local = l.trim().split(/\s+/)[3];
    return local !== undefined && wanted.has(local.replace(/%\S+(?=:\d+$)/, ''));
  });
}

/** The nft table redirects 169.254.169.254:80 arriving on `iface` to :9697 (src/net/nft-ruleset.ts). */
export function nftRedirects(table: string, iface: string): boolean {
  return table
    .split('\n')
    .some(
      (l) =>
        l.includes(`iifname "${iface}"`) &&
        l.includes(METADATA_IP) &&
        l.includes(`redirect to :${ROUTER_METADATA_PORT}`),
    );
}

export interface Neighbour {
  address: string;
  mac: string;
  state: string;
  line: string;
}

/** `ip -4 neigh show dev IF`: entries with a link-layer address (FAILED/INCOMPLETE ones have none). */
export function parseNeighbours(lines: readonly string[]): Neighbour[] {
  return lines.flatMap((line) => {
    const m = /^(\d+\.\d+\.\d+\.\d+)\s.*\blladdr\s+([0-9a-f:]+)\s*(?:\w+\s+)*?([A-Z]+)?\s*$/i.exec(
      line.trim(),
    );
    if (m === null) return [];
    return [{ address: m[1]!, mac: m[2]!.toLowerCase(), state: m[3] ?? '', line: line.trim() }];
  });
}

export interface ArpWatch {
  /** Lines of requests for 169.254.169.254. */
  requests: string[];
  /** Who asked (the `tell` address). */
  askers: string[];
  /** Lines of replies for 169.254.169.254. */
  replies: string[];
}

/** `tcpdump -l -n arp` lines about 169.254.169.254. */
export function parseArpWatch(lines: readonly string[]): ArpWatch {
  const requests = lines.filter((l) => /Request who-has 169\.254\.169\.254\b/.test(l));
  const askers = [...new Set(requests.flatMap((l) => /\btell (\d+\.\d+\.\d+\.\d+)/.exec(l)?.[1] ?? []))];
  const replies = lines.filter((l) => /Reply 169\.254\.169\.254 is-at/.test(l));
  return { requests, askers, replies };
}

/** The option 121 line of a dnsmasq opts file (src/net/dnsmasq-opts-file.ts), or undefined. */
export function option121Lines(opts: string): string[] {
  return opts.split('\n').filter((l) => l.includes('option:classless-static-route,'));
}

/** Does an option 121 line route 169.254.169.254/32, and the default route when there is a gateway? */
export function option121Complete(line: string, gateway: string | null): boolean {
  const routes = line.split('option:classless-static-route,')[1] ?? '';
  const pairs = routes.split(',');
  const has = (dest: string, hop?: string): boolean =>
    pairs.some((p, i) => i % 2 === 0 && p === dest && (hop === undefined || pairs[i + 1] === hop));
  return has(`${METADATA_IP}/32`) && (gateway === null || has('0.0.0.0/0', gateway));
}
