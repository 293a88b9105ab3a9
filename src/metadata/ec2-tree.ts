// The EC2 tree for one version (nova/api/metadata/base.py get_ec2_metadata,
// reference/openstack-metadata.md §2.6): { "meta-data": {...}, "user-data": <bytes> }.
import type { Instance } from '../model/instance.js';
import type { InstanceRecord } from '../model/instance-record.js';
import { blockDeviceMapping } from './block-device-mapping.js';
import { ec2Id } from './ec2-id.js';
import type { Ec2Dir, Ec2Node } from './ec2-node.js';
import { ec2AtLeast, type Ec2Version } from './ec2-versions.js';
import { instanceHostname } from './hostname.js';
import type { MetadataOptions } from './metadata-options.js';
import { vifSubnets } from './vif-subnets.js';

export type Ec2TreeOptions = Pick<MetadataOptions, 'dhcpDomain' | 'requestAddress'>;

interface RowContext {
  record: InstanceRecord;
  instance: Instance;
  hostname: string;
  opts: Ec2TreeOptions;
}

interface MetaDataRow {
  key: string;
  since: Ec2Version;
  /** undefined leaves the key out. */
  value: (ctx: RowContext) => Ec2Node | undefined;
}

// One row per meta-data key, with the version that introduced it.
const META_DATA_ROWS: readonly MetaDataRow[] = [
  // Boot from volume has no image: Nova prints its None.
  { key: 'ami-id', since: '1.0', value: ({ instance }) => optionalId('ami', instance.ec2ImageId) ?? null },
  { key: 'ami-launch-index', since: '1.0', value: ({ instance }) => instance.launchIndex },
  { key: 'ami-manifest-path', since: '1.0', value: () => 'FIXME' },
  { key: 'instance-id', since: '1.0', value: ({ instance }) => ec2Id('i', instance.ec2Id) },
  { key: 'hostname', since: '1.0', value: ({ hostname }) => hostname },
  // `fixed_ip or self.address`: with neither, Nova prints None.
  {
    key: 'local-ipv4',
    since: '1.0',
    value: ({ record, opts }) => firstFixedIpv4(record) ?? opts.requestAddress ?? null,
  },
  { key: 'reservation-id', since: '1.0', value: ({ instance }) => instance.reservationId },
  { key: 'security-groups', since: '1.0', value: ({ instance }) => instance.securityGroups },
  { key: 'public-keys', since: '1.0', value: ({ instance }) => publicKeys(instance) },
  { key: 'local-hostname', since: '2007-01-19', value: ({ hostname }) => hostname },
  { key: 'public-hostname', since: '2007-01-19', value: ({ hostname }) => hostname },
  { key: 'public-ipv4', since: '2007-01-19', value: ({ record }) => firstFloatingIp(record) ?? '' },
  { key: 'instance-type', since: '2007-08-29', value: ({ instance }) => instance.flavor },
  { key: 'block-device-mapping', since: '2007-12-15', value: ({ instance }) => blockDeviceMapping(instance) },
  { key: 'kernel-id', since: '2007-12-15', value: ({ instance }) => optionalId('aki', instance.ec2KernelId) },
  {
    key: 'ramdisk-id',
    since: '2007-12-15',
    value: ({ instance }) => optionalId('ari', instance.ec2RamdiskId),
  },
  { key: 'placement', since: '2008-02-01', value: ({ instance }) => placement(instance) },
  { key: 'instance-action', since: '2008-09-01', value: () => 'none' },
];

export function ec2Tree(record: InstanceRecord, version: Ec2Version, opts: Ec2TreeOptions): Ec2Dir {
  const { instance } = record;
  const ctx: RowContext = { record, instance, opts, hostname: instanceHostname(instance, opts.dhcpDomain) };
  const metaData = new Map<string, Ec2Node>();
  for (const row of META_DATA_ROWS) {
    if (!ec2AtLeast(version, row.since)) continue;
    const value = row.value(ctx);
    if (value !== undefined) metaData.set(row.key, value);
  }
  const tree = new Map<string, Ec2Node>([['meta-data', metaData]]);
  if (instance.userData !== null) tree.set('user-data', instance.userData);
  return tree;
}

function optionalId(prefix: 'ami' | 'aki' | 'ari', id: number | null): string | undefined {
  return id === null ? undefined : ec2Id(prefix, id);
}

// Only when the instance has a key: {"0": {"_name": "0=<name>", "openssh-key": <key>}}, so that
// public-keys/ lists "0=<name>" and public-keys/0/ lists "openssh-key".
function publicKeys(instance: Instance): Ec2Dir | undefined {
  const key = instance.keypairs[0];
  if (key === undefined) return undefined;
  const entry = new Map([
    ['_name', `0=${key.name}`],
    ['openssh-key', key.publicKey],
  ]);
  return new Map([['0', entry]]);
}

function placement(instance: Instance): Ec2Dir {
  return new Map([['availability-zone', instance.availabilityZone]]);
}

// ec2utils.get_ip_info_for_instance_from_nw_info: the fixed IPs VIF by VIF, subnet by subnet.
export function firstFixedIpv4(record: InstanceRecord): string | undefined {
  for (const { port, network } of record.ports) {
    for (const { subnet, ips } of vifSubnets(port, network)) {
      if (subnet.ipVersion === 4 && ips[0] !== undefined) return ips[0];
    }
  }
  return undefined;
}

function firstFloatingIp(record: InstanceRecord): string | undefined {
  return record.ports.find(({ port }) => port.floatingIp !== null)?.port.floatingIp ?? undefined;
}
