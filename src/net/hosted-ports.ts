// A port with its instance's hostname: what a DHCP reservation needs (MAC, addresses, name).
import type { Instance } from '../model/instance.js';
import type { Port } from '../model/port.js';

export interface HostedPort {
  port: Port;
  hostname: string;
}

/** The store's instances with their ports (Snapshot['instances'] fits). */
export type InstancesWithPorts = ReadonlyArray<{
  instance: Pick<Instance, 'uuid' | 'hostname'>;
  ports: readonly Port[];
}>;

/** The ports on one network, in the store's order, each with its instance's hostname. */
export function hostedPorts(instances: InstancesWithPorts, networkId: string): HostedPort[] {
  return instances.flatMap(({ instance, ports }) =>
    ports.filter((p) => p.networkId === networkId).map((port) => ({ port, hostname: instance.hostname })),
  );
}
