// meta_data.json "devices" (nova/api/metadata/base.py _get_device_metadata,
// reference/openstack-metadata.md §2.8): the device-tagging records, gated by version.
import type { DeviceMetadata } from '../model/instance.js';
import type { JsonValue } from './python-json.js';
import { EPOXY, OCATA, openstackAtLeast, ROCKY, type OpenstackVersion } from './openstack-versions.js';

type Entry = Map<string, JsonValue>;

// The bus classes Nova knows (PCIDeviceBus … XenDeviceBus); a device on any other bus is skipped.
// "none" stands for a device without a bus: Nova then prints bus and address as "none".
const KNOWN_BUSES = new Set(['pci', 'usb', 'scsi', 'ide', 'xen', 'none']);

// The type-specific keys, in Nova's insertion order; undefined skips the device.
const TYPE_KEYS: Record<
  DeviceMetadata['type'],
  (d: DeviceMetadata, v: OpenstackVersion) => Entry | undefined
> = {
  nic: nicKeys,
  disk: diskKeys,
  // Before 2025-04-04 a share is an "unknown type" to Nova and left out.
  share: (d, v) => (openstackAtLeast(v, EPOXY) ? shareKeys(d) : undefined),
};

export function deviceMetadata(devices: readonly DeviceMetadata[], version: OpenstackVersion): Entry[] {
  const out: Entry[] = [];
  for (const device of devices) {
    if (!KNOWN_BUSES.has(device.bus) || !Object.hasOwn(TYPE_KEYS, device.type)) continue;
    const entry = TYPE_KEYS[device.type](device, version);
    if (entry === undefined) continue;
    entry.set('bus', device.bus);
    entry.set('address', device.bus === 'none' ? 'none' : device.address);
    // Nova emits tags only when the device was tagged; an empty list here means untagged.
    if (device.tags.length > 0) entry.set('tags', [...device.tags]);
    out.push(entry);
  }
  return out;
}

// vlan (2017-02-22, when set) and vf_trusted (2018-08-27, always) come first. A NIC with neither and
// no tag is hidden ("If a device has neither tags, vlan or vf_trusted, don't expose it"), so from
// 2018-08-27 every NIC is shown.
function nicKeys(d: DeviceMetadata, version: OpenstackVersion): Entry | undefined {
  const entry: Entry = new Map();
  if (openstackAtLeast(version, OCATA) && d.vlan != null) entry.set('vlan', d.vlan);
  if (openstackAtLeast(version, ROCKY)) entry.set('vf_trusted', d.vfTrusted ?? false);
  entry.set('type', 'nic');
  entry.set('mac', d.mac ?? null);
  if (d.tags.length === 0 && !entry.has('vlan') && !entry.has('vf_trusted')) return undefined;
  return entry;
}

// serial and path are optional on Nova's DiskMetadata and printed only when set.
function diskKeys(d: DeviceMetadata): Entry {
  const entry: Entry = new Map([['type', 'disk']]);
  if (d.serial != null) entry.set('serial', d.serial);
  if (d.path != null) entry.set('path', d.path);
  return entry;
}

function shareKeys(d: DeviceMetadata): Entry {
  return new Map<string, JsonValue>([
    ['type', 'share'],
    ['share_id', d.shareId ?? null],
    ['tag', d.tag ?? null],
  ]);
}
