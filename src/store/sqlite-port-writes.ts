// Writes of ports. Each bumps its instance's revision; (network, fixed IP) uniqueness is checked here
// for a message that names the other port, and enforced by UNIQUE (network_id, address) regardless.
import { ImdsError } from '../errors.js';
import type { Network } from '../model/network.js';
import type { Port } from '../model/port.js';
import type { SqliteContext } from './sqlite-context.js';
import { networkFromRow } from './sqlite-rows.js';
import type { PortInput } from './store.js';
import { checkAddressesInNetwork, checkRequired, normalizePort } from './store-checks.js';

export function putPort(c: SqliteContext, input: PortInput): void {
  checkRequired('port', 'id', input.id);
  const port = normalizePort(input);
  const network = networkOfPort(c, port);
  checkAddressesInNetwork(port.id, port.fixedIps, network);
  for (const ip of port.fixedIps) checkAddressFree(c, port.id, network, ip);

  const before = c.s.portPlacement.get(port.id);
  const revision = c.mark();
  c.s.deletePortAddresses.run(port.id);
  c.s.upsertPort.run({
    id: port.id,
    // First insertion fixes the place in the instance's VIF order; a replace keeps it.
    position: before?.position ?? revision,
    instance_uuid: port.instanceUuid,
    network_id: port.networkId,
    mac: port.mac,
    floating_ip: port.floatingIp,
    vif_type: port.vifType,
    devname: port.devname,
  });
  port.fixedIps.forEach((ip, i) => c.s.insertPortAddress.run(port.networkId, ip, port.id, i));
  c.s.setRevision.run(revision, port.instanceUuid);
  // A port moved to another instance changes what both instances show.
  if (before !== undefined && before.instance_uuid !== port.instanceUuid) {
    c.s.setRevision.run(revision, before.instance_uuid);
  }
}

export function deletePort(c: SqliteContext, id: string): boolean {
  const before = c.s.portPlacement.get(id);
  if (before === undefined) return false;
  c.s.deletePort.run(id);
  c.s.setRevision.run(c.mark(), before.instance_uuid);
  return true;
}

/** The port's network; both it and the port's instance must exist. */
function networkOfPort(c: SqliteContext, port: Port): Network {
  const row = c.s.networkById.get(port.networkId);
  if (row === undefined) {
    throw new ImdsError(
      'NETWORK_NOT_FOUND',
      `Cannot store port "${port.id}" as its network does not exist: "${port.networkId}"`,
      {
        hint: "Create the network first, or fix the port's network id",
      },
    );
  }
  if (c.s.nameByUuid.get(port.instanceUuid) === undefined) {
    throw new ImdsError(
      'INSTANCE_NOT_FOUND',
      `Cannot store port "${port.id}" as its instance does not exist: "${port.instanceUuid}"`,
      {
        hint: "Create the instance first, or fix the port's instance uuid",
      },
    );
  }
  return networkFromRow(row);
}

function checkAddressFree(c: SqliteContext, portId: string, network: Network, ip: string): void {
  const owner = c.s.addressOwner.get(network.id, ip);
  if (owner === undefined || owner.port_id === portId) return;
  throw new ImdsError(
    'ADDRESS_IN_USE',
    `Cannot store port "${portId}" as port "${owner.port_id}" of instance "${owner.instance_name}" already has this fixed IP on network "${network.name}": "${ip}"`,
    { hint: `Choose a free address, or remove it from port "${owner.port_id}" first` },
  );
}
