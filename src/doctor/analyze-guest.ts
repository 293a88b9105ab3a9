// Explains a guest bundle (guest-script.ts): pure, bundle text → DoctorReport, never a throw. It
// follows the packet: which route the kernel picks for 169.254.169.254, whether that route is the
// zeroconf link route (the seed report) or misses the option 121 host route, whether the next hop
// answered ARP, and what the probe's TCP connection and HTTP request got. One root cause is said
// once; what follows from it (an unanswered ARP, a timeout) is folded under it (consequenceOf).
import type { FindingId } from './catalog.js';
import type { DoctorReport, Finding } from './finding.js';
import { inPrefix, ipv4ToNumber, METADATA_ADDRESS, numberToIpv4 } from './guest-ipv4.js';
import { guestFacts, type Facts } from './guest-facts.js';
import { lookupRoute, routeSendsNothing, type GuestRoute } from './guest-routes.js';
import { finding } from './report.js';

/** The zeroconf network (RFC 3927), for a route-get that shows on-link without a route table. */
const LINK_LOCAL_NETWORK = '169.254.0.0';

export function analyzeGuest(bundle: string | Uint8Array): DoctorReport {
  try {
    return analyze(bundle);
  } catch (err) {
    // A parser bug must still leave the operator a report, not a stack trace.
    const reason = err instanceof Error ? err.message : String(err);
    return {
      findings: [
        finding('guest-bundle-unreadable', 'info', 'The bundle could not be analysed', [
          `analyzer failed: ${reason.slice(0, 200)}`,
        ]),
      ],
    };
  }
}

