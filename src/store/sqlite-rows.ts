// Row shapes of the SQLite tables and their mapping to and from the model: JSON text columns for the
// nested lists and maps, a BLOB for user data (raw bytes, never re-encoded).
import type { Instance } from '../model/instance.js';
import type { Network, Router } from '../model/network.js';
import type { Port } from '../model/port.js';
import type { PortMatch } from './store.js';

export type RouterRow = Router;

export interface NetworkRow {
  id: string;
  name: string;
  router_id: string | null;
  mtu: number | null;
  subnets: string;
  attach: string | null;
}

export interface InstanceRow {
  uuid: string;
  name: string;
  revision: number;
  project_id: string;
  ec2_id: number;
  hostname: string;
  availability_zone: string | null;
  launch_index: number;
  flavor: string;
  image_id: string | null;
  kernel_id: string | null;
  ramdisk_id: string | null;
  ec2_image_id: number | null;
  ec2_kernel_id: number | null;
  ec2_ramdisk_id: number | null;
  reservation_id: string;
  metadata: string;
  keypairs: string;
  security_groups: string;
  root_device_name: string | null;
  default_ephemeral_device: string | null;
  default_swap_device: string | null;
  block_devices: string;
  devices: string;
  dedicated_cpus: string;
  vendor_data: string | null;
  tags: string;
  password: string | null;
  created_at: string;
  user_data: Buffer | null;
  http_tokens: string | null;
}

export interface PortRow {
  id: string;
  instance_uuid: string;
  network_id: string;
  mac: string;
  floating_ip: string | null;
  vif_type: string;
  devname: string | null;
  /** JSON string[], in the port's order (json_group_array over port_addresses). */
  fixed_ips: string;
}

/** A port found on the request path, with the two instance columns the caller needs. */
export interface PortMatchRow extends PortRow {
  project_id: string;
  revision: number;
}

/** A port of an instance record, with its network's columns prefixed `n_`. */
export interface RecordPortRow extends PortRow {
  n_id: string;
  n_name: string;
  n_router_id: string | null;
  n_mtu: number | null;
  n_subnets: string;
  n_attach: string | null;
}

export function networkFromRow(row: NetworkRow): Network {
  return {
    id: row.id,
    name: row.name,
    subnets: JSON.parse(row.subnets) as Network['subnets'],
    mtu: row.mtu,
    routerId: row.router_id,
    attach: row.attach === null ? null : (JSON.parse(row.attach) as Network['attach']),
  };
}

export function networkToRow(network: Network): NetworkRow {
  return {
    id: network.id,
    name: network.name,
    router_id: network.routerId,
    mtu: network.mtu,
    subnets: JSON.stringify(network.subnets),
    attach: network.attach === null ? null : JSON.stringify(network.attach),
  };
}

export function portFromRow(row: PortRow): Port {
  return {
    id: row.id,
    instanceUuid: row.instance_uuid,
    networkId: row.network_id,
    mac: row.mac,
    fixedIps: JSON.parse(row.fixed_ips) as string[],
    floatingIp: row.floating_ip,
    vifType: row.vif_type,
    devname: row.devname,
  };
}

export function matchFromRow(row: PortMatchRow): PortMatch {
  return {
    port: portFromRow(row),
    instanceUuid: row.instance_uuid,
    projectId: row.project_id,
    revision: row.revision,
  };
}

export function recordPortFromRow(row: RecordPortRow): { port: Port; network: Network } {
  const network = networkFromRow({
    id: row.n_id,
    name: row.n_name,
    router_id: row.n_router_id,
    mtu: row.n_mtu,
    subnets: row.n_subnets,
    attach: row.n_attach,
  });
  return { port: portFromRow(row), network };
}

export function instanceFromRow(row: InstanceRow): Instance {
  return {
    uuid: row.uuid,
    name: row.name,
    hostname: row.hostname,
    projectId: row.project_id,
    availabilityZone: row.availability_zone,
    launchIndex: row.launch_index,
    flavor: row.flavor,
    imageId: row.image_id,
    kernelId: row.kernel_id,
    ramdiskId: row.ramdisk_id,
    reservationId: row.reservation_id,
    ec2Id: row.ec2_id,
    ec2ImageId: row.ec2_image_id,
    ec2KernelId: row.ec2_kernel_id,
    ec2RamdiskId: row.ec2_ramdisk_id,
    metadata: JSON.parse(row.metadata) as Instance['metadata'],
    keypairs: JSON.parse(row.keypairs) as Instance['keypairs'],
    securityGroups: JSON.parse(row.security_groups) as string[],
    rootDeviceName: row.root_device_name,
    defaultEphemeralDevice: row.default_ephemeral_device,
    defaultSwapDevice: row.default_swap_device,
    blockDevices: JSON.parse(row.block_devices) as Instance['blockDevices'],
    devices: JSON.parse(row.devices) as Instance['devices'],
    dedicatedCpus: JSON.parse(row.dedicated_cpus) as number[],
    userData: row.user_data,
    vendorData: row.vendor_data === null ? null : (JSON.parse(row.vendor_data) as Instance['vendorData']),
    tags: JSON.parse(row.tags) as string[],
    httpTokens: row.http_tokens as Instance['httpTokens'],
    password: row.password,
    createdAt: row.created_at,
    revision: row.revision,
  };
}

export function instanceToRow(instance: Instance): InstanceRow {
  return {
    uuid: instance.uuid,
    name: instance.name,
    revision: instance.revision,
    project_id: instance.projectId,
    ec2_id: instance.ec2Id,
    hostname: instance.hostname,
    availability_zone: instance.availabilityZone,
    launch_index: instance.launchIndex,
    flavor: instance.flavor,
    image_id: instance.imageId,
    kernel_id: instance.kernelId,
    ramdisk_id: instance.ramdiskId,
    ec2_image_id: instance.ec2ImageId,
    ec2_kernel_id: instance.ec2KernelId,
    ec2_ramdisk_id: instance.ec2RamdiskId,
    reservation_id: instance.reservationId,
    metadata: JSON.stringify(instance.metadata),
    keypairs: JSON.stringify(instance.keypairs),
    security_groups: JSON.stringify(instance.securityGroups),
    root_device_name: instance.rootDeviceName,
    default_ephemeral_device: instance.defaultEphemeralDevice,
    default_swap_device: instance.defaultSwapDevice,
    block_devices: JSON.stringify(instance.blockDevices),
    devices: JSON.stringify(instance.devices),
    dedicated_cpus: JSON.stringify(instance.dedicatedCpus),
    vendor_data: instance.vendorData === null ? null : JSON.stringify(instance.vendorData),
    tags: JSON.stringify(instance.tags),
    password: instance.password,
    created_at: instance.createdAt,
    user_data: instance.userData,
    http_tokens: instance.httpTokens,
  };
}
