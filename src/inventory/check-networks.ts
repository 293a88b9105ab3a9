// Checks across routers and networks: unique names and ids, routers that exist, subnets of one
// network that do not overlap.
import { cidrContains, parseCidr } from '../ip/address.js';
import { checkUnique } from './check-unique.js';
import type { DesiredNetwork, DesiredRouter, DesiredSubnet } from './desired-inventory.js';
import type { IssueList, PathPart } from './inventory-issue.js';
import { knownNames } from './known-names.js';
import { describePlace, type Placed } from './placed.js';

/** A network with the path of each subnet: in the short form, the network's own path. */
export interface PlacedNetwork extends Placed<DesiredNetwork> {
  subnetPaths: PathPart[][];
}

export function checkNetworks(
  routers: readonly Placed<DesiredRouter>[],
  networks: readonly PlacedNetwork[],
  issues: IssueList,
): void {
  checkUnique(routers, 'name', (r) => r.name, issues);
  checkUnique(routers, 'id', (r) => r.id, issues);
  checkUnique(networks, 'name', (n) => n.name, issues);
  checkUnique(networks, 'id', (n) => n.id, issues);
  const subnets = networks.flatMap((n) => placedSubnets(n));
  checkUnique(subnets, 'id', (s) => s.id, issues);
  const routerNames = routers.map((r) => r.value.name);
  for (const n of networks) {
    const router = n.value.router;
    if (router !== null && !routerNames.includes(router)) {
      issues.add(
        [...n.path, 'router'],
        `no router is named "${router}": ${knownNames('routers', routerNames)}`,
      );
    }
    checkOverlaps(placedSubnets(n), issues);
  }
}

function placedSubnets(network: PlacedNetwork): Placed<DesiredSubnet>[] {
  return network.value.subnets.map((value, i) => ({
    value,
    path: network.subnetPaths[i]!,
    complete: network.complete,
  }));
}

function checkOverlaps(subnets: readonly Placed<DesiredSubnet>[], issues: IssueList): void {
  subnets.forEach((b, j) => {
    const a = subnets.slice(0, j).find((s) => overlap(s.value.cidr, b.value.cidr));
    if (a === undefined) return;
    issues.add([...b.path, 'cidr'], `"${b.value.cidr}" overlaps "${a.value.cidr}" of ${describePlace(a)}`);
  });
}

function overlap(x: string, y: string): boolean {
  const cx = parseCidr(x)!;
  const cy = parseCidr(y)!;
  return cx.version === cy.version && (cidrContains(cx, cy.address) || cidrContains(cy, cx.address));
}