function analyze(bundle: string | Uint8Array): DoctorReport {
  const facts = guestFacts(bundle);
  const findings: Finding[] = [];
  const add = (f: Finding) => findings.push(f);
  const { probe } = facts;
  const probeOk = probe.outcome === 'connected' && (probe.status ?? 200) < 400;
  const probeEvidence = probe.evidence.map((l) => `probe (${probe.tool ?? '?'}): ${l}`);

  // 1. Is there a route at all?
  let root: FindingId | undefined;
  const noRoute = facts.path === 'none' || (facts.path === undefined && probe.outcome === 'net-unreachable');
  // 2. Leases that offered the /32 (this guest's lease, or one we cannot tell apart from it).
  const offered = facts.leases.find(
    (l) =>
      l.metadataRouter !== undefined &&
      (l.address === undefined || facts.addresses.size === 0 || facts.addresses.has(l.address)),
  );
  const hostRoute = facts.routes?.find(
    (r) => r.prefix === 32 && numberToIpv4(r.network) === METADATA_ADDRESS,
  );
  if (offered !== undefined && facts.routes !== undefined && hostRoute === undefined) {
    const severity = probeOk ? 'info' : 'error';
    if (severity === 'error') root ??= 'guest-option121-ignored';
    add(
      finding(
        'guest-option121-ignored',
        severity,
        `The DHCP lease offers ${METADATA_ADDRESS}/32 via ${offered.metadataRouter} (option 121), but the guest has no such route`,
        [
          `${offered.file}: ${offered.metadataLine}`,
          facts.path !== undefined && facts.path !== 'none'
            ? `ip route get ${METADATA_ADDRESS}: ${facts.path.raw}`
            : `no route for ${METADATA_ADDRESS}`,
        ],
        `Now: ip route add ${METADATA_ADDRESS}/32 via ${offered.metadataRouter}. For good: use a DHCP client that applies classless static routes (dhclient with rfc3442-classless-static-routes, systemd-networkd, NetworkManager).`,
      ),
    );
  }
  if (noRoute) {
    const evidence = [
      facts.routeGet?.kind === 'unreachable' ? `ip route get ${METADATA_ADDRESS}: ${facts.routeGet.raw}` : '',
      facts.routes !== undefined ? `routes: ${facts.routes.map((r) => r.raw).join(' | ') || '(none)'}` : '',
      ...probeEvidence,
    ].filter(Boolean);
    const consequence = root;
    root ??= 'guest-no-metadata-route';
    add(
      finding(
        'guest-no-metadata-route',
        'error',
        `The guest has no route to ${METADATA_ADDRESS}: neither a default route nor a host route`,
        evidence,
        undefined,
        consequence,
      ),
    );
  }

  // 3. The zeroconf route: 169.254.169.254 leaves on-link, through a link route wider than /32.
  const zeroconf = zeroconfRoute(facts);
  if (zeroconf !== undefined) {
    const arp = facts.neighbours.get(METADATA_ADDRESS);
    const works =
      probeOk || probe.outcome === 'refused' || probe.outcome === 'no-answer' || arp?.state === 'answered';
    const severity = works ? 'info' : probe.outcome === 'not-run' ? 'warning' : 'error';
    if (severity === 'error' && root === undefined) root = 'guest-zeroconf-route';
    const shown = `${cidrOf(zeroconf)}${zeroconf.dev ? ` dev ${zeroconf.dev}` : ''}`;
    add(
      finding(
        'guest-zeroconf-route',
        severity,
        works
          ? `Route ${shown} sends ${METADATA_ADDRESS} on-link; it works here because something on the link answers for it`
          : `Route ${shown} sends ${METADATA_ADDRESS} on-link: the guest ARPs for it instead of using its gateway`,
        [
          `route: ${zeroconf.raw}`,
          ...(facts.routeGet?.kind === 'route'
            ? [`ip route get ${METADATA_ADDRESS}: ${facts.routeGet.raw}`]
            : []),
          ...(arp ? [`neighbour: ${arp.raw}`] : []),
          zeroconfSetting(facts.sysconfig),
        ],
        `Now: ip route del ${shown} (back at the next network restart). For good: set NOZEROCONF=yes in /etc/sysconfig/network (and restart networking), or serve the network on-link: attach mode onlink, or router mode with onlink: true.`,
      ),
    );
  }

  // 4. The next hop's ARP, after the probe.
  const path = facts.path !== undefined && facts.path !== 'none' ? facts.path : undefined;
  const nextHop = path ? (path.via ?? METADATA_ADDRESS) : undefined;
  const hop = nextHop !== undefined ? facts.neighbours.get(nextHop) : undefined;
  let probeCause: FindingId | undefined;
  if (hop?.state === 'unanswered' && !probeOk && probe.outcome !== 'refused') {
    add(
      finding(
        'guest-arp-unanswered',
        'error',
        nextHop === METADATA_ADDRESS
          ? `Nobody answered ARP for ${METADATA_ADDRESS}, which the guest treats as on its link`
          : `Nobody answered ARP for ${nextHop}, the next hop to ${METADATA_ADDRESS}`,
        [`neighbour: ${hop.raw}`, ...(path ? [`route: ${path.raw}`] : [])],
        undefined,
        root,
      ),
    );
    probeCause = root ?? 'guest-arp-unanswered';
  }

  // 5. What the probe got.
  if (probe.outcome === 'refused') {
    add(
      finding(
        'guest-connection-refused',
        'error',
        `Connection to ${METADATA_ADDRESS}:80 refused: it reached the metadata address${nextHop && nextHop !== METADATA_ADDRESS ? ` (via ${nextHop})` : ''}, but nothing listens there`,
        probeEvidence,
        undefined,
        root,
      ),
    );
  } else if ((probe.outcome === 'timeout' || probe.outcome === 'host-unreachable') && !noRoute) {
    if (hop?.state === 'answered' && probe.outcome === 'timeout') {
      add(
        finding(
          'guest-tcp-blocked',
          'error',
          `${nextHop} answers ARP, but TCP to ${METADATA_ADDRESS}:80 gets no answer: something drops it`,
          [`neighbour: ${hop.raw}`, ...(path ? [`route: ${path.raw}`] : []), ...probeEvidence],
          undefined,
          root,
        ),
      );
      probeCause = root ?? 'guest-tcp-blocked';
    }
    add(
      finding(
        'guest-connect-timeout',
        'error',
        probe.outcome === 'timeout'
          ? `Connection to ${METADATA_ADDRESS}:80 timed out`
          : `Connection to ${METADATA_ADDRESS}:80 failed: no route to host (the next hop did not answer)`,
        probeEvidence,
        undefined,
        probeCause ?? root,
      ),
    );
  } else if (probe.outcome === 'connected' && (probe.status ?? 0) >= 400) {
    add(
      finding(
        'guest-http-error',
        'error',
        `${METADATA_ADDRESS} answers HTTP ${probe.status}${probe.status === 404 ? ': the guest is not registered at this address' : ''}`,
        probeEvidence,
        undefined,
        root,
      ),
    );
  } else if (probe.outcome === 'no-answer') {
    add(
      finding(
        'guest-http-error',
        'error',
        `${METADATA_ADDRESS}:80 accepted the connection but gave no HTTP answer`,
        probeEvidence,
        undefined,
        root,
      ),
    );
  } else if (probe.outcome === 'failed' && !probeFailedExplained(findings)) {
    add(
      finding(
        'guest-connect-timeout',
        'error',
        `Connection to ${METADATA_ADDRESS}:80 failed`,
        probeEvidence,
        undefined,
        root,
      ),
    );
  }

  if (facts.unreadable.length > 0) {
    add(
      finding(
        'guest-bundle-unreadable',
        'info',
        `Part of the bundle could not be read: ${facts.unreadable.join('; ')}`,
        facts.unreadable,
      ),
    );
  }
  return { findings };
}

