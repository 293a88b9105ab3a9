// parseInventory(): inventory YAML → DesiredInventory, or one INVENTORY_INVALID error listing every
// problem found (syntax, types, unknown keys, bad addresses, broken references, duplicates). Items
// with errors of their own still take part in the checks across items where they can, so one run
// reports as much as it can.
import { ImdsError } from '../errors.js';
import { checkInstances } from './check-instances.js';
import { checkNetworks, type PlacedNetwork } from './check-networks.js';
import { checkPorts, type PlacedPort } from './check-ports.js';
import { describeValue, isMapping } from './describe-value.js';
import type { DesiredInstance, DesiredInventory } from './desired-inventory.js';
import { formatPath, IssueList, type InventoryIssue, type PathPart } from './inventory-issue.js';
import { MapReader } from './map-reader.js';
import { parseEc2Image } from './parse-ec2-image.js';
import { parseInstance } from './parse-instance.js';
import { parseNetwork } from './parse-network.js';
import { parsePort } from './parse-port.js';
import { parseRouter } from './parse-router.js';
import type { ReadFile } from './parse-user-data.js';
import type { Placed } from './placed.js';
import { readYaml } from './read-yaml.js';

export const INVENTORY_KEYS = ['routers', 'networks', 'instances', 'ec2_images'] as const;

type Parse<T> = (value: unknown, path: PathPart[]) => T | undefined;

export function parseInventory(
  text: string,
  file: string,
  readFile: ReadFile,
): { desired: DesiredInventory } {
  const yaml = readYaml(text);
  if (!yaml.ok)
    throw invalid(
      file,
      yaml.issues.map((i) => ({ file, path: '', ...i })),
    );
  const issues = new IssueList();
  const top = new MapReader(yaml.value ?? {}, [], issues, INVENTORY_KEYS);
  const list = <T>(key: string, parse: Parse<T>, label?: (value: T) => string) =>
    placeAll(top.isNull(key) ? [] : (top.list(key) ?? []), [key], issues, parse, label);
  const routers = list('routers', (v, p) => parseRouter(v, p, issues));
  const networks = list('networks', (v, p) => parseNetwork(v, p, issues)).map(withSubnetPaths);
  const ctx = { issues, file, readFile };
  const instances = list(
    'instances',
    (v, p) => parseInstance(v, p, ctx),
    (i) => i.name,
  ).map((instance) => withPorts(instance, issues));
  const ec2Images = list('ec2_images', (v, p) => parseEc2Image(v, p, issues));
  checkNetworks(routers, networks, issues);
  checkPorts(
    instances.flatMap((i) => i.ports),
    networks,
    issues,
  );
  checkInstances(instances, ec2Images, issues);
  if (issues.count > 0) throw invalid(file, issueDetails(issues, file, yaml.locate));
  const desired: DesiredInventory = {
    routers: routers.map((r) => r.value),
    networks: networks.map((n) => n.value),
    instances: instances.map((i) => i.value),
    ec2Images: ec2Images.map((m) => m.value),
  };
  return { desired };
}

/** The issues with their file, path text and line, top to bottom as an editor shows the file. */
function issueDetails(
  issues: IssueList,
  file: string,
  locate: (path: readonly PathPart[]) => { line: number; column: number } | undefined,
): InventoryIssue[] {
  const details = issues.items.map(({ path, message }) => ({
    file,
    path: formatPath(path),
    message,
    ...locate(path),
  }));
  return details.sort(byLine);
}

function invalid(file: string, details: InventoryIssue[]): ImdsError {
  const n = details.length;
  return new ImdsError('INVENTORY_INVALID', `${n} error${n === 1 ? '' : 's'} in ${file}`, {
    details,
    hint: 'Fix each listed path and apply again; nothing was changed',
  });
}

/** Top to bottom, as an editor shows the file; issues without a line keep their order at the end. */
function byLine(a: InventoryIssue, b: InventoryIssue): number {
  return (a.line ?? Infinity) - (b.line ?? Infinity) || (a.column ?? 0) - (b.column ?? 0);
}

/** Parses each item at its path; an item is complete when parsing it reported nothing. */
function placeAll<T>(
  items: readonly unknown[],
  base: PathPart[],
  issues: IssueList,
  parse: Parse<T>,
  label?: (value: T) => string,
): Array<Placed<T> & { raw: unknown }> {
  const placed: Array<Placed<T> & { raw: unknown }> = [];
  items.forEach((raw, i) => {
    const path = [...base, i];
    const before = issues.count;
    const value = parse(raw, path);
    if (value === undefined) return;
    const complete = issues.count === before;
    placed.push({ value, path, raw, complete, ...(label ? { label: label(value) } : {}) });
  });
  return placed;
}

function withSubnetPaths<T extends Placed<PlacedNetwork['value']> & { raw: unknown }>(
  network: T,
): PlacedNetwork {
  const short = !(isMapping(network.raw) && 'subnets' in network.raw);
  const subnetPaths = network.value.subnets.map((_, i) =>
    short ? network.path : [...network.path, 'subnets', i],
  );
  return { ...network, subnetPaths };
}

/** The instance's ports, read one by one (so one bad port does not hide the others from the checks). */
function withPorts(
  instance: Placed<Omit<DesiredInstance, 'ports'>> & { raw: unknown },
  issues: IssueList,
): Placed<DesiredInstance> & { ports: PlacedPort[] } {
  const raw = isMapping(instance.raw) ? instance.raw['ports'] : undefined;
  const base = [...instance.path, 'ports'];
  if (raw !== undefined && raw !== null && !Array.isArray(raw)) {
    issues.add(base, `expected a list, got ${describeValue(raw)}`);
  }
  const items = Array.isArray(raw) ? raw : [];
  const ports = placeAll(items, base, issues, (v, p) => parsePort(v, p, issues)).map((port) => {
    const single = isMapping(port.raw) && 'ip' in port.raw;
    const ipPaths = port.value.fixedIps.map((_, k) =>
      single ? [...port.path, 'ip'] : [...port.path, 'ips', k],
    );
    return { ...port, label: instance.value.name, ipPaths };
  });
  const complete = instance.complete && ports.length === items.length && ports.every((p) => p.complete);
  return { ...instance, value: { ...instance.value, ports: ports.map((p) => p.value) }, complete, ports };
}
