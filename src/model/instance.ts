// The data model's instance: everything Nova exposes through the metadata API
// (reference/openstack-metadata.md §2.6–2.13), stored once, rendered many times.

export interface Keypair {
  name: string;
  /** Nova's keypair types. */
  type: 'ssh' | 'x509';
  /** Public key text, as stored (no trailing newline is added or removed). */
  publicKey: string;
}

/**
 * A block-device mapping entry, as Nova's BDM holds it. Only what the EC2
 * block-device-mapping/ tree needs (nova/block_device.py instance_block_mapping).
 */
export interface BlockDevice {
  /** e.g. "/dev/vdb". */
  deviceName: string;
  sourceType: 'image' | 'volume' | 'snapshot' | 'blank';
  destinationType: 'local' | 'volume';
  /** "swap" marks a blank device as the swap device. */
  guestFormat: string | null;
  bootIndex: number | null;
}

/** Device-tagging metadata (meta_data.json "devices", reference §2.8). */
export interface DeviceMetadata {
  type: 'nic' | 'disk' | 'share';
  /** "pci" | "usb" | "scsi" | "ide" | "xen" | "none". */
  bus: string;
  /** Bus address, e.g. "0000:00:03.0", or "none". */
  address: string;
  tags: string[];
  /** nic */
  mac?: string;
  /** nic: VLAN id, shown from 2017-02-22. */
  vlan?: number | null;
  /** nic: SR-IOV trusted VF, shown from 2018-08-27. */
  vfTrusted?: boolean;
  /** disk */
  serial?: string | null;
  /** disk */
  path?: string | null;
  /** share (2025-04-04) */
  shareId?: string;
  /** share */
  tag?: string;
}

export interface Instance {
  uuid: string;
  /** Display name (meta_data.json "name"). */
  name: string;
  /** Short hostname; the FQDN adds the configured dhcp domain (Nova [api] dhcp_domain). */
  hostname: string;
  projectId: string;
  availabilityZone: string | null;
  launchIndex: number;
  /** Flavor name (EC2 instance-type). */
  flavor: string;
  /** Image UUID, or null (boot from volume: EC2 ami-id renders "None"). */
  imageId: string | null;
  kernelId: string | null;
  ramdiskId: string | null;
  /** "r-" + 8 chars of [0-9a-z]. */
  reservationId: string;
  /** Integer behind i-%08x: assigned once from the store's sequence, never recomputed. */
  ec2Id: number;
  /** Integers behind ami-/aki-/ari-%08x, from the store's image-id mapping (Nova s3_images); null when no image. */
  ec2ImageId: number | null;
  ec2KernelId: number | null;
  ec2RamdiskId: number | null;
  /** User metadata ("meta" in meta_data.json), in insertion order. */
  metadata: Record<string, string>;
  /** The first keypair is the instance's key_name (EC2 public-keys/0, meta_data.json public_keys). */
  keypairs: Keypair[];
  /** Security-group names (EC2 security-groups). */
  securityGroups: string[];
  rootDeviceName: string | null;
  defaultEphemeralDevice: string | null;
  defaultSwapDevice: string | null;
  blockDevices: BlockDevice[];
  devices: DeviceMetadata[];
  /** Pinned host CPUs (meta_data.json dedicated_cpus, 2020-10-14). */
  dedicatedCpus: number[];
  /** Raw user-data bytes, at most USER_DATA_MAX_BYTES; null when none. */
  userData: Buffer | null;
  /** Per-instance vendor data, merged over the static vendor data (an openimds extension); null when none. */
  vendorData: Record<string, unknown> | null;
  /** Free-form tags (not shown to the guest by Nova's API). */
  tags: string[];
  /** IMDSv2 session-token policy for this instance; null: the service's default (http_tokens setting). */
  httpTokens: HttpTokens | null;
  /** Guest-posted password (write-once, reference §2.12); null until set. */
  password: string | null;
  /** ISO 8601 UTC. */
  createdAt: string;
  /** Bumped by every change to the instance or its ports; render caches key on it. */
  revision: number;
}

/**
 * Session-token policy (AWS MetadataOptions.HttpTokens, plus audit): optional serves requests without a
 * token; audit serves them too but counts and logs them; required answers them 401.
 */
export type HttpTokens = 'optional' | 'audit' | 'required';
export const HTTP_TOKENS_VALUES: readonly HttpTokens[] = ['optional', 'audit', 'required'];

/** Nova's API-side limit for user data (reference §2.10). */
export const USER_DATA_MAX_BYTES = 65535;
/** Nova's password limit (reference §2.12). */
export const PASSWORD_MAX_BYTES = 1020;
