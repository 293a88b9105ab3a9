// `doctor host`: reasoning over what collectHostState read, one check per row (STYLE.md habit 3).
// Pure: state in, findings out. Order of the rows is the order a packet meets the pieces.
import { isIpv4, parseInterface } from '../ip/address.js';
import type { DoctorReport, Finding } from './finding.js';
import {
  hasMetadataAddress,
  METADATA_IP,
  nftRedirects,
  option121Complete,
  option121Lines,
  parseArpWatch,
  parseNeighbours,
  servingAddresses,
  servingListeners,
} from './host-parse.js';
import { pathFindings, serviceDown } from './host-service-checks.js';
import type { HostState, NetworkState, Probe } from './host-state.js';
import { finding } from './report.js';

type NetworkCheck = (n: NetworkState) => Finding[];

/** Per attached network; a missing namespace stops the rest for that network. */
export const NETWORK_CHECKS: ReadonlyArray<{ name: string; run: NetworkCheck }> = [
  { name: 'the metadata address is on the guest-facing interface', run: addressMissing },
  { name: 'router mode: the nft redirect is loaded', run: nftRedirectMissing },
  { name: 'something listens in the namespace', run: listenerMissing },
  { name: 'isolated: dnsmasq runs', run: dnsmasqDown },
  { name: 'isolated: dnsmasq offers option 121', run: dnsmasqNoOption121 },
  { name: 'each port resolves to one instance', run: portUnresolvable },
  { name: 'guests on the segment are registered', run: guestUnregistered },
  { name: 'ARP for 169.254.169.254 is answered', run: arpUnanswered },
  { name: 'every command could run', run: checkIncomplete },
];

export function checkHost(state: HostState): DoctorReport {
  if (!state.store.ok) {
    return {
      findings: [
        finding('host-store-unreachable', 'error', `Cannot read the store: ${state.store.error}`, [
          state.store.error,
        ]),
      ],
    };
  }
  const perNetwork = state.networks.flatMap((n) =>
    n.namespaceExists ? withinNetwork(NETWORK_CHECKS.flatMap((c) => c.run(n))) : namespaceMissing(n),
  );
  const down = serviceDown(state);
  const folded = down.length === 0 ? perNetwork : perNetwork.map(foldUnder);
  return { findings: [...down, ...folded, ...state.paths.flatMap(pathFindings)] };
}

/** Unanswered ARP on a network whose address is missing is that finding seen on the wire. */
function withinNetwork(findings: Finding[]): Finding[] {
  if (!findings.some((f) => f.id === 'host-address-missing')) return findings;
  return findings.map((f) =>
    f.id === 'host-arp-unanswered' ? { ...f, consequenceOf: 'host-address-missing' as const } : f,
  );
}

function foldUnder(f: Finding): Finding {
  return f.id === 'host-listener-missing' ? { ...f, consequenceOf: 'host-service-down' } : f;
}

const where = (n: NetworkState): string =>
  `${n.network.attach!.interface} in ${n.network.attach!.namespace === null ? 'the host namespace' : `namespace "${n.network.attach!.namespace}"`}`;

const label = (n: NetworkState): string => `network "${n.network.name}"`;

const evidenceOf = <T>(p: Probe<T>, lines: readonly string[]): string[] =>
  lines.length === 0 ? [`${p.command}: (nothing)`] : lines.map((l) => `${p.command}: ${l.trim()}`);

function namespaceMissing(n: NetworkState): Finding[] {
  const ns = n.network.attach!.namespace!;
  return [
    finding(
      'host-namespace-missing',
      'error',
      `Namespace "${ns}" of ${label(n)} does not exist: nothing serves its guests`,
      [`ip netns list: no "${ns}"`],
    ),
  ];
}

function needsAddress(n: NetworkState): boolean {
  const a = n.network.attach!;
  return a.mode !== 'router' || a.onlink === true;
}

