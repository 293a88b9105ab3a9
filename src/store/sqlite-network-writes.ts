// Writes of routers and networks. Each runs inside the store's write transaction.
import { ImdsError } from '../errors.js';
import { cidrContains } from '../ip/address.js';
import type { Network, Router } from '../model/network.js';
import type { SqliteContext } from './sqlite-context.js';
import { networkToRow } from './sqlite-rows.js';
import { checkNameFree, checkRequired, checkSubnets } from './store-checks.js';

export function putRouter(c: SqliteContext, router: Router): void {
  checkRequired('router', 'id', router.id);
  checkRequired('router', 'name', router.name);
  checkNameFree('router', router.id, router.name, c.s.routerByName.get(router.name)?.id);
  c.s.upsertRouter.run({ id: router.id, name: router.name });
  c.mark();
}

export function deleteRouter(c: SqliteContext, id: string): boolean {
  const router = c.s.routerById.get(id);
  if (router === undefined) return false;
  const networkIds = c.s.networkIdsOfRouter.all(id);
  if (networkIds.length > 0) {
    throw new ImdsError(
      'IN_USE',
      `Cannot delete router "${router.name}" as ${networkIds.length} network(s) are attached to it, e.g. "${networkIds[0]}"`,
      { hint: 'Detach those networks (set their router to none) or delete them first' },
    );
  }
  c.s.deleteRouter.run(id);
  c.mark();
  return true;
}

export function putNetwork(c: SqliteContext, network: Network): void {
  checkRequired('network', 'id', network.id);
  checkRequired('network', 'name', network.name);
  checkSubnets(network);
  checkNameFree('network', network.id, network.name, c.s.networkByName.get(network.name)?.id);
  if (network.routerId !== null && c.s.routerById.get(network.routerId) === undefined) {
    throw new ImdsError(
      'ROUTER_NOT_FOUND',
      `Cannot store network "${network.name}" as its router does not exist: "${network.routerId}"`,
      {
        hint: "Create the router first, or set the network's router to none",
      },
    );
  }
  checkPortsStayInside(c, network);
  c.s.upsertNetwork.run(networkToRow(network));
  // Subnets, DNS and MTU show in network_data.json, so the documents of every instance on it change.
  c.s.bumpInstancesOnNetwork.run(c.mark(), network.id);
}

export function deleteNetwork(c: SqliteContext, id: string): boolean {
  const network = c.s.networkById.get(id);
  if (network === undefined) return false;
  const portIds = c.s.portIdsOnNetwork.all(id);
  if (portIds.length > 0) {
    throw new ImdsError(
      'IN_USE',
      `Cannot delete network "${network.name}" as ${portIds.length} port(s) are on it, e.g. "${portIds[0]}"`,
      { hint: 'Delete those ports (or their instances) first' },
    );
  }
  c.s.deleteNetwork.run(id);
  c.mark();
  return true;
}

/** A subnet change must not leave a port's fixed IP outside every subnet. */
function checkPortsStayInside(c: SqliteContext, network: Network): void {
  for (const { address, port_id } of c.s.addressesOnNetwork.all(network.id)) {
    if (network.subnets.some((s) => cidrContains(s.cidr, address))) continue;
    throw new ImdsError(
      'ADDRESS_OUTSIDE_NETWORK',
      `Cannot change the subnets of network "${network.name}" as port "${port_id}" would be left outside them: "${address}"`,
      { hint: 'Keep a subnet that contains the address, or change or delete that port first' },
    );
  }
}
