// `doctor host` end to end, minus the CLI: read the store, collect every network's state, probe the
// service's addresses and paths, then reason (checkHost). All I/O comes in through `HostDoctorIo`.
import { ImdsError } from '../errors.js';
import type { DoctorReport } from './finding.js';
import { checkHost } from './host-checks.js';
import {
  collectNetworks,
  networksToCheck,
  type HostCollectIo,
  type HostCollectOptions,
  type HostStore,
} from './host-collect.js';
import type { ProbeIdentity } from './host-path-probe.js';
import type { HostState, PathProbe } from './host-state.js';

export interface HostDoctorIo extends HostCollectIo {
  /** Opens the store (throws when it cannot); closed by the caller. */
  store: () => HostStore;
  /** Does anything accept a TCP connection at host:port? */
  connect(host: string, port: number): Promise<boolean>;
  probeAgent?: (who: ProbeIdentity) => Promise<PathProbe>;
  probeSigned?: (who: ProbeIdentity) => Promise<PathProbe>;
}

export interface HostDoctorOptions extends HostCollectOptions {
  /** Configured service addresses ("127.0.0.1:8779"), by kind. */
  serviceAddresses: Array<{ kind: string; host: string; port: number }>;
}

export async function diagnoseHost(io: HostDoctorIo, opts: HostDoctorOptions): Promise<DoctorReport> {
  let store: HostStore;
  try {
    store = io.store();
    store.listNetworks();
  } catch (err) {
    return checkHost({
      store: { ok: false, error: (err as Error).message },
      serviceAddresses: [],
      networks: [],
      paths: [],
    });
  }
  if (opts.network !== undefined && networksToCheck(store, opts.network).length === 0) {
    throw new ImdsError(
      'NETWORK_NOT_FOUND',
      `Cannot check network "${opts.network}" as no attached network has that name or id`,
      {
        hint: 'List them with: openimds network list (only networks with attach: are checked)',
      },
    );
  }
  const who = probeIdentity(store, opts.network);
  const [networks, serviceAddresses, paths] = await Promise.all([
    collectNetworks(store, io, opts),
    Promise.all(
      opts.serviceAddresses.map(async (a) => ({
        kind: a.kind,
        address: `${a.host}:${a.port}`,
        answered: await io.connect(a.host, a.port),
      })),
    ),
    Promise.all(probePaths(io, who)),
  ]);
  const state: HostState = { store: { ok: true }, serviceAddresses, networks, paths };
  return checkHost(state);
}

function probePaths(io: HostDoctorIo, who: ProbeIdentity | undefined): Array<Promise<PathProbe>> {
  const wanted = [
    ['agent', io.probeAgent],
    ['signed', io.probeSigned],
  ] as const;
  return wanted.flatMap(([path, probe]) => {
    if (probe === undefined) return [];
    if (who !== undefined) return [probe(who)];
    const none: PathProbe = { path, target: '', as: 'nobody', error: 'no registered port to ask as' };
    return [Promise.resolve(none)];
  });
}

/** A registered IPv4 port that resolves to exactly one instance, attached networks first. */
export function probeIdentity(store: HostStore, only?: string): ProbeIdentity | undefined {
  const attached = new Set(networksToCheck(store, only).map((n) => n.id));
  const ports = store
    .listPorts()
    .sort((a, b) => Number(attached.has(b.networkId)) - Number(attached.has(a.networkId)));
  for (const port of ports) {
    for (const address of port.fixedIps.filter((a) => !a.includes(':'))) {
      const matches = store.findPortsByAddress([port.networkId], address);
      if (matches.length === 1) {
        return {
          networkId: port.networkId,
          address,
          instanceUuid: matches[0]!.instanceUuid,
          projectId: matches[0]!.projectId,
        };
      }
    }
  }
  return undefined;
}
