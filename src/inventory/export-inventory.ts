// exportInventory(): the store as an inventory that `apply` accepts unchanged and that re-applies
// with an empty plan: every id, uuid, MAC, EC2 id and generated value is written, and every field
// whose default is not empty, so the round trip is exact.
import { Document, isScalar, Scalar, visit } from 'yaml';
import type { Instance } from '../model/instance.js';
import type { Network, Router, Subnet } from '../model/network.js';
import type { Snapshot } from '../model/snapshot.js';
import { formatEc2Id } from './ec2-id.js';
import { exportInstance } from './export-instance.js';

const HEADER = '# openimds inventory, exported from the store. Apply it with: openimds apply -f <file>\n';

export function exportInventory(snapshot: Snapshot): string {
  const routerName = new Map(snapshot.routers.map((r) => [r.id, r.name]));
  const networkName = new Map(snapshot.networks.map((n) => [n.id, n.name]));
  const doc: Record<string, unknown> = {
    routers: snapshot.routers.map(exportRouter),
    networks: snapshot.networks.map((n) => exportNetwork(n, routerName)),
    instances: snapshot.instances.map(({ instance, ports }) => exportInstance(instance, ports, networkName)),
  };
  const images = exportEc2Images(snapshot.instances.map((x) => x.instance));
  if (images.length > 0) doc['ec2_images'] = images;
  return HEADER + toYaml(doc);
}

function exportRouter(router: Router): Record<string, unknown> {
  return { name: router.name, id: router.id };
}

function exportNetwork(network: Network, routerName: ReadonlyMap<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = { name: network.name, id: network.id };
  if (network.routerId !== null) out['router'] = routerName.get(network.routerId) ?? network.routerId;
  if (network.mtu !== null) out['mtu'] = network.mtu;
  out['subnets'] = network.subnets.map(exportSubnet);
  if (network.attach !== null) {
    const {
      namespace,
      interface: iface,
      mode,
      address,
      onlink,
      tokenHopLimit,
      neighbourCheck,
    } = network.attach;
    out['attach'] = {
      ...(namespace === null ? {} : { namespace }),
      interface: iface,
      mode,
      ...(address === null ? {} : { address }),
      ...(onlink === true ? { onlink: true } : {}),
      // Absent is the default hop limit (1); null is written as "off".
      ...(tokenHopLimit === undefined ? {} : { token_hop_limit: tokenHopLimit ?? 'off' }),
      ...(neighbourCheck === true ? { neighbour_check: true } : {}),
    };
  }
  return out;
}

function exportSubnet(subnet: Subnet): Record<string, unknown> {
  const out: Record<string, unknown> = { id: subnet.id, cidr: subnet.cidr, gateway: subnet.gateway };
  if (subnet.dns.length > 0) out['dns'] = subnet.dns;
  out['dhcp'] = subnet.dhcp;
  if (subnet.hostRoutes.length > 0)
    out['host_routes'] = subnet.hostRoutes.map((r) => ({ destination: r.destination, nexthop: r.nexthop }));
  if (subnet.ipv6AddressMode !== null) out['ipv6_address_mode'] = subnet.ipv6AddressMode;
  return out;
}

/** Pins for every image, kernel and ramdisk id in use, so their EC2 ids survive a move to another store. */
function exportEc2Images(instances: readonly Instance[]): Array<{ image_id: string; ec2_id: string }> {
  const pins = new Map<string, string>();
  for (const i of instances) {
    if (i.imageId !== null && i.ec2ImageId !== null) pins.set(i.imageId, formatEc2Id('ami', i.ec2ImageId));
    if (i.kernelId !== null && i.ec2KernelId !== null && !pins.has(i.kernelId))
      pins.set(i.kernelId, formatEc2Id('aki', i.ec2KernelId));
    if (i.ramdiskId !== null && i.ec2RamdiskId !== null && !pins.has(i.ramdiskId))
      pins.set(i.ramdiskId, formatEc2Id('ari', i.ec2RamdiskId));
  }
  return [...pins].map(([imageId, ec2Id]) => ({ image_id: imageId, ec2_id: ec2Id }));
}

/** Lists of plain values on one line ([default, web]); times quoted, so YAML 1.1 readers keep them as text. */
function toYaml(value: unknown): string {
  const doc = new Document(value);
  visit(doc, {
    Seq(_, node) {
      if (
        node.items.length > 0 &&
        node.items.every((item) => isScalar(item) && !String(item.value).includes('\n'))
      ) {
        node.flow = true;
      }
    },
    Pair(_, pair) {
      if (isScalar(pair.key) && pair.key.value === 'created_at' && isScalar(pair.value)) {
        pair.value.type = Scalar.QUOTE_DOUBLE;
      }
    },
  });
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}