function probeFailedExplained(findings: readonly Finding[]): boolean {
  return findings.some((f) => f.severity === 'error');
}

/** The link route wider than /32 that takes 169.254.169.254 on-link, when the kernel uses it. */
function zeroconfRoute(facts: Facts): GuestRoute | undefined {
  if (facts.path === undefined || facts.path === 'none' || facts.path.via !== undefined) return undefined;
  const target = ipv4ToNumber(METADATA_ADDRESS)!;
  const candidates = (facts.routes ?? []).filter(
    (r) =>
      r.gateway === undefined &&
      r.prefix < 32 &&
      r.prefix > 0 &&
      !routeSendsNothing(r) &&
      inPrefix(target, r.network, r.prefix),
  );
  const chosen = lookupRoute(candidates, METADATA_ADDRESS);
  if (chosen !== undefined) return chosen;
  // No table, but route-get shows on-link: say so with what route-get printed.
  if (facts.routes === undefined && facts.routeGet?.kind === 'route') {
    return {
      network: ipv4ToNumber(LINK_LOCAL_NETWORK)!,
      prefix: 16,
      metric: 0,
      type: 'unicast',
      raw: facts.routeGet.raw,
      ...(facts.path.dev ? { dev: facts.path.dev } : {}),
    };
  }
  return undefined;
}

/** What /etc/sysconfig/network says about NOZEROCONF (ifup-eth adds the route unless it is set). */
function zeroconfSetting(sysconfig: readonly string[]): string {
  const set = sysconfig.find((l) => /^\s*NOZEROCONF=/.test(l));
  if (set !== undefined) return `/etc/sysconfig/network: ${set.trim()}`;
  const ifupEth = sysconfig.some((l) => /^\d+:.*zeroconf/i.test(l));
  return ifupEth
    ? '/etc/sysconfig/network does not set NOZEROCONF, and ifup-eth adds the zeroconf route'
    : 'NOZEROCONF not set in /etc/sysconfig/network';
}

function cidrOf(r: GuestRoute): string {
  return `${numberToIpv4(r.network)}/${r.prefix}`;
}
