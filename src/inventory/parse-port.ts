// instances[i].ports[j]: one port on a network named in the file, with one address (ip) or
// several (ips). Whether the addresses lie in the network is checked once all networks are read.
import { checkIp, checkMac, checkUuid } from './check-address.js';
import type { DesiredPort } from './desired-inventory.js';
import { INSTANCE_DEFAULTS } from './instance-defaults.js';
import type { IssueList, PathPart } from './inventory-issue.js';
import { interfaceNameProblem } from './interface-name.js';
import { MapReader } from './map-reader.js';

export const PORT_KEYS = ['network', 'id', 'mac', 'ip', 'ips', 'floating_ip', 'vif_type', 'devname'] as const;

export function parsePort(
  value: unknown,
  path: readonly PathPart[],
  issues: IssueList,
): DesiredPort | undefined {
  const r = new MapReader(value, path, issues, PORT_KEYS);
  if (!r.ok) return undefined;
  const network = r.string('network', true);
  const idText = r.string('id');
  const id = idText === undefined ? undefined : checkUuid(idText, r.at('id'), issues);
  const macText = r.string('mac');
  const mac = macText === undefined ? undefined : checkMac(macText, r.at('mac'), issues);
  const fixedIps = readFixedIps(r, issues);
  const floatingText = r.nullableString('floating_ip');
  const floatingIp =
    typeof floatingText === 'string' ? checkIp(floatingText, r.at('floating_ip'), issues) : null;
  const vifType = r.string('vif_type') ?? INSTANCE_DEFAULTS.vifType;
  const devname = r.nullableString('devname');
  const problem = typeof devname === 'string' ? interfaceNameProblem(devname) : undefined;
  if (problem !== undefined) r.fail('devname', problem);
  if (network === undefined) return undefined;
  return { network, id, mac, fixedIps: fixedIps ?? [], floatingIp: floatingIp ?? null, vifType, devname };
}

function readFixedIps(r: MapReader, issues: IssueList): string[] | undefined {
  if (r.has('ip') && r.has('ips')) return r.fail('ips', 'give either ip or ips, not both');
  if (r.has('ip')) {
    const text = r.string('ip');
    const ip = text === undefined ? undefined : checkIp(text, r.at('ip'), issues);
    return ip === undefined ? undefined : [ip];
  }
  if (!r.has('ips')) {
    issues.add(r.path, 'missing required key "ip" (or "ips"): a port needs an address to be found by');
    return undefined;
  }
  const items = r.stringList('ips');
  if (items === undefined) return undefined;
  if (items.length === 0) return r.fail('ips', 'must list at least one address');
  const ips = items.map((text, i) => checkIp(text, [...r.at('ips'), i], issues));
  return ips.every((ip) => ip !== undefined) ? (ips as string[]) : undefined;
}
