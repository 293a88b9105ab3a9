// What an instance gets for each key the inventory leaves out. One table, read by the parser (to
// fill in) and the exporter (to write every value explicitly), and listed in docs/inventory.md.

export const INSTANCE_DEFAULTS = {
  /** Any string works; the signed listener compares it with X-Tenant-ID. */
  projectId: 'default',
  /** Nova's [DEFAULT] default_availability_zone. */
  availabilityZone: 'nova',
  launchIndex: 0,
  /** EC2 instance-type; DevStack's usual flavor. */
  flavor: 'm1.small',
  /** Nova puts every instance in its project's "default" group unless told otherwise. */
  securityGroups: ['default'] as readonly string[],
  /** What Nova's libvirt driver records for a virtio root disk. */
  rootDeviceName: '/dev/vda',
  /** Neutron ML2/OVS binding:vif_type. */
  vifType: 'ovs',
  /** Nova's keypair default. */
  keyType: 'ssh',
} as const;