function addressMissing(n: NetworkState): Finding[] {
  const p = n.interfaceAddresses;
  if (!needsAddress(n) || p === undefined) return [];
  if (!p.ok) {
    return [
      finding(
        'host-address-missing',
        'error',
        `Interface ${where(n)} of ${label(n)} cannot be read: ${p.error}`,
        [`${p.command}: ${p.error}`],
        `Create the interface or fix attach.interface, then: openimds net apply --network ${n.network.name}`,
      ),
    ];
  }
  if (hasMetadataAddress(p.value)) return [];
  return [
    finding(
      'host-address-missing',
      'error',
      `${METADATA_IP}/32 is not on ${where(n)} (${label(n)}, ${n.network.attach!.mode}${n.network.attach!.onlink === true ? ' with onlink' : ''}): guests' ARP for it is not answered`,
      evidenceOf(p, p.value),
      `openimds net apply --network ${n.network.name} (serve applies it when apply_plumbing is on)`,
    ),
  ];
}

function nftRedirectMissing(n: NetworkState): Finding[] {
  const p = n.nftTable;
  if (n.network.attach!.mode !== 'router' || p === undefined) return [];
  if (p.ok && nftRedirects(p.value, n.network.attach!.interface)) return [];
  return [
    finding(
      'host-nft-redirect-missing',
      'error',
      p.ok
        ? `The openimds nft table has no redirect for ${where(n)} (${label(n)}): TCP to ${METADATA_IP}:80 is not sent to :9697`
        : `No openimds nft table for ${where(n)} (${label(n)}): TCP to ${METADATA_IP}:80 is not redirected to :9697`,
      p.ok
        ? [`${p.command}: no line iifname "${n.network.attach!.interface}" … redirect to :9697`]
        : [`${p.command}: ${p.error}`],
      `openimds net apply --network ${n.network.name}`,
    ),
  ];
}

function listenerMissing(n: NetworkState): Finding[] {
  const p = n.listeners;
  if (p === undefined || !p.ok) return [];
  if (servingListeners(p.value, n.network.attach!.mode).length > 0) return [];
  const wanted = servingAddresses(n.network.attach!.mode).slice(0, 2).join(' or ');
  return [
    finding(
      'host-listener-missing',
      'error',
      `Nothing listens on ${wanted} in ${where(n).replace(/^\S+ in /, '')} (${label(n)}): guests get "connection refused"`,
      [
        `${p.command}: ${p.value.length} listening socket${p.value.length === 1 ? '' : 's'}, none on ${wanted}`,
        ...p.value.slice(0, 5).map((l) => `${p.command}: ${l.trim()}`),
      ],
    ),
  ];
}

function dnsmasqDown(n: NetworkState): Finding[] {
  const d = n.dnsmasq;
  if (n.network.attach!.mode !== 'isolated' || d === undefined || d.alive) return [];
  return [
    finding(
      'host-dnsmasq-down',
      'error',
      `dnsmasq of ${label(n)} is not running: its guests get no lease and no route to ${METADATA_IP}`,
      [
        d.pid === undefined
          ? `${d.pidFile}: missing or empty`
          : `${d.pidFile}: pid ${d.pid}, no such process (/proc/${d.pid})`,
      ],
    ),
  ];
}

function dnsmasqNoOption121(n: NetworkState): Finding[] {
  const d = n.dnsmasq;
  if (n.network.attach!.mode !== 'isolated' || d === undefined) return [];
  const fix = `openimds net apply --network ${n.network.name}; check attach.address and the subnet gateway`;
  if (d.opts === undefined) {
    return [
      finding(
        'host-dnsmasq-no-option121',
        'error',
        `dnsmasq options of ${label(n)} cannot be read`,
        [`${d.optsFile}: cannot be read`],
        fix,
      ),
    ];
  }
  const lines = option121Lines(d.opts);
  const gateways = n.network.subnets.filter((s) => s.ipVersion === 4 && s.dhcp).map((s) => s.gateway);
  const complete = (gateways.length === 0 ? [null] : gateways).every((gw) =>
    lines.some((l) => option121Complete(l, gw)),
  );
  if (lines.length > 0 && complete) return [];
  return [
    finding(
      'host-dnsmasq-no-option121',
      'error',
      `dnsmasq of ${label(n)} does not offer ${METADATA_IP}/32${gateways.some((g) => g !== null) ? ' and the default route' : ''} in option 121`,
      lines.length === 0
        ? [`${d.optsFile}: no option:classless-static-route line`]
        : lines.map((l) => `${d.optsFile}: ${l}`),
      fix,
    ),
  ];
}

