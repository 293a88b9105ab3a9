// instances[i].devices: device-tagging metadata (meta_data.json "devices", reference §2.8). Each
// type takes its own keys: a nic its MAC, VLAN and trust flag; a disk its serial and path; a share
// its id and tag.
import type { DeviceMetadata } from '../model/instance.js';
import { checkMac } from './check-address.js';
import type { IssueList, PathPart } from './inventory-issue.js';
import { MapReader } from './map-reader.js';
import { readList } from './read-list.js';

const TYPES: readonly DeviceMetadata['type'][] = ['nic', 'disk', 'share'];
const BUSES = ['pci', 'usb', 'scsi', 'ide', 'xen', 'none'] as const;
const COMMON_KEYS = ['type', 'bus', 'address', 'tags'] as const;
const TYPE_KEYS: Record<DeviceMetadata['type'], readonly string[]> = {
  nic: ['mac', 'vlan', 'vf_trusted'],
  disk: ['serial', 'path'],
  share: ['share_id', 'tag'],
};
const ALL_KEYS = [...COMMON_KEYS, ...TYPE_KEYS.nic, ...TYPE_KEYS.disk, ...TYPE_KEYS.share];

export function readDevices(instance: MapReader, issues: IssueList): DeviceMetadata[] | undefined {
  return readList(instance, 'devices', issues, parseDevice);
}

function parseDevice(
  value: unknown,
  path: readonly PathPart[],
  issues: IssueList,
): DeviceMetadata | undefined {
  const r = new MapReader(value, path, issues, ALL_KEYS);
  if (!r.ok) return undefined;
  const before = issues.count;
  const type = r.oneOf('type', TYPES, true);
  const bus = r.oneOf('bus', BUSES, true);
  const address = r.string('address', true);
  const tags = r.stringList('tags') ?? [];
  for (const other of TYPES.filter((t) => t !== type && type !== undefined)) {
    for (const key of TYPE_KEYS[other]) if (r.has(key)) r.fail(key, `applies to ${other} devices only`);
  }
  if (type === undefined || bus === undefined || address === undefined) return undefined;
  const extra = type === 'nic' ? readNic(r, issues) : type === 'disk' ? readDisk(r) : readShare(r);
  if (issues.count > before) return undefined;
  return { type, bus, address, tags, ...extra };
}

function readNic(r: MapReader, issues: IssueList): Partial<DeviceMetadata> {
  const macText = r.string('mac', true);
  const out: Partial<DeviceMetadata> = {};
  if (macText !== undefined) out.mac = checkMac(macText, r.at('mac'), issues);
  if (r.has('vlan')) out.vlan = r.nullableInteger('vlan', 1, 4094);
  if (r.has('vf_trusted')) out.vfTrusted = r.boolean('vf_trusted');
  return out;
}

function readDisk(r: MapReader): Partial<DeviceMetadata> {
  const out: Partial<DeviceMetadata> = {};
  if (r.has('serial')) out.serial = r.nullableString('serial');
  if (r.has('path')) out.path = r.nullableString('path');
  return out;
}

function readShare(r: MapReader): Partial<DeviceMetadata> {
  return { shareId: r.string('share_id', true), tag: r.string('tag', true) };
}
