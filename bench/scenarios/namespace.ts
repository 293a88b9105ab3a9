// Scenario 3c, the namespace listener (zero-hop): `openimds serve` runs in the machine's namespace and
// answers guests inside a network namespace through a socket created there (attach: onlink) and
// handed to it over IPC. wrk runs inside the guest namespace, across a veth pair, to
// 169.254.169.254:80. The baseline server is also run inside the service namespace behind the same
// veth ("baseline across veth"), so the listener's ratio isolates openimds from the veth's cost.
import { join } from 'node:path';
import { waitForHttpInNetns } from '../lib/curl-in-netns.js';
import { benchNetwork, buildFixture } from '../lib/fixture.js';
import { createGuestNetwork, isRoot, METADATA_ADDRESS, type GuestNetwork } from '../lib/netns.js';
import { startServe, type OpenimdsBuild } from '../lib/openimds-process.js';
import type { Child } from '../lib/processes.js';
import { startBaseline } from './baseline.js';
import { META_DATA_PATH } from './direct.js';
import type { ThroughputTarget } from './throughput.js';

const READY_TIMEOUT_MS = 30_000;
const BASELINE_PORT = 8080;

export interface NamespaceSetup {
  targets: ThroughputTarget[];
  stop(): Promise<void>;
}

/** Why the namespace scenario cannot run here, or undefined. */
export function namespaceUnavailable(): string | undefined {
  if (!isRoot()) return 'needs root to create network namespaces (run the benchmark as root)';
  return undefined;
}

export async function startNamespaceTargets(
  workDir: string,
  bodyFile: string,
  loopbackBaselineId: string,
  build: OpenimdsBuild,
): Promise<NamespaceSetup> {
  const net = createGuestNetwork();
  const children: Child[] = [];
  const stop = async (): Promise<void> => {
    for (const child of children.reverse()) await child.stop();
    net.remove();
  };
  try {
    const fixture = buildFixture(join(workDir, 'namespace.sqlite'), attachedNetwork(net), [net.guestAddress]);
    const service = startServe({
      dataDir: join(workDir, 'namespace-service'),
      database: fixture.database,
      build,
    });
    children.push(service);
    const url = `http://${METADATA_ADDRESS}`;
    await waitForHttpInNetns(net.guestNs, `${url}${META_DATA_PATH}`, READY_TIMEOUT_MS).catch((err: Error) => {
      throw new Error(`${err.message}\n${service.stderr()}`);
    });
    const baseline = await startBaseline({
      host: METADATA_ADDRESS,
      port: BASELINE_PORT,
      bodyFile,
      netns: net.serviceNs,
    });
    children.push(baseline.child);
    return {
      targets: [
        {
          id: 'baseline-veth',
          wayIn: 'baseline across veth',
          path: '(any)',
          url: `${url}:${BASELINE_PORT}${META_DATA_PATH}`,
          netns: net.guestNs,
          serverPids: [baseline.child.pid],
          baselineId: loopbackBaselineId,
        },
        {
          id: 'namespace-meta-data',
          wayIn: 'namespace listener (veth)',
          path: META_DATA_PATH,
          url: `${url}${META_DATA_PATH}`,
          netns: net.guestNs,
          serverPids: [service.pid],
          baselineId: 'baseline-veth',
        },
      ],
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

function attachedNetwork(net: GuestNetwork) {
  return benchNetwork(net.cidr, {
    namespace: net.serviceNs,
    interface: net.serviceInterface,
    mode: 'onlink',
    address: null,
  });
}