function portUnresolvable(n: NetworkState): Finding[] {
  return n.ports
    .filter((p) => p.instances.length !== 1)
    .map((p) =>
      finding(
        'host-port-unresolvable',
        'error',
        p.instances.length === 0
          ? `Port ${p.portId} (${p.address}) on ${label(n)} resolves to no instance`
          : `Address ${p.address} on ${label(n)} resolves to ${p.instances.length} instances: guests there get 404`,
        [
          `findPortsByAddress(${p.address}): ${p.instances.length === 0 ? 'no instance' : p.instances.join(', ')}`,
        ],
      ),
    );
}

/** Addresses on the segment that are not guests: gateways, the service side, the metadata address. */
function infrastructure(n: NetworkState): Set<string> {
  const own = (n.namespaceAddresses?.ok === true ? n.namespaceAddresses.value : []).flatMap(
    (l) => /\binet (\d+\.\d+\.\d+\.\d+)\//.exec(l)?.[1] ?? [],
  );
  const attach =
    n.network.attach!.address === null ? undefined : parseInterface(n.network.attach!.address)?.host;
  return new Set([
    METADATA_IP,
    ...own,
    ...(attach === undefined ? [] : [attach]),
    ...n.network.subnets.flatMap((s) => (s.gateway === null ? [] : [s.gateway])),
  ]);
}

function guestUnregistered(n: NetworkState): Finding[] {
  const p = n.neighbours;
  if (p === undefined || !p.ok) return [];
  const known = new Set(n.ports.map((x) => x.address));
  const skip = infrastructure(n);
  return parseNeighbours(p.value)
    .filter(
      (g) =>
        isIpv4(g.address) &&
        !known.has(g.address) &&
        !skip.has(g.address) &&
        !g.address.startsWith('169.254.'),
    )
    .map((g) => {
      const elsewhere = n.registeredElsewhere[g.address] ?? [];
      const also =
        elsewhere.length === 0
          ? 'not registered'
          : `registered on ${elsewhere.map((x) => `"${x}"`).join(', ')} only`;
      return finding(
        'host-guest-unregistered',
        'warning',
        `Guest ${g.address} (${g.mac}) on ${label(n)} is ${also}: its requests get 404`,
        [`${p.command}: ${g.line}`],
        `Register it on this network: openimds instance add … --network ${n.network.name} --ip ${g.address} (or a port with fixed IP ${g.address} in the inventory, then openimds apply), or fix its address`,
      );
    });
}

function arpUnanswered(n: NetworkState): Finding[] {
  const p = n.arpWatch;
  if (p === undefined || !p.ok) return [];
  const seen = parseArpWatch(p.value);
  const owned = n.namespaceAddresses?.ok === true && hasMetadataAddress(n.namespaceAddresses.value);
  if (seen.requests.length === 0 || owned || seen.replies.length > 0) return [];
  const askers = seen.askers.join(', ') || 'unknown';
  const onlinkFix =
    n.network.attach!.mode === 'router'
      ? `set onlink: true in the attach of network "${n.network.name}" and run openimds net apply --network ${n.network.name}`
      : `openimds net apply --network ${n.network.name}`;
  return [
    finding(
      'host-arp-unanswered',
      'error',
      `In ${n.watchSeconds} s, guest${seen.askers.length === 1 ? '' : 's'} ${askers} ARPed ${seen.requests.length} time${seen.requests.length === 1 ? '' : 's'} for ${METADATA_IP} on ${where(n)} and nobody answered (zeroconf route; ${label(n)} is ${n.network.attach!.mode} mode)`,
      [
        ...seen.requests.slice(0, 3).map((l) => `${p.command}: ${l}`),
        `${METADATA_IP} is not an address in ${where(n).replace(/^\S+ in /, '')}`,
      ],
      `Serve the network on-link: ${onlinkFix}; or set NOZEROCONF=yes in the guests`,
    ),
  ];
}

function checkIncomplete(n: NetworkState): Finding[] {
  const probes: Array<Probe<unknown> | undefined> = [
    n.listeners,
    n.neighbours,
    n.arpWatch,
    n.namespaceAddresses,
  ];
  return probes.flatMap((p) =>
    p === undefined || p.ok
      ? []
      : [
          finding('host-check-incomplete', 'info', `A check of ${label(n)} could not run: ${p.command}`, [
            `${p.command}: ${p.error}`,
          ]),
        ],
  );
}
