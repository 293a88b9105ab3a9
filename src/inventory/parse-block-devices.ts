// instances[i].block_devices: Nova's block-device mapping, as far as the EC2
// block-device-mapping/ tree uses it (nova/block_device.py instance_block_mapping).
import type { BlockDevice } from '../model/instance.js';
import type { IssueList, PathPart } from './inventory-issue.js';
import { MapReader } from './map-reader.js';
import { readList } from './read-list.js';

const KEYS = ['device_name', 'source_type', 'destination_type', 'guest_format', 'boot_index'] as const;
const SOURCE_TYPES: readonly BlockDevice['sourceType'][] = ['image', 'volume', 'snapshot', 'blank'];
const DESTINATION_TYPES: readonly BlockDevice['destinationType'][] = ['local', 'volume'];

export function readBlockDevices(instance: MapReader, issues: IssueList): BlockDevice[] | undefined {
  return readList(instance, 'block_devices', issues, parseBlockDevice);
}

function parseBlockDevice(
  value: unknown,
  path: readonly PathPart[],
  issues: IssueList,
): BlockDevice | undefined {
  const r = new MapReader(value, path, issues, KEYS);
  if (!r.ok) return undefined;
  const before = issues.count;
  const deviceName = r.string('device_name', true);
  const sourceType = r.oneOf('source_type', SOURCE_TYPES, true);
  const destinationType = r.oneOf('destination_type', DESTINATION_TYPES, true);
  const guestFormat = r.nullableString('guest_format') ?? null;
  // Nova: null or -1 mean "not a boot device"; 0 is the boot disk.
  const bootIndex = r.nullableInteger('boot_index', -1, 1024) ?? null;
  if (issues.count > before || !deviceName || !sourceType || !destinationType) return undefined;
  return { deviceName, sourceType, destinationType, guestFormat, bootIndex };
}
