// One dnsmasq supervisor per isolated network, kept in step with the set of isolated networks: new
// ones start, changed ones update (SIGHUP or restart), vanished ones stop.
import type { Network } from '../model/network.js';
import type { HostedPort } from './hosted-ports.js';
import type { DnsmasqSupervisor } from './dnsmasq-supervisor.js';

export interface DnsmasqPool {
  /** `networks`: the isolated networks that should have a dnsmasq now, with their ports. */
  sync(networks: ReadonlyArray<{ network: Network; ports: readonly HostedPort[] }>): Promise<void>;
  stopNetwork(networkId: string): Promise<void>;
  stop(): Promise<void>;
  /** Network ids with a supervisor now. */
  networkIds(): string[];
}

export function createDnsmasqPool(createSupervisor: () => DnsmasqSupervisor): DnsmasqPool {
  const supervisors = new Map<string, DnsmasqSupervisor>();
  const stopNetwork = async (id: string): Promise<void> => {
    const supervisor = supervisors.get(id);
    supervisors.delete(id);
    await supervisor?.stop();
  };
  return {
    async sync(networks) {
      const wanted = networks.filter((n) => n.network.attach?.mode === 'isolated');
      for (const id of [...supervisors.keys()]) {
        if (!wanted.some((n) => n.network.id === id)) await stopNetwork(id);
      }
      for (const { network, ports } of wanted) {
        const supervisor = supervisors.get(network.id) ?? createSupervisor();
        supervisors.set(network.id, supervisor);
        await supervisor.update(network, ports); // starts it the first time
      }
    },
    stopNetwork,
    stop: async () => {
      await Promise.all([...supervisors.keys()].map(stopNetwork));
    },
    networkIds: () => [...supervisors.keys()],
  };
}
