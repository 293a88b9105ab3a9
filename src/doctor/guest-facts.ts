// What a guest bundle says, read section by section into plain facts for analyzeGuest(): the
// routes, the route the kernel picks for 169.254.169.254, neighbours (after the probe wins), leases,
// addresses, the probe's outcome, and a list of what could not be read (each named).
import { bundleSections, outputLines, sectionNotes } from './bundle-sections.js';
import { parseAddresses } from './guest-addresses.js';
import { METADATA_ADDRESS } from './guest-ipv4.js';
import { parseLeases, type GuestLease } from './guest-leases.js';
import { parseNeighbours, type Neighbour } from './guest-neighbours.js';
import { parseRouteGet, type RouteGet } from './guest-route-get.js';
import { lookupRoute, parseRoutes, routeSendsNothing, type GuestRoute } from './guest-routes.js';
import { probeOutcome, type ProbeOutcome } from './probe-outcome.js';

export interface Facts {
  routes?: GuestRoute[];
  routeGet?: RouteGet;
  /** The route the kernel picks: from route-get, else looked up in the table. */
  path?: { via?: string; dev?: string; raw: string } | 'none';
  neighbours: Map<string, Neighbour>;
  leases: GuestLease[];
  addresses: Set<string>;
  probe: ProbeOutcome;
  sysconfig: string[];
  unreadable: string[];
}

export function guestFacts(bundle: string | Uint8Array): Facts {
  const b = bundleSections(bundle);
  const unreadable: string[] = [];
  if (!b.hasMagic)
    unreadable.push('not an openimds guest bundle (no "=== openimds-guest-bundle 1 ===" line)');
  if (b.truncated) unreadable.push('bundle larger than 4 MiB: only the beginning was read');
  if (b.binary) unreadable.push('bundle contains binary or control bytes (ignored)');
  const section = (name: string) => b.sections.get(name);
  const missing = (name: string, lines: string[] | undefined): boolean => {
    if (lines === undefined) {
      unreadable.push(`${name}: section missing`);
      return true;
    }
    const tools = sectionNotes(lines, 'missing');
    if (tools.length > 0 && outputLines(lines).length === 0) {
      unreadable.push(`${name}: ${tools.join(', ')} not available in the guest`);
      return true;
    }
    return false;
  };

  let routes: GuestRoute[] | undefined;
  const routeLines = section('routes');
  if (!missing('routes', routeLines)) {
    const parsed = parseRoutes(outputLines(routeLines!));
    if (parsed.routes.length === 0 && parsed.unread.length > 0) {
      unreadable.push(`routes: no line in a known format (${quote(parsed.unread[0]!)})`);
    } else {
      routes = parsed.routes;
    }
  }
  let routeGet: RouteGet | undefined;
  const getLines = section('route-get');
  if (!missing('route-get', getLines)) {
    routeGet = parseRouteGet(getLines!.filter((l) => !l.startsWith('## ')));
    const out = outputLines(getLines!);
    if (routeGet === undefined && out.length > 0)
      unreadable.push(`route-get: unknown format (${quote(out[0]!)})`);
  }
  let path: Facts['path'];
  if (routeGet?.kind === 'route') path = routeGet;
  else if (routeGet?.kind === 'unreachable') path = 'none';
  else if (routes !== undefined) {
    const r = lookupRoute(routes, METADATA_ADDRESS);
    path =
      r === undefined || routeSendsNothing(r)
        ? 'none'
        : { ...(r.gateway ? { via: r.gateway } : {}), ...(r.dev ? { dev: r.dev } : {}), raw: r.raw };
  }

  const before = section('neighbours-before');
  const after = section('neighbours-after');
  missing('neighbours-after', after);
  // After the probe is what counts; before fills in addresses the probe did not touch.
  const neighbours = new Map([...parseNeighbours(before ?? []), ...parseNeighbours(after ?? [])]);
  const addressLines = section('addresses');
  const addresses = missing('addresses', addressLines) ? new Set<string>() : parseAddresses(addressLines!);
  const probeLines = section('probe');
  const probe = probeOutcome(probeLines);
  if (probeLines === undefined) unreadable.push('probe: section missing');
  else if (probe.outcome === 'not-run')
    unreadable.push('probe: no curl or wget in the guest, nothing was probed');
  if (section('leases') === undefined) unreadable.push('leases: section missing');
  return {
    ...(routes !== undefined ? { routes } : {}),
    ...(routeGet !== undefined ? { routeGet } : {}),
    ...(path !== undefined ? { path } : {}),
    neighbours,
    leases: parseLeases(section('leases') ?? []),
    addresses,
    probe,
    sysconfig: outputLines(section('sysconfig') ?? []),
    unreadable,
  };
}

function quote(line: string): string {
  return `"${line.length > 80 ? line.slice(0, 80) + '…' : line}"`;
}
