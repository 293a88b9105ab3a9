// Ports: resolve each desired port, decide which kept ones must be recreated, and list the steps.
import type { Port } from '../model/port.js';
import type { DiffGenerators, FieldChange, PlanStep } from './inventory-plan.js';
import { portsToRecreate } from './ports-to-recreate.js';
import { resolvePorts, type PortDiffInput } from './resolve-ports.js';
import { sameValue } from './same-value.js';

export function diffPorts(
  input: PortDiffInput,
  gen: DiffGenerators,
): { writes: PlanStep[]; deletes: PlanStep[] } {
  const resolved = resolvePorts(input, gen);
  const recreate = portsToRecreate(resolved, input);
  const kept = new Set(resolved.flatMap((r) => (r.match === undefined ? [] : [r.match.id])));
  const networkName = new Map(input.storedNetworks.map((n) => [n.id, n.name]));
  const deletes: PlanStep[] = input.storedPorts.flatMap(({ instance, ports }) =>
    ports
      .filter((port) => !kept.has(port.id) || recreate.has(port.id))
      .map((port): PlanStep => {
        const reason = recreate.get(port.id);
        return {
          kind: 'port',
          action: 'delete',
          port,
          instanceName: instance.name,
          networkName: networkName.get(port.networkId) ?? port.networkId,
          changes: [],
          ...(reason === undefined ? {} : { replace: { reason } }),
        };
      }),
  );
  const writes: PlanStep[] = [];
  for (const { port, match, instanceName, networkName } of resolved) {
    const reason = match === undefined ? undefined : recreate.get(match.id);
    const changes = match === undefined ? [] : portChanges(match, port);
    const names = { instanceName, networkName };
    if (match === undefined || reason !== undefined) {
      const replace = reason === undefined ? {} : { replace: { reason } };
      writes.push({ kind: 'port', action: 'create', port, ...names, changes, ...replace });
    } else if (changes.length > 0) {
      writes.push({ kind: 'port', action: 'update', port, ...names, changes });
    }
  }
  return { writes, deletes };
}

const FIELDS: ReadonlyArray<[keyof Port, string]> = [
  ['instanceUuid', 'instance'],
  ['networkId', 'network'],
  ['mac', 'mac'],
  ['fixedIps', 'ips'],
  ['floatingIp', 'floating_ip'],
  ['vifType', 'vif_type'],
  ['devname', 'devname'],
];

function portChanges(a: Port, b: Port): FieldChange[] {
  return FIELDS.filter(([field]) => !sameValue(a[field], b[field])).map(([field, key]) => ({
    key,
    from: a[field],
    to: b[field],
  }));
}
