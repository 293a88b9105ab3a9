// EC2 meta-data/block-device-mapping/ (nova/block_device.py instance_block_mapping, reached from
// base.py _format_instance_mapping with the instance's BDMs in their stored order).
import type { BlockDevice, Instance } from '../model/instance.js';
import type { Ec2Dir } from './ec2-node.js';

// What Nova shows when the instance has no root_device_name (block_device._DEFAULT_MAPPINGS).
const DEFAULT_MAPPINGS: ReadonlyMap<string, string> = new Map([
  ['ami', 'sda1'],
  ['ephemeral0', 'sda2'],
  ['root', '/dev/sda1'],
  ['swap', 'sda3'],
]);

type MappingInput = Pick<
  Instance,
  'rootDeviceName' | 'defaultEphemeralDevice' | 'defaultSwapDevice' | 'blockDevices'
>;

export function blockDeviceMapping(instance: MappingInput): Ec2Dir {
  const root = instance.rootDeviceName;
  if (root === null) return DEFAULT_MAPPINGS;
  const mappings = new Map<string, string>([
    ['ami', root.replace(/^\/dev\//, '')],
    ['root', root],
  ]);
  if (instance.defaultEphemeralDevice) mappings.set('ephemeral0', instance.defaultEphemeralDevice);
  if (instance.defaultSwapDevice) mappings.set('swap', instance.defaultSwapDevice);
  addVolumes(mappings, instance.blockDevices);
  addBlanks(mappings, instance.blockDevices);
  return mappings;
}

// Every BDM whose destination is a volume becomes ebsN, numbered after sorting the device names
// ("not sure how ebs device should be numbered... sort by device name for deterministic result").
function addVolumes(mappings: Map<string, string>, devices: readonly BlockDevice[]): void {
  const names = devices.filter((d) => d.destinationType === 'volume').map((d) => d.deviceName);
  names.sort().forEach((name, n) => mappings.set(`ebs${n}`, name));
}

// Of the remaining blank BDMs, the last one formatted as swap overrides `swap`, and the others
// become ephemeral0, ephemeral1, … in order (overriding default_ephemeral_device).
function addBlanks(mappings: Map<string, string>, devices: readonly BlockDevice[]): void {
  const blanks = devices.filter((d) => d.destinationType !== 'volume' && d.sourceType === 'blank');
  const swaps = blanks.filter((d) => d.guestFormat === 'swap');
  const lastSwap = swaps[swaps.length - 1];
  if (lastSwap !== undefined) mappings.set('swap', lastSwap.deviceName);
  blanks
    .filter((d) => d.guestFormat !== 'swap')
    .forEach((d, n) => mappings.set(`ephemeral${n}`, d.deviceName));
}
