// One instance (and its ports) in inventory form, keys in the order docs/inventory.md lists them.
// Fields whose default is empty (null, [], {}) are left out when empty; all others are written.
import type { BlockDevice, DeviceMetadata, Instance } from '../model/instance.js';
import type { Port } from '../model/port.js';
import { formatEc2Id } from './ec2-id.js';
import { userDataText } from './user-data-text.js';

type Out = Record<string, unknown>;

export function exportInstance(
  instance: Instance,
  ports: readonly Port[],
  networkName: ReadonlyMap<string, string>,
): Out {
  const i = instance;
  const out: Out = {
    name: i.name,
    uuid: i.uuid,
    hostname: i.hostname,
    project_id: i.projectId,
    availability_zone: i.availabilityZone,
    launch_index: i.launchIndex,
    flavor: i.flavor,
  };
  optional(out, { image_id: i.imageId, kernel_id: i.kernelId, ramdisk_id: i.ramdiskId });
  Object.assign(out, {
    reservation_id: i.reservationId,
    ec2_id: formatEc2Id('i', i.ec2Id),
    created_at: i.createdAt,
  });
  optional(out, {
    metadata: i.metadata,
    keys: i.keypairs.map((k) => ({ name: k.name, type: k.type, public_key: k.publicKey })),
  });
  out['security_groups'] = i.securityGroups;
  out['root_device_name'] = i.rootDeviceName;
  optional(out, {
    default_ephemeral_device: i.defaultEphemeralDevice,
    default_swap_device: i.defaultSwapDevice,
    block_devices: i.blockDevices.map(exportBlockDevice),
    devices: i.devices.map(exportDevice),
    dedicated_cpus: i.dedicatedCpus,
    ...exportUserData(i.userData),
    vendor_data: i.vendorData,
    tags: i.tags,
    http_tokens: i.httpTokens,
    ports: ports.map((p) => exportPort(p, networkName)),
  });
  return out;
}

/** Adds the entries that are not empty (null, [] or {}). */
function optional(out: Out, entries: Out): void {
  for (const [key, value] of Object.entries(entries)) {
    if (value === null || value === undefined) continue;
    if (Array.isArray(value) && value.length === 0) continue;
    if (typeof value === 'object' && !Array.isArray(value) && Object.keys(value as object).length === 0)
      continue;
    out[key] = value;
  }
}

function exportUserData(bytes: Buffer | null): Out {
  if (bytes === null) return {};
  const text = userDataText(bytes);
  return text === undefined ? { user_data_base64: bytes.toString('base64') } : { user_data: text };
}

function exportBlockDevice(b: BlockDevice): Out {
  const out: Out = {
    device_name: b.deviceName,
    source_type: b.sourceType,
    destination_type: b.destinationType,
  };
  optional(out, { guest_format: b.guestFormat, boot_index: b.bootIndex });
  return out;
}

function exportDevice(d: DeviceMetadata): Out {
  const out: Out = { type: d.type, bus: d.bus, address: d.address };
  if (d.tags.length > 0) out['tags'] = d.tags;
  const extra: Out = {
    mac: d.mac,
    vlan: d.vlan,
    vf_trusted: d.vfTrusted,
    serial: d.serial,
    path: d.path,
    share_id: d.shareId,
    tag: d.tag,
  };
  for (const [key, value] of Object.entries(extra)) if (value !== undefined) out[key] = value;
  return out;
}

function exportPort(p: Port, networkName: ReadonlyMap<string, string>): Out {
  const out: Out = { network: networkName.get(p.networkId) ?? p.networkId, id: p.id, mac: p.mac };
  if (p.fixedIps.length === 1) out['ip'] = p.fixedIps[0];
  else out['ips'] = p.fixedIps;
  if (p.floatingIp !== null) out['floating_ip'] = p.floatingIp;
  out['vif_type'] = p.vifType;
  out['devname'] = p.devname;
  return out;
}
