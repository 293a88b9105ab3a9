// Checks on ports across the file: each names a network that exists, each address lies in that
// network and is not its gateway, and no address, MAC, port id or floating IP is used twice.
import { cidrContains } from '../ip/address.js';
import { checkUnique } from './check-unique.js';
import type { DesiredNetwork, DesiredPort } from './desired-inventory.js';
import type { IssueList, PathPart } from './inventory-issue.js';
import { knownNames } from './known-names.js';
import { describePlace, type Placed } from './placed.js';

/** A port, labelled with its instance's name, with the path of each of its addresses (ip or ips[k]). */
export interface PlacedPort extends Placed<DesiredPort> {
  ipPaths: PathPart[][];
}

/** Ports with errors of their own are checked for their network only; incomplete networks' subnets are not used. */
export function checkPorts(
  ports: readonly PlacedPort[],
  networks: readonly Placed<DesiredNetwork>[],
  issues: IssueList,
): void {
  const byName = new Map(networks.map((n) => [n.value.name, n]));
  const names = networks.map((n) => n.value.name);
  const used = new Map<string, Placed<unknown>>();
  for (const port of ports) {
    const placed = byName.get(port.value.network);
    if (placed === undefined) {
      const message = `no network is named "${port.value.network}": ${knownNames('networks', names)}`;
      issues.add([...port.path, 'network'], message);
      continue;
    }
    if (!port.complete) continue;
    const network = placed.value;
    if (placed.complete)
      port.value.fixedIps.forEach((ip, k) => checkAddress(ip, port.ipPaths[k]!, network, issues));
    port.value.fixedIps.forEach((ip, k) => {
      const key = `${network.name}\n${ip}`;
      const first = used.get(key);
      if (first === undefined) used.set(key, port);
      else
        issues.add(
          port.ipPaths[k]!,
          `"${ip}" is already used on network "${network.name}" by ${describePlace(first)}`,
        );
    });
  }
  const complete = ports.filter((p) => p.complete);
  checkUnique(complete, 'id', (p) => p.id, issues);
  checkMacs(complete, issues);
  checkUnique(complete, 'floating_ip', (p) => p.floatingIp ?? undefined, issues, 'floating IP');
}

function checkAddress(ip: string, path: PathPart[], network: DesiredNetwork, issues: IssueList): void {
  const subnet = network.subnets.find((s) => cidrContains(s.cidr, ip));
  if (subnet === undefined) {
    const cidrs = network.subnets.map((s) => s.cidr).join(', ');
    issues.add(path, `"${ip}" is not in network "${network.name}" (${cidrs})`);
  } else if (subnet.gateway === ip) {
    issues.add(path, `"${ip}" is the gateway of network "${network.name}"`);
  }
}

/** Neutron refuses two ports with one MAC on the same network. */
function checkMacs(ports: readonly PlacedPort[], issues: IssueList): void {
  const seen = new Map<string, PlacedPort>();
  for (const port of ports) {
    if (port.value.mac === undefined) continue;
    const key = `${port.value.network}\n${port.value.mac}`;
    const first = seen.get(key);
    if (first === undefined) seen.set(key, port);
    else {
      const message = `"${port.value.mac}" is already the MAC of ${describePlace(first)} on network "${port.value.network}"`;
      issues.add([...port.path, 'mac'], message);
    }
  }
}
