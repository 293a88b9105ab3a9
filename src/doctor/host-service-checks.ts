// `doctor host`, service-wide: does openimds answer anywhere at all, and do the paths through it
// (agent socket, signed listener) accept a request for a registered port? Pure, like host-checks.ts.
import type { Finding } from './finding.js';
import { servingListeners } from './host-parse.js';
import type { HostState } from './host-state.js';
import { finding } from './report.js';

/** Nothing answers on the configured addresses and nothing listens in any attached namespace. */
export function serviceDown(state: HostState): Finding[] {
  const anyAnswer = state.serviceAddresses.some((a) => a.answered);
  const anyListener = state.networks.some(
    (n) => n.listeners?.ok === true && servingListeners(n.listeners.value, n.network.attach!.mode).length > 0,
  );
  if (anyAnswer || anyListener) return [];
  if (state.serviceAddresses.length === 0 && !state.networks.some((n) => n.listeners?.ok === true)) return [];
  return [
    finding(
      'host-service-down',
      'error',
      'openimds serve does not answer: no configured address accepts a connection and nothing listens in any attached namespace',
      state.serviceAddresses.map((a) => `${a.kind} ${a.address}: no connection`),
    ),
  ];
}

export function pathFindings(p: HostState['paths'][number]): Finding[] {
  if (p.status === 200) return [];
  if (p.status === 403) {
    return [
      finding(
        'host-signed-rejected',
        'error',
        p.path === 'agent'
          ? `The signed listener rejects openimds agent's signature (403 through ${p.target}, as ${p.as}): the agent's shared secret differs from the service's`
          : `The signed listener ${p.target} rejects a request signed with this host's shared secret (403, as ${p.as})`,
        [`GET /openstack through ${p.path} ${p.target} as ${p.as}: 403`],
      ),
    ];
  }
  return [
    finding(
      'host-path-error',
      'error',
      `GET /openstack through the ${p.path} path ${p.target} as ${p.as}: ${p.status === undefined ? (p.error ?? 'no answer') : `status ${p.status}`}`,
      [`GET /openstack through ${p.path} ${p.target} as ${p.as}: ${p.status ?? p.error ?? 'no answer'}`],
    ),
  ];
}
